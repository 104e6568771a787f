import { Resource } from "sst/resource";
import { SECRET_ENV } from "../infra/secret-env.js";
import { loadConfig, type Config } from "../lib/config/index.js";
import { connectDatabase } from "../lib/db/client.js";
import { createLogger } from "../lib/log.js";
import { createServices } from "./services.js";
import type { Services } from "../lib/services.js";

/**
 * The one place linked SST secrets become configuration: each linked `Resource.<Name>.value` is put under the
 * environment name lib/config reads (infra/secret-env.ts is the table). A secret that is not linked to this
 * function is simply absent, so loadConfig names it if this function needed it after all.
 */
export function envFromResources(resource: object = Resource): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, env: envName } of SECRET_ENV) {
    if (!(name in resource)) continue;
    const linked = (resource as Record<string, { value?: unknown }>)[name];
    if (typeof linked?.value === "string") env[envName] = linked.value;
  }
  return env;
}

/** Configuration of a Lambda: its plain environment (infra sets it) overlaid with the linked secrets. */
export function lambdaConfig(env: Record<string, string | undefined> = process.env, resource: object = Resource): Config {
  // lib/config defaults these to localhost. The Api function gets them right after it is created or its environment
  // changes (sst.config.ts, addEnvironment); a cold start in that moment must fail, not sign and publish for localhost.
  for (const name of ["PUBLIC_URL", "GATEWAY_URL"]) {
    if (!env[name]) throw new Error(`${name} is not set: a Lambda never falls back to localhost`);
  }
  const config = loadConfig({ ...env, ...envFromResources(resource) });
  // Without these a Lambda would quietly open an embedded database in /tmp or wait for a local dispatcher.
  if (config.database.kind !== "supabase") throw new Error("SUPABASE_URL is not set: a Lambda runs on Supabase only");
  if (config.dispatch.kind !== "qstash") throw new Error("QstashToken is not linked: a Lambda publishes through QStash only");
  return config;
}

let cached: Promise<Services> | undefined;

/**
 * Services for this Lambda instance, built once per cold start and shared by every invocation after it.
 * A failed build is not cached, so the next invocation tries again and reports its own error.
 */
export function lambdaServices(): Promise<Services> {
  cached ??= (async () => {
    const config = lambdaConfig();
    const log = createLogger(config.logLevel);
    const database = await connectDatabase(config.database);
    return createServices(config, database.db, log);
  })().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
