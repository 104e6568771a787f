/**
 * The salon's settings as the cabinet changes them: validated here (zod; a bad value is a Russian 400 that says
 * what to enter), written by SQL `salon_settings_change` with a history row per changed key (who, when, old → new),
 * read by the decision points at their next call (the notification claim, the assistant), so a change is in force at
 * once. Sections: `notifications` (lib/notifications/settings.ts), `assistant` (lib/conversations/settings.ts, plus
 * the salon facts the assistant's prompt shows as data), `outreach` (lib/outreach/settings.ts: pacing of proactive
 * messages) and `campaigns` (lib/campaigns/settings.ts). The defaults of notifications, outreach and campaigns are
 * SQL's (the functions the decisions call; 20261202100000_settings_defaults.sql): the form shows those sections as the
 * decisions read them, and a change's history counts an unset key at SQL's default. A number key set to null (the
 * owner emptied the field) is unset again, back at its default in every section (the assistant's are TypeScript's).
 *
 * Public API: `readSettings`, `changeSettings`, `settingsHistory`, `SettingsError`, `FACTS_LIMIT`.
 */
import { z } from "zod";
import { TEXT_TITLES, type TextKind } from "../notifications/templates.js";
import { intField } from "./fields.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { CampaignsPatch } from "../campaigns/settings.js";
import { chatSettings, DEFAULT_CHAT_SETTINGS } from "../conversations/settings.js";
import { OutreachPatch } from "../outreach/settings.js";
import { cabinetStore, type EffectiveSettings, type SqlSections } from "./store.js";

export const FACTS_LIMIT = 2000;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "время в виде ЧЧ:ММ, например 21:00");

const NotificationsPatch = z.strictObject({
  bookingCreated: z.boolean(),
  bookingChanged: z.boolean(),
  bookingCancelled: z.boolean(),
  reminderDayBefore: z.boolean(),
  reminderHoursBefore: z.boolean(),
  delaySec: intField(0, 3600, "Задержка подтверждения (секунды)"),
  dayBeforeFrom: hhmm,
  dayBeforeTo: hhmm,
  hoursBefore: intField(1, 24, "За сколько часов напоминать"),
  quietHours: z.boolean(),
  quietFrom: hhmm,
  quietTo: hhmm,
  bookingTexts: z.enum(["ai_admin", "yclients"], { error: "Кто отправляет тексты о записях: выберите Admin AI или YClients" }),
}).partial();

const AssistantPatch = z.strictObject({
  burst_wait_sec: intField(0, 60, "Ожидание следующих сообщений (секунды)"),
  typing_wait_max_sec: intField(0, 30, "Ожидание, пока клиент печатает (секунды)"),
  admin_pause_min: intField(0, 7 * 24 * 60, "Пауза после ответа администратора (минуты)"),
  handover_pause_min: intField(0, 7 * 24 * 60, "Пауза после передачи администратору (минуты)"),
  enabled: z.boolean({ error: "Ассистент: включён или выключен" }),
  handover_phone: z.string().transform((p) => p.replace(/[\s()+-]/g, ""))
    .pipe(z.string().regex(/^(\d{10,15})?$/, "Телефон для передачи чатов: только цифры с кодом страны, например +7 916 123-45-67, или пусто")),
  facts: z.string().max(FACTS_LIMIT, `Сведения о салоне: не длиннее ${FACTS_LIMIT} символов, сократите текст`),
}).partial();

export type SettingsSection = "notifications" | "assistant" | "outreach" | "campaigns";

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

export interface CabinetSettings extends SqlSections {
  assistant: { enabled: boolean; handover_phone: string; burst_wait_sec: number; typing_wait_max_sec: number; admin_pause_min: number; handover_pause_min: number; facts: string };
}

const assistantDefaults = () => ({
  enabled: true,
  handover_phone: "",
  burst_wait_sec: DEFAULT_CHAT_SETTINGS.burstWaitSec,
  typing_wait_max_sec: DEFAULT_CHAT_SETTINGS.typingWaitMaxSec,
  admin_pause_min: DEFAULT_CHAT_SETTINGS.adminPauseMin,
  handover_pause_min: DEFAULT_CHAT_SETTINGS.handoverPauseMin,
  facts: "",
});

