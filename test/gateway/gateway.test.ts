import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { ManualClock } from "../../lib/clock.js";
import type { Config } from "../../lib/config/index.js";
import type { Database } from "../../lib/db/client.js";
import type { Dispatcher, JobMessage } from "../../lib/dispatch/dispatcher.js";
import { LocalDispatcher } from "../../lib/dispatch/local.js";
import { createGatewayClient, GatewayError } from "../../lib/gateway/client.js";
import { LidMapping, MessageFromAdmin, MessageReceived, SessionConnected, SessionLoggedOut, WHATSAPP_EVENT_PATHS } from "../../lib/contract/events.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { signOnboardingToken } from "../../lib/contract/onboarding-token.js";
import { startOnboardingLink } from "../../lib/marketplace/trust-store.js";
import type { GatewayOptions } from "../../whatsapp-gateway/config.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import { EmulatorWorld } from "../../whatsapp-gateway/transport/emulator.js";
import type { Transport } from "../../whatsapp-gateway/transport/types.js";
import { nextSalonId, openTestDatabase, silentLog, testConfig } from "../support/harness.js";
import { jobQueue } from "./queue.js";

/**
 * The gateway as the functions and the onboarding page see it: started with `startGateway`, the emulator transport,
 * the real service API, a real WebSocket, the local dispatcher's queue in the embedded Postgres.
 */

const FAST: Partial<GatewayOptions> = {
  sendGapMs: [0, 0],
  sendAckWaitMs: 0,
  backoffBaseMs: 1,
  backoffMaxMs: 5,
  restoreJitterMs: [0, 0],
  leaseRenewMs: 3_600_000, // renewed by the tests when they mean it
  fleetScanMs: 3_600_000, // scanned (heartbeat, claims, hand-overs) by the tests when they mean it
  outboxPollMs: 3_600_000, // retried by the tests when they mean it
  pairingCodeIntervalMs: 0,
  trustProxy: true,
  wsConnectionsPerMinute: 3,
  wsAuthTimeoutMs: 5_000,
};

let database: Database;
let config: Config;
let clock: ManualClock;
let local: LocalDispatcher;
let gw: RunningGateway;
let origin: string;
let ipSeq = 0;

/** The local dispatcher, unless told to fail (a QStash outage). */
const flaky: Dispatcher & { failing: boolean } = {
  failing: false,
  kind: "local",
  publish(m: JobMessage) {
    if (flaky.failing) return Promise.reject(new Error("dispatcher unavailable"));
    return local.publish(m);
  },
};

async function jobs(path: string, salonId: number): Promise<Array<{ dedupe_id: string; body: Record<string, unknown> }>> {
  const { rows } = await database.pg!.query<{ dedupe_id: string; body: string }>(
    "select dedupe_id, body from local_dispatch where url = $1 and (body::jsonb ->> 'salonId')::bigint = $2 order by id",
    [config.publicUrl + path, salonId],
  );
  return rows.map((r) => ({ dedupe_id: r.dedupe_id, body: JSON.parse(r.body) as Record<string, unknown> }));
}

