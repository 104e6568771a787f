/**
 * The assistant's test world: the real functions app (jobs through the local dispatcher), the embedded database,
 * the YClients sandbox over HTTP through the real client, the Gemini fake through the real SDK, and a gateway client
 * that records what would reach WhatsApp (keyed by idempotency key, as the gateway's service API is).
 */
import { beforeEach } from "vitest";
import { ManualClock } from "../../lib/clock.js";
import type { Config } from "../../lib/config/index.js";
import { DEFAULT_GEMINI_MODEL } from "../../lib/config/env.js";
import type { Database } from "../../lib/db/client.js";
import { LocalDispatcher } from "../../lib/dispatch/local.js";
import { WHATSAPP_EVENT_PATHS, type MessageFromAdmin, type MessageReceived } from "../../lib/contract/events.js";
import { GatewayError, type GatewayClient } from "../../lib/gateway/client.js";
import { createYClientsClient } from "../../lib/yclients/client.js";
import { RateLimiter } from "../../lib/yclients/rate-limiter.js";
import { beginActivation, finishActivation, registerSalon } from "../../lib/salons/store.js";
import { processRecordUpdates } from "../../lib/bookings/process-records.js";
import type { Services } from "../../lib/services.js";
import { startGeminiFake, type GeminiFake } from "../../fakes/gemini/server.js";
import { startYClientsSandbox, type SalonData, type YClientsSandbox } from "../../fakes/yclients/index.js";
import { createTestFunctions, nextSalonId, openTestDatabase, testConfig, type TestFunctions } from "../support/harness.js";
import { useWorld } from "../support/use-world.js";

export interface SentMessage {
  salonId: number;
  to: string;
  text: string;
  key: string;
  messageId: string;
}

/** Stands where the gateway's service API stands: one message per idempotency key, failures on demand. */
export class RecordingGateway implements GatewayClient {
  readonly sent: SentMessage[] = [];
  readonly presences: Array<{ salonId: number; to: string; state: string }> = [];
  /** Reactions put on clients' messages, one per idempotency key. */
  readonly reactions: Array<{ salonId: number; to: string; messageId: string; emoji: string; key: string }> = [];
  sendCalls = 0;
  failSends = 0;
  private seq = 0;

  async status(salonId: number) {
    return { salonId, state: "connected" as const, phone: null };
  }
  async start(salonId: number) {
    return this.status(salonId);
  }
  async logout(): Promise<void> {}
  async sendText(salonId: number, msg: { to: string; text: string; idempotencyKey: string }) {
    this.sendCalls += 1;
    if (this.failSends > 0) {
      this.failSends -= 1;
      throw new GatewayError(503, "session_down", "session is reconnecting");
    }
    const known = this.sent.find((m) => m.salonId === salonId && m.key === msg.idempotencyKey);
    if (known) return { messageId: known.messageId };
    const messageId = `3EB0${String(++this.seq).padStart(8, "0")}`;
    this.sent.push({ salonId, to: msg.to, text: msg.text, key: msg.idempotencyKey, messageId });
    return { messageId };
  }
  async react(salonId: number, msg: { to: string; messageId: string; emoji: string; idempotencyKey: string }) {
    const known = this.reactions.findIndex((r) => r.salonId === salonId && r.key === msg.idempotencyKey);
    if (known < 0) this.reactions.push({ salonId, to: msg.to, messageId: msg.messageId, emoji: msg.emoji, key: msg.idempotencyKey });
    return { messageId: `REACT${known < 0 ? this.reactions.length : known + 1}` };
  }
  async presence(salonId: number, msg: { to: string; state: "composing" | "paused" }) {
    this.presences.push({ salonId, ...msg });
  }
  async health() {
    return { ok: true, detail: null };
  }
  to(salonId: number, phone: string): string[] {
    return this.sent.filter((m) => m.salonId === salonId && m.to === phone).map((m) => m.text);
  }
}

export interface Functions {
  services: Services;
  dispatcher: LocalDispatcher;
  app: TestFunctions["app"];
}