async function effectiveSettings(db: Db, salonId: number, defaultDelaySec: number): Promise<EffectiveSettings> {
  const effective = await cabinetStore.effective(db, salonId, defaultDelaySec);
  if (!effective) throw new Error(`no salon ${salonId}`);
  return effective;
}

export async function readSettings(db: Db, salonId: number, defaultDelaySec: number): Promise<CabinetSettings> {
  const { stored, notifications, outreach, campaigns } = await effectiveSettings(db, salonId, defaultDelaySec);
  const chat = chatSettings(stored);
  const facts = (stored.assistant as { facts?: unknown } | undefined)?.facts;
  return {
    notifications,
    assistant: {
      enabled: chat.enabled, handover_phone: chat.handoverPhone ?? "",
      burst_wait_sec: chat.burstWaitSec, typing_wait_max_sec: chat.typingWaitMaxSec, admin_pause_min: chat.adminPauseMin, handover_pause_min: chat.handoverPauseMin,
      facts: typeof facts === "string" ? facts : "",
    },
    outreach,
    campaigns,
  };
}

function firstIssue(err: z.ZodError): string {
  const issue = err.issues[0]!;
  if (issue.code === "unrecognized_keys") return `Неизвестная настройка: ${issue.keys.join(", ")}. Обновите страницу.`;
  const path = issue.path.join(".");
  return issue.message.includes(":") || !path ? issue.message : `${path}: ${issue.message}`;
}

/** Validates and applies a change; throws SettingsError (Russian, says what to do) on bad input. */
export async function changeSettings(
  db: Db, clock: Clock, who: { salonId: number; userId: number; defaultDelaySec: number },
  section: SettingsSection, patch: unknown,
): Promise<CabinetSettings> {
  const schema = { notifications: NotificationsPatch, assistant: AssistantPatch, outreach: OutreachPatch, campaigns: CampaignsPatch }[section];
  const parsed = schema.safeParse(patch);
  if (!parsed.success) throw new SettingsError(firstIssue(parsed.error));
  const value = parsed.data as Record<string, unknown>;
  if (Object.keys(value).length === 0) throw new SettingsError("Нечего сохранять: изменений нет.");
  // The assistant's defaults are TypeScript's and it has no cross-field rule: nothing to read before its change.
  const effective = section === "assistant" ? null : await effectiveSettings(db, who.salonId, who.defaultDelaySec);
  const defaults: Record<string, unknown> = effective && section !== "assistant" ? { ...effective.defaults[section] } : assistantDefaults();
  // The changed keys as they will be in force: a key set to null (an emptied field) is back at its default.
  const changed = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v ?? defaults[k]]));
  if (section === "notifications" && effective) {
    const next = { ...effective.notifications, ...changed };
    if (next.dayBeforeFrom >= next.dayBeforeTo) {
      throw new SettingsError("Окно вечернего напоминания: время «с» должно быть раньше времени «до», например 19:00–21:00.");
    }
    if (next.quietFrom === next.quietTo) throw new SettingsError("Тихие часы: начало и конец совпадают. Укажите, например, 22:00–09:00.");
  }
  if (section === "outreach" && effective) {
    const next = { ...effective.outreach, ...changed };
    if (next.spacingMinSec > next.spacingMaxSec) {
      throw new SettingsError("Пауза между сообщениями: «от» не может быть больше «до», например 120–600 секунд.");
    }
  }
  await cabinetStore.change(db, { salonId: who.salonId, userId: who.userId, section, patch: value, defaults, now: clock.now() });
  return readSettings(db, who.salonId, who.defaultDelaySec);
}

/** The history, a text named as the text list names it (`label`), not by its key. */
export const settingsHistory = async (db: Db, salonId: number, limit = 20) =>
  (await cabinetStore.history(db, salonId, limit)).map((h) => (h.section === "texts" ? { ...h, label: TEXT_TITLES[h.key as TextKind] ?? h.key } : h));
