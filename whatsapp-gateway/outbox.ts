import type { Clock } from "../lib/clock.js";
import { SESSION_WAIT_RETRIES, type Dispatcher } from "../lib/dispatch/dispatcher.js";
import { WHATSAPP_EVENT_PATHS, eventDedupeId, type WhatsAppEvent } from "../lib/contract/events.js";
import type { Logger } from "../lib/log.js";
import type { GatewayStore } from "./store.js";

/**
 * Events to the functions. Publishing goes straight to the dispatcher; when that fails the event is written to
 * gateway_outbox and a loop retries it with backoff until the dispatcher takes it. The deduplication id travels
 * with it, so a retry that raced a late success is dropped by QStash (or the local queue), never delivered twice.
 */
const MAX_HELD = 10_000;

export class EventOutbox {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight = new Set<Promise<unknown>>();
  private tick: Promise<void> = Promise.resolve();
  private held: Array<{ event: WhatsAppEvent; dedupeId: string }> = [];

  constructor(
    private readonly deps: { store: GatewayStore; dispatcher: Dispatcher; clock: Clock; log: Logger; pollMs: number },
  ) {}

  /** Resolves once the event is with the dispatcher or durably in the outbox. */
  publish(event: WhatsAppEvent): Promise<void> {
    const p = this.publishNow(event, eventDedupeId(event));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async publishNow(event: WhatsAppEvent, dedupeId: string): Promise<void> {
    const path = WHATSAPP_EVENT_PATHS[event.type];
    try {
      await this.deps.dispatcher.publish({ path, body: event, deduplicationId: dedupeId, retries: SESSION_WAIT_RETRIES });
    } catch (err) {
      const error = (err as Error).message;
      this.deps.log.warn({ salonId: event.salonId, dedupeId, error }, "event publish failed; kept in the outbox");
      try {
        await this.deps.store.outboxAdd({
          dedupeId, salonId: event.salonId, path, body: event, error, nextAt: new Date(this.deps.clock.now().getTime() + 1000),
        });
      } catch (dbErr) {
        // Database down as well: hold it in memory until the next retry round can put it somewhere.
        if (this.held.length >= MAX_HELD) throw dbErr;
        this.held.push({ event, dedupeId });
      }
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the retry loop and waits for publishes in flight (their events are then published or in the outbox). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
    await Promise.allSettled([...this.inFlight]);
    if (this.held.length > 0) await this.retryDue(0).catch(() => {});
    if (this.held.length > 0) this.deps.log.error({ lost: this.held.length }, "events held in memory could not be stored before stopping");
  }

  /** Publishes every due outbox event once; returns how many went out. */
  async retryDue(limit = 50): Promise<number> {
    const held = this.held.splice(0);
    for (const h of held) await this.publishNow(h.event, h.dedupeId).catch(() => this.held.push(h));
    const rows = await this.deps.store.outboxTake(limit, this.deps.clock.now());
    let sent = 0;
    for (const row of rows) {
      try {
        await this.deps.dispatcher.publish({ path: row.path, body: row.body, deduplicationId: row.dedupe_id, retries: SESSION_WAIT_RETRIES });
        await this.deps.store.outboxDone(row.id);
        sent += 1;
      } catch (err) {
        const delaySec = Math.min(300, 2 ** Math.min(row.attempts, 9));
        await this.deps.store.outboxRetry(row.id, (err as Error).message, new Date(this.deps.clock.now().getTime() + delaySec * 1000));
      }
    }
    return sent;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.tick = this.tick.then(async () => {
        if (!this.running) return;
        try {
          await this.retryDue();
        } catch (err) {
          this.deps.log.error({ err }, "outbox retry failed");
        }
        if (this.running) this.schedule();
      });
    }, this.deps.pollMs);
    this.timer.unref();
  }
}
