/**
 * The fleet world (test/fleet/fleet.test.ts, bench/fleet.ts): several gateway processes (gateway-child.ts, the
 * emulator transport) on one real PostgreSQL database (TEST_DATABASE_URL, test/db/real-postgres/run.sh), a load
 * balancer as GATEWAY_URL, and a driver in this process that speaks the service API through the functions' own
 * client (lib/gateway/client.ts with its per-salon router) and plays the clients' phones on the emulator.
 * What it counts comes from outside the gateways: what each process's emulator delivered (its outbox file, kept
 * across kill -9), each connection the emulator saw (one shared file), and the event queue in the database.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../lib/clock.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { createGatewayClient, GatewayError, type GatewayClient } from "../../lib/gateway/client.js";
import { createSessionRouter, type SessionRouter } from "../../lib/gateway/route.js";
import { spawnChild, type ChildRun } from "../support/child-process.js";
import { freePort } from "../support/harness.js";
import { openRealTestDatabase } from "../support/real-postgres.js";
import { startBalancer, type Balancer } from "./balancer.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Gateway {
  slot: number;
  lineage: string;
  url: string;
  run: ChildRun;
  /** When this test killed or stopped it (ms since the epoch), for connections it never got to close. */
  endedAt?: number;
}

export interface FleetCounts {
  sendsAccepted: number;
  sendsDelivered: number;
  /** Accepted, never delivered, and not recorded as cut off mid-send. */
  sendsLost: number;
  /** Extra deliveries of one accepted send. */
  sendsDuplicated: number;
  /** Cut off by a kill while leaving (wa_sends `unknown`): never resent. */
  sendsUnknown: number;
  inboundAcknowledged: number;
  /** Acknowledged by a gateway and not in the event queue (nor its outbox). */
  inboundLost: number;
  /** Times a salon was connected through two gateways at once. */
  connectedTwice: number;
  /** Those times: salon, the two processes and how long both were open (ms). */
  overlaps: string[];
}

interface ConnectionEvent {
  salonId: number;
  event: "open" | "close";
  at: number;
  pid: number;
}

export class Fleet {
  readonly dir = mkdtempSync(join(tmpdir(), "ai-admin-fleet-"));
  readonly gateways: Gateway[] = [];
  readonly client: GatewayClient;
  readonly router: SessionRouter;
  private readonly secret = randomBytes(32).toString("hex");
  private starts = 0;

  private constructor(
    private readonly database: Awaited<ReturnType<typeof openRealTestDatabase>>,
    private readonly balancer: Balancer,
    private readonly leaseTtlSec: number,
    private readonly capacity: number,
  ) {
    this.router = createSessionRouter({ db: database.db, clock: systemClock, ttlMs: 1000 });
    this.client = createGatewayClient({ baseUrl: balancer.url, secret: this.secret, router: this.router, timeoutMs: 5000 });
  }

  /** Needs TEST_DATABASE_URL (a real PostgreSQL server's superuser): one fresh database for the fleet. */
  static async open(opts: { leaseTtlSec: number; capacity: number }): Promise<Fleet> {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error("the fleet runs on a real PostgreSQL: TEST_DATABASE_URL (test/db/real-postgres/run.sh)");
    const database = await openRealTestDatabase(url, false);
    let fleet: Fleet | undefined;
    const balancer = await startBalancer(() => fleet?.live().map((g) => g.url) ?? []);
    fleet = new Fleet(database, balancer, opts.leaseTtlSec, opts.capacity);
    return fleet;
  }

  get balancerUrl(): string {
    return this.balancer.url;
  }

  live(): Gateway[] {
    return this.gateways.filter((g) => g.endedAt === undefined);
  }

