/**
 * The Lambda entries as AWS runs them: configuration from the plain environment plus linked SST secrets
 * (SST_RESOURCE_* is how SST hands links to a process; inside Lambda the same values come from its encrypted
 * bundle), Supabase reached over HTTP (here the embedded Postgres behind the PostgREST adapter, served on a port),
 * QStash and the gateway as small wire-speaking stand-ins that check the credentials they are called with.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LambdaEvent } from "hono/aws-lambda";

/** A Function URL delivers API Gateway v2 payloads. */
type FunctionUrlEvent = Extract<LambdaEvent, { version: string; rawPath: string }>;
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type Database } from "../../lib/db/client.js";
import { createPostgrestFetch } from "../../lib/db/postgrest-fetch.js";
import { signDelivery } from "../../lib/dispatch/signature.js";
import { verifyServiceToken } from "../../lib/contract/service-token.js";

const SECRETS = {
  GatewaySecret: "gateway-secret-0123456789abcdef",
  JwtSecret: "jwt-secret-0123456789abcdef",
  YclientsPartnerToken: "partner-token",
  YclientsUserToken: "user-token",
  SupabaseServiceRoleKey: "service-role-key",
  QstashToken: "qstash-token",
  QstashCurrentSigningKey: "sig_current_0123456789",
  QstashNextSigningKey: "sig_next_0123456789",
  GeminiApiKey: "",
};
const PUBLIC_URL = "https://fn-abc.lambda-url.eu-central-1.on.aws";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>;

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => void handler(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};

let database: Database;
const servers: Server[] = [];
const published: Array<{ authorization?: string; destination: string; dedupe?: string; body: string }> = [];

function lambdaEvent(method: string, path: string, body = "", headers: Record<string, string> = {}): FunctionUrlEvent {
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { host: new URL(PUBLIC_URL).host, ...headers },
    requestContext: {
      accountId: "anonymous",
      authentication: null,
      authorizer: {},
      apiId: "fn-abc",
      domainName: new URL(PUBLIC_URL).host,
      domainPrefix: "fn-abc",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.9", userAgent: "test" },
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "23/Nov/2026:12:00:00 +0000",
      timeEpoch: 1_795_000_000_000,
    },
    body,
    isBase64Encoded: false,
  };
}

