/**
 * A salon's own text for a notice, with placeholders (`{имя}`, `{дата}`, …) the owner writes in the cabinet
 * (lib/cabinet/texts.ts validates and stores them in `salons.settings.texts`; the claim hands them to the sender).
 * A placeholder with nothing to say (no master, no address) takes its line with it when the line holds nothing
 * else of substance, and otherwise its ", " before it: "Здравствуйте, {имя}!" with no name is "Здравствуйте!".
 *
 * Public API: `TEXT_KINDS`, `PLACEHOLDERS`, `DEFAULT_TEMPLATES`, `TEXT_LIMIT`, `templateProblem(kind, text)`,
 * `renderTemplate(template, input)`.
 */
import type { NotificationKind } from "../bookings/store.js";
import { clockTime, dayMonth, greeting, joinServices, relativeDay } from "./russian.js";
import { address, changeLines, firstName, price, type RenderInput } from "./texts.js";

export const TEXT_KINDS: readonly NotificationKind[] = [
  "booking_created", "booking_changed", "booking_cancelled", "reminder_day_before", "reminder_hours_before",
];

/** WhatsApp takes far more; a notice longer than this is no longer read. */
export const TEXT_LIMIT = 1000;

export const PLACEHOLDERS: Record<string, string> = {
  "имя": "имя клиента",
  "приветствие": "«Доброе утро», «Добрый день» или «Добрый вечер» по времени салона",
  "дата": "дата визита, «21 августа»",
  "время": "время визита, «16:00»",
  "день": "«сегодня», «завтра» или дата",
  "мастер": "имя мастера",
  "услуги": "услуги записи",
  "стоимость": "стоимость, если известна цена каждой услуги",
  "адрес": "адрес салона",
  "салон": "название салона",
  "изменения": "что изменилось в записи (только для уведомления об изменении)",
};

const KIND_ONLY: Record<string, NotificationKind> = { "изменения": "booking_changed" };

/** The texts as the bot sends them by default (the first of its variants), written with placeholders. */
export const DEFAULT_TEMPLATES: Record<NotificationKind, string> = {
  booking_created: [
    "✅ Ваша запись создана!", "", "🏠 {салон}", "📅 {дата} в {время}", "💇 {услуги}", "👤 Мастер: {мастер}",
    "💰 Стоимость: {стоимость}", "📍 Адрес: {адрес}", "",
    "До встречи! Если планы изменятся, пожалуйста, предупредите нас заранее — просто напишите сюда.",
  ].join("\n"),
  booking_changed: [
    "✏️ Ваша запись изменена", "", "{изменения}", "", "Актуальные данные:", "📅 {дата} в {время}", "💇 {услуги}",
    "👤 Мастер: {мастер}", "💰 Стоимость: {стоимость}", "📍 Адрес: {адрес}", "", "Если есть вопросы — пишите!",
  ].join("\n"),
  booking_cancelled: [
    "❌ Ваша запись отменена", "", "📅 {дата} в {время}", "💇 {услуги}", "",
    "Если это ошибка, напишите нам — восстановим запись. Хотите записаться на другое время? Просто напишите сюда.",
  ].join("\n"),
  reminder_day_before: [
    "{приветствие}, {имя}! Напоминаем о вашей записи {день} в {время} ✨", "", "💇 {услуги}", "👤 Мастер: {мастер}",
    "💰 Стоимость: {стоимость}", "📍 Адрес: {адрес}", "", "Ответьте «да», если всё в силе.",
    "Если планы изменились — пожалуйста, дайте знать 👍",
  ].join("\n"),
  reminder_hours_before: [
    "Здравствуйте, {имя}! Напоминаем: {день} в {время} у вас запись.", "", "💇 {услуги}", "👤 Мастер: {мастер}",
    "📍 Адрес: {адрес}", "", "До встречи!",
  ].join("\n"),
};

const TOKEN = /\{([^{}]*)\}/g;

/**
 * Names are filled in as they are in YClients, in the nominative ("Анна", "Стрижка"), and are not inflected: a
 * preposition right before one would ask for a case ("к {мастер}" → "к Анна"). Such a text is refused with a
 * wording that keeps the nominative. The salon's title is left out: "в {салон}" reads as a name ("в Барбершоп Тест").
 */
