/**
 * The YClients journal's highlight of a chat that needs a person: `new_message` when a client writes into a chat the
 * bot does not answer (an administrator holds it, the bot handed it over, or the bot's reply failed), and
 * `toggle_highlight` once an administrator answers (from the panel or from the salon's phone). Both go through a
 * job, so a YClients outage delays the highlight instead of failing the message that caused it. Nothing is told
 * while the owner has the panel switched off (lib/chat-panel/enabled.ts).
 *
 * `toggle_highlight`'s body `{salon_id, application_id, phone_from}` is inferred: the references
 * (yclients-api.md, peer-products.md §2.3) name the call and say it clears the highlight, nothing more; it mirrors
 * `new_message`'s documented fields, the way peer apps address a chat.
 */
import { getConversation, listMessages } from "../conversations/store.js";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import { JOURNAL_ALERT, type JournalAlert } from "../jobs/chat-panel.js";
import { publishJob } from "../jobs/job.js";
import { acceptsWork, getSalon } from "../salons/store.js";
import { panelEnabled } from "./enabled.js";
import type { Services } from "../services.js";

export async function publishJournalAlert(dispatcher: Dispatcher, a: JournalAlert): Promise<void> {
  await publishJob(dispatcher, JOURNAL_ALERT, a);
}

/** Tells YClients; a refusal (4xx) is final, an outage is retried (lib/jobs/outcome.ts). */
export async function tellJournal(s: Pick<Services, "db" | "yclients">, a: JournalAlert): Promise<string> {
  if (!s.yclients.configured) return "yclients_not_configured";
  const salon = await getSalon(s.db, a.salonId);
  if (!acceptsWork(salon, "send")) return "salon_not_active";
  if (!panelEnabled(salon?.settings)) return "panel_off";
  if (a.kind === "new_message") {
    const [chat, messages] = await Promise.all([getConversation(s.db, a.salonId, a.phone), listMessages(s.db, a.salonId, a.phone)]);
    const m = messages.find((x) => x.id === a.messageId);
    const text = m ? (m.kind === "text" ? m.text : `[${m.kind}]`) : "";
    await s.yclients.newMessage({ salonId: a.salonId, phone: a.phone, message: text.slice(0, 1000), name: chat?.push_name ?? `+${a.phone}` });
  } else {
    await s.yclients.toggleHighlight({ salonId: a.salonId, phone: a.phone });
  }
  return "sent";
}
