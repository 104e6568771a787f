import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { assertDeduplicationId, type Dispatcher, type JobMessage, type Published, type QueueRow } from "./dispatcher.js";
import { signDelivery } from "./signature.js";

interface QueuedJob {
  id: number;
  url: string;
  body: string;
  attempts: number;
  retries: number;
}

export interface LocalDispatcherOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  publicUrl: string;
  signingKey: string;
  /** How a job reaches the functions: real HTTP locally, `app.request` in tests. */
  deliver: (url: string, init: RequestInit) => Promise<Response>;
  pollMs?: number;
  batch?: number;
  /**
   * This dispatcher is the only one delivering from its database (the embedded one: DATA_DIR's lock guarantees it).
   * At start it then takes back the jobs a killed predecessor was delivering at once, instead of after their lease.
   */
  exclusive?: boolean;
}

/** Seconds before retry n (1-based), like QStash's exponential schedule but short enough for a laptop. */
export function retryDelaySec(attempt: number, retryAfter: string | null): number {
  const hinted = retryAfter !== null ? Number(retryAfter) : NaN;
  if (Number.isFinite(hinted) && hinted >= 0) return Math.min(3600, Math.ceil(hinted));
  return Math.min(300, 2 ** (attempt - 1));
}

/**
 * QStash's stand-in when there is no QSTASH_TOKEN: jobs wait in Postgres (so a restart loses none), are signed with
 * the local signing key and delivered at least once, with delays, retries and QStash's non-retryable 489.
 */
export class LocalDispatcher implements Dispatcher {
  readonly kind = "local" as const;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private tick: Promise<void> = Promise.resolve();
  private busy = false;
  private woken = false;
  private readonly pollMs: number;
  private readonly batch: number;

  constructor(private readonly opts: LocalDispatcherOptions) {
    this.pollMs = opts.pollMs ?? 250;
    this.batch = opts.batch ?? 20;
  }

  async publish(m: JobMessage): Promise<Published> {
    const row = this.sameDatabase.row(m);
    const res = await this.opts.db.rpc<{ id: number; deduplicated: boolean }>("dispatch_enqueue", {
      p_url: row.url, p_body: row.body, p_dedupe_id: row.dedupe_id, p_delay_sec: row.delay_sec, p_retries: row.retries,
      p_now: this.opts.clock.now().toISOString(),
    });
    if (!res.deduplicated) this.sameDatabase.queued(m);
    return { messageId: `local_${res.id}`, deduplicated: res.deduplicated };
  }

  readonly sameDatabase = {
    row: (m: JobMessage): QueueRow => {
      if (m.deduplicationId !== undefined) assertDeduplicationId(m.deduplicationId);
      return {
        url: this.opts.publicUrl + m.path, body: JSON.stringify(m.body), dedupe_id: m.deduplicationId ?? null,
        delay_sec: Math.max(0, Math.round(m.delaySec ?? 0)), retries: m.retries ?? 3,
      };
    },
    queued: (m: JobMessage): void => {
      if (!this.running) return;
      if (!m.delaySec) this.wake();
      // A delayed job (a reply waiting out the client's quiet window) runs when due, not up to a poll later.
      else setTimeout(() => this.running && this.wake(), Math.round(m.delaySec) * 1000).unref();
    },
  };

  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.opts.exclusive) return this.schedule(0);
    this.tick = this.opts.db.rpc<number>("dispatch_release_locks").then(
      (n) => {
        if (n > 0) this.opts.log.warn({ jobs: n }, "jobs a previous process was delivering are delivered again");
      },
      (err) => this.opts.log.error({ err }, "releasing the previous process's deliveries failed"),
    ).finally(() => this.schedule(0));
  }

  /** Stops taking jobs and waits for the deliveries in flight, so a shutdown loses no write. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
  }

  /** Delivers every job due now, including the ones those deliveries publish; returns how many were delivered. */
  async drain(maxRounds = 50): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const n = await this.runDue();
      if (n === 0) return total;
      total += n;
    }
    throw new Error(`dispatcher did not settle after ${maxRounds} rounds`);
  }

  /** A publish wakes the loop; during a tick it only asks for another round, so there is only ever one loop. */
  private wake(): void {
    if (this.busy) {
      this.woken = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.busy = true;
      this.tick = (async () => {
        let n = 0;
        try {
          if (this.running) n = await this.runDue();
        } catch (err) {
          this.opts.log.error({ err }, "local dispatcher tick failed");
        }
        this.busy = false;
        const again = n > 0 || this.woken;
        this.woken = false;
        if (this.running) this.schedule(again ? 0 : this.pollMs);
      })();
    }, ms);
  }

  private async runDue(): Promise<number> {
    const jobs = await this.opts.db.rpc<QueuedJob[]>("dispatch_take_due", {
      p_limit: this.batch,
      p_now: this.opts.clock.now().toISOString(),
    });
    await Promise.all(jobs.map((job) => this.deliverOne(job)));
    return jobs.length;
  }

  private async deliverOne(job: QueuedJob): Promise<void> {
    let status = 0;
    let error: string | null = null;
    let retryAfter: string | null = null;
    let nonRetryable = false;
    try {
      const signature = await signDelivery(this.opts.signingKey, job.url, job.body, Math.floor(Date.now() / 1000));
      const res = await this.opts.deliver(job.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "upstash-signature": signature,
          "upstash-message-id": `local_${job.id}`,
          "upstash-retried": String(job.attempts - 1),
          "user-agent": "Upstash-QStash",
        },
        body: job.body,
      });
      status = res.status;
      retryAfter = res.headers.get("retry-after");
      nonRetryable = res.headers.get("upstash-nonretryable-error") === "true";
      if (!res.ok) error = (await res.text()).slice(0, 500);
      else await res.body?.cancel();
    } catch (err) {
      error = (err as Error).message;
    }
    const ok = status >= 200 && status < 300;
    const outcome = await this.opts.db.rpc<string>("dispatch_finish", {
      p_id: job.id,
      p_status: status,
      p_error: error,
      p_retry_in_sec: ok || nonRetryable ? null : retryDelaySec(job.attempts, retryAfter),
      p_now: this.opts.clock.now().toISOString(),
    });
    if (!ok) {
      const level = outcome === "retry" ? "warn" : "error";
      this.opts.log[level]({ job: job.id, url: job.url, status, error, outcome }, "job delivery failed");
    }
  }
}