async function api(g: RunningGateway, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(g.url + path, {
    method,
    headers: {
      authorization: `Bearer ${await signServiceToken(config.gatewaySecret)}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

interface Page {
  ws: WebSocket;
  messages: any[];
  /** Resolves with the first message (from the start) matching, waiting for it if need be. */
  next(pred: (m: any) => boolean): Promise<any>;
  closed: Promise<{ code: number }>;
  send(m: unknown): void;
}

function openPage(g: RunningGateway, opts: { origin?: string; ip?: string } = {}): Promise<Page> {
  const ws = new WebSocket(g.url.replace("http", "ws") + "/v1/onboarding", {
    headers: { origin: opts.origin ?? origin, "x-forwarded-for": opts.ip ?? `10.0.0.${++ipSeq}` },
  });
  const messages: any[] = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (d) => {
    messages.push(JSON.parse(String(d)));
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<{ code: number }>((resolve) => ws.on("close", (code) => resolve({ code })));
  const page: Page = {
    ws,
    messages,
    closed,
    send: (m) => ws.send(JSON.stringify(m)),
    next: (pred) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = messages.find(pred);
          if (hit) return resolve(hit);
          if (ws.readyState === ws.CLOSED) return reject(new Error(`socket closed; got ${JSON.stringify(messages)}`));
          waiters.push(check);
        };
        ws.once("close", check);
        check();
      }),
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(page));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`upgrade refused ${res.statusCode}`), { status: res.statusCode })));
    ws.once("error", reject);
  });
}

/** An onboarding token of the salon's current link, as the onboarding page gets one after the redirect. */
async function grant(salonId: number): Promise<string> {
  const epoch = await startOnboardingLink(database.db, clock, salonId, 1);
  return signOnboardingToken(config.jwtSecret, salonId, Math.floor(clock.now().getTime() / 1000), { userId: 1, epoch });
}

async function authedPage(g: RunningGateway, salonId: number): Promise<Page> {
  const page = await openPage(g);
  page.send({ type: "auth", token: await grant(salonId) });
  await page.next((m) => m.type === "status");
  return page;
}

async function connectSalon(g: RunningGateway, salonId: number, phone: string): Promise<void> {
  const res = await api(g, "POST", `/emulator/sessions/${salonId}/scan`, { phone });
  expect(res.json).toMatchObject({ state: "connected", phone });
}

beforeAll(async () => {
  database = await openTestDatabase();
  config = testConfig({ WHATSAPP_TRANSPORT: "emulator", PUBLIC_URL: "http://functions.test" });
  origin = config.allowedOrigins[0]!;
  clock = new ManualClock("2026-11-23T10:00:00Z");
  local = jobQueue(database, config, clock);
  gw = await startGateway({ config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: FAST });
});

afterAll(async () => {
  await gw?.close();
  await database?.close();
});

describe("onboarding WebSocket", () => {
  it("shows a QR (raw and PNG), and on the scan says connected and tells the functions once", async () => {
    const salonId = nextSalonId();
    const page = await openPage(gw);
    // Back to back, as a page does: the request must wait for the auth, not be judged before it.
    page.send({ type: "auth", token: await grant(salonId) });
    page.send({ type: "request_qr" });
    const qr = await page.next((m) => m.type === "qr");
    expect(page.messages[0]).toEqual({ type: "status", status: "none" });
    expect(qr.qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#/);
    expect(qr.dataUrl).toMatch(/^data:image\/png;base64,/);
    expect(qr.expiresInSec).toBe(60);

    await connectSalon(gw, salonId, "79001112233");
    expect(await page.next((m) => m.type === "connected")).toEqual({ type: "connected", phone: "79001112233" });
    expect((await api(gw, "GET", `/v1/sessions/${salonId}`)).json).toEqual({ salonId, state: "connected", phone: "79001112233" });

    const connected = await jobs(WHATSAPP_EVENT_PATHS["session.connected"], salonId);
    expect(connected).toHaveLength(1);
    expect(SessionConnected.parse(connected[0]!.body)).toMatchObject({ salonId, phone: "79001112233" });
    expect(connected[0]!.dedupe_id).toMatch(new RegExp(`^${salonId}:session\\.connected:`));
    page.ws.close();
  });

  it("pairs by code: the number is normalised, the code comes once the socket is ready, the scan connects", async () => {
    const salonId = nextSalonId();
    const page = await authedPage(gw, salonId);
    page.send({ type: "request_pairing_code", phone: "8 (900) 222-33-44" });
    const code = await page.next((m) => m.type === "pairing_code");
    expect(code.code).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(page.messages.some((m) => m.type === "qr")).toBe(false);
    await connectSalon(gw, salonId, "79002223344");
    expect(await page.next((m) => m.type === "connected")).toEqual({ type: "connected", phone: "79002223344" });
    page.ws.close();
  });

  it("refuses a socket without auth first, with a bad token, from a foreign origin, and a second salon", async () => {
    const noAuth = await openPage(gw);
    noAuth.send({ type: "request_qr" });
    expect((await noAuth.closed).code).toBe(4400);

    const badToken = await openPage(gw);
    badToken.send({ type: "auth", token: await signOnboardingToken("another-secret-of-enough-length", 5, Math.floor(clock.now().getTime() / 1000), { userId: 1, epoch: 1 }) });
    expect((await badToken.closed).code).toBe(4401);
    expect(badToken.messages).toContainEqual(expect.objectContaining({ type: "error", code: "unauthorized" }));

    const expired = await openPage(gw);
    expired.send({ type: "auth", token: await signOnboardingToken(config.jwtSecret, 5, Math.floor(clock.now().getTime() / 1000) - 2 * 3600, { userId: 1, epoch: 1 }) });
    expect((await expired.closed).code).toBe(4401);
    expect(expired.messages).toContainEqual(expect.objectContaining({ type: "error", code: "token_expired" }));

    await expect(openPage(gw, { origin: "https://evil.example" })).rejects.toMatchObject({ status: 403 });

    const salonId = nextSalonId();
    const page = await authedPage(gw, salonId);
    page.send({ type: "auth", token: await grant(nextSalonId()) });
    expect(await page.next((m) => m.type === "error")).toMatchObject({ code: "already_authenticated" });
    page.ws.close();
  });

  it("shows a socket its own salon only", async () => {
    const mine = nextSalonId();
    const other = nextSalonId();
    const page = await authedPage(gw, mine);
    await api(gw, "POST", `/v1/sessions/${other}/start`);
    await gw.sessions.waitForState(other, ["qr"], 5000);
    page.send({ type: "request_qr" });
    await page.next((m) => m.type === "qr");
    const qrs = page.messages.filter((m) => m.type === "qr");
    expect(qrs).toHaveLength(1);
    expect(qrs[0].qr).toContain(`#EMU${mine}R`);
    page.ws.close();
  });

  it("limits connections per IP", async () => {
    const ip = "192.0.2.77";
    const pages = [await openPage(gw, { ip }), await openPage(gw, { ip }), await openPage(gw, { ip })];
    await expect(openPage(gw, { ip })).rejects.toMatchObject({ status: 429 });
    pages.forEach((p) => p.ws.close());
  });
});

