/**
 * Replies to a reminder. The assistant's message-received job calls `handleReminderReply` first, for every inbound
 * message:
 * - a confirmation ("да", "ок", "приду", "👍", "✅", "всё в силе"… or a positive reaction to the reminder) within the
 *   reminder's reply window sets attendance 2 in YClients and answers once with a short thanks (the salon's own
 *   `thanks` text when it wrote one) → `{handled: true}`;
 *   a second "да" to the same reminder is handled silently;
 * - any other reaction to the reminder gets the original's fixed text once per reminder: a negative one (👎, 😢, ❌…)
 *   offers to move the visit, a neutral or unknown one asks whether it stands → `{handled: true}`;
 * - anything else while a reminder is open (a refusal, a wish to move, a question) → `{handled: false, context}`:
 *   the assistant answers, with `context` (Russian, for the model) saying which visit the reminder was about;
 * - no open reminder → `{handled: false}`.
 * The reply window: `replyWindowHours` after the reminder (default 12), never past the visit's start.
 */
import type { Services } from "../services.js";
import type { MessageReceived } from "../contract/events.js";
import { bookingsStore } from "../bookings/store.js";
import { sendStoredReply } from "../conversations/reply.js";
import { YClientsError } from "../yclients/errors.js";
import { clockTime, dateAndTime, joinServices, relativeDay } from "./russian.js";
import { notificationsStore, type ReminderContext } from "./store.js";
import { DEFAULT_TEMPLATES, renderTemplate } from "./templates.js";

export type ReminderReplyResult = { handled: true } | { handled: false; context?: string };

const CONFIRM_WORDS = [
  "да", "ага", "угу", "ок", "окей", "оки", "ok", "okay", "yes", "конечно", "приду", "придём", "придем", "буду",
  "будем", "хорошо", "договорились", "подтверждаю", "подтверждаем", "в силе", "всё в силе", "все в силе", "да, приду",
  "да, буду", "обязательно", "непременно", "жду", "ждите", "спасибо", "спс", "понял", "поняла", "ясно", "отлично",
  "супер", "+", "++", "+1",
];
const CONFIRM_EMOJI = ["👍", "👌", "✅", "💯", "❤", "♥", "😊", "🙂", "😉", "🤝", "💪", "🙏", "🥰", "😍", "💖", "💗", "💕", "👏", "🎉", "☺"];
const CONFIRM_PHRASES = ["приду на запись", "всё в силе", "все в силе", "подтверждаю запись", "подтверждаю визит", "буду вовремя"];
/** Any of these and it is not a plain yes: "да, но можно перенести?", "не приду", "отмените". */
const DOUBT = /(^|[^\p{L}])(не|нет|неа|отмен\p{L}*|перен[её]с\p{L}*|перенести|позже|раньше|опозда\p{L}*|другое|другой|заболел\p{L}*|можно|а можно|если)([^\p{L}]|$)|\?/u;

const NEGATIVE_EMOJI = ["👎", "😞", "😢", "😭", "❌", "💔", "🙁", "☹", "😔", "😕", "😟", "😣", "😫", "😩", "🚫", "⛔", "😡", "😠"];

/** A reaction that is not a confirmation: "negative" (the visit does not suit) or "neutral" (🤔, 😐, anything else). */
export function reactionTone(emoji: string): "negative" | "neutral" {
  const chars = [...emoji.replace(/[\s\uFE0F\u200D]/gu, "")].filter((ch) => !/\p{Emoji_Modifier}/u.test(ch));
  return chars.length > 0 && chars.every((ch) => NEGATIVE_EMOJI.some((e) => e.startsWith(ch))) ? "negative" : "neutral";
}

/** The original's answers to a reaction on a reminder, `visit` as "завтра в 10:00". */
export function reactionReply(tone: "negative" | "neutral", visit: string): string {
  return tone === "negative"
    ? `Понял вас. Вижу, что запись ${visit} вам не подходит. Хотите перенести на другое время? Просто напишите когда вам удобно, и я помогу с переносом.`
    : `Вижу вашу реакцию на напоминание о записи ${visit}. Всё в силе? Если нужно перенести запись, просто напишите когда вам удобно.`;
}

/** True for a message that means "yes, I'm coming". */
export function isConfirmation(text: string): boolean {
  const t = text.trim().toLowerCase().replace(/ё/g, "е");
  if (t === "" || t.length > 80) return false;
  if (DOUBT.test(t)) return false;
  const stripped = t.replace(/[\s.,!)]+$/u, "");
  const words = CONFIRM_WORDS.map((w) => w.replace(/ё/g, "е"));
  for (const w of words) {
    if (stripped === w) return true;
    if (stripped.startsWith(w) && /^[\s,.!)]/u.test(stripped.slice(w.length))) return true;
  }
  if (CONFIRM_PHRASES.some((p) => t.includes(p.replace(/ё/g, "е")))) return true;
  // Nothing but emoji: a confirmation if every one of them is a positive one.
  const emoji = [...t.replace(/[\s\uFE0F\u200D]/gu, "")];
  return emoji.length > 0 && emoji.every((ch) => CONFIRM_EMOJI.some((e) => e.startsWith(ch)) || /\p{Emoji_Modifier}/u.test(ch));
}

