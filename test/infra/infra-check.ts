/**
 * What `npm run check:infra` asserts about an evaluated sst.config.ts (see sst-stand-ins.ts), as a list of problems
 * so a test can also show that a broken config is caught. Checks, against the expectations the caller states:
 * - every Lambda handler "<file>.<export>" names a file that builds (esbuild, as SST bundles it) and exports it;
 * - every cron's schedule, and that its event names the cron its file registers with cronHandler;
 * - every secret link, and that the linked secrets plus the plain environment are a configuration lib/config
 *   accepts for a deployment (Supabase, QStash);
 * - the gateway's secrets reach it under lib/config's names and make a valid configuration too;
 * - the gateway fleet: its task range and sessions per task, a rolling deployment that keeps every task until its
 *   replacement is healthy, /health for both the load balancer and the container, a stop timeout for the handover,
 *   and every Lambda in the VPC the tasks run in (they call a task at its private address).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { SECRET_ENV, type SecretName } from "../../infra/secret-env.js";
import { lambdaConfig } from "../../functions/lambda-services.js";
import { loadConfig } from "../../lib/config/index.js";
import { recordBehind, type Recorded } from "./sst-stand-ins.js";

export interface Expected {
  api: { handler: string; secrets: readonly SecretName[] };
  /** handler → schedule, and the secrets every cron links. */
  crons: Record<string, string>;
  cronSecrets: readonly SecretName[];
  gateway: {
    dockerfile: string;
    secrets: readonly SecretName[];
    fleet: { minTasks: number; maxTasks: number; sessionsPerTask: number };
  };
}

/** A value long enough for every secret lib/config checks, unique per secret so a swap shows. */
const sample = (name: string) => `sample-${name}-0123456789abcdef`;

async function handlerProblems(root: string, handler: string): Promise<string[]> {
  const m = /^(.+)\.([A-Za-z_$][\w$]*)$/.exec(handler);
  if (!m) return [`handler "${handler}" is not "<file>.<export>"`];
  const [, file, exportName] = m as unknown as [string, string, string];
  const path = join(root, `${file}.ts`);
  if (!existsSync(path)) return [`handler "${handler}": ${file}.ts does not exist`];
  try {
    const result = await build({
      entryPoints: [path],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      packages: "external",
      write: false,
      outdir: join(root, ".sst", "check-infra"),
      metafile: true,
      logLevel: "silent",
    });
    const exports = Object.values(result.metafile.outputs).flatMap((o) => o.exports);
    if (!exports.includes(exportName)) return [`handler "${handler}": ${file}.ts does not export "${exportName}"`];
  } catch (err) {
    return [`handler "${handler}": ${file}.ts does not build: ${(err as Error).message.split("\n")[0]}`];
  }
  return [];
}

/** The name a cron file gave cronHandler: its handler refuses an event naming another cron, and says its own. */
async function registeredCronName(root: string, handler: string): Promise<string | undefined> {
  const [file, exportName] = [handler.slice(0, handler.lastIndexOf(".")), handler.slice(handler.lastIndexOf(".") + 1)];
  const mod = (await import(join(root, `${file}.ts`))) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== "function") return undefined;
  try {
    await (fn as (e: unknown) => Promise<unknown>)({ cron: "\u0000probe" });
  } catch (err) {
    return /^cron "([^"]+)" invoked with/.exec((err as Error).message)?.[1];
  }
  return undefined;
}