describe("connection policy", () => {
  it("401 logs out for good: auth wiped, the functions told, no reconnect", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79003334455");
    const { rows: before } = await database.pg!.query("select 1 from wa_auth where salon_id = $1", [salonId]);
    expect(before.length).toBeGreaterThan(0);

    await api(gw, "POST", `/emulator/sessions/${salonId}/disconnect`, { code: 401 });
    expect((await gw.sessions.waitForState(salonId, ["logged_out"], 5000)).state).toBe("logged_out");

    const { rows: after } = await database.pg!.query("select 1 from wa_auth where salon_id = $1", [salonId]);
    expect(after).toHaveLength(0);
    const out = await jobs(WHATSAPP_EVENT_PATHS["session.logged_out"], salonId);
    expect(out.map((j) => SessionLoggedOut.parse(j.body).code)).toEqual([401]);
    expect(gw.emulator!.session(salonId)).toBeUndefined();
    expect(gw.sessions.isLive(salonId)).toBe(false);
  });

  it("403 is forbidden: wiped and reported, never reconnected", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79003334466");
    await api(gw, "POST", `/emulator/sessions/${salonId}/disconnect`, { code: 403 });
    expect((await gw.sessions.waitForState(salonId, ["forbidden"], 5000)).state).toBe("forbidden");
    expect((await jobs(WHATSAPP_EVENT_PATHS["session.logged_out"], salonId)).map((j) => j.body.code)).toEqual([403]);
    expect(gw.emulator!.session(salonId)).toBeUndefined();
  });

  it("515 and 428 reconnect (515 at once, 428 after backoff) without a second session.connected", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79003334477");
    for (const code of [515, 428, 500]) {
      const before = gw.emulator!.session(salonId);
      await api(gw, "POST", `/emulator/sessions/${salonId}/disconnect`, { code });
      const status = await gw.sessions.waitForState(salonId, ["connected"], 5000);
      expect(status.state).toBe("connected");
      expect(gw.emulator!.session(salonId)).not.toBe(before);
    }
    expect(await jobs(WHATSAPP_EVENT_PATHS["session.connected"], salonId)).toHaveLength(1);
  });

  it("408 while showing a QR stops (QR expired) until the page asks again", async () => {
    const salonId = nextSalonId();
    const page = await authedPage(gw, salonId);
    page.send({ type: "request_qr" });
    await page.next((m) => m.type === "qr");
    await api(gw, "POST", `/emulator/sessions/${salonId}/disconnect`, { code: 408 });
    expect(await page.next((m) => m.type === "error")).toMatchObject({ code: "qr_expired" });
    expect((await gw.sessions.waitForState(salonId, ["stopped"], 5000)).state).toBe("stopped");
    expect(gw.emulator!.session(salonId)).toBeUndefined();

    page.send({ type: "request_qr" });
    await page.next((m) => m.type === "qr" && page.messages.filter((x) => x.type === "qr").length === 2);
    expect(page.messages.filter((m) => m.type === "qr")).toHaveLength(2);
    page.ws.close();
  });

  it("a pairing that fails discards the half-written creds", async () => {
    const salonId = nextSalonId();
    const page = await authedPage(gw, salonId);
    page.send({ type: "request_pairing_code", phone: "79004445566" });
    await page.next((m) => m.type === "pairing_code");
    const { rows: half } = await database.pg!.query("select value from wa_auth where salon_id = $1 and key_type = 'creds'", [salonId]);
    expect(half).toHaveLength(1);
    await api(gw, "POST", `/emulator/sessions/${salonId}/disconnect`, { code: 428 });
    expect(await page.next((m) => m.type === "error")).toMatchObject({ code: "pairing_failed" });
    expect((await gw.sessions.waitForState(salonId, ["none"], 5000)).state).toBe("none");
    expect(gw.sessions.isLive(salonId)).toBe(false);
    const { rows } = await database.pg!.query("select 1 from wa_auth where salon_id = $1", [salonId]);
    expect(rows).toHaveLength(0);
    page.ws.close();
  });
});

