/**
 * The salon's own texts in the cabinet (the notices, the thanks for a confirmed reminder, the welcome to the salon's
 * own number): list (default, the salon's, each text's placeholders), preview with the salon's next real visit (the
 * welcome with the salon's own number), save (validated: unknown placeholder, empty, over the limit → SettingsError in Russian) and reset
 * to the default. Stored in `salons.settings.texts` through `salon_settings_change`, so each edit is in the history;
 * the notification claim hands them to the sender (lib/notifications/send.ts).
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { StoredRecord } from "../bookings/store.js";
import { welcomeText } from "../marketplace/welcome.js";
import { getSalon } from "../salons/store.js";
import {
  DEFAULT_TEMPLATES, KIND_PLACEHOLDERS, PLACEHOLDERS, renderTemplate, TEXT_KINDS, TEXT_LIMIT, TEXT_TITLES, templateProblem, type TextKind,
} from "../notifications/templates.js";
import { SettingsError } from "./settings.js";
import { cabinetStore } from "./store.js";

export function parseKind(kind: unknown): TextKind {
  if (typeof kind !== "string" || !TEXT_KINDS.includes(kind as TextKind)) {
    throw new SettingsError("Неизвестный вид сообщения. Обновите страницу и выберите текст из списка.");
  }
  return kind as TextKind;
}

function ownTexts(settings: Record<string, unknown> | null): Partial<Record<TextKind, string>> {
  const t = settings?.texts;
  return t && typeof t === "object" ? (t as Partial<Record<TextKind, string>>) : {};
}

export async function salonTexts(db: Db, salonId: number) {
  const own = ownTexts(await cabinetStore.settings(db, salonId));
  return {
    limit: TEXT_LIMIT,
    texts: TEXT_KINDS.map((kind) => ({
      kind, title: TEXT_TITLES[kind], default: DEFAULT_TEMPLATES[kind], own: own[kind] ?? null,
      placeholders: Object.fromEntries(KIND_PLACEHOLDERS[kind].map((p) => [p, PLACEHOLDERS[p]!])),
    })),
  };
}

/** The text filled in with the salon's next visit (a sample visit when it has none), as a client would read it. */
export async function previewText(db: Db, clock: Clock, salonId: number, kind: TextKind, text: string): Promise<{ text: string; sample: boolean }> {
  const problem = templateProblem(kind, text);
  if (problem) throw new SettingsError(problem);
  if (kind === "welcome") {
    const salon = await getSalon(db, salonId);
    if (!salon) throw new SettingsError("Салон не найден. Откройте кабинет из YClients ещё раз.");
    // As the owner will read it in their own chat; a salon without a linked number shows a sample one.
    return { text: welcomeText(salon.whatsapp_phone ?? "79161234567", { title: salon.title, settings: { texts: { welcome: text } } }), sample: !salon.whatsapp_phone };
  }
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
export async function saveText(db: Db, clock: Clock, who: { salonId: number; userId: number }, kind: TextKind, text: string | null): Promise<void> {
  if (text !== null) {
    const problem = templateProblem(kind, text);
    if (problem) throw new SettingsError(problem);
  }
  await cabinetStore.change(db, {
    salonId: who.salonId, userId: who.userId, section: "texts",
    patch: { [kind]: text === null || text === DEFAULT_TEMPLATES[kind] ? null : text }, defaults: {}, now: clock.now(),
  });
}
