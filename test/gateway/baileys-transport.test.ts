import { EventEmitter } from "node:events";
import { Boom } from "@hapi/boom";
import { initAuthCreds, proto } from "@whiskeysockets/baileys";
import type { AuthenticationCreds, BinaryNode, SignalKeyStore, UserFacingSocketConfig } from "@whiskeysockets/baileys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/clock.js";
import type { Config } from "../../lib/config/index.js";
import type { Database } from "../../lib/db/client.js";
import { MessageFromAdmin, MessageReceived, WHATSAPP_EVENT_PATHS } from "../../lib/contract/events.js";
import { SalonAuthState, SharedKeyCache } from "../../whatsapp-gateway/auth-state.js";
import { defaultGatewayOptions, type GatewayOptions } from "../../whatsapp-gateway/config.js";
import { GatewayApiError } from "../../whatsapp-gateway/errors.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import type { SessionNotice } from "../../whatsapp-gateway/sessions/manager.js";
import { decideOnClose } from "../../whatsapp-gateway/sessions/policy.js";
import { GatewayStore, LeaseLostError } from "../../whatsapp-gateway/store.js";
import { BaileysTransport, type BaileysSocket } from "../../whatsapp-gateway/transport/baileys.js";
import { COMPANION_REG_REFRESH_EVENT, withAdvSecret } from "../../whatsapp-gateway/transport/upstream-fixes/companion-reg-refresh.js";
import { guardEmptyLinkCodeCompanionReg } from "../../whatsapp-gateway/transport/upstream-fixes/empty-link-code-guard.js";
import { WebVersion } from "../../whatsapp-gateway/transport/web-version.js";
import { gatewayDetails, nextSalonId, openTestDatabase, silentLog, testConfig } from "../support/harness.js";
import { jobQueue } from "./queue.js";

/**
 * The Baileys transport driven through a stand-in socket: the same members and events a Baileys 7 socket has
 * (ev: connection.update, creds.update, messages.upsert, messages.update; ws: raw `CB:` stanzas), under the real
 * session manager, auth state in the embedded Postgres and the local dispatcher's queue.
 */

const ERROR_STATUS = proto.WebMessageInfo.Status.ERROR;

class StandInSocket {
  readonly ev = new EventEmitter();
  readonly ws = new EventEmitter();
  readonly authState: { creds: AuthenticationCreds; keys: SignalKeyStore };
  readonly nodes: BinaryNode[] = [];
  readonly sent: Array<{ jid: string; text: string; id: string }> = [];
  notOnWhatsApp = new Set<string>();
  nack463 = new Set<string>();
  lidToPn = new Map<string, string>();
  ended = false;
  private seq = 0;

  constructor(readonly config: UserFacingSocketConfig) {
    this.authState = config.auth as never;
    // Baileys merges every creds.update into its creds object before anyone else hears it.
    this.ev.on("creds.update", (u) => Object.assign(this.authState.creds, u));
  }

  requestPairingCode = async (phone: string): Promise<string> => {
    this.authState.creds.me = { id: `${phone}@s.whatsapp.net`, name: "~" };
    this.ev.emit("creds.update", this.authState.creds);
    return "ABCD1234";
  };
  sendMessage = async (jid: string, content: { text: string }, options: { messageId?: string } = {}) => {
    const id = options.messageId ?? `3EB0STAND${++this.seq}`;
    this.sent.push({ jid, text: content.text, id });
    // Baileys (emitOwnEvents) echoes the sent message while sending.
    this.ev.emit("messages.upsert", { type: "append", messages: [{ key: { remoteJid: jid, fromMe: true, id }, message: { conversation: content.text } }] });
    if (this.nack463.has(jid)) {
      this.ev.emit("messages.update", [{ key: { id, remoteJid: jid, fromMe: true }, update: { status: ERROR_STATUS, messageStubParameters: ["463"] } }]);
    }
    return { key: { id, remoteJid: jid, fromMe: true }, message: { conversation: content.text } };
  };
  sendPresenceUpdate = async () => {};
  onWhatsApp = async (jid: string) => [{ jid, exists: !this.notOnWhatsApp.has(jid) }];
  logout = async () => {};
  end = () => {
    this.ended = true;
    this.ev.emit("connection.update", { connection: "close", lastDisconnect: { error: new Boom("Connection Closed", { statusCode: 428 }), date: new Date() } });
  };
  signalRepository = { lidMapping: { getPNForLID: async (lid: string) => this.lidToPn.get(lid) ?? null } };
  sendNode = async (node: BinaryNode) => {
    this.nodes.push(node);
  };