describe("service API", () => {
  it("accepts a send at once, sends it once per idempotency key, and reports refusals with actionable codes", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79005556600");
    const client = createGatewayClient({ baseUrl: gw.url, secret: config.gatewaySecret });
    // Accepted at once; the same key asked again after the worker ran answers what became of the send.
    const settle = async (msg: { to: string; text: string; idempotencyKey: string }) => {
      await client.sendText(salonId, msg);
      await gw.sessions.sendsIdle(salonId);
      return client.sendText(salonId, msg);
    };

    const first = await client.sendText(salonId, { to: "79990001122", text: "Напоминаем о визите", idempotencyKey: "reminder:1" });
    const again = await settle({ to: "79990001122", text: "Напоминаем о визите", idempotencyKey: "reminder:1" });
    expect(again.messageId).toBe(first.messageId);
    expect(gw.emulator!.outbox(salonId)).toEqual([
      expect.objectContaining({ id: first.messageId, to: "79990001122@s.whatsapp.net", text: "Напоминаем о визите" }),
    ]);

    await api(gw, "POST", `/emulator/sessions/${salonId}/refuse`, { to: "79990003344", code: "not_on_whatsapp" });
    const notOn = await settle({ to: "79990003344", text: "hi", idempotencyKey: "k2" }).catch((e) => e);
    expect(notOn).toBeInstanceOf(GatewayError);
    expect(notOn).toMatchObject({ status: 422, code: "not_on_whatsapp", retryable: false });

    await api(gw, "POST", `/emulator/sessions/${salonId}/refuse`, { to: "79990005566", code: "restricted_463" });
    const restricted = await settle({ to: "79990005566", text: "hi", idempotencyKey: "k3" }).catch((e) => e);
    expect(restricted).toMatchObject({ status: 422, code: "restricted_463", retryable: false });
    // The same key again: the same refusal, and still nothing sent.
    await api(gw, "POST", `/emulator/sessions/${salonId}/refuse`, { to: "79990005566", code: null });
    expect(await settle({ to: "79990005566", text: "hi", idempotencyKey: "k3" }).catch((e) => e)).toMatchObject({ code: "restricted_463" });
    expect(gw.emulator!.outbox(salonId)).toHaveLength(1);
    const outcomes = (await jobs(WHATSAPP_EVENT_PATHS["message.status"], salonId)).map((j) => [j.body.messageId === first.messageId, j.body.status, j.body.error]);
    expect(outcomes).toEqual([[true, "sent", null], [false, "failed", "not_on_whatsapp"], [false, "failed", "restricted_463"]]);

    const bad = await api(gw, "POST", `/v1/sessions/${salonId}/messages`, { to: "not a phone", text: "x", idempotencyKey: "k4" });
    expect(bad).toMatchObject({ status: 400, json: { error: { code: "bad_request" } } });

    const down = await client.sendText(nextSalonId(), { to: "79990001122", text: "x", idempotencyKey: "k5" }).catch((e) => e);
    expect(down).toMatchObject({ status: 503, code: "session_down", retryable: true });

    expect((await fetch(`${gw.url}/v1/sessions/${salonId}`)).status).toBe(401);
    // Health is open but says only up or not; the process's details need the service token.
    expect(await (await fetch(`${gw.url}/health`)).json()).toEqual({ status: "ok", checks: { database: { ok: true }, accepting: { ok: true } } });
    expect((await fetch(`${gw.url}/v1/health`)).status).toBe(401);
    const health = await api(gw, "GET", "/v1/health");
    expect(health.json).toMatchObject({ status: "ok", transport: "emulator", holder: expect.any(String), outboxPending: expect.any(Number) });
    expect(health.json.sessions.connected).toBeGreaterThan(0);
  });

  it("a send while the session is logged out is refused for good, and the key stays free for after the re-link", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79005556611");
    const client = createGatewayClient({ baseUrl: gw.url, secret: config.gatewaySecret });
    await api(gw, "POST", `/emulator/sessions/${salonId}/disconnect`, { code: 401 });
    await gw.sessions.waitForState(salonId, ["logged_out"], 5000);
    expect(await client.sendText(salonId, { to: "79990001122", text: "x", idempotencyKey: "retry-me" }).catch((e) => e))
      .toMatchObject({ status: 410, code: "session_logged_out", retryable: false });
    await connectSalon(gw, salonId, "79005556611");
    const sent = await client.sendText(salonId, { to: "79990001122", text: "x", idempotencyKey: "retry-me" });
    await gw.sessions.sendsIdle(salonId);
    expect(gw.emulator!.outbox(salonId).map((m) => m.id)).toEqual([sent.messageId]);
  });
});

