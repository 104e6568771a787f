/**
 * The Russian texts of booking notices and reminders, from the original's copy (original-system.md §1.6–1.7) with
 * its bugs fixed: no greeting addressed to the master, "Всё готово к вашему визиту", the salon's own address (no
 * hard-coded fallback: no address, no line), the price only when every service has a known price, and a greeting
 * that fits the salon's local hour. The original inflected service and staff names from a declension table we do
 * not have; these templates put names in the nominative ("Мастер: Анна", "💇 Стрижка"), so nothing needs inflecting
 * and nothing comes out ungrammatical.
 *
 * Public API: `renderNotification(input)` → the text, or null when there is nothing to say (a change that was
 * undone before the notice went out).
 */
import type { NotificationKind, StoredRecord } from "../bookings/store.js";
import { clockTime, dateAndTime, greeting, joinServices, pick, relativeDay, rubles } from "./russian.js";

export interface RecordSnapshot {
  starts_at: string;
  staff_id: number | null;
  staff_name: string | null;
  services: Array<{ id: number; title: string; cost: number | null; amount?: number }>;
  service_ids: number[];
}

export interface RenderInput {
  id: number;
  kind: NotificationKind;
  data: { old?: RecordSnapshot; changes?: string[] };
  record: StoredRecord;
  salon: { title: string | null; address: string | null; timezone: string; company?: { address?: unknown } | null };
  now: Date;
}

export function address(salon: RenderInput["salon"]): string | null {
  const a = salon.address?.trim() || (typeof salon.company?.address === "string" ? salon.company.address.trim() : "");
  return a || null;
}

export function price(services: RecordSnapshot["services"]): string | null {
  if (services.length === 0 || services.some((s) => s.cost === null || s.cost === undefined)) return null;
  const total = services.reduce((sum, s) => sum + (s.cost ?? 0), 0);
  return total > 0 ? `${rubles(total)} руб.` : null;
}

export function firstName(name: string | null): string | null {
  const n = name?.trim().split(/\s+/)[0];
  return n && /\p{L}/u.test(n) ? n : null;
}

function details(r: StoredRecord, salon: RenderInput["salon"], opts: { when: boolean; price: boolean; addressLabel: string }): string[] {
  const tz = salon.timezone;
  const lines: string[] = [];
  if (opts.when) lines.push(`📅 ${dateAndTime(new Date(r.starts_at), tz)}`);
  const services = joinServices(r.services);
  if (services) lines.push(`💇 ${services}`);
  if (r.staff_name) lines.push(`👤 Мастер: ${r.staff_name}`);
  const p = opts.price ? price(r.services) : null;
  if (p) lines.push(`💰 Стоимость: ${p}`);
  const a = address(salon);
  if (a) lines.push(`📍 ${opts.addressLabel}${a}`);
  return lines;
}

function created(i: RenderInput): string {
  const title = i.salon.title?.trim();
  return [
    "✅ Ваша запись создана!",
    "",
    ...(title ? [`🏠 ${title}`] : []),
    ...details(i.record, i.salon, { when: true, price: true, addressLabel: "Адрес: " }),
    "",
    "До встречи! Если планы изменятся, пожалуйста, предупредите нас заранее — просто напишите сюда.",
  ].join("\n");
}

function sameSet(a: number[], b: number[]): boolean {
  const x = [...new Set(a)].sort((m, n) => m - n);
  const y = [...new Set(b)].sort((m, n) => m - n);
  return x.length === y.length && x.every((v, k) => v === y[k]);
}

/** What a change notice lists as changed ("🕐 Время: … → …"); empty when the change was undone. */
export function changeLines(i: Pick<RenderInput, "data" | "record" | "salon">): string[] {
  const old = i.data.old;
  const r = i.record;
  const tz = i.salon.timezone;
  if (!old) return [];
  const lines: string[] = [];
  if (Date.parse(old.starts_at) !== Date.parse(r.starts_at)) {
    lines.push(`🕐 Время: ${dateAndTime(new Date(old.starts_at), tz)} → ${dateAndTime(new Date(r.starts_at), tz)}`);
  }
  if ((old.staff_id ?? null) !== (r.staff_id ?? null)) {
    lines.push(`👤 Мастер: ${old.staff_name ?? "не указан"} → ${r.staff_name ?? "не указан"}`);
  }
  if (!sameSet(old.service_ids ?? [], r.service_ids)) {
    const was = joinServices(old.services ?? []);
    const now = joinServices(r.services);
    lines.push(was && now ? `💇 Услуги: ${was} → ${now}` : "💇 Услуги изменены");
  }
  return lines;
}

