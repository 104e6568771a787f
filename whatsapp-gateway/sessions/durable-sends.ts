import type { Clock } from "../../lib/clock.js";
import { faultPoint } from "../../lib/faults.js";
import type { MessageStatus } from "../../lib/contract/events.js";
import type { Logger } from "../../lib/log.js";
import { GatewayApiError } from "../errors.js";
import type { EventOutbox } from "../outbox.js";
import type { GatewayStore, OutgoingSend, QueuedSend, SendRow } from "../store.js";
import { SendRefused, type TransportSession } from "../transport/types.js";
import type { SendQueue } from "./send-queue.js";

/** The salon's connection as the worker sees it when a send's turn comes (it may have dropped while waiting). */
export interface SendTarget {
  queue: SendQueue;
  conn(): TransportSession | null;
}

/** A worker that found the connection unusable tries again after this long, if nothing wakes it sooner. */
const RETRY_IDLE_MS = 5000;

/**
 * Durable sends: the service API accepts a send by writing it to wa_sends (state `queued`, with the WhatsApp message
 * id chosen then) and answers at once; one worker per salon drains its queue at the session's pace. A row is marked
 * `sending` immediately before the socket write, one at a time per salon, so after a crash `queued` means "provably
 * never left" (sent after the restart) and `sending` means "may have left" (turned `unknown`, logged, never resent).
 * The outcome reaches the functions as a `message.status` event through the outbox. One key is one message: the
 * same key answers the same message id, or the same refusal.
 */
export class DurableSends {
  private readonly workers = new Map<number, { running: boolean; wanted: boolean; timer?: NodeJS.Timeout }>();

  constructor(private readonly deps: { store: GatewayStore; outbox: EventOutbox; clock: Clock; log: Logger }) {}

  /** Writes the send (or finds the first one under this key) and answers its message id; the worker sends it. */
  async accept(salonId: number, key: string, send: OutgoingSend): Promise<{ messageId: string }> {
    const row = await this.deps.store.sendAccept(salonId, key, send, this.deps.clock.now());
    faultPoint("after-accept");
    return answer(row);
  }

  /** A send made earlier under this key, answered as then; null when there is none. */
  async earlier(salonId: number, key: string): Promise<{ messageId: string } | null> {
    const row = await this.deps.store.sendGet(salonId, key);
    return row ? answer(row) : null;
  }

  /**
   * A process taking the salon's session over: what the previous holder left on the socket may have reached the
   * client, so it is never sent again; each is logged and reported as unknown.
   */
  async recover(salonId: number): Promise<void> {
    const cut = await this.deps.store.sendsRecover(salonId, this.deps.clock.now());
    for (const s of cut) {
      this.deps.log.error({ salonId, key: s.key, messageId: s.message_id }, "send cut off on the socket by a crash: outcome unknown, not resent");
      if (s.message_id) await this.report(salonId, s.key, s.message_id, "unknown", "cut off while on the socket");
    }
  }

  /**
   * WhatsApp's receipt for one of our sends: reported once per message and state (WhatsApp repeats receipts, one per
   * device of the recipient); receipts for messages not sent through here (typed on the salon's phone) are dropped.
   */
  async receipt(salonId: number, messageId: string, status: "delivered" | "read"): Promise<void> {
    const key = await this.deps.store.sendReceipt(salonId, messageId, status, this.deps.clock.now());
    if (key) await this.report(salonId, key, messageId, status, null);
  }

  /** Wakes the salon's worker (after an acceptance, or when the session opens). */
  wake(salonId: number, target: () => SendTarget | null): void {
    let w = this.workers.get(salonId);
    if (!w) this.workers.set(salonId, (w = { running: false, wanted: false }));
    w.wanted = true;
    clearTimeout(w.timer);
    w.timer = undefined;
    if (w.running) return;
    w.running = true;
    const worker = w;
    void (async () => {
      while (worker.wanted) {
        worker.wanted = false;
        const stuck = await this.drain(salonId, target).catch((err) => {
          this.deps.log.error({ salonId, err }, "send worker failed");
          return true;
        });
        if (stuck && !worker.wanted) {
          worker.timer = setTimeout(() => this.wake(salonId, target), RETRY_IDLE_MS);
          worker.timer.unref();
        }
      }
      worker.running = false;
      if (!worker.timer) this.workers.delete(salonId);
    })();
  }