  /** Starts a gateway process (a new task: its own lineage) and waits until it listens. */
  async start(slot: number): Promise<Gateway> {
    const lineage = `fleet${slot}g${++this.starts}`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: join(this.dir, lineage),
      GATEWAY_PORT: String(port),
      GATEWAY_URL: url,
      GATEWAY_INTERNAL_URL: url,
      GATEWAY_MAX_SESSIONS: String(this.capacity),
      GATEWAY_SECRET: this.secret,
      JWT_SECRET: this.secret,
      WHATSAPP_TRANSPORT: "emulator",
      DATABASE_URL: this.database.apiUrl,
      FLEET_LINEAGE: lineage,
      FLEET_LEASE_TTL_SEC: String(this.leaseTtlSec),
      FLEET_OUTBOX: join(this.dir, `outbox-${lineage}.jsonl`),
      FLEET_CONNECTIONS: join(this.dir, "connections.jsonl"),
      LOG_LEVEL: process.env.FLEET_LOG_LEVEL ?? "warn",
    };
    const run = spawnChild(join(import.meta.dirname, "gateway-child.ts"), env, join(this.dir, `${lineage}.log`));
    const gw: Gateway = { slot, lineage, url, run };
    this.gateways.push(gw);
    try {
      await run.ready;
    } catch (err) {
      gw.endedAt = Date.now();
      throw err;
    }
    return gw;
  }

  /** kill -9: no goodbye, its leases run out. */
  async kill(gw: Gateway): Promise<void> {
    gw.run.child.kill("SIGKILL");
    await gw.run.exited;
    gw.endedAt = Date.now();
  }

  /** SIGTERM, as ECS stops a task: it hands its sessions over and exits. */
  async terminate(gw: Gateway): Promise<void> {
    gw.run.child.kill("SIGTERM");
    const code = await gw.run.exited;
    gw.endedAt ??= Date.now();
    if (code !== 0) throw new Error(`${gw.lineage} exited with ${code} on SIGTERM; see ${this.dir}/${gw.lineage}.log`);
  }

  async emulator<T>(base: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${await signServiceToken(this.secret)}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new GatewayError(res.status, "emulator", `${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Links each salon's WhatsApp on whichever gateway the load balancer lands the scan on. */
  async pair(salonIds: number[], concurrency = 4): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < salonIds.length) {
        const id = salonIds[next++]!;
        await this.emulator(this.balancer.url, "POST", `/emulator/sessions/${id}/scan`, { phone: `7900${String(id).padStart(7, "0")}` }, 120_000);
      }
    }));
  }

  /** Sessions each live gateway holds now (live leases), by lineage. */
  async held(): Promise<Record<string, number>> {
    const rows = (await this.database.sql.query<{ holder: string; n: number }>(
      "select holder, count(*)::int as n from wa_leases where expires_at > now() group by holder")).rows;
    const out: Record<string, number> = {};
    for (const r of rows) out[r.holder.split("/")[0]!] = r.n;
    return out;
  }

  /** Waits until every salon is held by a live gateway of this fleet; resolves with how long that took (ms). */
  async allHeld(salonIds: number[], timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    const live = () => this.live().map((g) => g.lineage);
    while (performance.now() - t0 < timeoutMs) {
      const rows = (await this.database.sql.query<{ n: number }>(
        `select count(*)::int as n from wa_leases l join wa_sessions s using (salon_id)
         where l.salon_id = any($1::bigint[]) and l.expires_at > now() and split_part(l.holder, '/', 1) = any($2::text[])
           and s.state = 'connected'`, [salonIds, live()])).rows;
      if (rows[0]!.n === salonIds.length) return performance.now() - t0;
      await sleep(100);
    }
    throw new Error(`not every session came back within ${timeoutMs} ms: ${JSON.stringify(await this.held())}`);
  }

  /** Counts, once what was accepted has had `settleMs` to leave. */
  async count(stream: Stream, settleMs: number): Promise<FleetCounts> {
    const deadline = Date.now() + settleMs;
    let counts = await this.tally(stream);
    while ((counts.sendsLost > 0 || counts.inboundLost > 0) && Date.now() < deadline) {
      await sleep(500);
      counts = await this.tally(stream);
    }
    return counts;
  }

  private async tally(stream: Stream): Promise<FleetCounts> {
    const delivered = new Map<string, number>();
    for (const f of readdirSync(this.dir).filter((n) => n.startsWith("outbox-"))) {
      for (const line of readFileSync(join(this.dir, f), "utf8").split("\n")) {
        if (!line) continue;
        const m = JSON.parse(line) as { text: string };
        delivered.set(m.text, (delivered.get(m.text) ?? 0) + 1);
      }
    }
    const unknown = new Set((await this.database.sql.query<{ idempotency_key: string }>(
      "select idempotency_key from wa_sends where status = 'unknown'")).rows.map((r) => r.idempotency_key));
    const queued = new Set((await this.database.sql.query<{ dedupe_id: string }>(
      "select dedupe_id from local_dispatch union all select dedupe_id from gateway_outbox")).rows.map((r) => r.dedupe_id));
    const c: FleetCounts = {
      sendsAccepted: stream.accepted.size, sendsDelivered: 0, sendsLost: 0, sendsDuplicated: 0, sendsUnknown: unknown.size,
      inboundAcknowledged: stream.inbound.size, inboundLost: 0, connectedTwice: 0, overlaps: this.overlaps(),
    };
    c.connectedTwice = c.overlaps.length;
    for (const key of stream.accepted) {
      const n = delivered.get(key) ?? 0;
      if (n > 0) c.sendsDelivered += 1;
      if (n > 1) c.sendsDuplicated += n - 1;
      if (n === 0 && !unknown.has(key)) c.sendsLost += 1;
    }
    for (const dedupe of stream.inbound) if (!queued.has(dedupe)) c.inboundLost += 1;
    return c;
  }

  /**
   * From the emulator's record: each salon closed from `since` (ms since the epoch) on, by the process `pid` or by any,
   * in that order, and how long until a process (another, or the same one taking it back) opened it (ms; null: never).
   */
  handOvers(since: number, pid?: number): Array<{ salonId: number; closedAt: number; gapMs: number | null }> {
    const events = this.connections();
    const moves = events.filter((e) => e.event === "close" && e.at >= since && (pid === undefined || e.pid === pid)).sort((a, b) => a.at - b.at);
    return moves.map((c) => {
      const next = events.find((e) => e.salonId === c.salonId && e.event === "open" && e.at >= c.at);
      return { salonId: c.salonId, closedAt: c.at, gapMs: next ? next.at - c.at : null };
    });
  }

  /** The emulator's record of connections opened and closed, in the order they happened. */
  private connections(): ConnectionEvent[] {
    const file = join(this.dir, "connections.jsonl");
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as ConnectionEvent);
  }

  /** From the emulator's record: per salon, two connections through different processes that were open at once. */
  private overlaps(): string[] {
    const endOf = new Map<number, number>();
    for (const g of this.gateways) if (g.run.child.pid && g.endedAt) endOf.set(g.run.child.pid, g.endedAt);
    const open = new Map<string, { salonId: number; pid: number; from: number }>();
    const spans: Array<{ salonId: number; pid: number; from: number; to: number }> = [];
    for (const e of this.connections()) {
      const k = `${e.salonId}|${e.pid}`;
      if (e.event === "open") open.set(k, { salonId: e.salonId, pid: e.pid, from: e.at });
      else if (open.has(k)) {
        spans.push({ ...open.get(k)!, to: e.at });
        open.delete(k);
      }
    }
    for (const o of open.values()) spans.push({ ...o, to: endOf.get(o.pid) ?? Number.POSITIVE_INFINITY });
    const twice: string[] = [];
    for (const a of spans) for (const b of spans) {
      if (a.salonId === b.salonId && a.pid < b.pid && a.from < b.to && b.from < a.to) {
        twice.push(`salon ${a.salonId}: pids ${a.pid} and ${b.pid} both open for ${Math.min(a.to, b.to) - Math.max(a.from, b.from)} ms`);
      }
    }
    return twice;
  }

  async close(): Promise<void> {
    for (const g of this.live()) await this.kill(g);
    await this.balancer.close();
    await this.database.close();
    if (!process.env.FLEET_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A steady stream per salon: a send (its own idempotency key, retried under that key until a gateway accepts it)
 * and a client's inbound message (same id until a gateway takes it), then a pause. `gaps` keeps, per salon, the
 * longest time between two completed rounds: how long a salon was without WhatsApp as a client would notice.
 */
export class Stream {
  readonly accepted = new Set<string>();
  readonly inbound = new Set<string>();
  readonly failures: string[] = [];
  private readonly gaps = new Map<number, number>();
  /** When each salon's last round completed (or the period began). */
  private readonly lastRound = new Map<number, number>();
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly fleet: Fleet, private readonly salonIds: number[], private readonly pauseMs: number) {}

  start(): void {
    this.stopped = false;
    this.running = Promise.all(this.salonIds.map((id) => this.salon(id))).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /**
   * The longest gap of any salon since the last call, and starts the next period. A round still going counts up to
   * now here and only its rest in the next period: a gap belongs to the period it happened in.
   */
  takeLongestGap(): number {
    const now = performance.now();
    let longest = Math.max(0, ...this.gaps.values());
    for (const [salonId, since] of this.lastRound) {
      longest = Math.max(longest, now - since);
      this.lastRound.set(salonId, now);
    }
    this.gaps.clear();
    return longest;
  }

  private async salon(salonId: number): Promise<void> {
    this.lastRound.set(salonId, performance.now());
    for (let n = 0; !this.stopped; n++) {
      const key = `fleet-${salonId}-${n}-${randomBytes(3).toString("hex")}`;
      const sent = await this.retry(() => this.fleet.client.sendText(salonId, { to: `7915${String(salonId).padStart(7, "0")}`, text: key, idempotencyKey: key }));
      if (sent) this.accepted.add(key);
      const id = `IN${salonId}N${n}${randomBytes(3).toString("hex")}`;
      const took = await this.retry(async () => {
        const base = (await this.fleet.router.base(salonId)) ?? this.fleet.balancerUrl;
        return this.fleet.emulator(base, "POST", `/emulator/sessions/${salonId}/inbound`, { from: `7916${String(salonId).padStart(7, "0")}`, text: "Здравствуйте", id })
          .catch((err) => {
            this.fleet.router.forget(salonId);
            throw err;
          });
      });
      if (took) this.inbound.add(`${salonId}:${id}`);
      const now = performance.now();
      this.gaps.set(salonId, Math.max(this.gaps.get(salonId) ?? 0, now - this.lastRound.get(salonId)!));
      this.lastRound.set(salonId, now);
      await sleep(this.pauseMs);
    }
    this.lastRound.delete(salonId);
  }

  /** Until it succeeds, as a job would be redelivered; a refusal that is not worth retrying is a failure. */
  private async retry(call: () => Promise<unknown>): Promise<boolean> {
    for (let attempt = 0; attempt < 600; attempt++) {
      try {
        await call();
        return true;
      } catch (err) {
        if (err instanceof GatewayError && !err.retryable && err.code !== "emulator") {
          this.failures.push(`${err.status} ${err.code}: ${err.message}`);
          return false;
        }
        await sleep(100);
      }
    }
    this.failures.push("gave up after 600 attempts");
    return false;
  }
}
