import { createHmac } from "node:crypto";
import { startYClientsSandbox, type SandboxOptions, type YClientsSandbox } from "../../fakes/yclients/index.js";
import type { Database } from "../../lib/db/client.js";
import type { Dispatcher } from "../../lib/dispatch/dispatcher.js";
import { signServiceToken } from "../../lib/gateway/service-token.js";
import { createYClientsClient } from "../../lib/yclients/client.js";
import { RateLimiter } from "../../lib/yclients/rate-limiter.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import { createTestFunctions, openTestDatabase, silentLog, testConfig, type TestFunctions } from "../support/harness.js";

export const PARTNER_TOKEN = "sandbox-partner-token-issue4";
export const APPLICATION_ID = 4404;

/** user_data as YClients sends it: URL-safe base64 with padding of compact JSON; the sign covers the JSON bytes. */
export function userData(partnerToken: string, data: Record<string, unknown>): { user_data: string; user_data_sign: string } {
  const json = JSON.stringify(data);
  const b64 = Buffer.from(json, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  return { user_data: b64, user_data_sign: createHmac("sha256", partnerToken).update(json).digest("hex") };
}

export function redirectUrl(params: Array<[string, string]>): string {
  return "/auth/yclients/redirect?" + params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
}

/** Walks the registration redirect for one salon and returns the onboarding token it issued. */
export async function register(fx: TestFunctions, salonId: number, user: Record<string, unknown> = { id: 1, name: "Владелец", salon_name: "Салон из маркетплейса" }): Promise<string> {
  const u = userData(PARTNER_TOKEN, user);
  const res = await fx.app.request(redirectUrl([["salon_id", String(salonId)], ["user_data", u.user_data], ["user_data_sign", u.user_data_sign]]));
  if (res.status !== 302) throw new Error(`redirect answered ${res.status}: ${await res.text()}`);
  const location = res.headers.get("location")!;
  return new URL(location, "http://x").searchParams.get("token")!;
}

export function postJson(fx: TestFunctions, path: string, body: unknown): Promise<Response> {
  return Promise.resolve(fx.app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
}

export const activate = (fx: TestFunctions, token: string) => postJson(fx, "/marketplace/activate", { token });

/** Everything the marketplace tests run against: YClients sandbox, embedded Postgres, the real gateway on the
 * WhatsApp emulator, and the functions app on the local dispatcher. */
export interface Stack {
  sandbox: YClientsSandbox & { url: string };
  db: Database;
  gw: RunningGateway;
  fx: TestFunctions;
  env: Record<string, string>;
  /** The salon's phone scans the QR (or enters the pairing code) as `phone`; resolves once connected. */
  scan(salonId: number, phone: string): Promise<void>;
  /** What the bot sent from the salon's WhatsApp. */
  outbox(salonId: number): Promise<Array<{ to: string; text: string }>>;
  close(): Promise<void>;
}

export const STACK_SECRETS = { JWT_SECRET: "marketplace-test-jwt-secret-0123456789", GATEWAY_SECRET: "marketplace-test-gateway-secret-0123456789" };

export async function startStack(sandboxOptions: SandboxOptions = {}): Promise<Stack> {
  const sandbox = await startYClientsSandbox({
    partnerToken: PARTNER_TOKEN, applicationId: APPLICATION_ID, rateLimit: false,
    // Small salons: the first full sync after each activation stays short.
    salonDefaults: { clients: 20, records: 10 }, ...sandboxOptions,
  });
  const db = await openTestDatabase();
  const env = {
    ...STACK_SECRETS, WHATSAPP_TRANSPORT: "emulator",
    YCLIENTS_BASE_URL: sandbox.url, YCLIENTS_PARTNER_TOKEN: PARTNER_TOKEN, YCLIENTS_APPLICATION_ID: String(APPLICATION_ID),
  };
  let fx: TestFunctions | undefined;
  // The gateway publishes its events to the functions' dispatcher, which exists only once the functions do.
  const dispatcher: Dispatcher = { kind: "local", publish: (m) => fx!.dispatcher.publish(m) };
  const gw = await startGateway({
    config: testConfig(env), db: db.db, dispatcher, log: silentLog, port: 0, restore: false,
    options: { outboxPollMs: 20, sendGapMs: [0, 0], sendAckWaitMs: 0, restoreJitterMs: [0, 0] },
  });
  const fullEnv = { ...env, GATEWAY_URL: gw.url, GATEWAY_PUBLIC_URL: gw.url };
  fx = createTestFunctions(db, { config: testConfig(fullEnv) });
  // The sandbox's rate limit is off, so our side's 5 rps limiter would only slow every activation's first sync;
  // the limit itself is the YClients client's own tests' business.
  fx.services.yclients = createYClientsClient({ ...fx.services.config.yclients, limiter: new RateLimiter({ perSecond: 1000, perMinute: 60_000 }) });
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(gw.url + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${await signServiceToken(STACK_SECRETS.GATEWAY_SECRET)}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator ${path} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<unknown>;
  };
  return {
    sandbox, db, gw, fx, env: fullEnv,
    scan: async (salonId, phone) => {
      const r = (await control(`/emulator/sessions/${salonId}/scan`, { phone })) as { state: string };
      if (r.state !== "connected") throw new Error(`scan ended in ${r.state}`);
    },
    outbox: async (salonId) => ((await control(`/emulator/sessions/${salonId}/outbox`)) as { messages: Array<{ to: string; text: string }> }).messages,
    close: async () => {
      await gw.close();
      await sandbox.close();
      await db.close();
    },
  };
}
