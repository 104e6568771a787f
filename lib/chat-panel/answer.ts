import { chatSettings } from "../conversations/settings.js";
import { getConversation, storeAdminMessage } from "../conversations/store.js";
import { GatewayError, type GatewayClient } from "../gateway/client.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import { publishJournalAlert } from "./journal-alerts.js";
import type { Logger } from "../log.js";
import { faultPoint } from "../faults.js";
import { getSalon } from "../salons/store.js";

export interface AnswerDeps {
  db: Db;
  clock: Clock;
  gateway: GatewayClient;
  dispatcher: Dispatcher;
  log: Logger;
}

export type AnswerOutcome =
  | { ok: true; waMessageId: string; pausedUntil: string | null }
  | { ok: false; status: 404 | 409 | 422 | 503; code: string; message: string };

/** The page's key, scoped by the salon in the gateway's `wa_sends` primary key and by this prefix from other senders'. */
export const panelSendKey = (pageKey: string) => `panel:${pageKey}`;

/**
 * An administrator's answer from the panel: sent as the salon through the gateway under the page's idempotency key
 * (a retry of the same draft gets the first message id back, never a second message), then stored exactly as a
 * reply typed on the salon's phone is (`conversation_admin_message`): an `admin` message that pauses the bot in that
 * chat for the salon's admin pause. Nothing is stored when the gateway refuses, so the page keeps the draft.
 */
export async function sendPanelAnswer(d: AnswerDeps, q: { salonId: number; phone: string; text: string; key: string }): Promise<AnswerOutcome> {
  const [salon, chat] = await Promise.all([getSalon(d.db, q.salonId), getConversation(d.db, q.salonId, q.phone)]);
  if (!salon || !chat) return { ok: false, status: 404, code: "no_chat", message: "Такого чата нет: клиент ещё не писал салону." };
  let waMessageId: string;
  try {
    ({ messageId: waMessageId } = await d.gateway.sendText(q.salonId, { to: q.phone, text: q.text, idempotencyKey: panelSendKey(q.key) }));
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    d.log.warn({ salonId: q.salonId, code: err.code, status: err.status }, "panel answer refused by the gateway");
    return refusal(err);
  }
  faultPoint("panel-after-accept");
  const stored = await storeAdminMessage(d.db, d.clock, {
    salonId: q.salonId, phone: q.phone, waMessageId, text: q.text, pauseSec: chatSettings(salon.settings).adminPauseMin * 60,
  });
  await publishJournalAlert(d.dispatcher, { kind: "toggle_highlight", salonId: q.salonId, phone: q.phone, waMessageId });
  // `known_message`: a retry of a send already stored (or its echo came first); the chat is paused either way.
  const after = stored.paused ? stored.paused_until ?? null : (await getConversation(d.db, q.salonId, q.phone))?.paused_until ?? null;
  return { ok: true, waMessageId, pausedUntil: after };
}

function refusal(err: GatewayError): AnswerOutcome {
  switch (err.code) {
    case "not_on_whatsapp":
      return { ok: false, status: 422, code: "not_on_whatsapp", message: "Не отправлено: у этого номера нет WhatsApp." };
    case "restricted_463":
      return { ok: false, status: 422, code: "restricted", message: "Не отправлено: WhatsApp ограничил отправку с номера салона. Ответьте клиенту с телефона." };
    case "session_restoring":
      return { ok: false, status: 503, code: "whatsapp_reconnecting", message: "Не отправлено: WhatsApp салона переподключается. Текст сохранён — отправьте через минуту." };
    case "bad_request":
      return { ok: false, status: 422, code: "bad_request", message: `Не отправлено: ${err.message}` };
    default:
      return { ok: false, status: 503, code: "whatsapp_not_connected", message: "Не отправлено, WhatsApp не подключён. Текст сохранён — отправьте снова, когда WhatsApp салона будет на связи." };
  }
}
