/**
 * A client's "спасибо" or goodbye: the original put ❤️ on it instead of writing another message, and a chat that
 * ends with the bot's "Пожалуйста! Чем ещё могу помочь?" after every thanks reads like a machine. Only a message
 * made of nothing but thanks, goodbye and small words counts; anything more ("спасибо, а в субботу можно?") is
 * ambiguous and goes to the assistant.
 */
import type { MessageReceived } from "../contract/events.js";
import { GatewayError } from "../gateway/client.js";
import type { Services } from "../services.js";
import { noteOnMessage } from "./store.js";

/** Words that make the message a thanks or a goodbye. */
const MARKERS = new Set([
  "спасибо", "спасибочки", "спс", "спасиб", "пасиб", "пасибо", "благодарю", "благодарим", "мерси", "thanks", "thank", "thx", "ty",
  "свидания", "встречи", "связи", "пока", "доброго", "хорошего", "bye",
]);
/** Words that may come with them without asking anything. */
const FILLERS = new Set([
  "большое", "огромное", "вам", "вас", "тебе", "you", "и", "еще", "раз", "да", "ок", "окей", "ok", "хорошо", "понятно",
  "ясно", "понял", "поняла", "отлично", "супер", "все", "тогда", "до", "всего", "дня", "вечера", "выходных", "это",
  "больше", "ничего", "нужно", "надо", "так", "много", "за", "помощь", "ответ",
]);

/** True for a message that only thanks or says goodbye ("Спасибо большое!", "До встречи 👋", "спс, это всё"). */
export function isThanksOrGoodbye(text: string): boolean {
  const t = text.trim().toLowerCase().replace(/ё/g, "е");
  if (t === "" || t.length > 80 || t.includes("?")) return false;
  // "не" only in "(больше ничего) не нужно/надо": "пока не знаю" is "for now", not goodbye.
  const words = t.split(/[^\p{L}]+/u).filter((w, i, all) => w !== "" && !(w === "не" && /^(нужно|надо)$/.test(all[i + 1] ?? "")));
  return words.some((w) => MARKERS.has(w)) && words.every((w) => MARKERS.has(w) || FILLERS.has(w));
}

/**
 * Puts ❤️ on a client's thanks or goodbye (one reaction per message: a redelivery reuses the key) and notes it on
 * the stored message, so the assistant's turn leaves it out. False when the message is not one, or the chat is paused.
 */
export async function heartForThanks(s: Pick<Services, "db" | "gateway" | "log">, e: MessageReceived, stored: { message_id: number; paused?: boolean }): Promise<boolean> {
  if (e.kind !== "text" || stored.paused || !isThanksOrGoodbye(e.text)) return false;
  try {
    await s.gateway.react(e.salonId, { to: e.from.jid, messageId: e.messageId, emoji: "❤️", idempotencyKey: `thanks:${e.salonId}:${e.messageId}` });
  } catch (err) {
    if (!(err instanceof GatewayError) || err.retryable) throw err;
    // Refused for good (463, logged out): nothing else to say to a thanks.
    s.log.warn({ salonId: e.salonId, code: err.code }, "heart for a thanks refused by WhatsApp");
  }
  await noteOnMessage(s.db, e.salonId, stored.message_id, { reacted: "❤️" });
  return true;
}