  close(code: number, message = "closed"): void {
    this.ev.emit("connection.update", { connection: "close", lastDisconnect: { error: new Boom(message, { statusCode: code }), date: new Date() } });
  }
}

const FAST: Partial<GatewayOptions> = {
  sendGapMs: [0, 0], sendAckWaitMs: 50, backoffBaseMs: 1, backoffMaxMs: 5, restoreJitterMs: [0, 0],
  leaseRenewMs: 3_600_000, outboxPollMs: 3_600_000, pairingCodeIntervalMs: 0,
};

let database: Database;
let config: Config;
let clock: ManualClock;
let gw: RunningGateway;
/** What the Web-version lookup answers next (the gateway asks at start and again after a 405). */
let webVersionAnswer: [number, number, number] | null = [2, 3000, 1055555555];
let webVersionLookups = 0;
const sockets = new Map<number, StandInSocket[]>();
const latest = (salonId: number) => sockets.get(salonId)!.at(-1)!;

async function jobs(path: string, salonId: number): Promise<Array<{ dedupe_id: string; body: any }>> {
  const { rows } = await database.pg!.query<{ dedupe_id: string; body: string }>(
    "select dedupe_id, body from local_dispatch where url = $1 and (body::jsonb ->> 'salonId')::bigint = $2 order by id",
    [config.publicUrl + path, salonId],
  );
  return rows.map((r) => ({ dedupe_id: r.dedupe_id, body: JSON.parse(r.body) }));
}

async function storedCreds(salonId: number): Promise<any> {
  const { rows } = await database.pg!.query<{ value: any }>("select value from wa_auth where salon_id = $1 and key_type = 'creds'", [salonId]);
  return rows[0]?.value;
}