export interface World {
  db: Database;
  clock: ManualClock;
  sandbox: YClientsSandbox & { url: string };
  gemini: GeminiFake;
  gateway: RecordingGateway;
  fn: Functions;
  /** The same database and outside services, with no GEMINI_API_KEY. */
  fnWithoutModel: Functions;
  close(): Promise<void>;
}

/** Monday 23 November 2026, 11:00 in Moscow. */
export const START = "2026-11-23T08:00:00Z";

export function buildFunctions(db: Database, clock: ManualClock, gateway: GatewayClient, sandbox: { url: string; partnerToken: string }, config: Config): Functions {
  // Its own limiter and no retries: the sandbox's rate limit is off here, and a refused call should fail at once.
  const yclients = createYClientsClient({
    baseUrl: sandbox.url,
    partnerToken: sandbox.partnerToken,
    limiter: new RateLimiter({ perSecond: 100_000, perMinute: 1_000_000 }),
    retries: 0,
    timeoutMs: 5_000,
  });
  const { services, dispatcher, app } = createTestFunctions(db, { config, clock, gateway, yclients });
  return { services, dispatcher, app };
}

export async function openWorld(): Promise<World> {
  const clock = new ManualClock(START);
  const [db, sandbox, gemini] = await Promise.all([
    openTestDatabase(),
    startYClientsSandbox({ clock, rateLimit: false, salonDefaults: { clients: 8, records: 0 } }),
    startGeminiFake(),
  ]);
  const gateway = new RecordingGateway();
  const base = testConfig();
  // The default model list, against the fake in its strict (Gemini 3) mode.
  const withModel = { ...base, gemini: { apiKey: "test-gemini-key", model: DEFAULT_GEMINI_MODEL, baseUrl: gemini.url } };
  const fn = buildFunctions(db, clock, gateway, sandbox, withModel);
  const fnWithoutModel = buildFunctions(db, clock, gateway, sandbox, { ...base, gemini: null });
  return {
    db,
    clock,
    sandbox,
    gemini,
    gateway,
    fn,
    fnWithoutModel,
    close: async () => {
      await Promise.all([gemini.close(), sandbox.close()]);
      await db.close();
    },
  };
}

/**
 * The world for a whole test file. Every test starts at START with the model's script, requests and rejections
 * cleared, and its own salon and phones.
 */
export function useAssistantWorld(): World {
  const w = useWorld(openWorld);
  beforeEach(() => {
    w.clock.set(START);
    w.gemini.requests.length = 0;
    w.gemini.rejected.length = 0;
    w.gemini.script([]);
  });
  return w;
}

export interface TestSalon {
  salonId: number;
  /** The salon's own WhatsApp number (where handover notices go). */
  salonPhone: string;
  data: SalonData;
  /** A client the salon knows (in the synced clients). */
  known: { phone: string; name: string; id: number };
}

const digits = (p: string) => p.replace(/\D/g, "");

/**
 * An active salon as the product would have it: registered and activated through lib/salons/store.ts, its catalogue
 * and clients in the synced tables. The synced tables are written here with plain SQL because the sync (issue 3)
 * is not in the tree yet; records go through the booking monitor's real decision point.
 */