function context(ctx: ReminderContext, now: Date): string {
  const tz = ctx.salon.timezone;
  const r = ctx.record;
  const visit = new Date(r.starts_at);
  const services = joinServices(r.services);
  return [
    `Клиенту ${dateAndTime(new Date(ctx.notification.sent_at ?? now), tz)} отправлено напоминание о записи`,
    ` (id ${r.record_id}): ${relativeDay(visit, now, tz)}, ${dateAndTime(visit, tz)}`,
    services ? `, ${services}` : "",
    r.staff_name ? `, мастер ${r.staff_name}` : "",
    ". Это сообщение, вероятно, ответ на напоминание: если клиент отказывается или хочет перенести визит,",
    " помогите отменить или перенести именно эту запись.",
  ].join("");
}

export async function handleReminderReply(s: Services, event: MessageReceived): Promise<ReminderReplyResult> {
  const phone = event.from.phone;
  if (!phone) return { handled: false };
  const now = s.clock.now();
  const isReaction = event.kind === "reaction";
  if (isReaction && !event.refMessageId) return { handled: false };
  const ctx = await notificationsStore.reminderForReply(s.db, event.salonId, phone, isReaction ? event.refMessageId : null, now);
  if (!ctx) return { handled: false };

  const text = event.kind === "text" || isReaction ? event.text : "";
  if (isReaction && text.trim() === "") return { handled: true }; // a reaction taken back says nothing
  if (isReaction && !isConfirmation(text)) return answerReaction(s, event, phone, ctx, text, now);
  if (!isConfirmation(text)) {
    await notificationsStore.noteReply(s.db, ctx.notification.id, "other", now);
    return { handled: false, context: context(ctx, now) };
  }

  const { record } = ctx;
  if (record.attendance !== 2) {
    try {
      await s.yclients.updateRecord(event.salonId, record.record_id, { attendance: 2 });
    } catch (err) {
      // A refused update (no rights, record locked) is not worth a retry; the thanks still goes, the salon sees no 2.
      if (!(err instanceof YClientsError) || err.isRetryable) throw err;
      s.log.warn({ salonId: event.salonId, recordId: record.record_id, err }, "attendance 2 not set in YClients");
    }
    await bookingsStore.setAttendance(s.db, event.salonId, record.record_id, 2, now);
  }
  if (ctx.notification.reply_kind === "confirmed") return { handled: true };
  const thanks = renderTemplate(ctx.texts.thanks ?? DEFAULT_TEMPLATES.thanks, { id: ctx.notification.id, kind: "thanks", data: {}, record, salon: ctx.salon, now });
  await answer(s, event, phone, ctx, thanks!);
  await notificationsStore.noteReply(s.db, ctx.notification.id, "confirmed", now);
  return { handled: true };
}

/**
 * 👎 or 🤔 on the reminder: the fixed text, once per reminder (a client changing their reaction, or who already
 * wrote back, is not asked again); the client's next words go to the assistant with the reminder in context.
 */
async function answerReaction(s: Services, event: MessageReceived, phone: string, ctx: ReminderContext, emoji: string, now: Date): Promise<ReminderReplyResult> {
  if (ctx.notification.reply_kind === null) {
    const tz = ctx.salon.timezone;
    const visit = new Date(ctx.record.starts_at);
    // Keyed by the reminder: two reactions handled at once (👎 then 😢) still make one message.
    const key = `reminder-reaction:${event.salonId}:${ctx.notification.id}`;
    await answer(s, event, phone, ctx, reactionReply(reactionTone(emoji), `${relativeDay(visit, now, tz)} в ${clockTime(visit, tz)}`), key);
    await notificationsStore.noteReply(s.db, ctx.notification.id, "other", now);
  }
  return { handled: true };
}

/**
 * The answer first, then the note: a redelivered message repeats the send under the same idempotency key (one
 * message), whereas a note written before a failed send would leave the client unanswered.
 */
async function answer(s: Services, event: MessageReceived, phone: string, ctx: ReminderContext, text: string, key = `reminder-reply:${event.salonId}:${event.messageId}`): Promise<void> {
  // In the chat's history, so the assistant's next turn knows the reminder was answered.
  await sendStoredReply(s, {
    salonId: event.salonId, to: phone, text, key, data: { reminder_reply: ctx.notification.id }, what: "answer to a reminder reply",
  });
}
