import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ManualClock } from "../../lib/clock.js";
import type { Config } from "../../lib/config/index.js";
import { signOnboardingToken } from "../../lib/contract/onboarding-token.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import type { Database } from "../../lib/db/client.js";
import { createGatewayClient } from "../../lib/gateway/client.js";
import { createSessionRouter } from "../../lib/gateway/route.js";
import { startOnboardingLink } from "../../lib/marketplace/trust-store.js";
import type { GatewayOptions } from "../../whatsapp-gateway/config.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import { nextSalonId, openTestDatabase, silentLog, testConfig } from "../support/harness.js";
import { jobQueue } from "./queue.js";

/**
 * Two gateway processes' worth of gateways (in one process, one database) as a fleet: a call that reaches the gateway
 * not holding the session is told where the holder is and the functions' client sends it there, once; the onboarding
 * page's socket on one gateway hears the session the other holds. The fleet under kills and restarts, with separate
 * processes on a real PostgreSQL, is test/fleet/.
 */

const FAST: Partial<GatewayOptions> = {
  sendGapMs: [0, 0],
  sendAckWaitMs: 0,
  restoreJitterMs: [0, 0],
  leaseRenewMs: 3_600_000,
  fleetScanMs: 3_600_000,
  outboxPollMs: 3_600_000,
  noticePollMs: 50,
  wsConnectionsPerMinute: 100,
};

let database: Database;
let config: Config;
let clock: ManualClock;
let a: RunningGateway;
let b: RunningGateway;

async function api(g: RunningGateway, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(g.url + path, {
    method,
    headers: { authorization: `Bearer ${await signServiceToken(config.gatewaySecret)}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** The onboarding page, signed in for the salon, its socket on gateway `g`; `next` waits for a matching message. */
async function page(g: RunningGateway, salonId: number) {
  const epoch = await startOnboardingLink(database.db, clock, salonId, 1);
  const token = await signOnboardingToken(config.jwtSecret, salonId, Math.floor(clock.now().getTime() / 1000), { userId: 1, epoch });
  const ws = new WebSocket(g.url.replace("http", "ws") + "/v1/onboarding", { headers: { origin: config.allowedOrigins[0]! } });
  const messages: any[] = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (d) => {
    messages.push(JSON.parse(String(d)));
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.send(JSON.stringify({ type: "auth", token }));
  const next = (pred: (m: any) => boolean) => new Promise<any>((resolve) => {
    const check = () => {
      const hit = messages.find(pred);
      if (hit) resolve(hit);
      else waiters.push(check);
    };
    check();
  });
  await next((m) => m.type === "status");
  return { ws, messages, next, send: (m: unknown) => ws.send(JSON.stringify(m)) };
}

beforeAll(async () => {
  database = await openTestDatabase();
  config = testConfig({ WHATSAPP_TRANSPORT: "emulator", PUBLIC_URL: "http://functions.test" });
  clock = new ManualClock();
  const dispatcher = jobQueue(database, config, clock);
  const start = (holderId: string) => startGateway({
    config, db: database.db, dispatcher, log: silentLog, port: 0, clock, restore: false, options: { ...FAST, holderId },
  });
  [a, b] = await Promise.all([start("route-a/1"), start("route-b/1")]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await database?.close();
});

describe("calls reach the holder", () => {
  it("the other gateway answers 409 session_elsewhere with the holder's address and does nothing", async () => {
    const salonId = nextSalonId();
    await api(a, "POST", `/emulator/sessions/${salonId}/scan`, { phone: "79001112233" });
    const wrong = await api(b, "POST", `/v1/sessions/${salonId}/messages`, { to: "79005550001", text: "Здравствуйте", idempotencyKey: "k1" });
    expect(wrong.status).toBe(409);
    expect(wrong.json.error).toMatchObject({ code: "session_elsewhere", address: a.url });
    expect((await api(b, "GET", `/v1/sessions/${salonId}`)).json.error.address).toBe(a.url);
    expect(a.emulator!.outbox(salonId)).toEqual([]);
  });

  it("the functions' client, sent to the wrong gateway, reaches the holder; the same key twice is one message", async () => {
    const salonId = nextSalonId();
    await api(a, "POST", `/emulator/sessions/${salonId}/scan`, { phone: "79001112244" });
    // GATEWAY_URL is gateway B (as a load balancer might pick it), and the client knows no route yet.
    const client = createGatewayClient({ baseUrl: b.url, secret: config.gatewaySecret, router: createSessionRouter({ db: database.db, clock }) });
    const msg = { to: "79005550002", text: "Ваша запись подтверждена", idempotencyKey: "notify:1" };
    const first = await client.sendText(salonId, msg);
    const again = await client.sendText(salonId, msg);
    expect(again.messageId).toBe(first.messageId);
    await a.sessions.sendsIdle(salonId);
    expect(a.emulator!.outbox(salonId).map((m) => m.text)).toEqual(["Ваша запись подтверждена"]);
    expect(b.emulator!.outbox(salonId)).toEqual([]);
    expect(await client.status(salonId)).toMatchObject({ state: "connected", phone: "79001112244" });
  });

  it("with nobody holding the session, the call goes to GATEWAY_URL and that gateway takes it", async () => {
    const salonId = nextSalonId();
    const client = createGatewayClient({ baseUrl: b.url, secret: config.gatewaySecret, router: createSessionRouter({ db: database.db, clock }) });
    expect((await client.start(salonId)).state).toMatch(/^(connecting|qr)$/);
    expect(b.sessions.isLive(salonId)).toBe(true);
    expect(a.sessions.isLive(salonId)).toBe(false);
  });
});

describe("the onboarding page on any gateway", () => {
  it("a new salon's session starts on the gateway holding the page's socket", async () => {
    const salonId = nextSalonId();
    const p = await page(b, salonId);
    p.send({ type: "request_qr" });
    await p.next((m) => m.type === "qr");
    expect(b.sessions.isLive(salonId)).toBe(true);
    expect(a.sessions.isLive(salonId)).toBe(false);
    p.ws.close();
  });

  it("a page on one gateway sees the QR and the link of the session the other holds", async () => {
    const salonId = nextSalonId();
    expect((await api(a, "POST", `/v1/sessions/${salonId}/start`, {})).status).toBe(200);
    const p = await page(b, salonId);
    const qr = await p.next((m) => m.type === "qr");
    expect(qr.dataUrl).toMatch(/^data:image\/png;base64,/);
    // Asking for a QR there neither fails nor takes the session from the gateway showing it.
    p.send({ type: "request_qr" });
    await api(a, "POST", `/emulator/sessions/${salonId}/scan`, { phone: "79001112255" });
    expect(await p.next((m) => m.type === "connected")).toEqual({ type: "connected", phone: "79001112255" });
    expect(p.messages.filter((m) => m.type === "error")).toEqual([]);
    expect(a.sessions.isLive(salonId)).toBe(true);
    expect(b.sessions.isLive(salonId)).toBe(false);
    p.ws.close();
  });
});
