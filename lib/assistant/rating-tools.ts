/**
 * The client's rating of a visit, understood by the model from free text ("всё понравилось, пять", "так себе"),
 * while a review request awaits it (lib/campaigns/review-reply.ts takes a bare digit without a model call).
 * 4–5: the model thanks and gives the review page; 1–3: the chat goes to a person through the handover.
 */
import { z } from "zod";
import { keepRating } from "../campaigns/review-reply.js";
import { fail, tool } from "./tool-kit.js";

export const RECORD_RATING = tool({
  name: "record_rating",
  description: "Сохранить оценку визита от 1 до 5, которую клиент дал в ответ на вопрос «Как вам визит?». Только если в фактах есть ожидающая оценка визита.",
  schema: z.object({ rating: z.coerce.number().int().min(1).max(5) }),
  async run(state, { rating }) {
    const kept = await keepRating(state.db, state.clock, state.salonId, state.phone, rating);
    if (!kept) return fail("no_review_request", "Оценку визита у клиента сейчас не спрашивали, или визит уже оценён: ответь по сути сообщения");
    if (rating >= 4) {
      return kept.reviewLink
        ? { ok: true, rating, review_link: kept.reviewLink, note: "Поблагодари и предложи оставить отзыв по этой ссылке" }
        : { ok: true, rating, note: "Поблагодари за оценку" };
    }
    state.handover = { reason: `Клиент оценил визит на ${rating} из 5` };
    return { ok: true, rating, handed_over: true, note: "Извинись и скажи, что с клиентом свяжется администратор" };
  },
});
