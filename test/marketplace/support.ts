import { createHmac } from "node:crypto";
import { companyUsers } from "../../fakes/yclients/data.js";
import { startYClientsSandbox, type SandboxOptions, type YClientsSandbox } from "../../fakes/yclients/index.js";
import type { Database } from "../../lib/db/client.js";
import type { Dispatcher } from "../../lib/dispatch/dispatcher.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { createYClientsClient } from "../../lib/yclients/client.js";
import { RateLimiter } from "../../lib/yclients/rate-limiter.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import { createTestFunctions, openTestDatabase, silentLog, testConfig, type TestFunctions } from "../support/harness.js";

export const PARTNER_TOKEN = "sandbox-partner-token-issue4";
export const APPLICATION_ID = 4404;
export const USER_TOKEN = "sandbox-user-token-issue12";

/** user_data as YClients sends it: URL-safe base64 with padding of compact JSON; the sign covers the JSON bytes. */
export function userData(partnerToken: string, data: Record<string, unknown>): { user_data: string; user_data_sign: string } {
  const json = JSON.stringify(data);
  const b64 = Buffer.from(json, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  return { user_data: b64, user_data_sign: createHmac("sha256", partnerToken).update(json).digest("hex") };
}

export function redirectUrl(params: Array<[string, string]>): string {
  return "/auth/yclients/redirect?" + params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
}

/** The owner the sandbox lists first in a salon's company_users (fakes/yclients/data.ts). */
export const ownerId = (salonId: number) => companyUsers(salonId)[0]!.id;

let addresses = 0;
/** A client address of its own per request (the redirect's per-address budget is for attackers, not for tests). */
export const fromAddress = (ip = `10.${(++addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`) => ({ incoming: { socket: { remoteAddress: ip } } });

/** What a browser holds after the redirect and the onboarding page: the session cookie, the page's tokens. */
export interface Registration {
  salonId: number;
  cookie: string;
  token: string;
  csrf: string;
}

/** The `name=value` of a response's Set-Cookie, for the next request's Cookie header. */
export function cookieOf(res: Response): string {
  const set = res.headers.get("set-cookie");
  if (!set) throw new Error("no Set-Cookie");
  return set.split(";")[0]!;
}

/** The onboarding page's embedded config, as its script reads it. */
export async function pageConfig(fx: TestFunctions, salonId: number, cookie: string): Promise<{ token: string; csrf: string; socketUrl: string; salonId: number; status: string }> {
  const res = await fx.app.request(`/marketplace/onboarding?salon_id=${salonId}`, { headers: { cookie } });
  if (res.status !== 200) throw new Error(`onboarding page answered ${res.status}: ${await res.text()}`);
  return JSON.parse(/<script type="application\/json" id="onboarding-config">([^<]*)<\/script>/.exec(await res.text())![1]!);
}

/**
 * Walks the registration redirect for one salon as its owner (by default the sandbox's owner of that salon), then
 * opens the onboarding page with the session it set.
 */
export async function register(fx: TestFunctions, salonId: number, user: Record<string, unknown> = {}): Promise<Registration> {
  const u = userData(PARTNER_TOKEN, { id: ownerId(salonId), name: "Владелец", salon_name: "Салон из маркетплейса", ...user });
  const res = await fx.app.request(redirectUrl([["salon_id", String(salonId)], ["user_data", u.user_data], ["user_data_sign", u.user_data_sign]]), {}, fromAddress());
  if (res.status !== 302) throw new Error(`redirect answered ${res.status}: ${await res.text()}`);
  const cookie = cookieOf(res);
  const config = await pageConfig(fx, salonId, cookie);
  return { salonId, cookie, token: config.token, csrf: config.csrf };
}

export function postJson(fx: TestFunctions, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(fx.app.request(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }));
}

/** The page's activation call: its token, with the session cookie and the CSRF header. */
export const activate = (fx: TestFunctions, r: Registration) => postJson(fx, "/marketplace/activate", { token: r.token }, { cookie: r.cookie, "x-csrf-token": r.csrf });

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
    partnerToken: PARTNER_TOKEN, userToken: USER_TOKEN, applicationId: APPLICATION_ID, rateLimit: false,
    // Small salons: the first full sync after each activation stays short.
    salonDefaults: { clients: 20, records: 10 }, ...sandboxOptions,
  });
  const db = await openTestDatabase();
  const env = {
    ...STACK_SECRETS, WHATSAPP_TRANSPORT: "emulator",
    YCLIENTS_BASE_URL: sandbox.url, YCLIENTS_PARTNER_TOKEN: PARTNER_TOKEN, YCLIENTS_USER_TOKEN: USER_TOKEN, YCLIENTS_APPLICATION_ID: String(APPLICATION_ID),
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
