/**
 * The YClients journal's highlight of a chat that needs a person: `new_message` when a client writes into a chat the
 * bot does not answer (an administrator holds it, the bot handed it over, or the bot's reply failed), and
 * `toggle_highlight` once an administrator answers (from the panel or from the salon's phone). Both go through a
 * job, so a YClients outage delays the highlight instead of failing the message that caused it.
 */
import type { Dispatcher } from "../dispatch/dispatcher.js";

export const JOURNAL_ALERT_PATH = "/jobs/chat-panel/journal-alert";

export type JournalAlert =
  | { kind: "new_message"; salonId: number; phone: string; messageId: number }
  | { kind: "toggle_highlight"; salonId: number; phone: string; waMessageId: string };

export async function publishJournalAlert(dispatcher: Dispatcher, a: JournalAlert): Promise<void> {
  // One highlight per client message and one clearing per administrator answer, however often the causes repeat.
  const dedupe = a.kind === "new_message" ? `${a.salonId}:journal:new:${a.messageId}` : `${a.salonId}:journal:clear:${a.waMessageId}`;
  await dispatcher.publish({ path: JOURNAL_ALERT_PATH, body: a, deduplicationId: dedupe });
}
