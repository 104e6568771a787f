import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/log.js";
import { GatewayApiError, sessionDown } from "../errors.js";
import type { GatewayStore } from "../store.js";
import { SendRefused, type TransportSession } from "../transport/types.js";
import type { SendQueue } from "./send-queue.js";

/** Where a send goes, if the salon's session is connected in this process. */
export interface SendTarget {
  queue: SendQueue;
  /** The connection at the moment the queued send runs (it may have dropped while waiting). */
  conn(): TransportSession | null;
}

/**
 * Sends at most once per (salon, idempotency key), using wa_sends: a retried call returns the first message id and
 * sends nothing; a refused send (not on WhatsApp, 463) answers the same refusal again; a send that never went out
 * (session down) frees its key for the retry. Two concurrent calls with one key in this process share one send.
 */
export class IdempotentSender {
  private readonly running = new Map<string, Promise<{ messageId: string }>>();

  constructor(private readonly deps: { store: GatewayStore; clock: Clock; log: Logger }) {}

  async send(salonId: number, key: string, jid: string, text: string, target: SendTarget | null): Promise<{ messageId: string }> {
    const id = `${salonId}:${key}`;
    const running = this.running.get(id);
    if (running) return running;
    const p = this.sendOnce(salonId, key, jid, text, target);
    this.running.set(id, p);
    try {
      return await p;
    } finally {
      this.running.delete(id);
    }
  }

  private async sendOnce(salonId: number, key: string, jid: string, text: string, target: SendTarget | null): Promise<{ messageId: string }> {
    const { store } = this.deps;
    const claim = await store.sendBegin(salonId, key, this.deps.clock.now());
    if (!claim.fresh) {
      if (claim.status === "sent" && claim.message_id) return { messageId: claim.message_id };
      if (claim.status === "failed") throw refusal(claim.error ?? "send_failed");
      throw new GatewayApiError(409, "in_progress", "a send with this idempotency key is in progress (or was cut off mid-send)");
    }
    if (!target) {
      await store.sendFinish(salonId, key, "abandoned", null, "session_down");
      throw sessionDown(salonId);
    }
    try {
      const { messageId } = await target.queue.run(async () => {
        const conn = target.conn();
        if (!conn) throw new SendRefused("session_down", "WhatsApp is not connected");
        return conn.sendText(jid, text);
      });
      await store.sendFinish(salonId, key, "sent", messageId, null);
      return { messageId };
    } catch (err) {
      if (err instanceof SendRefused && (err.code === "not_on_whatsapp" || err.code === "restricted_463")) {
        await store.sendFinish(salonId, key, "failed", null, err.code);
        throw refusal(err.code, err.message);
      }
      // Nothing went out (the socket dropped before the relay): the key is free for the caller's retry.
      await store.sendFinish(salonId, key, "abandoned", null, (err as Error).message);
      if (!(err instanceof SendRefused)) this.deps.log.warn({ salonId, err: (err as Error).message }, "send failed");
      throw sessionDown(salonId);
    }
  }
}

function refusal(code: string, message?: string): GatewayApiError {
  if (code === "not_on_whatsapp") return new GatewayApiError(422, code, message ?? "this number is not on WhatsApp");
  if (code === "restricted_463") {
    return new GatewayApiError(422, code, message ?? "WhatsApp refused the message (463: account restricted for new chats); do not retry");
  }
  return new GatewayApiError(422, code, message ?? "the message was refused");
}