function linkedSecretNames(link: unknown, declared: Set<string>, where: string, problems: string[]): string[] {
  const names: string[] = [];
  for (const item of (link as unknown[] | undefined) ?? []) {
    const r = recordBehind(item);
    if (!r || r.type !== "sst.Secret" || !declared.has(r.name)) problems.push(`${where} links something that is not a declared secret`);
    else names.push(r.name);
  }
  return names;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

function configProblem(where: string, build: () => unknown): string[] {
  try {
    build();
    return [];
  } catch (err) {
    return [`${where}: its environment and secrets are not a valid configuration: ${(err as Error).message}`];
  }
}

export async function infraProblems(records: Recorded[], root: string, expected: Expected): Promise<string[]> {
  const problems: string[] = [];
  const of = (type: string) => records.filter((r) => r.type === type);

  const declared = new Set(of("sst.Secret").map((r) => r.name));
  for (const s of SECRET_ENV) if (!declared.has(s.name)) problems.push(`secret ${s.name} (${s.env}) is not declared`);

  // Functions and crons: handler, links, and a configuration lib/config accepts.
  const lambdas: Array<{ where: string; args: Record<string, unknown>; extraEnv: Record<string, unknown> }> = [];
  for (const f of of("sst.aws.Function")) {
    const extraEnv = Object.assign({}, ...f.calls.filter((c) => c.method === "addEnvironment").map((c) => c.args[0]));
    lambdas.push({ where: `Function ${f.name}`, args: f.args, extraEnv });
  }
  const crons = of("sst.aws.CronV2");
  for (const c of crons) lambdas.push({ where: `Cron ${c.name}`, args: c.args.function as Record<string, unknown>, extraEnv: {} });

  const api = of("sst.aws.Function").find((f) => f.args.handler === expected.api.handler);
  if (!api) problems.push(`no Function serves ${expected.api.handler}`);
  else if (api.args.url !== true) problems.push(`Function ${api.name} has no URL`);

  for (const l of lambdas) {
    const handler = String(l.args.handler);
    problems.push(...(await handlerProblems(root, handler)));
    const linked = linkedSecretNames(l.args.link, declared, l.where, problems);
    const want = handler === expected.api.handler ? expected.api.secrets : expected.cronSecrets;
    if (!sameSet(linked, want)) problems.push(`${l.where} links [${[...linked].sort()}], expected [${[...want].sort()}]`);
    const env = { ...(l.args.environment as Record<string, string>), ...l.extraEnv } as Record<string, string>;
    for (const k of ["PUBLIC_URL", "GATEWAY_URL"]) if (!env[k]) problems.push(`${l.where} is not given ${k}`);
    // Placeholders like "<Api.url>" stand for URLs here.
    const concrete = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).startsWith("<") ? "https://placeholder.example" : v]));
    const resource = Object.fromEntries(linked.map((n) => [n, { value: sample(n) }]));
    problems.push(...configProblem(l.where, () => lambdaConfig(concrete, resource)));
  }

  // Crons: exactly the expected schedules, each event naming the cron its file registers.
  const scheduled = Object.fromEntries(crons.map((c) => [String((c.args.function as { handler: string }).handler), c]));
  for (const [handler, schedule] of Object.entries(expected.crons)) {
    const c = scheduled[handler];
    if (!c) {
      problems.push(`no cron runs ${handler}`);
      continue;
    }
    if (c.args.schedule !== schedule) problems.push(`cron ${handler} runs on ${String(c.args.schedule)}, expected ${schedule}`);
    const event = c.args.event as { cron?: string } | undefined;
    if (existsSync(join(root, `${handler.slice(0, handler.lastIndexOf("."))}.ts`))) {
      const name = await registeredCronName(root, handler).catch(() => undefined);
      if (name === undefined) problems.push(`cron ${handler} is not made with cronHandler(name, run)`);
      else if (event?.cron !== name) problems.push(`cron ${handler} sends event cron "${event?.cron}", its file registers "${name}"`);
    }
  }
  for (const handler of Object.keys(scheduled)) if (!(handler in expected.crons)) problems.push(`unexpected cron ${handler}`);

  // Gateway: image, one task, health, and its secrets through ECS under lib/config's names.
  const gateways = of("sst.aws.Service");
  const gateway = gateways[0];
  if (gateways.length !== 1 || !gateway) return [...problems, `expected one Service (the gateway), found ${gateways.length}`];
  const image = gateway.args.image as { context?: string; dockerfile?: string } | undefined;
  if (join(image?.context ?? "", image?.dockerfile ?? "") !== expected.gateway.dockerfile) {
    problems.push(`gateway image is built from ${JSON.stringify(image)}, expected ${expected.gateway.dockerfile}`);
  }
  const parameters = new Map(of("aws.ssm.Parameter").map((p) => [`<${p.name}.arn>`, p]));
  const ssm = (gateway.args.ssm ?? {}) as Record<string, string>;
  const gatewaySecretEnv: Record<string, string> = {};
  for (const [envName, arn] of Object.entries(ssm)) {
    const secret = recordBehind(parameters.get(arn)?.args.value) ?? secretOfPlaceholder(parameters.get(arn)?.args.value, records);
    const entry = SECRET_ENV.find((s) => s.env === envName);
    if (!secret || !entry || secret.name !== entry.name) problems.push(`gateway ${envName} does not come from secret ${entry?.name ?? "?"}`);
    else gatewaySecretEnv[envName] = sample(secret.name);
  }
  const wantEnv = expected.gateway.secrets.map((n) => SECRET_ENV.find((s) => s.name === n)!.env);
  if (!sameSet(Object.keys(ssm), wantEnv)) problems.push(`gateway gets [${Object.keys(ssm).sort()}], expected [${[...wantEnv].sort()}]`);
  if (gateway.args.link !== undefined) problems.push("gateway links resources: the production image has no sst SDK to read them");
  const genv = { ...(gateway.args.environment as Record<string, string>) };
  if (!genv.PUBLIC_URL) problems.push("gateway is not given PUBLIC_URL (the functions' URL)");
  const gconcrete = Object.fromEntries(Object.entries(genv).map(([k, v]) => [k, String(v).startsWith("<") ? "https://placeholder.example" : v]));
  problems.push(
    ...configProblem("gateway", () => {
      const c = loadConfig({ ...gconcrete, ...gatewaySecretEnv });
      if (c.database.kind !== "supabase" || c.dispatch.kind !== "qstash") throw new Error("not Supabase and QStash");
    }),
  );
  problems.push(...fleetProblems(gateway, lambdas.map((l) => ({ where: l.where, vpc: l.args.vpc })), expected.gateway.fleet));
  return problems;
}