const NAMES = ["мастер", "имя", "услуги"];
const PREPOSITION_BEFORE_NAME = new RegExp(`(?:^|[^\\p{L}])(к|ко|у|с|со|для|до|от|о|об|обо|про|на|за|при|по|в|во|без|между)\\s+\\{(${NAMES.join("|")})\\}`, "iu");
const REPHRASE: Record<string, string> = {
  "мастер": "«Мастер: {мастер}» или «Вас ждёт {мастер}»",
  "имя": "«{имя}, здравствуйте!»",
  "услуги": "«Услуги: {услуги}»",
};

/** Why the owner's text cannot be used, in Russian with what to do; null when it can. */
export function templateProblem(kind: NotificationKind, text: string): string | null {
  if (text.trim() === "") return "Текст пустой. Напишите текст или нажмите «Вернуть стандартный».";
  if (text.length > TEXT_LIMIT) return `Текст длиннее ${TEXT_LIMIT} символов (сейчас ${text.length}). Сократите его.`;
  const unknown = [...text.matchAll(TOKEN)].map((m) => m[1]!).filter((name) => !(name in PLACEHOLDERS));
  if (unknown.length) {
    return `Неизвестная подстановка {${unknown[0]}}. Можно использовать: ${Object.keys(PLACEHOLDERS).map((p) => `{${p}}`).join(", ")}.`;
  }
  const foreign = [...text.matchAll(TOKEN)].map((m) => m[1]!).find((name) => KIND_ONLY[name] && KIND_ONLY[name] !== kind);
  if (foreign) return `Подстановка {${foreign}} есть только в уведомлении об изменении записи. Уберите её из этого текста.`;
  if (/[{}]/.test(text.replace(TOKEN, ""))) return "В тексте есть непарная фигурная скобка. Подстановки пишутся так: {имя}.";
  const cased = PREPOSITION_BEFORE_NAME.exec(text);
  if (cased) {
    const [, word, name] = cased;
    return `«${word} {${name}}» не получится: подстановка не склоняется и встанет в именительном падеже. Напишите так, чтобы падеж не менялся, например ${REPHRASE[name!]}.`;
  }
  return null;
}

function values(i: RenderInput): Record<string, string> {
  const tz = i.salon.timezone;
  // A cancellation quotes the visit as it was; everything else the record as it is.
  const r = i.kind === "booking_cancelled" && i.data.old ? { ...i.record, ...i.data.old } : i.record;
  const visit = new Date(r.starts_at);
  return {
    "имя": firstName(i.record.client_name) ?? "",
    "приветствие": greeting(i.now, tz),
    "дата": dayMonth(visit, tz),
    "время": clockTime(visit, tz),
    "день": relativeDay(visit, i.now, tz),
    "мастер": r.staff_name ?? "",
    "услуги": joinServices(r.services ?? []),
    "стоимость": price(r.services ?? []) ?? "",
    "адрес": address(i.salon) ?? "",
    "салон": i.salon.title?.trim() ?? "",
    "изменения": i.kind === "booking_changed" ? changeLines(i).join("\n") : "",
  };
}

/** The owner's text filled in for one notice; null when a change notice has no net change to tell. */
export function renderTemplate(template: string, i: RenderInput): string | null {
  const v = values(i);
  if (i.kind === "booking_changed" && v["изменения"] === "") return null;
  const lines: string[] = [];
  for (const line of template.split("\n")) {
    const names = [...line.matchAll(TOKEN)].map((m) => m[1]!);
    if (names.length > 0 && names.every((n) => (v[n] ?? "") === "")) continue;
    lines.push(line.replace(/(,\s*)?\{([^{}]*)\}/g, (_, comma: string | undefined, name: string) => {
      const value = v[name] ?? "";
      return value === "" ? "" : `${comma ?? ""}${value}`;
    }));
  }
  return lines.join("\n").replace(/\n{3,}/g, "\n\n").trim();
}
