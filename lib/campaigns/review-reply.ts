/**
 * The answer to a review request ("Как вам визит? Оцените от 1 до 5"). Public API:
 * - `bareRating(text)`: the rating a message is and nothing else ("5", "4!", "5/5", "⭐⭐⭐⭐⭐"), else null;
 * - `handleReviewReply(s, salonId, chat, messageId, text)`, called by the inbound flow for every client message:
 *   no pending request → `{handled: false}`; a bare rating → kept and answered here → `{handled: true}`; anything
 *   else → `{handled: false, context}`: the assistant answers, told a rating is awaited (tool `record_rating`);
 * - `keepRating(db, clock, salonId, chat, rating)`: what both paths share, the rating kept once per visit.
 * 4–5 → thanks and the salon's review page; 1–3 → an apology, and the chat goes to a person (paused as a handover,
 * the salon's handover number told). The review page is never hidden from anyone who asks (the prompt carries it).
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { chatSettings } from "../conversations/settings.js";
import { sendStoredReply } from "../conversations/reply.js";
import { pauseConversation } from "../conversations/store.js";
import { confirmedPhone } from "../identity/chats.js";
import { clockTime } from "../notifications/russian.js";
import { formatPhone } from "../phone/index.js";
import { getSalon } from "../salons/store.js";
import type { Services } from "../services.js";
import { reviewLink } from "./settings.js";
import { campaignsStore, type PendingReview } from "./store.js";
import { highRatingReply, LOW_RATING_REPLY, lowRatingNotice } from "./texts.js";

export type ReviewReplyResult = { handled: true } | { handled: false; context?: string };

const STAR = /⭐|🌟|★/gu;

export function bareRating(text: string): number | null {
  const t = text.trim().replace(/[\s.!)]+$/u, "");
  const digit = /^(?:на\s+)?([1-5])(?:\s*(?:\/|из)\s*5)?$/iu.exec(t);
  if (digit) return Number(digit[1]);
  const stars = t.replace(/[\s\uFE0F]/gu, "");
  if (stars !== "" && stars.replace(STAR, "") === "") {
    const n = [...stars.matchAll(STAR)].length;
    return n >= 1 && n <= 5 ? n : null;
  }
  return null;
}

export interface KeptRating {
  offerId: number;
  clientName: string | null;
  reviewLink: string | null;
}

/**
 * The rating kept for the chat's review request; null when none awaits one, or when the visit was rated otherwise
 * already (the first answer stands). The same rating again is a redelivery or a retried turn: kept as it is, and
 * the caller answers again under the same keys, so a crash between keeping and answering loses no answer.
 */
export async function keepRating(db: Db, clock: Clock, salonId: number, chat: string, rating: number): Promise<KeptRating | null> {
  return keepPending(db, clock, await campaignsStore.pendingReview(db, salonId, chat, clock.now()), rating);
}

async function keepPending(db: Db, clock: Clock, pending: PendingReview | null, rating: number): Promise<KeptRating | null> {
  if (!pending || (pending.rating !== null && pending.rating !== rating)) return null;
  if (pending.rating === null) await campaignsStore.takeRating(db, pending.id, rating, clock.now());
  return { offerId: pending.id, clientName: pending.client_name, reviewLink: reviewLink(pending.settings) };
}

export async function handleReviewReply(s: Services, salonId: number, chat: string, messageId: string, text: string): Promise<ReviewReplyResult> {
  const now = s.clock.now();
  const pending = await campaignsStore.pendingReview(s.db, salonId, chat, now);
  if (!pending) return { handled: false };
  const rating = bareRating(text);
  if (rating === null) {
    if (pending.rating !== null) return { handled: false };
    return {
      handled: false,
      context: "Клиенту после визита отправлен вопрос «Как вам визит? Оцените от 1 до 5», оценки ещё нет. Если в сообщении есть оценка визита (словами или цифрой), вызови record_rating.",
    };
  }
  // The request just read: a bare rating reads it once.
  const kept = await keepPending(s.db, s.clock, pending, rating);
  if (!kept) return { handled: false };
  const key = `campaign-rating:${salonId}:${kept.offerId}`;
  if (rating >= 4) {
    await say(s, salonId, chat, highRatingReply(kept.reviewLink), key);
    return { handled: true };
  }
  await say(s, salonId, chat, LOW_RATING_REPLY, key);
  await handOver(s, salonId, chat, rating, kept);
  s.log.info({ salonId, messageId, rating }, "low visit rating: chat handed to the salon");
  return { handled: true };
}

/** The assistant's handover, for a rating answered without a turn: the chat paused, the salon's number told. */
async function handOver(s: Services, salonId: number, chat: string, rating: number, kept: KeptRating): Promise<void> {
  const salon = await getSalon(s.db, salonId);
  if (!salon) return;
  const settings = chatSettings(salon.settings);
  const until = new Date(s.clock.now().getTime() + settings.handoverPauseMin * 60_000);
  await pauseConversation(s.db, salonId, chat, until, "handover");
  const to = settings.handoverPhone ?? salon.whatsapp_phone;
  if (!to || to === chat) {
    s.log.warn({ salonId }, "low visit rating without a salon WhatsApp number to notify");
    return;
  }
  const client = confirmedPhone(chat) ? formatPhone(chat) : "номер скрыт WhatsApp";
  await say(s, salonId, to, lowRatingNotice(client, kept.clientName, rating, clockTime(until, salon.timezone)), `campaign-rating-handover:${salonId}:${kept.offerId}`);
}

/** Sent under a key per review request: a redelivered message repeats the send, never the message. */
const say = (s: Services, salonId: number, to: string, text: string, key: string) =>
  sendStoredReply(s, { salonId, to, text, key, data: { key }, what: "answer to a visit rating" });
