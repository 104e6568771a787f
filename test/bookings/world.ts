/**
 * The booking tests' world: embedded Postgres with every migration, the YClients sandbox (same ManualClock), the
 * real YClients client over the sandbox's wire format, the real functions app with the local dispatcher, and a
 * gateway that behaves like ours at its API: a send with an idempotency key already used returns the first message
 * id and sends nothing, and failures can be scripted (session down, 463).
 */
import { ManualClock } from "../../lib/clock.js";
import type { Database } from "../../lib/db/client.js";
import { LocalDispatcher } from "../../lib/dispatch/local.js";
import { createGatewayClient, GatewayError, type GatewayClient } from "../../lib/gateway/client.js";
import { type SessionStatus } from "../../lib/contract/service-api.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import { beginActivation, finishActivation, registerSalon } from "../../lib/salons/store.js";
import { createYClientsClient, RateLimiter } from "../../lib/yclients/index.js";
import { createYClientsSandbox, type YClientsSandbox } from "../../fakes/yclients/index.js";
import { createApp } from "../../functions/app.js";
import { createServices } from "../../functions/services.js";
import type { Services } from "../../lib/services.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { openTestDatabase, silentLog, testConfig } from "../support/harness.js";
import { useWorld } from "../support/use-world.js";

export interface Sent {
  salonId: number;
  to: string;
  text: string;
  idempotencyKey: string;
  messageId: string;
}

export class RecordingGateway implements GatewayClient {
  readonly sent: Sent[] = [];
  /** Reactions put on clients' messages (`messageId` is the message reacted to), one per idempotency key. */
  readonly reactions: Array<{ salonId: number; to: string; messageId: string; emoji: string }> = [];
  private readonly byKey = new Map<string, string>();
  private readonly script: GatewayError[] = [];
  /** Called inside sendText after the message went out, before answering (to simulate a crash there). */
  afterSend: (() => void) | null = null;

  /** Forgets scripted failures a test left unused. */
  clearScript(): void {
    this.script.length = 0;
  }

  failNext(...errors: GatewayError[]): void {
    this.script.push(...errors);
  }

  to(phone: string): Sent[] {
    return this.sent.filter((m) => m.to === phone);
  }

  async sendText(salonId: number, msg: { to: string; text: string; idempotencyKey: string }) {
    const scripted = this.script.shift();
    if (scripted) throw scripted;
    const key = `${salonId}:${msg.idempotencyKey}`;
    const known = this.byKey.get(key);
    if (known) return { messageId: known };
    const messageId = `wamid.${this.sent.length + 1}`;
    this.byKey.set(key, messageId);
    this.sent.push({ salonId, ...msg, messageId });
    const after = this.afterSend;
    if (after) {
      this.afterSend = null;
      after();
    }
    return { messageId };
  }

  async status(salonId: number): Promise<SessionStatus> {
    return { salonId, state: "connected", phone: "79990000000" };
  }
  async start(salonId: number): Promise<SessionStatus> {
    return this.status(salonId);
  }
  async logout(): Promise<void> {}
  async react(salonId: number, msg: { to: string; messageId: string; emoji: string; idempotencyKey: string }) {
    const key = `${salonId}:${msg.idempotencyKey}`;
    const known = this.byKey.get(key);
    if (known) return { messageId: known };
    const messageId = `wamid.r${this.reactions.length + 1}`;
    this.byKey.set(key, messageId);
    this.reactions.push({ salonId, to: msg.to, messageId: msg.messageId, emoji: msg.emoji });
    return { messageId };
  }
  async presence(): Promise<void> {}
  async health() {
    return { ok: true, detail: null };
  }
}

export const sessionDown = () => new GatewayError(503, "session_down", "WhatsApp session is not connected");
export const restricted = () => new GatewayError(403, "restricted_463", "WhatsApp restricted this account (463)");

export interface World {
  db: Database;
  clock: ManualClock;
  sandbox: YClientsSandbox;
  gateway: RecordingGateway;
  services: Services;
  dispatcher: LocalDispatcher;
  app: ReturnType<typeof createApp>;
  /** Delivers the jobs due now; with the real gateway in use, also until it has sent every send it accepted. */
  drain(): Promise<number>;
  /** Delivers what is due, advances the clock, and delivers what became due. */
  after(sec: number): Promise<void>;
  activeSalon(salonId: number, opts?: { timezone?: string; address?: string | null; title?: string }): Promise<void>;
  /**
   * Switches the functions to the real gateway (emulator transport, started on first use) and links the salon's
   * WhatsApp; returns what the salon's number sent. `useRecordingGateway()` switches back.
   */
  useEmulator(salonId: number): Promise<{
    outbox(): Array<{ id: string; to: string; text: string; reactTo?: string }>;
    /** A client's message (with `reactTo`: their reaction to that message of ours); resolves once it is published. */
    inbound(msg: { from: string; text: string; reactTo?: string }): Promise<string>;
    receipt(messageId: string, status: "delivered" | "read"): void;
    refuse(jid: string, code: "not_on_whatsapp" | "restricted_463" | null): void;
  }>;
  useRecordingGateway(): void;
  close(): Promise<void>;
}

