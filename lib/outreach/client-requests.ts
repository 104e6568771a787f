/**
 * What a client asks of the salon's outreach, taken in the inbound flow before the assistant: a stop request (the
 * fast literal match of opt-out.ts) opts the chat out and gets a short confirmation at once; a request to delete
 * their data is noted on the message, and the assistant's turn hands the chat to the administrator with it (the
 * removal itself is the cabinet's action, lib/outreach/forget.ts). Paraphrases reach the assistant, which has the
 * `opt_out` tool and the prompt's rule for data removal.
 *
 * Public API: `takeClientRequest(services, event, stored)` → "opted_out" | "data_removal" | null.
 */
import type { MessageReceived } from "../contract/events.js";
import { sendStoredReply } from "../conversations/reply.js";
import { noteOnMessage } from "../conversations/store.js";
import type { Services } from "../services.js";
import { dataRemovalRequest, OPT_OUT_CONFIRMATION, optOut, stopRequest } from "./opt-out.js";

export async function takeClientRequest(
  s: Pick<Services, "db" | "clock" | "gateway" | "log">, e: MessageReceived, stored: { phone: string; message_id: number },
): Promise<"opted_out" | "data_removal" | null> {
  if (e.kind !== "text") return null;
  if (dataRemovalRequest(e.text)) {
    await optOut(s, e.salonId, stored.phone, "stop_word");
    await noteOnMessage(s.db, e.salonId, stored.message_id, { data_removal: true });
    return "data_removal";
  }
  if (!stopRequest(e.text)) return null;
  await optOut(s, e.salonId, stored.phone, "stop_word");
  // One confirmation per stop message: a redelivered event repeats the send under the same key.
  await sendStoredReply(s, {
    salonId: e.salonId, to: stored.phone, text: OPT_OUT_CONFIRMATION, key: `optout:${e.salonId}:${e.messageId}`,
    data: { opt_out: true }, what: "opt-out confirmation",
  });
  await noteOnMessage(s.db, e.salonId, stored.message_id, { opted_out: true });
  return "opted_out";
}
