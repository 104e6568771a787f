import { handleReviewReply } from "../campaigns/review-reply.js";
import { publishJournalAlert } from "../chat-panel/journal-alerts.js";
import type { MessageFromAdmin, MessageReceived } from "../contract/events.js";
import { identifyChat } from "../identity/chats.js";
import { ASSISTANT_REPLY } from "../jobs/catalogue.js";
import { publishJob } from "../jobs/job.js";
import { handleReminderReply } from "../notifications/reminder-reply.js";
import { takeClientRequest } from "../outreach/client-requests.js";
import { acceptsWork, getSalon } from "../salons/store.js";
import type { Services } from "../services.js";
import type { InboundFacts } from "./facts.js";
import { chatSettings } from "./settings.js";
import { heartForThanks } from "./thanks.js";
import { noteOnMessage, storeAdminMessage, storeInbound } from "./store.js";

export type ReceiveOutcome = "unknown_sender" | "unknown_salon" | "salon_not_active" | "reminder_reply" | "rating" | "thanks_hearted" | "opted_out" | "data_removal" | "scheduled";

/**
 * A client wrote to the salon. The message is stored (a redelivery stores nothing new); a reply to a reminder is
 * offered to the reminder logic first (a confirmation is answered there; anything else reaches the assistant with
 * the reminder in context); then a delayed reply job is published. When it fires, only the newest message of the
 * burst answers, so three quick messages get one answer. Nothing is answered for a salon the gate refuses replies,
 * and a chat an administrator holds is checked when the reply job runs, so a takeover during the wait counts.
 */
export async function receiveMessage(s: Services, e: MessageReceived): Promise<ReceiveOutcome> {
  // The chat key: the phone, or the LID while WhatsApp hides the number (answered at the LID all the same).
  const phone = await identifyChat(s.db, s.clock, e.salonId, e.from);
  if (!phone) return "unknown_sender";
  const stored = await storeInbound(s.db, s.clock, {
    salonId: e.salonId,
    phone,
    jid: e.from.jid,
    pushName: e.pushName,
    waMessageId: e.messageId,
    kind: e.kind,
    text: e.text,
    data: e.refMessageId ? { ref: e.refMessageId } : null,
  });
  if (!stored.stored) return "unknown_salon";
  if (!acceptsWork({ status: stored.salon_status }, "reply")) return "salon_not_active";
  const messageId = stored.message_id!;
  // A paused chat waits for a person: the journal highlights it.
  if (stored.paused) await publishJournalAlert(s.dispatcher, { kind: "new_message", salonId: e.salonId, phone, messageId });

  const reminder = await handleReminderReply(s, e);
  // A review request's answer ("5") is taken before the thanks check: "5" is not a thanks.
  const review = !reminder.handled && e.kind === "text" ? await handleReviewReply(s, e.salonId, phone, e.messageId, e.text) : { handled: false as const };
  const facts: InboundFacts = {
    ...(reminder.handled ? { reminder_handled: true } : reminder.context ? { reminder: reminder.context } : {}),
    ...(review.handled ? { rating_handled: true } : review.context ? { review_request: review.context } : {}),
  };
  if (Object.keys(facts).length > 0) await noteOnMessage(s.db, e.salonId, messageId, facts);
  // "Стоп" and "удалите мои данные" (lib/outreach/client-requests.ts) are taken before a thanks gets its heart.
  const request = reminder.handled || review.handled ? null : await takeClientRequest(s, e, { phone, message_id: messageId });
  const hearted = !reminder.handled && !review.handled && !request && (await heartForThanks(s, e, { message_id: messageId, paused: stored.paused }));

  // Every message gets its reply job, even one answered here or a reaction: only the newest message's job answers
  // the burst, so a message that published none would silence the question the client typed just before it. The
  // turn leaves out what was answered here and says nothing to a burst with no question in it.
  await publishJob(s.dispatcher, ASSISTANT_REPLY, { salonId: e.salonId, phone, messageId }, { delaySec: chatSettings(stored.settings).burstWaitSec });
  return reminder.handled ? "reminder_reply" : review.handled ? "rating" : request ?? (hearted ? "thanks_hearted" : "scheduled");
}

/**
 * The salon's administrator wrote to a client from the salon's own phone: a person has taken the chat, so the
 * assistant stays quiet there for the salon's admin pause (default 2 h). Echoes of our own sends are recognised by
 * their message id and change nothing.
 */
export async function takeOverChat(s: Pick<Services, "db" | "clock" | "dispatcher">, e: MessageFromAdmin): Promise<{ status: string; pausedUntil?: string | null }> {
  // A chat known only by its LID is paused under that key, like any other.
  const phone = await identifyChat(s.db, s.clock, e.salonId, e.to);
  if (!phone) return { status: "no_phone" };
  const salon = await getSalon(s.db, e.salonId);
  if (!salon) return { status: "unknown_salon" };
  // The handover notice goes to the salon's own number; that chat is not a client's.
  if (phone === salon.whatsapp_phone) return { status: "own_chat" };
  const r = await storeAdminMessage(s.db, s.clock, {
    salonId: e.salonId,
    phone,
    waMessageId: e.messageId,
    text: e.text,
    pauseSec: chatSettings(salon.settings).adminPauseMin * 60,
  });
  if (r.paused) await publishJournalAlert(s.dispatcher, { kind: "toggle_highlight", salonId: e.salonId, phone, waMessageId: e.messageId });
  return { status: r.paused ? "paused" : r.reason ?? "ignored", pausedUntil: r.paused_until ?? null };
}