describe("events to the functions", () => {
  it("publishes inbound messages once per message id, with PN and LID senders, and admin messages", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79006667700");
    const inbound = { from: "79161234567", text: "Хочу записаться на стрижку", pushName: "Анна", id: "3EB0AAA111" };
    expect((await api(gw, "POST", `/emulator/sessions/${salonId}/inbound`, inbound)).json).toEqual({ messageId: "3EB0AAA111" });
    await api(gw, "POST", `/emulator/sessions/${salonId}/inbound`, inbound);
    await api(gw, "POST", `/emulator/sessions/${salonId}/inbound`, { from: "123456789012345@lid", altJid: "79167654321@s.whatsapp.net", text: "А цены?", id: "3EB0BBB222" });

    const received = await jobs(WHATSAPP_EVENT_PATHS["message.received"], salonId);
    expect(received.map((j) => j.dedupe_id)).toEqual([`${salonId}:3EB0AAA111`, `${salonId}:3EB0BBB222`]);
    expect(MessageReceived.parse(received[0]!.body)).toMatchObject({
      salonId, kind: "text", text: inbound.text, pushName: "Анна", from: { phone: "79161234567", jid: "79161234567@s.whatsapp.net", altJid: null },
    });
    expect(MessageReceived.parse(received[1]!.body).from).toEqual({ phone: "79167654321", jid: "123456789012345@lid", altJid: "79167654321@s.whatsapp.net" });

    const admin = await api(gw, "POST", `/emulator/sessions/${salonId}/admin-message`, { to: "79161234567", text: "Анна, я вам перезвоню" });
    const fromAdmin = await jobs(WHATSAPP_EVENT_PATHS["message.from_admin"], salonId);
    expect(fromAdmin.map((j) => j.dedupe_id)).toEqual([`${salonId}:${admin.json.messageId}`]);
    expect(MessageFromAdmin.parse(fromAdmin[0]!.body).to.phone).toBe("79161234567");
  });

  it("a LID sender: without a mapping no phone, with phoneAlt the phone at once, and a mapping told later for the rest", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79006667722");
    const lid = "555000111222333@lid";
    await api(gw, "POST", `/emulator/sessions/${salonId}/inbound`, { from: lid, text: "Здравствуйте", id: "3EB0LID001" });
    await api(gw, "POST", `/emulator/sessions/${salonId}/inbound`, { from: "555000111222444@lid", phoneAlt: "79161112233", text: "А цены?", id: "3EB0LID002" });
    expect((await api(gw, "POST", `/emulator/sessions/${salonId}/lid-mapping`, { lid, phone: "79164445566" })).json).toEqual({ ok: true });
    await api(gw, "POST", `/emulator/sessions/${salonId}/inbound`, { from: lid, text: "Это снова я", id: "3EB0LID003" });
    expect((await api(gw, "POST", `/emulator/sessions/${salonId}/lid-mapping`, { lid: "79164445566", phone: "79164445566" })).status).toBe(400);

    const froms = (await jobs(WHATSAPP_EVENT_PATHS["message.received"], salonId)).map((j) => MessageReceived.parse(j.body).from);
    expect(froms).toEqual([
      { phone: null, jid: lid, altJid: null },
      { phone: "79161112233", jid: "555000111222444@lid", altJid: "79161112233@s.whatsapp.net" },
      { phone: "79164445566", jid: lid, altJid: null },
    ]);
    const mappings = await jobs(WHATSAPP_EVENT_PATHS["lid.mapping"], salonId);
    expect(mappings.map((j) => j.dedupe_id)).toEqual([`${salonId}:lid:555000111222333:79164445566`]);
    expect(LidMapping.parse(mappings[0]!.body)).toMatchObject({ salonId, lid, phone: "79164445566" });
  });

  it("keeps events in the outbox while publishing fails, and publishes them later", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79006667711");
    flaky.failing = true;
    try {
      const res = await api(gw, "POST", `/emulator/sessions/${salonId}/inbound`, { from: "79160000001", text: "Алло", id: "3EB0CCC333" });
      expect(res.status).toBe(200);
      expect(await gw.outbox.retryDue()).toBe(0);
    } finally {
      flaky.failing = false;
    }
    expect(await jobs(WHATSAPP_EVENT_PATHS["message.received"], salonId)).toHaveLength(0);
    expect(await database.db.rpc("gateway_outbox_pending")).toBeGreaterThan(0);

    clock.advance(10 * 60_000);
    expect(await gw.outbox.retryDue()).toBeGreaterThan(0);
    const received = await jobs(WHATSAPP_EVENT_PATHS["message.received"], salonId);
    expect(received.map((j) => j.dedupe_id)).toEqual([`${salonId}:3EB0CCC333`]);
    expect(await database.db.rpc("gateway_outbox_pending")).toBe(0);
  });
});

