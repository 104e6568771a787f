/** Typed calls to the cabinet's SQL functions (supabase/migrations/20261130200000_cabinet.sql, 20261130210000_…). */
import type { StoredRecord } from "../bookings/store.js";
import type { Db } from "../db/client.js";
import type { CampaignSettings } from "../campaigns/settings.js";
import type { NotificationSettings } from "../notifications/settings.js";
import type { OutreachSettings } from "../outreach/settings.js";
import type { SalonForText } from "../notifications/store.js";

export type SettingsSectionName = "notifications" | "assistant" | "texts" | "outreach" | "campaigns";

export interface HistoryEntry {
  user_id: number;
  section: string;
  key: string;
  old: unknown;
  new: unknown;
  at: string;
}

/** The sections whose defaults SQL owns (20261202100000_settings_defaults.sql), as the decisions read them. */
export interface SqlSections {
  notifications: NotificationSettings;
  outreach: OutreachSettings;
  campaigns: CampaignSettings;
}

export interface EffectiveSettings extends SqlSections {
  stored: Record<string, unknown>;
  defaults: SqlSections;
}

export const cabinetStore = {
  overview: <T>(db: Db, salonId: number, now: Date) => db.rpc<T | null>("cabinet_overview", { p_salon_id: salonId, p_now: now.toISOString() }),
  salons: (db: Db, ids: number[]) =>
    db.rpc<Array<{ salon_id: number; title: string | null; status: string }>>("cabinet_salons", { p_salon_ids: ids }),
  effective: (db: Db, salonId: number, defaultDelaySec: number) =>
    db.rpc<EffectiveSettings | null>("salon_settings_effective", { p_salon_id: salonId, p_default_delay_sec: defaultDelaySec }),
  settings: (db: Db, salonId: number) => db.rpc<Record<string, unknown> | null>("salon_settings_read", { p_salon_id: salonId }),
  /** `patch` keys set to null go back to `defaults`; a history row per key whose effective value changes. */
  change: (db: Db, c: { salonId: number; userId: number; section: SettingsSectionName; patch: Record<string, unknown>; defaults: object; now: Date }) =>
    db.rpc<Record<string, unknown>>("salon_settings_change", {
      p_salon_id: c.salonId, p_user_id: c.userId, p_section: c.section, p_patch: c.patch, p_defaults: c.defaults, p_now: c.now.toISOString(),
    }),
  history: (db: Db, salonId: number, limit: number) =>
    db.rpc<HistoryEntry[]>("salon_settings_history_list", { p_salon_id: salonId, p_limit: limit }),
  results: (db: Db, salonId: number, now: Date, days: number) =>
    db.rpc<{ timezone: string; days: string[]; series: Record<string, number[]> } | null>("cabinet_results", {
      p_salon_id: salonId, p_now: now.toISOString(), p_days: days,
    }),
  preview: (db: Db, salonId: number, now: Date) =>
    db.rpc<{ salon: SalonForText; record: StoredRecord | null } | null>("cabinet_preview", { p_salon_id: salonId, p_now: now.toISOString() }),
};
