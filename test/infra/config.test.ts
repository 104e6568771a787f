import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_GEMINI_MODEL } from "../../lib/config/env.js";
import { infraProblems, type Expected } from "./infra-check.js";
import { loadSstConfig, recordBehind, type Recorded } from "./sst-stand-ins.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** Stated here, not imported from infra/: the test is the second opinion on the config. */
const EXPECTED: Expected = {
  api: {
    handler: "functions/lambda.handler",
    secrets: [
      "GatewaySecret", "JwtSecret", "YclientsPartnerToken", "YclientsUserToken", "SupabaseServiceRoleKey",
      "QstashToken", "QstashCurrentSigningKey", "QstashNextSigningKey", "GeminiApiKey",
    ],
  },
  crons: {
    "functions/crons/booking-poll.handler": "rate(1 minute)",
    "functions/crons/reminders.handler": "rate(5 minutes)",
    "functions/crons/campaigns.handler": "rate(5 minutes)",
    "functions/crons/sync.handler": "rate(15 minutes)",
    "functions/crons/marketplace-status.handler": "cron(0 3 * * ? *)",
    "functions/crons/outreach.handler": "rate(1 minute)",
  },
  cronSecrets: [
    "GatewaySecret", "JwtSecret", "YclientsPartnerToken", "YclientsUserToken", "SupabaseServiceRoleKey",
    "QstashToken", "QstashCurrentSigningKey", "QstashNextSigningKey",
  ],
  gateway: {
    dockerfile: "whatsapp-gateway/Dockerfile",
    secrets: ["GatewaySecret", "JwtSecret", "SupabaseServiceRoleKey", "QstashToken", "QstashCurrentSigningKey", "QstashNextSigningKey"],
    // Production's defaults: two tasks at least (one may die or be replaced), six at most, 100 sessions each (8 GB tasks).
    fleet: { minTasks: 2, maxTasks: 6, sessionsPerTask: 100 },
  },
};

const DEPLOY_ENV = {
  SUPABASE_URL: "https://abcdefgh.supabase.co",
  YCLIENTS_APPLICATION_ID: "4242",
  GATEWAY_DOMAIN: "wa.example.com",
};

type Evaluation = Awaited<ReturnType<Awaited<ReturnType<typeof loadSstConfig>>["evaluate"]>>;
let sst: Awaited<ReturnType<typeof loadSstConfig>>;
let production: Evaluation;
let personal: Evaluation;