describe("across processes", () => {
  it("restores paired sessions after a restart, and leaves logged-out ones alone", async () => {
    const paired = nextSalonId();
    const loggedOut = nextSalonId();
    await connectSalon(gw, paired, "79007770001");
    await connectSalon(gw, loggedOut, "79007770002");
    await api(gw, "POST", `/emulator/sessions/${loggedOut}/disconnect`, { code: 401 });
    await gw.sessions.waitForState(loggedOut, ["logged_out"], 5000);

    await gw.close();
    gw = await startGateway({ config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: FAST });
    expect(await gw.restored).toBeGreaterThan(0);
    expect(await gw.sessions.waitForState(paired, ["connected"], 5000)).toEqual({ salonId: paired, state: "connected", phone: "79007770001" });
    expect(gw.sessions.isLive(loggedOut)).toBe(false);
    expect(await jobs(WHATSAPP_EVENT_PATHS["session.connected"], paired)).toHaveLength(1);
  });

  it("a crashed gateway's successor of the same lineage resumes at once: unsent sends go out, one cut off on the socket is never repeated", async () => {
    const salonId = nextSalonId();
    const crashed = await startGateway({ config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: { ...FAST, holderId: "lineage-x/1" }, restore: false });
    await connectSalon(crashed, salonId, "79008880001");
    // What a kill leaves behind: the lease still running, one send marked on the socket, one never taken.
    await database.pg!.query(
      `insert into wa_sends (salon_id, idempotency_key, message_id, status, jid, body, created_at) values
       ($1, 'cut', 'IDCUT', 'sending', '79990000001@s.whatsapp.net', 'a', now()),
       ($1, 'waiting', 'IDWAIT', 'queued', '79990000002@s.whatsapp.net', 'b', now())`, [salonId]);

    // Another lineage must wait for the lease; meanwhile a send is told where the (still registered) holder is, to
    // come back, not that the session is gone.
    const other = await startGateway({ config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: { ...FAST, holderId: "lineage-y/1" }, restore: false });
    const client = createGatewayClient({ baseUrl: other.url, secret: config.gatewaySecret });
    expect(await client.sendText(salonId, { to: "79990000003", text: "c", idempotencyKey: "later" }).catch((e) => e))
      .toMatchObject({ status: 409, code: "session_elsewhere", retryable: true });
    await expect(other.sessions.start(salonId)).rejects.toMatchObject({ code: "session_elsewhere" });
    await other.close();

    const successor = await startGateway({ config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: { ...FAST, holderId: "lineage-x/2" } });
    try {
      expect(await successor.sessions.waitForState(salonId, ["connected"], 5000)).toMatchObject({ state: "connected" });
      await successor.sessions.sendsIdle(salonId);
      expect(successor.emulator!.outbox(salonId).map((m) => m.id)).toEqual(["IDWAIT"]);
      const outcomes = (await jobs(WHATSAPP_EVENT_PATHS["message.status"], salonId)).map((j) => [j.body.messageId, j.body.status]);
      expect(outcomes).toEqual([["IDCUT", "unknown"], ["IDWAIT", "sent"]]);
      // Asked again, the cut-off key answers its message id: it is never sent a second time.
      expect(await successor.sessions.sendText(salonId, { to: "79990000001", text: "a", idempotencyKey: "cut" })).toEqual({ messageId: "IDCUT" });
      await successor.sessions.sendsIdle(salonId);
      expect(successor.emulator!.outbox(salonId)).toHaveLength(1);
    } finally {
      await successor.close();
      await crashed.close();
    }
  });

  it("restores in waves: never more sessions connecting at once than the configured concurrency", async () => {
    // A lone gateway's restart: the suite's gateway stays out of the fleet registry meanwhile, else the restarted one
    // would restore only its share and leave the rest to that one's next scan (fleet-sessions.test.ts covers that).
    await gw.sessions.fleet.leave();
    onTestFinished(() => gw.sessions.fleet.register());
    const ids = [nextSalonId(), nextSalonId(), nextSalonId(), nextSalonId(), nextSalonId()];
    const temp = await startGateway({ config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: FAST, restore: false });
    for (const [i, id] of ids.entries()) await connectSalon(temp, id, `7900999000${i}`);
    await temp.close();

    const holderId = "gw-waves";
    const due = await database.db.rpc<number[]>("wa_sessions_restorable", { p_holder: holderId, p_now: clock.now().toISOString() });
    expect(due.map(Number)).toEqual(expect.arrayContaining(ids));
    const world = new EmulatorWorld(clock);
    const gates: Array<() => void> = [];
    let inFlight = 0;
    let most = 0;
    const gated: Transport = {
      kind: "emulator",
      async open(o) {
        most = Math.max(most, ++inFlight);
        await new Promise<void>((release) => gates.push(release));
        inFlight -= 1;
        return world.open(o);
      },
    };
    const waves = await startGateway({
      config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, transport: gated,
      options: { ...FAST, holderId, restoreConcurrency: 2 },
    });
    try {
      for (let released = 0; released < due.length; released++) {
        const expected = Math.min(2, due.length - released);
        while (gates.length < expected) await new Promise((r) => setTimeout(r, 2));
        expect(gates.length).toBe(expected);
        gates.shift()!();
      }
      expect(await waves.restored).toBe(due.length);
      expect(most).toBe(2);
      for (const id of ids) expect((await waves.sessions.waitForState(id, ["connected"], 5000)).state).toBe("connected");
    } finally {
      gates.forEach((g) => g());
      await waves.close();
    }
  });

  it("fences a session between two gateways on one database", async () => {
    const salonId = nextSalonId();
    await connectSalon(gw, salonId, "79008880001");
    const second = await startGateway({
      config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: FAST, restore: false,
    });
    try {
      expect(await api(second, "POST", `/v1/sessions/${salonId}/start`)).toMatchObject({ status: 409, json: { error: { code: "session_elsewhere" } } });

      // The first gateway stalls past its lease; the second takes the session over with a higher fence.
      clock.advance(60_000);
      expect((await api(second, "POST", `/v1/sessions/${salonId}/start`)).status).toBe(200);
      expect((await second.sessions.waitForState(salonId, ["connected"], 5000)).state).toBe("connected");

      // The stale holder finds out at its next renewal and lets go without touching the keys.
      await gw.sessions.renewLeases();
      expect(gw.sessions.isLive(salonId)).toBe(false);
      const { rows } = await database.pg!.query("select count(*)::int as n from wa_auth where salon_id = $1", [salonId]);
      expect(rows[0]).toEqual({ n: 1 });
      expect((await api(second, "GET", `/v1/sessions/${salonId}`)).json.state).toBe("connected");
    } finally {
      await second.close();
    }
  });

  it("adopts a session whose crashed gateway still held its lease at start-up, once that lease runs out", async () => {
    const salonId = nextSalonId();
    const before = await startGateway({ config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: FAST, restore: false });
    await connectSalon(before, salonId, "79006660001");
    await before.close();
    // The crash: the dead process never gave its lease back, and the new gateway starts before it runs out.
    await database.db.rpc("wa_lease_acquire", { p_salon_id: salonId, p_holder: "gw-crashed", p_ttl_sec: 30, p_now: clock.now().toISOString() });
    const after = await startGateway({
      config, db: database.db, dispatcher: flaky, log: silentLog, port: 0, clock, options: { ...FAST, leaseRenewMs: 20, fleetScanMs: 20 },
    });
    try {
      await after.restored;
      expect(after.sessions.isLive(salonId)).toBe(false);
      clock.advance(31_000);
      expect(await after.sessions.waitForState(salonId, ["connected"], 5000)).toEqual({ salonId, state: "connected", phone: "79006660001" });
    } finally {
      await after.close();
    }
  });
});
