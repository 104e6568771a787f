import { localParts } from "../yclients/time.js";

/** Russian date and money formatting in the salon's time zone. */

const MONTHS_GENITIVE = [
  "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря",
];

const pad = (n: number) => String(n).padStart(2, "0");

/** "21 августа". */
export function dayMonth(instant: Date, tz: string): string {
  const p = localParts(instant, tz);
  return `${p.day} ${MONTHS_GENITIVE[p.month - 1]}`;
}

/** "16:00". */
export function clockTime(instant: Date, tz: string): string {
  const p = localParts(instant, tz);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** "21 августа в 16:00". */
export function dateAndTime(instant: Date, tz: string): string {
  return `${dayMonth(instant, tz)} в ${clockTime(instant, tz)}`;
}

function ymd(instant: Date, tz: string): number {
  const p = localParts(instant, tz);
  return Date.UTC(p.year, p.month - 1, p.day);
}

/** "сегодня", "завтра" or "21 августа", as the salon's calendar has it at `now`. */
export function relativeDay(visit: Date, now: Date, tz: string): string {
  const days = Math.round((ymd(visit, tz) - ymd(now, tz)) / 86_400_000);
  if (days === 0) return "сегодня";
  if (days === 1) return "завтра";
  return dayMonth(visit, tz);
}

/** A greeting that fits the salon's local hour (the original said "Добрый вечер" whatever the time). */
export function greeting(now: Date, tz: string): string {
  const h = localParts(now, tz).hour;
  if (h >= 5 && h < 12) return "Доброе утро";
  if (h >= 12 && h < 18) return "Добрый день";
  if (h >= 18 && h < 23) return "Добрый вечер";
  return "Здравствуйте";
}

/** "2 500" with a narrow no-break space, as Russian writes thousands; kopecks only when there are some. */
export function rubles(amount: number): string {
  const whole = Math.round(amount * 100) % 100 === 0;
  const text = amount.toLocaleString("ru-RU", { minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2 });
  return text.replace(/\s/g, "\u00a0");
}

/** "Стрижка", "Стрижка и Укладка", "Стрижка, Укладка и Маникюр"; a service booked twice is named with "×2". */
export function joinServices(services: Array<{ title: string; amount?: number }>): string {
  const titles = services
    .filter((s) => s.title.trim() !== "")
    .map((s) => (s.amount && s.amount > 1 ? `${s.title.trim()} ×${s.amount}` : s.title.trim()));
  if (titles.length <= 1) return titles[0] ?? "";
  return `${titles.slice(0, -1).join(", ")} и ${titles[titles.length - 1]}`;
}

/** A stable pick among variants, so a retried send renders the same text. */
export function pick<T>(variants: readonly T[], seed: number): T {
  return variants[Math.abs(seed) % variants.length]!;
}
