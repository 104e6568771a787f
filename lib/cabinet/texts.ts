/**
 * The salon's own notice texts in the cabinet: list (default, the salon's, placeholders), preview with the salon's
 * next real visit, save (validated: unknown placeholder, empty, over the limit → SettingsError in Russian) and reset
 * to the default. Stored in `salons.settings.texts` through `salon_settings_change`, so each edit is in the history;
 * the notification claim hands them to the sender (lib/notifications/send.ts).
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { NotificationKind, StoredRecord } from "../bookings/store.js";
import { DEFAULT_TEMPLATES, PLACEHOLDERS, renderTemplate, TEXT_KINDS, TEXT_LIMIT, templateProblem } from "../notifications/templates.js";
import { SettingsError } from "./settings.js";
import { cabinetStore } from "./store.js";

export const TEXT_TITLES: Record<NotificationKind, string> = {
  booking_created: "Подтверждение новой записи",
  booking_changed: "Запись изменена",
  booking_cancelled: "Запись отменена",
  reminder_day_before: "Напоминание накануне",
  reminder_hours_before: "Напоминание за несколько часов",
};

export function parseKind(kind: unknown): NotificationKind {
  if (typeof kind !== "string" || !TEXT_KINDS.includes(kind as NotificationKind)) {
    throw new SettingsError("Неизвестный вид сообщения. Обновите страницу и выберите текст из списка.");
  }
  return kind as NotificationKind;
}

function ownTexts(settings: Record<string, unknown> | null): Partial<Record<NotificationKind, string>> {
  const t = settings?.texts;
  return t && typeof t === "object" ? (t as Partial<Record<NotificationKind, string>>) : {};
}

export async function salonTexts(db: Db, salonId: number) {
  const own = ownTexts(await cabinetStore.settings(db, salonId));
  return {
    limit: TEXT_LIMIT,
    placeholders: PLACEHOLDERS,
    texts: TEXT_KINDS.map((kind) => ({ kind, title: TEXT_TITLES[kind], default: DEFAULT_TEMPLATES[kind], own: own[kind] ?? null })),
  };
}

/** The text filled in with the salon's next visit (a sample visit when it has none), as a client would read it. */
export async function previewText(db: Db, clock: Clock, salonId: number, kind: NotificationKind, text: string): Promise<{ text: string; sample: boolean }> {
  const problem = templateProblem(kind, text);
  if (problem) throw new SettingsError(problem);
  const now = clock.now();
  const found = await cabinetStore.preview(db, salonId, now);
  if (!found) throw new SettingsError("Салон не найден. Откройте кабинет из YClients ещё раз.");
  const { salon, record } = found;
  const visit = record ?? sampleRecord(now);
  // A change notice needs a before: the preview shows the visit as moved from an hour earlier.
  const old = { ...visit, starts_at: new Date(Date.parse(visit.starts_at) - 3600_000).toISOString() };
  const rendered = renderTemplate(text, { id: 1, kind, data: { old }, record: visit, salon, now });
  return { text: rendered ?? "", sample: record === null };
}

function sampleRecord(now: Date): StoredRecord {
  return {
    record_id: 0, client_id: null, client_phone: null, client_name: "Анна", staff_id: 1, staff_name: "Мария",
    service_ids: [1], services: [{ id: 1, title: "Стрижка", cost: 1500, amount: 1 }],
    starts_at: new Date(now.getTime() + 26 * 3600_000).toISOString(), duration_sec: 3600, attendance: 0, deleted: false,
    yc_created_at: null, yc_changed_at: null,
  } as StoredRecord;
}

/** Saves the salon's text for `kind`, or with `text` null goes back to the default. */
export async function saveText(db: Db, clock: Clock, who: { salonId: number; userId: number }, kind: NotificationKind, text: string | null): Promise<void> {
  if (text !== null) {
    const problem = templateProblem(kind, text);
    if (problem) throw new SettingsError(problem);
  }
  await cabinetStore.change(db, {
    salonId: who.salonId, userId: who.userId, section: "texts",
    patch: { [kind]: text === null || text === DEFAULT_TEMPLATES[kind] ? null : text }, defaults: {}, now: clock.now(),
  });
}
