/**
 * The fault suite's world: the real stack (child.ts, i.e. local/stack.ts) as a child process on a temporary
 * DATA_DIR, the YClients sandbox in this process (so its records and webhooks outlive every restart of the stack),
 * the WhatsApp emulator driven over HTTP, and counting from what the clients' phones got (the emulator's outbox,
 * which it keeps in DATA_DIR across kills) plus the gateway's own record of sends whose outcome is unknown.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { demoOwner, marketplaceRedirectUrl, startYClientsSandbox, type YClientsSandbox } from "../../fakes/yclients/index.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { signDelivery } from "../../lib/dispatch/signature.js";
import { DELIVERY_STATUS } from "../../lib/jobs/channel.js";
import { OUTREACH_SEND } from "../../lib/jobs/outreach.js";
import { MESSAGE_STATUS } from "../../lib/jobs/whatsapp.js";
import { spawnChild } from "../support/child-process.js";
import { localStackEnv } from "../support/local-stack-env.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it answers something (a throw counts as not yet), or fails naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export interface Counts {
  received: number;
  answered: number;
  told: number;
  confirmed: number;
  lost: number;
  duplicated: number;
  /** Sends the gateway recorded as cut off by a kill (wa_sends 'unknown'), never resent. */
  unknown: number;
  /** Of those, the ones that had in fact been written: the client's phone got them (once). */
  unknownDelivered: number;
  unknownPerSalon: Record<number, number>;
}

interface Expected {
  salonId: number;
  phone: string;
  kind: "answer" | "confirmation";
}

export class FaultWorld {
  readonly dataDir = mkdtempSync(join(tmpdir(), "ai-admin-faults-"));
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private env: Record<string, string> = {};
  private secret = "";
  private readonly expected: Expected[] = [];
  private readonly unsentInbound: Array<{ salonId: number; from: string; text: string; id: string }> = [];
  private received = 0;
  private readonly ownerPhones = new Map<number, string>();

  private constructor(readonly sandbox: YClientsSandbox & { url: string }) {}

  static async open(): Promise<FaultWorld> {
    const sandbox = await startYClientsSandbox({
      partnerToken: "faults-partner-token", userToken: "faults-user-token", applicationId: 4242, emitWebhooks: true, salonDefaults: { clients: 20, records: 4 },
    });
    const w = new FaultWorld(sandbox);
    w.env = {
      ...(await localStackEnv(w.dataDir)),
      WHATSAPP_TRANSPORT: "emulator",
      YCLIENTS_BASE_URL: sandbox.url,
      YCLIENTS_PARTNER_TOKEN: "faults-partner-token",
      YCLIENTS_USER_TOKEN: "faults-user-token",
      YCLIENTS_APPLICATION_ID: "4242",
      BOOKING_CONFIRMATION_DELAY_SECONDS: "0",
      LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? "warn",
    };
    return w;
  }

  get functionsUrl(): string {
    return this.env.PUBLIC_URL!;
  }

  get gatewayUrl(): string {
    return this.env.GATEWAY_URL!;
  }