const one = (e: Evaluation, type: string, name?: string): Recorded => {
  const found = e.records.filter((r) => r.type === type && (name === undefined || r.name === name));
  expect(found, `${type} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
};
const cronFor = (records: Recorded[], handler: string) =>
  records.find((r) => r.type === "sst.aws.CronV2" && (r.args.function as { handler: string }).handler === handler)!;

/** A copy of the records with one record's args replaced: how a wrong config would have been recorded. */
function withArgs(records: Recorded[], target: Recorded, change: (args: Record<string, unknown>) => Record<string, unknown>): Recorded[] {
  return records.map((r) => (r === target ? { ...r, args: change(r.args) } : r));
}

beforeAll(async () => {
  sst = await loadSstConfig(resolve(ROOT, "sst.config.ts"));
  production = await sst.evaluate("production", DEPLOY_ENV);
  personal = await sst.evaluate("alice", { SUPABASE_URL: DEPLOY_ENV.SUPABASE_URL, YCLIENTS_APPLICATION_ID: "4242" });
});

describe("sst.config.ts", () => {
  it("passes every infra check: handlers build and export, schedules, links, configurations", async () => {
    expect(await infraProblems(production.records, ROOT, EXPECTED)).toEqual([]);
  });

  it("keeps production's resources and protects them; a personal stage cleans up", () => {
    expect(production.app).toMatchObject({ name: "ai-admin", home: "aws", removal: "retain", protect: true });
    expect(personal.app).toMatchObject({ removal: "remove", protect: false });
  });

  it("runs the app as one Node 22 Lambda behind a URL that knows its own URL and the gateway's", () => {
    const api = one(production, "sst.aws.Function", "Api");
    expect(api.args).toMatchObject({ handler: "functions/lambda.handler", runtime: "nodejs22.x", url: true });
    // Without it the deployed onboarding page would answer 500: web/ is read from disk, not bundled.
    expect(api.args.copyFiles).toEqual([{ from: "web", to: "web" }]);
    expect(api.args.environment).toMatchObject({ SUPABASE_URL: DEPLOY_ENV.SUPABASE_URL, YCLIENTS_APPLICATION_ID: "4242" });
    // infra keeps its own copy of the app's default model list; they must not drift apart.
    expect(api.args.environment).toMatchObject({ GEMINI_MODEL: DEFAULT_GEMINI_MODEL });
    expect(api.calls).toEqual([{ method: "addEnvironment", args: [{ PUBLIC_URL: "<Api.url>", GATEWAY_URL: "<Gateway.url>" }] }]);
    expect(production.outputs).toMatchObject({
      yclientsRedirectUrl: "<Api.url>auth/yclients/redirect",
      yclientsCallbackUrl: "<Api.url>webhook/yclients",
    });
  });

  it("sends each cron its own name and the functions' URLs, never the HTTP app", () => {
    for (const handler of Object.keys(EXPECTED.crons)) {
      const c = cronFor(production.records, handler);
      const fn = c.args.function as Record<string, unknown>;
      expect(c.args.event).toEqual({ cron: handler.replace("functions/crons/", "").replace(".handler", "") });
      expect(fn).toMatchObject({ runtime: "nodejs22.x", environment: { PUBLIC_URL: "<Api.url>", GATEWAY_URL: "<Gateway.url>" } });
    }
  });

  it("runs the gateway as a fleet of tasks from its Dockerfile, WebSocket-capable ALB on HTTPS, /health, graceful stop", () => {
    const gw = one(production, "sst.aws.Service", "Gateway");
    expect(recordBehind(gw.args.cluster)?.type).toBe("sst.aws.Cluster");
    expect(recordBehind(recordBehind(gw.args.cluster)?.args.vpc)?.type).toBe("sst.aws.Vpc");
    expect(gw.args.scaling).toMatchObject({ min: 2, max: 6, cpuUtilization: 60, memoryUtilization: 70 });
    expect(gw.args.environment).toMatchObject({
      PUBLIC_URL: "<Api.url>", WHATSAPP_TRANSPORT: "baileys", GATEWAY_TRUST_PROXY: "true", GATEWAY_MAX_SESSIONS: "100",
      NODE_OPTIONS: "--max-old-space-size=7168",
    });
    // Sized for ~60 MB per real Baileys session (infra/gateway-fleet.ts): 100 sessions need the 8 GB.
    expect([gw.args.cpu, gw.args.memory]).toEqual(["1 vCPU", "8 GB"]);
    const lb = gw.args.loadBalancer as Record<string, unknown>;
    expect(lb).toMatchObject({
      public: true,
      domain: "wa.example.com",
      rules: [{ listen: "80/http", redirect: "443/https" }, { listen: "443/https", forward: "8788/http" }],
    });
    expect((lb.health as Record<string, { path: string }>)["8788/http"]?.path).toBe("/health");
    const transform = gw.args.transform as Record<string, any>;
    // Rolling: the new tasks turn healthy before an old one is stopped; a task that never does is rolled back.
    expect(transform.service).toMatchObject({ deploymentMinimumHealthyPercent: 100, deploymentMaximumPercent: 200 });
    expect(transform.service.healthCheckGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    expect(transform.loadBalancer.idleTimeout).toBeGreaterThanOrEqual(600);
    const taskArgs = { containerDefinitions: JSON.stringify([{ name: "Gateway", image: "x" }]) };
    transform.taskDefinition(taskArgs);
    expect(JSON.parse(taskArgs.containerDefinitions)).toEqual([{ name: "Gateway", image: "x", stopTimeout: 120 }]);
  });

  it("puts the functions and the crons in the gateway tasks' VPC, which has NAT to reach the outside", () => {
    const vpc = one(production, "sst.aws.Vpc");
    expect(vpc.args.nat).toBe("ec2");
    expect(recordBehind(one(production, "sst.aws.Function", "Api").args.vpc)).toBe(vpc);
    for (const handler of Object.keys(EXPECTED.crons)) {
      expect(recordBehind((cronFor(production.records, handler).args.function as { vpc: unknown }).vpc)).toBe(vpc);
    }
  });

  it("takes the task range and sessions per task from the stage's settings, and refuses nonsense", async () => {
    expect(one(personal, "sst.aws.Service", "Gateway").args.scaling).toMatchObject({ min: 1, max: 2 });
    const sized = await sst.evaluate("production", { ...DEPLOY_ENV, GATEWAY_TASKS_MIN: "3", GATEWAY_TASKS_MAX: "12", GATEWAY_MAX_SESSIONS: "80" });
    const gw = one(sized, "sst.aws.Service", "Gateway");
    expect(gw.args.scaling).toMatchObject({ min: 3, max: 12 });
    expect(gw.args.environment).toMatchObject({ GATEWAY_MAX_SESSIONS: "80" });
    expect(await infraProblems(sized.records, ROOT, { ...EXPECTED, gateway: { ...EXPECTED.gateway, fleet: { minTasks: 3, maxTasks: 12, sessionsPerTask: 80 } } }))
      .toEqual([]);
    // A minimum above the default maximum raises the maximum with it.
    expect(one(await sst.evaluate("production", { ...DEPLOY_ENV, GATEWAY_TASKS_MIN: "8" }), "sst.aws.Service", "Gateway").args.scaling)
      .toMatchObject({ min: 8, max: 8 });
    await expect(sst.evaluate("production", { ...DEPLOY_ENV, GATEWAY_TASKS_MIN: "4", GATEWAY_TASKS_MAX: "3" })).rejects.toThrow(/GATEWAY_TASKS_MAX \(3\) is below/);
    await expect(sst.evaluate("production", { ...DEPLOY_ENV, GATEWAY_TASKS_MIN: "0" })).rejects.toThrow(/GATEWAY_TASKS_MIN must be/);
    await expect(sst.evaluate("production", { ...DEPLOY_ENV, GATEWAY_MAX_SESSIONS: "lots" })).rejects.toThrow(/GATEWAY_MAX_SESSIONS must be/);
  });

  it("under `sst dev` hands the locally run gateway its secrets directly, since ECS is not there to inject them", async () => {
    const dev = await sst.evaluate("alice", { SUPABASE_URL: DEPLOY_ENV.SUPABASE_URL, YCLIENTS_APPLICATION_ID: "4242" }, { dev: true });
    const gw = one(dev, "sst.aws.Service", "Gateway");
    expect(gw.args.ssm).toBeUndefined();
    expect(gw.args.environment).toMatchObject({ GATEWAY_SECRET: "<GatewaySecret.value>", QSTASH_TOKEN: "<QstashToken.value>" });
    expect(dev.records.filter((r) => r.type === "aws.ssm.Parameter")).toEqual([]);
    // Deployed, the values never sit in the task definition's environment.
    const deployed = one(production, "sst.aws.Service", "Gateway").args.environment as Record<string, string>;
    expect(Object.values(deployed).filter((v) => String(v).endsWith(".value>"))).toEqual([]);
  });

  it("passes WHATSAPP_WEB_VERSION to the gateway only when it is set, and refuses one that is not a version", async () => {
    expect(one(production, "sst.aws.Service", "Gateway").args.environment).not.toHaveProperty("WHATSAPP_WEB_VERSION");
    const pinned = await sst.evaluate("production", { ...DEPLOY_ENV, WHATSAPP_WEB_VERSION: "2.3000.1023456789" });
    expect(one(pinned, "sst.aws.Service", "Gateway").args.environment).toMatchObject({ WHATSAPP_WEB_VERSION: "2.3000.1023456789" });
    expect(await infraProblems(pinned.records, ROOT, EXPECTED)).toEqual([]);
    await expect(sst.evaluate("production", { ...DEPLOY_ENV, WHATSAPP_WEB_VERSION: "latest" })).rejects.toThrow(/WHATSAPP_WEB_VERSION/);
  });

  it("serves a personal stage's gateway over plain HTTP when it has no domain, and refuses production without one", async () => {
    const lb = one(personal, "sst.aws.Service", "Gateway").args.loadBalancer as Record<string, unknown>;
    expect(lb.domain).toBeUndefined();
    expect(lb.rules).toEqual([{ listen: "80/http", forward: "8788/http" }]);
    await expect(sst.evaluate("production", { ...DEPLOY_ENV, GATEWAY_DOMAIN: "" })).rejects.toThrow(/GATEWAY_DOMAIN/);
    await expect(sst.evaluate("alice", { YCLIENTS_APPLICATION_ID: "4242" })).rejects.toThrow(/SUPABASE_URL is not set/);
  });
});

describe("the infra check catches a broken config", () => {
  const infraProblemsNow = (records: Recorded[]) => infraProblems(records, ROOT, EXPECTED);
  /** Evaluates the real config with one of infra/'s tables changed, as if someone had edited it, then restores it. */
  async function evaluateWith<T>(table: T[], change: (t: T[]) => void): Promise<Recorded[]> {
    const saved = table.map((row) => (typeof row === "object" ? { ...row } : row));
    change(table);
    try {
      return (await sst.evaluate("production", DEPLOY_ENV)).records;
    } finally {
      table.splice(0, table.length, ...saved);
    }
  }
  /**
   * infra/ modules by path: sst.config.ts imports the same instances, and the app's tsc must not follow these imports
   * (the modules use SST's globals, which only infra/tsconfig.json knows).
   */
  const infra = (name: string): Promise<Record<string, unknown>> => import(resolve(ROOT, "infra", `${name}.ts`));
  const crons = async () => (await infra("crons")).CRONS as Array<{ file: string; schedule: string }>;

  it("a wrong schedule", async () => {
    const records = await evaluateWith(await crons(), (t) => (t[0]!.schedule = "rate(2 minutes)"));
    expect(await infraProblems(records, ROOT, EXPECTED)).toContain(
      "cron functions/crons/booking-poll.handler runs on rate(2 minutes), expected rate(1 minute)",
    );
  });

  it("a handler path whose file is missing, or that does not export the handler", async () => {
    const missing = await evaluateWith(await crons(), (t) => (t[2]!.file = "functions/crons/synk"));
    expect(await infraProblems(missing, ROOT, EXPECTED)).toEqual(
      expect.arrayContaining([
        "handler \"functions/crons/synk.handler\": functions/crons/synk.ts does not exist",
        "no cron runs functions/crons/sync.handler",
      ]),
    );
    // A file that exists but exports no handler (the Api's entry under another export name).
    const api = one(production, "sst.aws.Function", "Api");
    const noExport = withArgs(production.records, api, (a) => ({ ...a, handler: "functions/lambda.main" }));
    expect(await infraProblems(noExport, ROOT, EXPECTED)).toContain(
      "handler \"functions/lambda.main\": functions/lambda.ts does not export \"main\"",
    );
  });

  it("a secret left unlinked, or handed to the gateway under the wrong name", async () => {
    const unlinked = await evaluateWith((await infra("api")).API_SECRETS as string[], (t) => t.splice(t.indexOf("QstashToken"), 1));
    const problems = await infraProblems(unlinked, ROOT, EXPECTED);
    expect(problems).toContain(
      `Function Api links [${EXPECTED.api.secrets.filter((s) => s !== "QstashToken").sort()}], expected [${[...EXPECTED.api.secrets].sort()}]`,
    );
    expect(problems).toContain("Function Api: its environment and secrets are not a valid configuration: QstashToken is not linked: a Lambda publishes through QStash only");

    const withoutJwt = await evaluateWith((await infra("gateway")).GATEWAY_SECRETS as string[], (t) => t.splice(t.indexOf("JwtSecret"), 1));
    expect(await infraProblems(withoutJwt, ROOT, EXPECTED)).toContain(
      "gateway: its environment and secrets are not a valid configuration: JWT_SECRET: required when SUPABASE_URL is set",
    );

    const gw = one(production, "sst.aws.Service", "Gateway");
    const ssm = gw.args.ssm as Record<string, string>;
    const swapped = withArgs(production.records, gw, (a) => ({
      ...a,
      ssm: { ...ssm, GATEWAY_SECRET: ssm.JWT_SECRET, JWT_SECRET: ssm.GATEWAY_SECRET },
    }));
    expect(await infraProblems(swapped, ROOT, EXPECTED)).toContain("gateway GATEWAY_SECRET does not come from secret GatewaySecret");
  });

  it("a gateway deploy that stops old tasks first, a task range or capacity other than the settings, a Lambda outside the VPC", async () => {
    const gw = one(production, "sst.aws.Service", "Gateway");
    const transform = gw.args.transform as Record<string, unknown>;
    const stopFirst = withArgs(production.records, gw, (a) => ({
      ...a, transform: { ...transform, service: { deploymentMinimumHealthyPercent: 0, deploymentMaximumPercent: 100 } },
    }));
    expect(await infraProblemsNow(stopFirst)).toContain(
      "gateway deploys with 0 % minimum healthy and 100 % maximum, expected 100 and 200: a rolling deploy keeps every task until its replacement is healthy",
    );
    const single = withArgs(production.records, gw, (a) => ({
      ...a, scaling: { min: 1, max: 1 }, environment: { ...(a.environment as object), GATEWAY_MAX_SESSIONS: "500" },
    }));
    expect(await infraProblemsNow(single)).toEqual(expect.arrayContaining([
      "gateway runs 1..1 tasks, expected 2..6",
      "gateway does not scale on both CPU and memory",
      "gateway GATEWAY_MAX_SESSIONS is 500, expected 100",
    ]));
    const api = one(production, "sst.aws.Function", "Api");
    const outside = withArgs(production.records, api, (a) => ({ ...a, vpc: undefined }));
    expect(await infraProblemsNow(outside)).toContain(
      "Function Api is not in the gateway tasks' VPC: it cannot reach a task's internal address",
    );
  });

  it("leaves the config as it was after these edits", async () => {
    expect(await infraProblems((await sst.evaluate("production", DEPLOY_ENV)).records, ROOT, EXPECTED)).toEqual([]);
  });
});