/** Collects a salon's notices; `until` resolves once one matches. */
function listen(salonId: number) {
  const notices: SessionNotice[] = [];
  const waiters: Array<() => void> = [];
  gw.sessions.subscribe(salonId, (n) => {
    notices.push(n);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    notices,
    until: (pred: (n: SessionNotice) => boolean) =>
      new Promise<SessionNotice>((resolve) => {
        const check = () => {
          const hit = notices.find(pred);
          if (hit) resolve(hit);
          else waiters.push(check);
        };
        check();
      }),
  };
}

async function openPaired(salonId: number, phone: string): Promise<StandInSocket> {
  await gw.sessions.start(salonId);
  const s = latest(salonId);
  s.ev.emit("creds.update", { me: { id: `${phone}:7@s.whatsapp.net`, name: "Salon" }, registered: true });
  s.ev.emit("connection.update", { connection: "open" });
  expect((await gw.sessions.waitForState(salonId, ["connected"], 5000)).phone).toBe(phone);
  return s;
}

beforeAll(async () => {
  database = await openTestDatabase();
  config = testConfig({ PUBLIC_URL: "http://functions.test" });
  clock = new ManualClock("2026-11-23T10:00:00Z");
  const dispatcher = jobQueue(database, config, clock);
  const options = { ...defaultGatewayOptions(), ...FAST };
  const webVersion = new WebVersion({
    override: null, timeoutMs: 1000, clock, log: silentLog,
    fetch: async () => (webVersionLookups++, webVersionAnswer),
  });
  webVersion.learn();
  const transport = new BaileysTransport({
    log: silentLog, clock, options, keyCache: new SharedKeyCache(1000), webVersion,
    makeSocket: (cfg) => {
      const s = new StandInSocket(cfg);
      const salonId = currentSalon;
      sockets.set(salonId, [...(sockets.get(salonId) ?? []), s]);
      return s as unknown as BaileysSocket;
    },
  });
  gw = await startGateway({ config, db: database.db, dispatcher, log: silentLog, port: 0, clock, options: FAST, transport });
});

/** The stand-in factory has no salon id in its config; each test opens one salon at a time. */
let currentSalon = 0;
const salon = () => (currentSalon = nextSalonId());

afterAll(async () => {
  await gw?.close();
  await database?.close();
});

describe("Baileys transport over a stand-in socket", () => {
  it("configures the socket for a salon gateway", async () => {
    const salonId = salon();
    await gw.sessions.start(salonId);
    const cfg = latest(salonId).config;
    expect(cfg.markOnlineOnConnect).toBe(false);
    expect(cfg.syncFullHistory).toBe(false);
    expect(cfg.browser).toEqual(["Windows", "Chrome", expect.any(String)]);
    expect(cfg.shouldIgnoreJid!("120363000000000000@g.us")).toBe(true);
    expect(cfg.shouldIgnoreJid!("79001234567@s.whatsapp.net")).toBe(false);
    expect(cfg.version).toEqual([2, 3000, 1055555555]);
  });

  it("405 on a paired session: named outdated version on /health, the version looked up again, no quick retry", async () => {
    const salonId = salon();
    const s = await openPaired(salonId, "79001112299");
    const lookups = webVersionLookups;
    webVersionAnswer = [2, 3000, 1066666666];
    s.close(405, "Connection Failure");
    await gw.sessions.waitForState(salonId, ["connecting"], 5000);
    const health = await gatewayDetails(gw.url, config.gatewaySecret);
    expect(health.whatsappWeb).toEqual({ version: "2.3000.1066666666", source: "fetched", outdatedSince: clock.now().toISOString() });
    expect(webVersionLookups).toBe(lookups + 1);
    // FAST backs other codes off by milliseconds; a 405 waits outdatedVersionRetryMs (minutes) instead.
    await new Promise((r) => setTimeout(r, 100));
    expect(sockets.get(salonId)).toHaveLength(1);
    expect((await gw.sessions.status(salonId)).state).toBe("connecting");
  });

  it("405 while showing a QR stops and tells the page; the next QR presents the new version, and an open clears it", async () => {
    const salonId = salon();
    const page = listen(salonId);
    await gw.sessions.start(salonId);
    webVersionAnswer = [2, 3000, 1077777777];
    latest(salonId).close(405, "Connection Failure");
    expect(await page.until((n) => n.type === "error")).toMatchObject({ type: "error", code: "outdated_version" });
    expect((await gw.sessions.status(salonId)).state).toBe("stopped");
    // The page hears the error while the session is still being released; ask again once it is gone.
    while (gw.sessions.isLive(salonId)) await new Promise((r) => setTimeout(r, 5));
    await gw.sessions.requestQr(salonId);
    expect(latest(salonId).config.version).toEqual([2, 3000, 1077777777]);
    latest(salonId).ev.emit("creds.update", { me: { id: "79001112298:3@s.whatsapp.net", name: "Salon" }, registered: true });
    latest(salonId).ev.emit("connection.update", { connection: "open" });
    await gw.sessions.waitForState(salonId, ["connected"], 5000);
    expect((await gatewayDetails(gw.url, config.gatewaySecret)).whatsappWeb.outdatedSince).toBeNull();
  });

  it("shows QRs with the current adv secret and re-renders the QR on companion_reg_refresh", async () => {
    const salonId = salon();
    const page = listen(salonId);
    await gw.sessions.start(salonId);
    const s = latest(salonId);
    const creds = s.authState.creds;
    const baileysQr = (ref: string, adv: string) => `https://wa.me/settings/linked_devices#${ref},NOISE,IDENTITY,${adv},1`;
    const startAdv = creds.advSecretKey;
    s.ev.emit("connection.update", { qr: baileysQr("REF1", startAdv) });
    const first = (await page.until((n) => n.type === "qr")) as Extract<SessionNotice, { type: "qr" }>;
    expect(first.qr).toBe(baileysQr("REF1", startAdv));

    s.ws.emit(COMPANION_REG_REFRESH_EVENT, { tag: "notification", attrs: { type: "companion_reg_refresh", id: "n1" }, content: [] });
    const fresh = creds.advSecretKey;
    expect(fresh).not.toBe(startAdv);
    expect(Buffer.from(fresh, "base64")).toHaveLength(32);
    const qrs = () => page.notices.filter((n): n is Extract<SessionNotice, { type: "qr" }> => n.type === "qr");
    expect(qrs().at(-1)!.qr).toBe(baileysQr("REF1", fresh));

    // Baileys keeps emitting the secret it captured when pairing began; the page must get the current one.
    s.ev.emit("connection.update", { qr: baileysQr("REF2", startAdv) });
    expect(qrs().at(-1)!.qr).toBe(baileysQr("REF2", fresh));
    await new Promise((r) => setImmediate(r));
    const saved = await storedCreds(salonId);
    expect(saved.advSecretKey).toBe(fresh);
    expect(withAdvSecret("no-hash", fresh)).toBe("no-hash");
  });

  it("pairs: creds.update is persisted, 515 reconnects with them, open reports the phone without device suffix", async () => {
    const salonId = salon();
    const page = listen(salonId);
    await gw.sessions.start(salonId);
    const s = latest(salonId);
    s.ev.emit("creds.update", { me: { id: "79001234567:12@s.whatsapp.net", name: "Salon" }, registered: true });
    s.close(515, "Stream Errored (restart required)");
    await gw.sessions.waitForState(salonId, ["connecting"], 5000);
    await new Promise((r) => setTimeout(r, 0));
    for (let i = 0; i < 100 && sockets.get(salonId)!.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    const again = latest(salonId);
    expect(again).not.toBe(s);
    expect(again.authState.creds.me?.id).toBe("79001234567:12@s.whatsapp.net");
    again.ev.emit("connection.update", { connection: "open" });
    expect(await page.until((n) => n.type === "connected")).toEqual({ type: "connected", phone: "79001234567" });
    expect((await jobs(WHATSAPP_EVENT_PATHS["session.connected"], salonId)).map((j) => j.body.phone)).toEqual(["79001234567"]);
  });

  it("requests a pairing code only after the first QR", async () => {
    const salonId = salon();
    const page = listen(salonId);
    await gw.sessions.requestPairingCode(salonId, "79002223344");
    const s = latest(salonId);
    expect(s.authState.creds.me).toBeUndefined();
    s.ev.emit("connection.update", { qr: "https://wa.me/settings/linked_devices#R,N,I,A,1" });
    expect(await page.until((n) => n.type === "pairing_code")).toEqual({ type: "pairing_code", code: "ABCD-1234", expiresInSec: 60 });
    expect(page.notices.some((n) => n.type === "qr")).toBe(false);
  });

  it("maps messages.upsert: PN sender, LID sender (alternate or mapping store), admin typing, placeholders; skips groups and echoes", async () => {
    const salonId = salon();
    const s = await openPaired(salonId, "79005550000");
    s.lidToPn.set("222222222222222@lid", "79162222222@s.whatsapp.net");
    const t = 1_795_000_000;
    s.ev.emit("messages.upsert", {
      type: "notify",
      messages: [
        { key: { remoteJid: "79161111111@s.whatsapp.net", fromMe: false, id: "PN1" }, message: { conversation: "Здравствуйте" }, pushName: "Ольга", messageTimestamp: t },
        { key: { remoteJid: "111111111111111@lid", remoteJidAlt: "79163333333@s.whatsapp.net", fromMe: false, id: "LID1" }, message: { extendedTextMessage: { text: "Можно на завтра?", contextInfo: { stanzaId: "PREV" } } }, messageTimestamp: t },
        { key: { remoteJid: "222222222222222@lid", fromMe: false, id: "LID2" }, message: { imageMessage: { caption: "вот такую" } }, messageTimestamp: t },
        { key: { remoteJid: "333333333333333@lid", fromMe: false, id: "LID3" }, message: { conversation: "кто я?" }, messageTimestamp: t },
        { key: { remoteJid: "120363000000000000@g.us", participant: "79161111111@s.whatsapp.net", fromMe: false, id: "GRP1" }, message: { conversation: "group" } },
        { key: { remoteJid: "79161111111@s.whatsapp.net", fromMe: true, id: "ADM1" }, message: { conversation: "Ольга, перезвоню" }, messageTimestamp: t },
      ],
    });
    await gw.sessions.sendText(salonId, { to: "79161111111", text: "bot reply", idempotencyKey: "echo-1" });

    let received: Array<{ dedupe_id: string; body: any }> = [];
    for (let i = 0; i < 200 && received.length < 4; i++) {
      await new Promise((r) => setTimeout(r, 5));
      received = await jobs(WHATSAPP_EVENT_PATHS["message.received"], salonId);
    }
    expect(received.map((j) => j.dedupe_id)).toEqual(["PN1", "LID1", "LID2", "LID3"].map((id) => `${salonId}:${id}`));
    const [pn, lidAlt, lidMapped, lidUnknown] = received.map((j) => MessageReceived.parse(j.body));
    expect(pn).toMatchObject({ kind: "text", text: "Здравствуйте", pushName: "Ольга", timestamp: new Date(t * 1000).toISOString(), from: { phone: "79161111111", jid: "79161111111@s.whatsapp.net", altJid: null } });
    expect(lidAlt).toMatchObject({ text: "Можно на завтра?", refMessageId: "PREV", from: { phone: "79163333333", jid: "111111111111111@lid", altJid: "79163333333@s.whatsapp.net" } });
    expect(lidMapped).toMatchObject({ kind: "image", text: "[image] вот такую", from: { phone: "79162222222", jid: "222222222222222@lid" } });
    expect(lidUnknown!.from).toEqual({ phone: null, jid: "333333333333333@lid", altJid: null });

    const admin = await jobs(WHATSAPP_EVENT_PATHS["message.from_admin"], salonId);
    expect(admin.map((j) => MessageFromAdmin.parse(j.body))).toEqual([
      expect.objectContaining({ messageId: "ADM1", text: "Ольга, перезвоню", to: expect.objectContaining({ phone: "79161111111" }) }),
    ]);
  });

  it("tells the functions each LID mapping WhatsApp sends (lid-mapping.update), device suffix dropped", async () => {
    const salonId = salon();
    const s = await openPaired(salonId, "79005550011");
    s.ev.emit("lid-mapping.update", { lid: "444444444444444:3@lid", pn: "79164444444@s.whatsapp.net" });
    s.ev.emit("lid-mapping.update", { lid: "not-a-lid", pn: "79164444445@s.whatsapp.net" });
    let mapped: Array<{ dedupe_id: string; body: any }> = [];
    for (let i = 0; i < 200 && mapped.length < 1; i++) {
      await new Promise((r) => setTimeout(r, 5));
      mapped = await jobs(WHATSAPP_EVENT_PATHS["lid.mapping"], salonId);
    }
    expect(mapped.map((j) => [j.dedupe_id, j.body.lid, j.body.phone])).toEqual([[`${salonId}:lid:444444444444444:79164444444`, "444444444444444@lid", "79164444444"]]);
  });

  it("sends through the socket and refuses numbers not on WhatsApp and 463 nacks", async () => {
    const salonId = salon();
    const s = await openPaired(salonId, "79005551111");
    // Accepted at once; the same key asked again after the worker ran answers what became of the send.
    const settle = async (msg: { to: string; text: string; idempotencyKey: string }) => {
      await gw.sessions.sendText(salonId, msg);
      await gw.sessions.sendsIdle(salonId);
      return gw.sessions.sendText(salonId, msg);
    };
    const ok = await settle({ to: "79990000001", text: "Ждём вас завтра в 12:00", idempotencyKey: "a" });
    expect(s.sent).toEqual([{ jid: "79990000001@s.whatsapp.net", text: "Ждём вас завтра в 12:00", id: ok.messageId }]);
    // A LID is replied to as received, without an onWhatsApp lookup.
    await settle({ to: "111111111111111@lid", text: "ok", idempotencyKey: "b" });
    expect(s.sent.at(-1)!.jid).toBe("111111111111111@lid");

    s.notOnWhatsApp.add("79990000002@s.whatsapp.net");
    await expect(settle({ to: "79990000002", text: "x", idempotencyKey: "c" })).rejects.toMatchObject({ status: 422, code: "not_on_whatsapp" });
    s.nack463.add("79990000003@s.whatsapp.net");
    const err = await settle({ to: "79990000003", text: "x", idempotencyKey: "d" }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayApiError);
    expect(err).toMatchObject({ status: 422, code: "restricted_463" });
    expect(s.sent).toHaveLength(3);

    // A reach-out time lock on the account: refused before anything is sent.
    s.ev.emit("connection.update", { reachoutTimeLock: { isActive: true } });
    await expect(settle({ to: "79990000004", text: "x", idempotencyKey: "e" })).rejects.toMatchObject({ code: "restricted_463" });
    expect(s.sent).toHaveLength(3);
    const outcomes = (await jobs(WHATSAPP_EVENT_PATHS["message.status"], salonId)).map((j) => [j.body.idempotencyKey, j.body.status, j.body.error]);
    expect(outcomes).toEqual([["a", "sent", null], ["b", "sent", null], ["c", "failed", "not_on_whatsapp"], ["d", "failed", "restricted_463"], ["e", "failed", "restricted_463"]]);
  });

  it("401 on connection.update wipes the auth state and publishes session.logged_out", async () => {
    const salonId = salon();
    const s = await openPaired(salonId, "79005552222");
    s.close(401, "Stream Errored (conflict)");
    expect((await gw.sessions.waitForState(salonId, ["logged_out"], 5000)).state).toBe("logged_out");
    expect(await storedCreds(salonId)).toBeUndefined();
    expect((await jobs(WHATSAPP_EVENT_PATHS["session.logged_out"], salonId)).map((j) => j.body.code)).toEqual([401]);
    expect(sockets.get(salonId)).toHaveLength(1);
  });
});

describe("upstream fixes", () => {
  it("drops an empty link_code_companion_reg notification (acked) and lets a complete one through", async () => {
    const ws = new EventEmitter();
    const acks: BinaryNode[] = [];
    const sock = { ws, sendNode: async (n: BinaryNode) => void acks.push(n), authState: { creds: { me: { id: "79001234567@s.whatsapp.net" } } } };
    guardEmptyLinkCodeCompanionReg(sock);
    const seen: BinaryNode[] = [];
    ws.on("CB:notification", (n: BinaryNode) => seen.push(n));
    const empty: BinaryNode = { tag: "notification", attrs: { type: "link_code_companion_reg", id: "e1", from: "s.whatsapp.net" }, content: [{ tag: "link_code_companion_reg", attrs: {} }] };
    ws.emit("CB:notification,type:link_code_companion_reg", empty);
    ws.emit("CB:notification", empty);
    expect(seen).toEqual([]);
    expect(acks).toEqual([{ tag: "ack", attrs: { id: "e1", to: "s.whatsapp.net", class: "notification", type: "link_code_companion_reg" } }]);

    const buf = (tag: string) => ({ tag, attrs: {}, content: Buffer.alloc(32, 1) });
    const full: BinaryNode = {
      tag: "notification", attrs: { type: "link_code_companion_reg", id: "f1", from: "s.whatsapp.net" },
      content: [{ tag: "link_code_companion_reg", attrs: {}, content: [buf("link_code_pairing_ref"), buf("primary_identity_pub"), buf("link_code_pairing_wrapped_primary_ephemeral_pub")] }],
    };
    ws.emit("CB:notification", full);
    expect(seen).toEqual([full]);
  });
});

describe("auth state in Postgres", () => {
  it("round-trips every key type as one atomic batch, deletes on null, and refuses a fenced-out writer", async () => {
    const salonId = nextSalonId();
    const store = new GatewayStore(database.db);
    const fenceA = Number(await store.leaseAcquire(salonId, "gw-a", 30, clock.now()));
    const a = new SalonAuthState(store, salonId, { holder: "gw-a", fence: fenceA }, clock);
    const creds = initAuthCreds();
    await a.saveCreds(creds);
    const readBack = await a.readCreds<AuthenticationCreds>();
    expect(Buffer.from(readBack!.noiseKey.private).equals(Buffer.from(creds.noiseKey.private))).toBe(true);

    const key = Buffer.from("0123456789abcdef0123456789abcdef");
    await a.keys.set({
      "pre-key": { "1": { public: key, private: key } },
      session: { "79001234567.0": key },
      "sender-key": { "g1::79001234567::0": key },
      "sender-key-memory": { "g1": { "79001234567@s.whatsapp.net": true } },
      "app-state-sync-key": { AAAAAK6J: { keyData: key, timestamp: 1 } },
      "app-state-sync-version": { regular: { version: 3, hash: key, indexValueMap: {} } },
      "lid-mapping": { "79001234567": "111111111111111", "111111111111111_reverse": "79001234567" },
      "device-list": { "79001234567": ["0", "12"] },
      tctoken: { "79001234567@s.whatsapp.net": { token: key, timestamp: "1795000000" } },
      "identity-key": { "79001234567.0": key },
    });
    const preKey = await a.keys.get("pre-key", ["1", "2"]);
    expect(Object.keys(preKey)).toEqual(["1"]);
    expect(Buffer.isBuffer(preKey["1"]!.public)).toBe(true);
    const appKey = (await a.keys.get("app-state-sync-key", ["AAAAAK6J"]))["AAAAAK6J"];
    expect(appKey).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect((await a.keys.get("lid-mapping", ["79001234567"]))["79001234567"]).toBe("111111111111111");
    expect(Buffer.from((await a.keys.get("tctoken", ["79001234567@s.whatsapp.net"]))["79001234567@s.whatsapp.net"]!.token).equals(key)).toBe(true);
    expect((await a.keys.get("device-list", ["79001234567"]))["79001234567"]).toEqual(["0", "12"]);

    await a.keys.set({ session: { "79001234567.0": null } });
    expect(await a.keys.get("session", ["79001234567.0"])).toEqual({});

    // Another gateway takes the lease over: the first one's writes (and wipes) are no-ops that fail loudly.
    clock.advance(60_000);
    const fenceB = Number(await store.leaseAcquire(salonId, "gw-b", 30, clock.now()));
    expect(fenceB).toBeGreaterThan(fenceA);
    let lost: LeaseLostError | undefined;
    a.onLeaseLost = (e) => (lost = e);
    await expect(a.keys.set({ "pre-key": { "1": null } })).rejects.toBeInstanceOf(LeaseLostError);
    expect(lost).toBeInstanceOf(LeaseLostError);
    await expect(a.clear()).rejects.toBeInstanceOf(LeaseLostError);
    const b = new SalonAuthState(store, salonId, { holder: "gw-b", fence: fenceB }, clock);
    expect(Object.keys(await b.keys.get("pre-key", ["1"]))).toEqual(["1"]);
    await b.keys.set({ "pre-key": { "2": { public: key, private: key } } });
    expect(Object.keys(await b.keys.get("pre-key", ["1", "2"])).sort()).toEqual(["1", "2"]);

    // The holder's wipe empties the store and tells the caches in front of it.
    let cleared = false;
    b.onCleared = () => (cleared = true);
    await b.clear();
    expect(cleared).toBe(true);
    expect(await b.keys.get("pre-key", ["1", "2"])).toEqual({});
    expect(await b.readCreds()).toBeNull();
  });

  it("keeps one bounded key cache for all sessions, separated by salon", () => {
    const cache = new SharedKeyCache(3);
    const one = cache.view(1);
    const two = cache.view(2);
    one.set("session.a", "1a");
    two.set("session.a", "2a");
    expect(one.get("session.a")).toBe("1a");
    expect(two.get("session.a")).toBe("2a");
    one.set("session.b", "1b");
    one.set("session.c", "1c");
    expect(cache.size).toBe(3);
    expect(one.get("session.a")).toBeUndefined(); // the least recently used went first
    expect(two.get("session.a")).toBe("2a");
    one.flushAll();
    expect(cache.size).toBe(1);
  });
});

describe("connection policy", () => {
  const o = { ...defaultGatewayOptions(), backoffBaseMs: 1000, backoffMaxMs: 60_000, backoffMaxAttempts: 10 };
  const ctx = { attempt: 0, conflicts: [] as number[], pairing: false, now: 100_000, random: () => 0.999 };

  it("decides by code", () => {
    expect(decideOnClose(401, "", ctx, o)).toEqual({ action: "logged_out", state: "logged_out" });
    expect(decideOnClose(403, "", ctx, o)).toEqual({ action: "logged_out", state: "forbidden" });
    expect(decideOnClose(515, "", { ...ctx, pairing: true }, o)).toMatchObject({ action: "reconnect", delayMs: 0 });
    expect(decideOnClose(408, "QR refs attempts ended", ctx, o)).toEqual({ action: "stop", reason: "qr_expired" });
    expect(decideOnClose(408, "Connection was lost", ctx, o)).toMatchObject({ action: "reconnect" });
    expect(decideOnClose(428, "", { ...ctx, pairing: true }, o)).toEqual({ action: "stop", reason: "pairing_failed" });
    expect(decideOnClose(428, "", { ...ctx, attempt: 3 }, o)).toMatchObject({ action: "reconnect", delayMs: 7992 });
    expect(decideOnClose(428, "", { ...ctx, attempt: 30 }, o)).toMatchObject({ action: "reconnect", delayMs: o.slowRetryMs });
    expect(decideOnClose(405, "Connection Failure", ctx, o)).toEqual({ action: "reconnect", delayMs: o.outdatedVersionRetryMs, reason: "outdated_version" });
    expect(decideOnClose(405, "Connection Failure", { ...ctx, paired: false }, o)).toEqual({ action: "stop", reason: "outdated_version" });
  });

  it("backs off a 440 loop", () => {
    const calm = decideOnClose(440, "", { ...ctx, conflicts: [10_000] }, o);
    expect(calm).toMatchObject({ action: "reconnect", reason: "replaced" });
    const loop = decideOnClose(440, "", { ...ctx, conflicts: [80_000, 85_000, 90_000, 95_000] }, o);
    expect(loop).toEqual({ action: "reconnect", delayMs: o.conflictLoopBackoffMs, reason: "conflict_loop" });
  });
});
