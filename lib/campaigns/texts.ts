/** The campaigns' Russian texts. Each names the client when YClients knows the name (peers' ban advice: a name in every proactive message). */
import { firstName } from "../notifications/texts.js";

const hello = (name: string | null) => {
  const first = firstName(name);
  return first ? `${first}, здравствуйте!` : "Здравствуйте!";
};

export function reviewRequestText(name: string | null, salonTitle: string | null): string {
  return `${hello(name)} Как вам визит${salonTitle ? ` в «${salonTitle}»` : ""}? Оцените, пожалуйста, от 1 до 5 — просто ответьте цифрой.`;
}

export function winbackText(name: string | null, salonTitle: string | null): string {
  return `${hello(name)} Давно вас не видели${salonTitle ? ` в «${salonTitle}»` : ""} — соскучились. Хотите записаться? Напишите, когда вам удобно, и я подберу время.`;
}

export function birthdayText(name: string | null, salonTitle: string | null, offer: string): string {
  const first = firstName(name);
  return [
    `${first ? `${first}, с днём рождения!` : "С днём рождения!"} 🎉 ${salonTitle ? `«${salonTitle}» желает` : "Желаем"} вам радости, красоты и отличного настроения.`,
    offer,
  ].filter((l) => l !== "").join("\n");
}

/** 4–5: thanks, and the review page when the salon has one. */
export function highRatingReply(link: string | null): string {
  return link
    ? `Спасибо за высокую оценку! ❤️ Нам будет очень приятно, если вы оставите отзыв: ${link}`
    : "Спасибо за высокую оценку! ❤️ Будем рады видеть вас снова.";
}

/** 1–3: an apology; a person takes the chat. */
export const LOW_RATING_REPLY = "Простите, что визит вас огорчил. Я передал ваш ответ администратору — с вами свяжутся, чтобы всё исправить.";

export function lowRatingNotice(phone: string, name: string | null, rating: number, untilTime: string): string {
  return [
    `Клиент оценил визит на ${rating} из 5: ${phone}${name ? ` (${name})` : ""}.`,
    `Бот в этом чате молчит до ${untilTime}; ответьте клиенту с телефона салона.`,
  ].join("\n");
}