/** What a salon's WhatsApp is in the real gateway's emulator (see `useEmulator`). */
export type Wa = Awaited<ReturnType<World["useEmulator"]>>;

const GATEWAY_SECRET = "bookings-test-gateway-secret-0123456789";

export async function openWorld(start = "2026-11-23T09:00:00Z", env: Record<string, string> = {}): Promise<World> {
  const db = await openTestDatabase();
  const clock = new ManualClock(start);
  const sandbox = createYClientsSandbox({ clock, rateLimit: false });
  const config = testConfig({ GATEWAY_SECRET, ...env });
  const yclients = createYClientsClient({
    baseUrl: "http://yclients.sandbox",
    partnerToken: sandbox.partnerToken,
    applicationId: sandbox.applicationId,
    limiter: new RateLimiter({ perSecond: 1000, perMinute: 100_000 }),
    retries: 0,
    fetch: (input, init) => Promise.resolve(sandbox.app.request(String(input), init)),
  });
  const gateway = new RecordingGateway();
  if (config.dispatch.kind !== "local") throw new Error("tests run on the local dispatcher");
  let app: ReturnType<typeof createApp> | undefined;
  const dispatcher = new LocalDispatcher({
    db: db.db, clock, log: silentLog, publicUrl: config.publicUrl, signingKey: config.dispatch.currentSigningKey,
    deliver: (url, init) => Promise.resolve(app!.request(url, init)),
  });
  const services = createServices(config, db.db, silentLog, { dispatcher, clock, gateway, yclients });
  app = createApp(services);
  let gw: RunningGateway | undefined;
  let real: GatewayClient | undefined;
  const linked = new Set<number>();
  // The real gateway answers a send once it is queued durably and writes it to the socket afterwards, so a drain also
  // waits for each linked salon's send worker, then delivers the status events those sends published.
  const drain = async () => {
    let total = await dispatcher.drain();
    for (;;) {
      await Promise.all([...linked].map((id) => gw!.sessions.sendsIdle(id)));
      const n = await dispatcher.drain();
      if (n === 0) return total;
      total += n;
    }
  };
  return {
    db, clock, sandbox, gateway, services, dispatcher, app, drain,
    async after(sec) {
      await drain();
      clock.advance(sec * 1000);
      await drain();
    },
    async activeSalon(salonId, opts = {}) {
      const timezone = opts.timezone ?? "Europe/Moscow";
      sandbox.salon(salonId, { timezone, records: 3, clients: 10 });
      await registerSalon(db.db, clock, {
        salonId, title: opts.title ?? "Барбершоп Тест", address: opts.address === undefined ? "ул. Ленина, 5" : opts.address,
        phone: null, timezone, company: null, marketplaceUser: null, eventData: {},
      });
      await beginActivation(db.db, clock, {
        salonId, apiKey: `key-${salonId}`, webhookSecret: `secret-${salonId}`, whatsappPhone: "79990000000",
        windowSec: 3600, leaseSec: 60,
      });
      await finishActivation(db.db, clock, salonId, { ok: true });
    },
    async useEmulator(salonId) {
      if (!gw) {
        gw = await startGateway({
          config: testConfig({ GATEWAY_SECRET, WHATSAPP_TRANSPORT: "emulator" }), db: db.db, dispatcher, log: silentLog,
          port: 0, restore: false,
          options: { outboxPollMs: 20, sendGapMs: [0, 0], sendAckWaitMs: 0, restoreJitterMs: [0, 0] },
        });
        real = createGatewayClient({ baseUrl: gw.url, secret: GATEWAY_SECRET });
      }
      const world = gw.emulator!;
      await gw.sessions.start(salonId);
      const scan = await fetch(`${gw.url}/emulator/sessions/${salonId}/scan`, {
        method: "POST",
        headers: { authorization: `Bearer ${await signServiceToken(GATEWAY_SECRET)}`, "content-type": "application/json" },
        body: JSON.stringify({ phone: "79990000000" }),
      });
      if (!scan.ok) throw new Error(`emulator scan answered ${scan.status}: ${await scan.text()}`);
      linked.add(salonId);
      services.gateway = real!;
      return {
        outbox: () => world.outbox(salonId).map((m) => ({ id: m.id, to: m.to, text: m.text, ...(m.reactTo ? { reactTo: m.reactTo } : {}) })),
        inbound: (msg) => world.session(salonId)!.inbound(msg),
        receipt: (messageId, status) => world.session(salonId)!.receipt(messageId, status),
        refuse: (jid, code) => world.refuse(salonId, jid, code),
      };
    },
    useRecordingGateway() {
      services.gateway = gateway;
    },
    async close() {
      await gw?.close();
      await db.close();
    },
  };
}

/** YClients' entity webhook about a record of the salon (`data` is what YClients sends: the record, or [] for a delete). */
export function recordWebhook(w: World, salonId: number, status: "create" | "update" | "delete", record: { id: number }, data: unknown = record): Promise<Response> {
  return Promise.resolve(w.app.request(`/webhook/yclients/entity/secret-${salonId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ company_id: salonId, resource: "record", resource_id: record.id, status, data }),
  }));
}

/** The world for a whole test file: opened before its tests, closed after them. */
export const useBookingsWorld = (start?: string, env?: Record<string, string>): World => useWorld(() => openWorld(start, env));