/** What the gateway's task definition says, with the config's transform applied as Pulumi would. */
function containerDefinition(transform: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (typeof transform?.taskDefinition !== "function") return undefined;
  const args = { containerDefinitions: JSON.stringify([{ name: "Gateway" }]) };
  (transform.taskDefinition as (a: typeof args) => void)(args);
  return (JSON.parse(args.containerDefinitions) as Array<Record<string, unknown>>)[0];
}

function fleetProblems(
  gateway: Recorded,
  lambdas: Array<{ where: string; vpc: unknown }>,
  want: Expected["gateway"]["fleet"],
): string[] {
  const problems: string[] = [];
  const a = gateway.args;
  const scaling = a.scaling as { min?: number; max?: number; cpuUtilization?: unknown; memoryUtilization?: unknown } | undefined;
  if (scaling?.min !== want.minTasks || scaling?.max !== want.maxTasks) {
    problems.push(`gateway runs ${scaling?.min}..${scaling?.max} tasks, expected ${want.minTasks}..${want.maxTasks}`);
  }
  if (typeof scaling?.cpuUtilization !== "number" || typeof scaling?.memoryUtilization !== "number") {
    problems.push("gateway does not scale on both CPU and memory");
  }
  const sessions = (a.environment as Record<string, string>).GATEWAY_MAX_SESSIONS;
  if (sessions !== String(want.sessionsPerTask)) problems.push(`gateway GATEWAY_MAX_SESSIONS is ${sessions}, expected ${want.sessionsPerTask}`);

  const transform = a.transform as Record<string, unknown> | undefined;
  const service = transform?.service as Record<string, unknown> | undefined;
  if (service?.deploymentMinimumHealthyPercent !== 100 || service?.deploymentMaximumPercent !== 200) {
    problems.push(
      `gateway deploys with ${service?.deploymentMinimumHealthyPercent} % minimum healthy and ${service?.deploymentMaximumPercent} % maximum, expected 100 and 200: a rolling deploy keeps every task until its replacement is healthy`,
    );
  }
  const stop = containerDefinition(transform)?.stopTimeout;
  if (typeof stop !== "number" || stop < 60) problems.push(`gateway stop timeout is ${stop}, too short to hand its sessions over`);

  const lb = a.loadBalancer as { health?: Record<string, { path?: string }> } | undefined;
  const lbPaths = Object.values(lb?.health ?? {}).map((h) => h.path);
  if (lbPaths.length === 0 || lbPaths.some((p) => p !== "/health")) problems.push(`gateway load balancer checks ${JSON.stringify(lbPaths)}, expected /health`);
  const command = (a.health as { command?: string[] } | undefined)?.command;
  if (!command?.join(" ").includes("/health")) problems.push("gateway container has no health check on /health");

  const vpc = recordBehind(recordBehind(a.cluster)?.args.vpc);
  if (!vpc?.args.nat) problems.push("the VPC has no NAT: the functions in it could not reach YClients, QStash or Supabase");
  for (const l of lambdas) {
    if (recordBehind(l.vpc) !== recordBehind(recordBehind(a.cluster)?.args.vpc) || !recordBehind(l.vpc)) {
      problems.push(`${l.where} is not in the gateway tasks' VPC: it cannot reach a task's internal address`);
    }
  }
  return problems;
}

/** A secret's value as the stand-ins render it: "<Name.value>". */
function secretOfPlaceholder(value: unknown, records: Recorded[]): Recorded | undefined {
  const m = /^<(\w+)\.value>$/.exec(String(value));
  return m ? records.find((r) => r.type === "sst.Secret" && r.name === m[1]) : undefined;
}