function changed(i: RenderInput): string | null {
  const r = i.record;
  const lines = changeLines(i);
  // Changed and changed back before the notice left: the client's booking is what they already know.
  if (lines.length === 0) return null;
  return [
    "✏️ Ваша запись изменена",
    "",
    ...lines,
    "",
    "Актуальные данные:",
    ...details(r, i.salon, { when: true, price: true, addressLabel: "Адрес: " }),
    "",
    "Если есть вопросы — пишите!",
  ].join("\n");
}

function cancelled(i: RenderInput): string {
  const tz = i.salon.timezone;
  const was = i.data.old ?? i.record;
  const services = joinServices(was.services ?? []);
  return [
    "❌ Ваша запись отменена",
    "",
    `📅 ${dateAndTime(new Date(was.starts_at), tz)}`,
    ...(services ? [`💇 ${services}`] : []),
    "",
    "Если это ошибка, напишите нам — восстановим запись. Хотите записаться на другое время? Просто напишите сюда.",
  ].join("\n");
}

const DAY_BEFORE_OPENERS: ReadonlyArray<(g: string, name: string | null, day: string, time: string) => string> = [
  (g, n, d, t) => `${g}${n ? `, ${n}` : ""}! Напоминаем о вашей записи ${d} в ${t} ✨`,
  (g, n, d, t) => `${g}${n ? `, ${n}` : ""}! ${cap(d)} в ${t} ждём вас 🌟`,
  (g, n, d, t) => `${g}${n ? `, ${n}` : ""}! Всё в силе? Ваша запись ${d} в ${t} 🤝`,
  (g, n, d, t) => `${n ? `${n}, ${g.toLowerCase()}` : g}! Напоминаем: ${d} в ${t} у вас запись 📅`,
  (g, n, d, t) => `${g}${n ? `, ${n}` : ""}! До встречи ${d} в ${t} 👋`,
];

const DAY_BEFORE_ENDINGS = [
  "Если планы изменились — пожалуйста, дайте знать 👍",
  "Если не сможете прийти — предупредите, пожалуйста 🙏",
  "Если нужно перенести — сообщите, пожалуйста, заранее 📱",
  "Если что-то поменялось — напишите нам 🤝",
];

/** `w` is "сегодня в 16:00" (or "завтра в 00:30" past midnight). */
const HOURS_BEFORE_OPENERS: ReadonlyArray<(n: string | null, w: string) => string> = [
  (n, w) => `Здравствуйте${n ? `, ${n}` : ""}! Напоминаем: ${w} у вас запись.`,
  (n, w) => `Здравствуйте${n ? `, ${n}` : ""}! Напоминаем о вашей записи ${w}.`,
  (n, w) => `${n ? `${n}, здравствуйте` : "Здравствуйте"}! Совсем скоро, ${w}, ждём вас.`,
  (n, w) => `Здравствуйте${n ? `, ${n}` : ""}! До встречи ${w}. Всё готово к вашему визиту.`,
];

const HOURS_BEFORE_ENDINGS = ["До встречи!", "Ждём вас!", "До скорой встречи!", "Будем рады вас видеть!"];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function dayBefore(i: RenderInput): string {
  const tz = i.salon.timezone;
  const visit = new Date(i.record.starts_at);
  const opener = pick(DAY_BEFORE_OPENERS, i.id)(
    greeting(i.now, tz), firstName(i.record.client_name), relativeDay(visit, i.now, tz), clockTime(visit, tz),
  );
  return [
    opener,
    "",
    ...details(i.record, i.salon, { when: false, price: true, addressLabel: "Адрес: " }),
    "",
    "Ответьте «да», если всё в силе.",
    pick(DAY_BEFORE_ENDINGS, i.id),
  ].join("\n");
}

function hoursBefore(i: RenderInput): string {
  const tz = i.salon.timezone;
  const visit = new Date(i.record.starts_at);
  const when = `${relativeDay(visit, i.now, tz)} в ${clockTime(visit, tz)}`;
  return [
    pick(HOURS_BEFORE_OPENERS, i.id)(firstName(i.record.client_name), when),
    "",
    ...details(i.record, i.salon, { when: false, price: false, addressLabel: "Адрес: " }),
    "",
    pick(HOURS_BEFORE_ENDINGS, i.id),
  ].join("\n");
}

export function renderNotification(i: RenderInput): string | null {
  switch (i.kind) {
    case "booking_created":
      return created(i);
    case "booking_changed":
      return changed(i);
    case "booking_cancelled":
      return cancelled(i);
    case "reminder_day_before":
      return dayBefore(i);
    case "reminder_hours_before":
      return hoursBefore(i);
  }
}