  /** Starts the stack; with `fault` ("mid-send:3") it kills itself at that step. */
  async start(fault?: string, extraEnv: Record<string, string> = {}): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.env, ...extraEnv, ...(fault ? { AI_ADMIN_FAULT: fault } : {}) };
    delete env.GEMINI_API_KEY;
    if (!fault) delete env.AI_ADMIN_FAULT;
    const run = spawnChild(join(import.meta.dirname, "child.ts"), env, join(this.dataDir, "stack.log"));
    this.child = run.child;
    this.exited = run.exited;
    await run.ready;
    this.secret = (JSON.parse(readFileSync(join(this.dataDir, "local-secrets.json"), "utf8")) as { gatewaySecret: string }).gatewaySecret;
  }

  /** Resolves with -9 when the process killed itself, or null if it is still running after `ms`. */
  async killed(ms: number): Promise<number | null> {
    return Promise.race([this.exited, sleep(ms).then(() => null)]);
  }

  async stop(): Promise<void> {
    this.child?.kill("SIGTERM");
    await this.exited;
  }

  /** The stack's log lines so far (JSON, one per line; LOG_LEVEL warn unless FAULTS_LOG_LEVEL says otherwise). */
  logLines(): string[] {
    return readFileSync(join(this.dataDir, "stack.log"), "utf8").split("\n");
  }

  /** Everything the salon's number sent, with the time each left. */
  async sent(salonId: number): Promise<Array<{ id: string; to: string; text: string; at: string }>> {
    return (await this.gateway<{ messages: Array<{ id: string; to: string; text: string; at: string }> }>("GET", `/emulator/sessions/${salonId}/outbox`)).messages;
  }

  async close(): Promise<void> {
    this.child?.kill("SIGKILL");
    await this.exited;
    await this.sandbox.close();
    if (!process.env.FAULTS_KEEP) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async gateway<T>(method: string, path: string, body?: unknown): Promise<T> {
    const secret = this.secret;
    const res = await fetch(this.gatewayUrl + path, {
      method,
      headers: { authorization: `Bearer ${await signServiceToken(secret)}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`gateway ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** The owner installs the app from the marketplace, links WhatsApp by QR, and the salon activates. */
  async install(salonId: number, ownerPhone: string): Promise<void> {
    this.ownerPhones.set(salonId, ownerPhone);
    const owner = demoOwner(this.sandbox.owner(salonId), "Салон");
    const redirect = await fetch(marketplaceRedirectUrl(this.functionsUrl, "faults-partner-token", salonId, owner), { redirect: "manual" });
    const cookie = redirect.headers.get("set-cookie")?.split(";")[0];
    if (redirect.status !== 302 || !cookie) throw new Error(`redirect answered ${redirect.status} without a session`);
    const page = await fetch(new URL(redirect.headers.get("location") ?? "", this.functionsUrl), { headers: { cookie } });
    const pageConfig = /<script type="application\/json" id="onboarding-config">([^<]*)<\/script>/.exec(await page.text());
    if (!pageConfig) throw new Error(`onboarding page answered ${page.status} without its config`);
    const { token, csrf } = JSON.parse(pageConfig[1]!) as { token: string; csrf: string };
    await this.gateway("POST", `/v1/sessions/${salonId}/start`, {});
    await this.gateway("POST", `/emulator/sessions/${salonId}/scan`, { phone: ownerPhone });
    const res = await fetch(`${this.functionsUrl}/marketplace/activate`, {
      method: "POST", headers: { "content-type": "application/json", cookie, "x-csrf-token": csrf }, body: JSON.stringify({ token }),
    });
    if (!res.ok) throw new Error(`activation of ${salonId} answered ${res.status}: ${await res.text()}`);
  }

  /** A client writes; if the stack is down the phone holds the message and WhatsApp delivers it later (`redeliver`). */
  async clientWrites(salonId: number, from: string, text: string): Promise<void> {
    const msg = { salonId, from, text, id: `FLT${from}` };
    this.expected.push({ salonId, phone: from, kind: "answer" });
    if (await this.inbound(msg)) this.received += 1;
    else this.unsentInbound.push(msg);
  }

  private async inbound(m: { salonId: number; from: string; text: string; id: string }): Promise<boolean> {
    try {
      await this.gateway("POST", `/emulator/sessions/${m.salonId}/inbound`, { from: m.from, text: m.text, id: m.id });
      return true;
    } catch {
      return false;
    }
  }

  /** Messages the stack did not take before it died come again, with the same ids, once the session is back. */
  async redeliver(): Promise<void> {
    for (let i = 0; i < 100 && this.unsentInbound.length > 0; i++) {
      const m = this.unsentInbound[0]!;
      if (await this.inbound(m)) {
        this.unsentInbound.shift();
        this.received += 1;
      } else {
        await sleep(200);
      }
    }
  }

  /** WhatsApp refuses every send to `to` from now on (the emulator's scripted refusal). */
  async refuse(salonId: number, to: string, code: "not_on_whatsapp" | "restricted_463"): Promise<void> {
    await this.gateway("POST", `/emulator/sessions/${salonId}/refuse`, { to, code });
  }

  /** WhatsApp logs the salon's device out (the gateway wipes the session); resolves once the gateway recorded it. */
  async logout(salonId: number): Promise<void> {
    await this.gateway("POST", `/emulator/sessions/${salonId}/disconnect`, { code: 401 });
    await until("the logout", async () => {
      const [s] = await this.sql<{ state: string }>("select state from wa_sessions where salon_id = $1", [salonId]);
      return s?.state === "logged_out" ? true : undefined;
    });
  }

  /**
   * YClients hands the salon's channel an ad (`dispatch_type: adds`) with the salon's API key, retrying as YClients
   * does while the stack is down; resolves with the HTTP status it finally got.
   */
  postAd(salonId: number, ycId: string, phone: string, text: string): Promise<number> {
    return this.postChannel(salonId, ycId, phone, text, "adds");
  }

  /** As postAd, a service message (a reminder YClients routes through the channel). */
  postService(salonId: number, ycId: string, phone: string, text: string): Promise<number> {
    return this.postChannel(salonId, ycId, phone, text, "service");
  }

  private async postChannel(salonId: number, ycId: string, phone: string, text: string, dispatchType: "adds" | "service"): Promise<number> {
    const [salon] = await this.sql<{ api_key: string }>("select api_key from salons where salon_id = $1", [salonId]);
    const body = this.sandbox.channel.request(ycId, phone, text, { dispatchType });
    return (await this.sandbox.channel.postOperator({ url: `${this.functionsUrl}/channel/yclients/operator` }, salon!.api_key, body, { retries: 8, backoffMs: 500 })).status;
  }

  /**
   * The salon's paced sender runs now, as the outreach cron's job would within a minute (signed as the dispatcher
   * signs it): a scenario decides when proactive messages are claimed instead of waiting for the cron. Resolves with
   * the job's HTTP status, or null when the stack died under it.
   */
  wakeSender(salonId: number): Promise<number | null> {
    return this.deliverJob(OUTREACH_SEND.path, JSON.stringify({ salonId }));
  }

  /** Every delivery status YClients received for the message `ycId`, in order. */
  statusesOf(ycId: string): number[] {
    return this.sandbox.channel.statusCallbacks.filter((c) => c.id === ycId).map((c) => c.status);
  }

  /** The final statuses (2 not delivered, 16 rejected) YClients received for `ycId`: one unless a post was repeated. */
  finalStatusesOf(ycId: string): number[] {
    return this.statusesOf(ycId).filter((s) => s === DELIVERY_STATUS.notDelivered || s === DELIVERY_STATUS.rejected);
  }

  /** An administrator books a client in YClients (the sandbox sends the entity webhook, if the stack is up). */
  book(salonId: number, clientPhone: string, daysAhead: number, hour: number, minute = 0): void {
    const day = new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
    this.expected.push({ salonId, phone: clientPhone, kind: "confirmation" });
    this.sandbox.addRecord(salonId, { datetime: `${day} ${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00`, clientPhone: `+${clientPhone}`, clientName: "Клиент" });
  }

  /** SQL on the stack's database (its local Postgres port), for what a scenario sets up or looks at there. */
  async sql<T extends object>(query: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ host: "127.0.0.1", port: Number(this.env.LOCAL_DB_PORT), user: "postgres", database: "postgres" });
    await client.connect();
    try {
      return (await client.query<T>(query, params)).rows;
    } finally {
      await client.end();
    }
  }

  private unknownSends(): Promise<Array<{ salon_id: number; jid: string; message_id: string }>> {
    return this.sql("select salon_id::int, jid, message_id from wa_sends where status = 'unknown'");
  }

  /** Waits until every expected message reached its client (or is accounted as unknown), then counts. */
  async settle(timeoutMs: number): Promise<Counts> {
    const deadline = Date.now() + timeoutMs;
    let counts = await this.count();
    while (counts.lost > 0 && Date.now() < deadline) {
      await sleep(1000);
      counts = await this.count();
    }
    // A duplicate would come after the first copy: give late deliveries a moment to show.
    await sleep(3000);
    return this.count();
  }

  async count(): Promise<Counts> {
    const unknown = await this.unknownSends();
    const salons = new Set([...this.expected.map((e) => e.salonId), ...unknown.map((u) => u.salon_id)]);
    const sent = new Map<number, Array<{ id: string; to: string; text: string }>>();
    for (const id of salons) sent.set(id, await this.sent(id));
    const delivered = unknown.filter((u) => sent.get(u.salon_id)?.some((m) => m.id === u.message_id)).length;
    const counts: Counts = {
      received: this.received, answered: 0, told: 0, confirmed: 0, lost: 0, duplicated: 0,
      unknown: unknown.length, unknownDelivered: delivered, unknownPerSalon: {},
    };
    for (const u of unknown) counts.unknownPerSalon[u.salon_id] = (counts.unknownPerSalon[u.salon_id] ?? 0) + 1;
    const owners = new Map<number, { jid: string; missing: number }>();
    for (const e of this.expected) {
      const jid = `${e.phone}@s.whatsapp.net`;
      const got = sent.get(e.salonId)!.filter((m) => m.to === jid).length;
      if (got > 1) counts.duplicated += got - 1;
      if (got >= 1) counts[e.kind === "answer" ? "answered" : "confirmed"] += 1;
      else if (!unknown.some((u) => u.salon_id === e.salonId && u.jid === jid)) counts.lost += 1;
      if (e.kind !== "answer") continue;
      // The assistant is off (no GEMINI_API_KEY): each chat is handed to the salon, whose phone is told once.
      const owner = owners.get(e.salonId) ?? { jid: `${this.ownerPhones.get(e.salonId)}@s.whatsapp.net`, missing: 0 };
      owners.set(e.salonId, owner);
      const formatted = e.phone.replace(/^7(\d{3})(\d{3})(\d{2})(\d{2})$/, "+7 $1 $2-$3-$4");
      const notices = sent.get(e.salonId)!.filter((m) => m.to === owner.jid && m.text.includes(formatted)).length;
      if (notices >= 1) counts.told += 1;
      else owner.missing += 1;
      if (notices > 1) counts.duplicated += notices - 1;
    }
    // A notice whose send is unknown cannot be matched to its chat (the row has no text here): one per such row.
    for (const [salonId, o] of owners) {
      counts.lost += Math.max(0, o.missing - unknown.filter((u) => u.salon_id === salonId && u.jid === o.jid).length);
    }
    return counts;
  }

  /**
   * The owner unlinks the device on the phone (WhatsApp closes the session with 401), and once the salon knows it is
   * logged out, scans the new QR the onboarding page shows: a new pairing of the same number.
   */
  async relink(salonId: number): Promise<void> {
    await this.gateway("POST", `/emulator/sessions/${salonId}/disconnect`, { code: 401 });
    await until("the logout known to the salon", async () => {
      const [salon] = await this.sql<{ whatsapp_state: string }>("select whatsapp_state from salons where salon_id = $1", [salonId]);
      return salon?.whatsapp_state === "logged_out" ? true : undefined;
    });
    await this.gateway("POST", `/v1/sessions/${salonId}/start`, {});
    await this.gateway("POST", `/emulator/sessions/${salonId}/scan`, { phone: this.ownerPhones.get(salonId) });
  }

  /**
   * QStash delivers a job again after it was done (its answer lost: at least once, never exactly once): the
   * `message.status` job that reported the send under `key` failed, with the body the stack published. Resolves with
   * the job's HTTP status.
   */
  async redeliverFailure(key: string): Promise<number | null> {
    const [job] = await this.sql<{ body: string }>(
      "select body from local_dispatch where done_at is not null and body::jsonb ->> 'idempotencyKey' = $1 and body::jsonb ->> 'status' = 'failed'", [key]);
    if (!job) throw new Error(`no failure of ${key} was delivered`);
    return this.deliverJob(MESSAGE_STATUS.path, job.body);
  }

  /** The salon's events of one kind, oldest first (the owner reads `whatsapp_restricted` ones in the cabinet). */
  eventsOf(salonId: number, event: string): Promise<Array<{ data: Record<string, unknown> }>> {
    return this.sql("select data from marketplace_events where salon_id = $1 and event = $2 order by id", [salonId, event]);
  }

  /** A job delivered to the stack now, signed as the dispatcher signs it; its HTTP status, or null when the stack died. */
  private async deliverJob(path: string, body: string): Promise<number | null> {
    const key = (JSON.parse(readFileSync(join(this.dataDir, "local-secrets.json"), "utf8")) as { qstashCurrentSigningKey: string }).qstashCurrentSigningKey;
    const url = this.functionsUrl + path;
    const signature = await signDelivery(key, url, body, Math.floor(Date.now() / 1000));
    return fetch(url, { method: "POST", headers: { "content-type": "application/json", "upstash-signature": signature }, body })
      .then((r) => r.status, () => null);
  }
}
