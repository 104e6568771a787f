/**
 * A salon's own text for a notice, with placeholders (`{имя}`, `{дата}`, …) the owner writes in the cabinet
 * (lib/cabinet/texts.ts validates and stores them in `salons.settings.texts`; the claim hands them to the sender).
 * A placeholder with nothing to say (no master, no address) takes its line with it when the line holds nothing
 * else of substance, and otherwise its ", " before it: "Здравствуйте, {имя}!" with no name is "Здравствуйте!".
 *
 * Besides the notices, two more texts the bot sends on its own: `thanks`, the answer to a client confirming a
 * reminder (lib/notifications/reminder-reply.ts), and `welcome`, the message to the salon's own number when its
 * WhatsApp is linked (lib/marketplace/welcome.ts), which names no visit and has placeholders of its own.
 *
 * Public API: `TextKind`, `TEXT_KINDS`, `TEXT_TITLES`, `PLACEHOLDERS`, `KIND_PLACEHOLDERS`, `DEFAULT_TEMPLATES`, `TEXT_LIMIT`,
 * `templateProblem(kind, text)`, `renderTemplate(template, input)`, `welcomeValues(title, phone)`, `fillTemplate`.
 */
import type { NotificationKind } from "../bookings/store.js";
import { clockTime, dayMonth, greeting, joinServices, relativeDay } from "./russian.js";
import { address, changeLines, firstName, price, type RenderInput } from "./texts.js";

/** Every text the owner may reword: the notices (by notification kind), the thanks, the welcome. */
export type TextKind = NotificationKind | "thanks" | "welcome";

export const TEXT_KINDS: readonly TextKind[] = [
  "booking_created", "booking_changed", "booking_cancelled", "reminder_day_before", "reminder_hours_before", "thanks", "welcome",
];

/** Each text as the owner knows it: the cabinet's text list and its settings history name it so. */
export const TEXT_TITLES: Record<TextKind, string> = {
  booking_created: "Подтверждение новой записи",
  booking_changed: "Запись изменена",
  booking_cancelled: "Запись отменена",
  reminder_day_before: "Напоминание накануне",
  reminder_hours_before: "Напоминание за несколько часов",
  thanks: "Ответ клиенту, подтвердившему визит",
  welcome: "Приветствие вам при подключении WhatsApp",
};

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
  "телефон": "номер WhatsApp салона для клиентов, «+79161234567»",
};

const VISIT = ["имя", "приветствие", "дата", "время", "день", "мастер", "услуги", "стоимость", "адрес", "салон"];

/** Which placeholders a text may use: a visit's, plus the changes in a change notice; the welcome names no visit. */
export const KIND_PLACEHOLDERS: Record<TextKind, readonly string[]> = {
  booking_created: VISIT,
  booking_changed: [...VISIT, "изменения"],
  booking_cancelled: VISIT,
  reminder_day_before: VISIT,
  reminder_hours_before: VISIT,
  thanks: VISIT,
  welcome: ["салон", "телефон"],
};

/** The texts as the bot sends them by default (the first of its variants), written with placeholders. */
export const DEFAULT_TEMPLATES: Record<TextKind, string> = {
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
  thanks: "❤️ Спасибо, что подтвердили! Ждём вас {день} в {время}.",
  // The original's welcome (original-system.md §1.2), word for word.
  welcome: [
    "🎉 Поздравляем! Admin AI успешно подключен!", "", "Я готов помогать вашим клиентам:", "✅ Записывать на услуги",
    "✅ Отвечать на вопросы", "✅ Напоминать о визитах", "", "Для теста отправьте мне сообщение:",
    "\"Хочу записаться на стрижку\"", "", "📱 Ваш номер для клиентов: {телефон}", "💡 Инструкция: https://ai-admin.app/guide",
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
export function templateProblem(kind: TextKind, text: string): string | null {
  if (text.trim() === "") return "Текст пустой. Напишите текст или нажмите «Вернуть стандартный».";
  if (text.length > TEXT_LIMIT) return `Текст длиннее ${TEXT_LIMIT} символов (сейчас ${text.length}). Сократите его.`;
  const allowed = KIND_PLACEHOLDERS[kind];
  const names = [...text.matchAll(TOKEN)].map((m) => m[1]!);
  const unknown = names.find((name) => !(name in PLACEHOLDERS));
  if (unknown !== undefined) return `Неизвестная подстановка {${unknown}}. Можно использовать: ${allowed.map((p) => `{${p}}`).join(", ")}.`;
  const foreign = names.find((name) => !allowed.includes(name));
  if (foreign === "изменения") return "Подстановка {изменения} есть только в уведомлении об изменении записи. Уберите её из этого текста.";
  if (foreign) return `Подстановки {${foreign}} в этом тексте нет: уберите её. Здесь можно использовать: ${allowed.map((p) => `{${p}}`).join(", ")}.`;
  if (/[{}]/.test(text.replace(TOKEN, ""))) return "В тексте есть непарная фигурная скобка. Подстановки пишутся так: {имя}.";
  const cased = PREPOSITION_BEFORE_NAME.exec(text);
  if (cased) {
    const [, word, name] = cased;
    return `«${word} {${name}}» не получится: подстановка не склоняется и встанет в именительном падеже. Напишите так, чтобы падеж не менялся, например ${REPHRASE[name!]}.`;
  }
  return null;
}

/** What a text is rendered for: a notice's input, with any text kind (the thanks is about the reminded visit). */
export type TemplateInput = Omit<RenderInput, "kind"> & { kind: TextKind };

function values(i: TemplateInput): Record<string, string> {
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

/** The welcome's placeholders: the salon's title and the number its clients write to. */
export const welcomeValues = (title: string | null, phoneDigits: string): Record<string, string> => ({
  "салон": title?.trim() ?? "",
  "телефон": `+${phoneDigits}`,
});

/** The owner's text filled in for one notice; null when a change notice has no net change to tell. */
export function renderTemplate(template: string, i: TemplateInput): string | null {
  const v = values(i);
  if (i.kind === "booking_changed" && v["изменения"] === "") return null;
  return fillTemplate(template, v);
}

/** A text with its placeholders filled in from `v`. */
export function fillTemplate(template: string, v: Record<string, string>): string {
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
