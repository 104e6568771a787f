/**
 * `npx tsx fakes/yclients/serve.ts`: the sandbox as its own process. Prints one JSON line
 * `{"url":…,"partnerToken":…,"applicationId":…}` on stdout once listening; stops on SIGTERM/SIGINT.
 * Environment: SANDBOX_PORT (0 = any free port), SANDBOX_PARTNER_TOKEN, SANDBOX_APPLICATION_ID, SANDBOX_LATENCY_MS,
 * SANDBOX_RATE_LIMIT ("5/200" or "off"), SANDBOX_SALON (JSON SalonOptions applied to every salon).
 * The bench runs it apart from the process it measures, so the sandbox counts requests on its own clock, as
 * YClients does, undisturbed by the measured process's database work.
 */
import { randomBytes } from "node:crypto";
import { startYClientsSandbox, type SalonOptions } from "./sandbox.js";

const env = process.env;
const limit = env.SANDBOX_RATE_LIMIT ?? "5/200";
const [perSecond, perMinute] = limit.split("/").map(Number);
const sandbox = await startYClientsSandbox({
  port: Number(env.SANDBOX_PORT ?? 0),
  partnerToken: env.SANDBOX_PARTNER_TOKEN ?? randomBytes(16).toString("hex"),
  applicationId: Number(env.SANDBOX_APPLICATION_ID ?? 1),
  latencyMs: Number(env.SANDBOX_LATENCY_MS ?? 0),
  rateLimit: limit === "off" ? false : { perSecond: perSecond!, perMinute: perMinute! },
  salonDefaults: env.SANDBOX_SALON ? (JSON.parse(env.SANDBOX_SALON) as SalonOptions) : undefined,
});
console.log(JSON.stringify({ url: sandbox.url, partnerToken: sandbox.partnerToken, applicationId: sandbox.applicationId }));
const stop = () => void sandbox.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
