/**
 * A short answer the bot gives outside the assistant's turn (a stop confirmation, the answer to a visit rating or to a reminder reply):
 * sent under a key of the caller's, so a redelivered message repeats the send and never the message, and kept in the
 * chat's history so the assistant's next turn knows it was said. WhatsApp's refusal for good (463, logged out) is
 * logged and not retried: the same key answers the same refusal, so a redelivery could never succeed.
 */
import { GatewayError } from "../gateway/client.js";
import type { Services } from "../services.js";
import { storeOutbound } from "./store.js";

export async function sendStoredReply(
  s: Pick<Services, "db" | "clock" | "gateway" | "log">,
  m: { salonId: number; to: string; text: string; key: string; data: Record<string, unknown>; what: string },
): Promise<void> {
  try {
    const { messageId } = await s.gateway.sendText(m.salonId, { to: m.to, text: m.text, idempotencyKey: m.key });
    await storeOutbound(s.db, s.clock, { salonId: m.salonId, phone: m.to, waMessageId: messageId, text: m.text, data: m.data });
  } catch (err) {
    if (!(err instanceof GatewayError) || err.retryable) throw err;
    s.log.warn({ salonId: m.salonId, key: m.key, code: err.code }, `${m.what} refused by WhatsApp`);
  }
}