  /** Resolves once the salon's worker has nothing left it can send now. */
  async idle(salonId: number): Promise<void> {
    while (this.workers.get(salonId)?.running) await new Promise((r) => setTimeout(r, 20));
  }

  /** Forgets the salon's worker timer (the session is closing here). */
  forget(salonId: number): void {
    clearTimeout(this.workers.get(salonId)?.timer);
    if (!this.workers.get(salonId)?.running) this.workers.delete(salonId);
  }

  /** Sends queued rows one by one; true when rows remain that the connection could not take now. */
  private async drain(salonId: number, target: () => SendTarget | null): Promise<boolean> {
    for (;;) {
      const t = target();
      // No session here: its next open wakes the worker. Connected a moment ago: look again shortly.
      if (!t) return false;
      if (!t.conn()) return (await this.deps.store.sendNext(salonId)) !== null;
      const next = await this.deps.store.sendNext(salonId);
      if (!next) return false;
      const went = await t.queue.run(() => this.sendOne(salonId, next, t));
      if (!went) return true;
    }
  }

  /** False when the connection could not take it (the row stays queued). */
  private async sendOne(salonId: number, s: QueuedSend, target: SendTarget): Promise<boolean> {
    const { store, clock, log } = this.deps;
    const conn = target.conn();
    if (!conn) return false;
    if (!(await store.sendMark(salonId, s.key, ["queued"], "sending", null, clock.now()))) return true;
    faultPoint("mid-send");
    try {
      if (s.react_to !== null) await conn.react(s.jid, s.react_to, s.body, s.message_id);
      else await conn.sendText(s.jid, s.body, s.message_id);
    } catch (err) {
      if (err instanceof SendRefused && (err.code === "not_on_whatsapp" || err.code === "restricted_463")) {
        await store.sendMark(salonId, s.key, ["sending", "unknown"], "failed", err.code, clock.now());
        await this.report(salonId, s.key, s.message_id, "failed", err.code);
        return true;
      }
      if (err instanceof SendRefused) {
        // Refused before anything was written (not connected, lookup failed): still provably unsent.
        await store.sendMark(salonId, s.key, ["sending"], "queued", err.message, clock.now());
        return false;
      }
      // Thrown by the socket write itself: the bytes may have left. Never repeated.
      await store.sendMark(salonId, s.key, ["sending"], "unknown", (err as Error).message, clock.now());
      log.error({ salonId, key: s.key, messageId: s.message_id, err: (err as Error).message }, "send failed on the socket: outcome unknown, not resent");
      await this.report(salonId, s.key, s.message_id, "unknown", (err as Error).message);
      return true;
    }
    faultPoint("after-send");
    await store.sendMark(salonId, s.key, ["sending", "unknown"], "sent", null, clock.now());
    await this.report(salonId, s.key, s.message_id, "sent", null);
    return true;
  }

  private report(salonId: number, key: string, messageId: string, status: MessageStatus["status"], error: string | null): Promise<void> {
    return this.deps.outbox.publish(
      { type: "message.status", salonId, messageId, idempotencyKey: key, status, error, timestamp: this.deps.clock.now().toISOString() },
    );
  }
}

function answer(row: SendRow): { messageId: string } {
  if (row.status === "failed") throw refusal(row.error ?? "send_failed");
  // Claimed by the gateway version before durable sends and cut off: it may have left, and it has no id to give.
  if (!row.message_id) throw new GatewayApiError(409, "outcome_unknown", "a send with this key was cut off by a restart; it is not repeated");
  return { messageId: row.message_id };
}

function refusal(code: string): GatewayApiError {
  if (code === "not_on_whatsapp") return new GatewayApiError(422, code, "this number is not on WhatsApp");
  if (code === "restricted_463") return new GatewayApiError(422, code, "WhatsApp refused the message (463: account restricted for new chats); do not retry");
  return new GatewayApiError(422, code, "the message was refused");
}