beforeAll(async () => {
  database = await connectDatabase({ kind: "memory" });
  const postgrest = createPostgrestFetch(database.pg!, SECRETS.SupabaseServiceRoleKey);
  const supabase = await listen(async (req, body, res) => {
    const answer = await postgrest(`http://supabase.local${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "GET" ? undefined : body,
    });
    res.writeHead(answer.status, Object.fromEntries(answer.headers as unknown as Iterable<[string, string]>)).end(await answer.text());
  });
  const qstash = await listen((req, body, res) => {
    const m = /^\/v2\/publish\/(.+)$/.exec(req.url ?? "");
    if (req.method !== "POST" || !m) return json(res, 404, { error: "not found" });
    published.push({
      authorization: req.headers.authorization,
      destination: decodeURIComponent(m[1]!),
      dedupe: req.headers["upstash-deduplication-id"] as string | undefined,
      body,
    });
    json(res, 201, { messageId: `msg_${published.length}` });
  });
  const gateway = await listen(async (req, _body, res) => {
    if (req.url === "/health") return json(res, 200, { status: "ok" });
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (!(await verifyServiceToken(SECRETS.GatewaySecret, token))) return json(res, 401, { error: { code: "unauthorized", message: "bad token" } });
    const m = /^\/v1\/sessions\/(\d+)$/.exec(req.url ?? "");
    if (!m) return json(res, 404, { error: { code: "not_found", message: "no route" } });
    json(res, 200, { salonId: Number(m[1]), state: "connected", phone: "79990000000" });
  });
  servers.push(supabase.server, qstash.server, gateway.server);

  // What infra/ gives a function: plain environment, and the linked secrets.
  Object.assign(process.env, {
    SUPABASE_URL: supabase.url,
    QSTASH_URL: qstash.url,
    GATEWAY_URL: gateway.url,
    PUBLIC_URL,
    YCLIENTS_APPLICATION_ID: "4242",
    LOG_LEVEL: "silent",
    SST_RESOURCE_App: JSON.stringify({ name: "ai-admin", stage: "test" }),
    ...Object.fromEntries(Object.entries(SECRETS).map(([name, value]) => [`SST_RESOURCE_${name}`, JSON.stringify({ value })])),
  });
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await database?.close();
});

describe("functions/lambda.ts", () => {
  it("serves the app: /health reaches Supabase with the linked service role key and the gateway at GATEWAY_URL", async () => {
    const { handler } = await import("../../functions/lambda.js");
    const res = await handler(lambdaEvent("GET", "/health"));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      status: "ok",
      checks: {
        database: { ok: true }, gateway: { ok: true }, dispatcher: { ok: true, detail: "qstash" },
        model: { ok: true, detail: "assistant off: no GEMINI_API_KEY" },
      },
    });
  });

  it("verifies QStash deliveries with the linked signing keys against the public URL", async () => {
    const { handler } = await import("../../functions/lambda.js");
    const body = JSON.stringify({ salonId: 1 });
    const now = Math.floor(Date.now() / 1000);
    const good = await signDelivery(SECRETS.QstashCurrentSigningKey, `${PUBLIC_URL}/jobs/nothing-here`, body, now);
    const forged = await signDelivery("sig_someone_else_0123", `${PUBLIC_URL}/jobs/nothing-here`, body, now);
    const post = (signature: string) =>
      handler(lambdaEvent("POST", "/jobs/nothing-here", body, { "content-type": "application/json", "upstash-signature": signature }));
    // Past the signature check there is no such job: 404, not 401.
    expect((await post(good)).statusCode).toBe(404);
    expect((await post(forged)).statusCode).toBe(401);
  });
});

describe("functions/crons/lambda.ts", () => {
  it("runs a cron with the Lambda's services: publishes through QStash with its token, calls the gateway with its key", async () => {
    const { cronHandler } = await import("../../functions/crons/lambda.js");
    const handler = cronHandler("probe", async (s) => {
      await s.dispatcher.publish({ path: "/jobs/reminder", body: { salonId: 5 }, deduplicationId: "5:r1" });
      return s.gateway.status(5);
    });
    expect(await handler({ cron: "probe" })).toEqual({
      cron: "probe",
      result: { salonId: 5, state: "connected", phone: "79990000000" },
    });
    expect(published.at(-1)).toMatchObject({
      authorization: `Bearer ${SECRETS.QstashToken}`,
      destination: `${PUBLIC_URL}/jobs/reminder`,
      dedupe: "5:r1",
      body: JSON.stringify({ salonId: 5 }),
    });
  });

  it("refuses an event meant for another cron, and reports a failing run as a failed invocation", async () => {
    const { cronHandler } = await import("../../functions/crons/lambda.js");
    let ran = false;
    const sync = cronHandler("sync", async () => {
      ran = true;
    });
    await expect(sync({ cron: "reminders" })).rejects.toThrow('cron "sync" invoked with the event of cron "reminders"');
    expect(ran).toBe(false);
    const failing = cronHandler("sync", async () => {
      throw new Error("YClients is down");
    });
    await expect(failing({ cron: "sync" })).rejects.toThrow("YClients is down");
  });
});

describe("functions/lambda-services.ts", () => {
  it("builds the services once per cold start", async () => {
    const { lambdaServices } = await import("../../functions/lambda-services.js");
    expect(await lambdaServices()).toBe(await lambdaServices());
  });

  it("maps linked secrets to lib/config's names; an empty optional secret is absent", async () => {
    const { lambdaConfig } = await import("../../functions/lambda-services.js");
    const env = { SUPABASE_URL: "https://x.supabase.co", PUBLIC_URL, GATEWAY_URL: "https://wa.example.com", YCLIENTS_APPLICATION_ID: "1" };
    const resource = Object.fromEntries(Object.entries(SECRETS).map(([n, value]) => [n, { value }]));
    const config = lambdaConfig(env, { ...resource, GeminiApiKey: { value: "gem-key" } });
    expect(config.gatewaySecret).toBe(SECRETS.GatewaySecret);
    expect(config.database).toEqual({ kind: "supabase", url: "https://x.supabase.co", serviceRoleKey: SECRETS.SupabaseServiceRoleKey });
    expect(config.gemini?.apiKey).toBe("gem-key");
    expect(config.yclients.userToken).toBe(SECRETS.YclientsUserToken);
    expect(lambdaConfig(env, resource).gemini).toBeNull();
    const { QstashToken: _, ...withoutQstash } = resource;
    expect(() => lambdaConfig(env, withoutQstash)).toThrow("QstashToken is not linked");
    const { SupabaseServiceRoleKey: __, ...withoutKey } = resource;
    expect(() => lambdaConfig(env, withoutKey)).toThrow("SUPABASE_SERVICE_ROLE_KEY");
    const { PUBLIC_URL: ___, ...withoutPublicUrl } = env;
    expect(() => lambdaConfig(withoutPublicUrl, resource)).toThrow("PUBLIC_URL is not set");
  });
});