export async function createSalon(w: World, opts: { settings?: Record<string, unknown> } = {}): Promise<TestSalon> {
  const salonId = nextSalonId();
  const data = w.sandbox.salon(salonId);
  const salonPhone = `7495${String(salonId).slice(-7).padStart(7, "0")}`;
  const c = data.company;
  await registerSalon(w.db.db, w.clock, {
    salonId, title: c.title ?? null, address: c.address ?? null, phone: c.phone ?? null, timezone: data.timezone, company: c as unknown as Record<string, unknown>,
    marketplaceUser: null, eventData: {},
  });
  await beginActivation(w.db.db, w.clock, {
    salonId, apiKey: `k-${salonId}`, webhookSecret: `secret-${salonId}`, whatsappPhone: salonPhone, windowSec: 3600, leaseSec: 60,
  });
  await finishActivation(w.db.db, w.clock, salonId, { ok: true });
  const pg = w.db.pg!;
  if (opts.settings) await pg.query("update salons set settings = $2 where salon_id = $1", [salonId, JSON.stringify(opts.settings)]);
  for (const cat of data.categories) {
    await pg.query("insert into service_categories (salon_id, category_id, title, weight) values ($1, $2, $3, $4)", [salonId, cat.id, cat.title, cat.weight]);
  }
  for (const s of data.services) {
    await pg.query(
      `insert into services (salon_id, service_id, category_id, title, price_min, price_max, duration_sec, weight, staff_ids)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [salonId, s.id, s.category_id, s.title, s.price_min, s.price_max, s.duration, s.weight, s.staff.map((x) => x.id)],
    );
  }
  for (const s of data.staff) {
    await pg.query(
      `insert into staff (salon_id, staff_id, name, specialization, rating, bookable, fired, hidden)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [salonId, s.id, s.name, s.specialization, s.rating, s.is_bookable, s.fired === 1, s.hidden === 1],
    );
  }
  for (const k of data.clients) {
    await pg.query(
      "insert into clients (salon_id, client_id, name, phone, visits_count) values ($1, $2, $3, $4, $5)",
      [salonId, k.id, k.name, digits(k.phone), k.visits_count],
    );
  }
  const first = data.clients[0]!;
  return { salonId, salonPhone, data, known: { phone: digits(first.phone), name: first.name, id: first.id } };
}

/** A new salon and a client phone it has never seen: the start of most conversations. */
export async function newChat(w: World): Promise<{ salon: TestSalon; phone: string }> {
  return { salon: await createSalon(w), phone: newPhone() };
}

/** A record made by the salon in YClients and seen by our sync. */
export async function addSyncedRecord(w: World, salon: TestSalon, input: { phone: string; name: string; staffId: number; serviceId: number; datetime: string }) {
  const rec = w.sandbox.addRecord(salon.salonId, {
    datetime: input.datetime, staffId: input.staffId, serviceIds: [input.serviceId], clientPhone: input.phone, clientName: input.name,
  });
  await processRecordUpdates(w.fn.services, salon.salonId, [rec], { source: "sync" });
  return rec;
}

let waSeq = 0;

/** The gateway's event for a client's message, published as the gateway publishes it, and delivered. */
export async function clientWrites(
  w: World,
  salon: TestSalon,
  phone: string,
  text: string,
  opts: { kind?: MessageReceived["kind"]; pushName?: string; fn?: Functions; from?: MessageReceived["from"] } = {},
): Promise<string> {
  const messageId = `WA${++waSeq}${Date.now()}`;
  const event: MessageReceived = {
    type: "message.received",
    salonId: salon.salonId,
    messageId,
    from: opts.from ?? { phone, jid: `${phone}@s.whatsapp.net`, altJid: null },
    pushName: opts.pushName ?? null,
    timestamp: w.clock.now().toISOString(),
    kind: opts.kind ?? "text",
    text,
    refMessageId: null,
  };
  const fn = opts.fn ?? w.fn;
  await fn.dispatcher.publish({ path: WHATSAPP_EVENT_PATHS["message.received"], body: event, deduplicationId: `${salon.salonId}:${messageId}` });
  await fn.dispatcher.drain();
  return messageId;
}

export async function adminWrites(w: World, salon: TestSalon, phone: string, text: string, messageId = `ADM${++waSeq}`): Promise<void> {
  const event: MessageFromAdmin = {
    type: "message.from_admin",
    salonId: salon.salonId,
    messageId,
    to: { phone, jid: `${phone}@s.whatsapp.net`, altJid: null },
    timestamp: w.clock.now().toISOString(),
    text,
  };
  await w.fn.dispatcher.publish({ path: WHATSAPP_EVENT_PATHS["message.from_admin"], body: event, deduplicationId: `${salon.salonId}:${messageId}` });
  await w.fn.dispatcher.drain();
}

/** Lets the burst wait pass and delivers the reply jobs. */
export async function settle(w: World, fn: Functions = w.fn): Promise<void> {
  w.clock.advance(6_000);
  await fn.dispatcher.drain();
}

/** A phone no salon has seen. */
let phoneSeq = 0;
export function newPhone(): string {
  phoneSeq += 1;
  return `7999${String(process.pid % 1000).padStart(3, "0")}${String(phoneSeq).padStart(4, "0")}`;
}
