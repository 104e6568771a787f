/**
 * Typed calls to the sync's SQL functions (supabase/migrations/20261123010000_sync.sql); nothing else in lib/sync
 * names an RPC. Every save is one call with one JSON array.
 */
import type { Db } from "../db/client.js";
import type { SalonStatus } from "../salons/store.js";

export type SyncPart = "company" | "services" | "staff" | "clients" | "schedules" | "schedules_today" | "records";

export interface SyncSalon {
  salon_id: number;
  timezone: string;
  status: SalonStatus;
  /** ISO 3166 alpha-2 from YClients' company data; reads numbers written without a country code. */
  country: string | null;
}

export interface CategoryRow {
  category_id: number;
  title: string;
  weight: number;
}

export interface ServiceRow {
  service_id: number;
  category_id: number | null;
  title: string;
  price_min: number | null;
  price_max: number | null;
  duration_sec: number | null;
  bookable: boolean;
  weight: number;
  staff_ids: number[];
  raw: unknown;
}

export interface StaffRow {
  staff_id: number;
  name: string;
  specialization: string | null;
  rating: number | null;
  bookable: boolean;
  fired: boolean;
  hidden: boolean;
  raw: unknown;
}

export interface ClientRow {
  client_id: number;
  name: string | null;
  phone: string | null;
  email: string | null;
  sold_amount: number;
  visits_count: number;
  first_visit_at: string | null;
  last_visit_at: string | null;
  raw: unknown;
}

export interface ScheduleRow {
  staff_id: number;
  date: string;
  slots: Array<{ from: string; to: string }>;
}

export interface SyncRunRow {
  id: number;
  salon_id: number;
  parts: SyncPart[];
  status: "running" | "ok" | "failed";
  counts: Record<string, number>;
  requests: number;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface SyncBlock {
  salon_id: number;
  status: number;
  reason: string;
  blocked_at: string;
  retry_at: string;
}

export interface DueSalon {
  salon_id: number;
  timezone: string;
  parts: SyncPart[];
}

const iso = (d: Date) => d.toISOString();

export const syncStore = {
  salon: (db: Db, salonId: number) => db.rpc<SyncSalon | null>("sync_salon", { p_salon_id: salonId }),

  saveCompany: (db: Db, salonId: number, c: { title: string | null; address: string | null; phone: string | null; timezone: string | null; company: unknown }, now: Date) =>
    db.rpc<boolean>("sync_company_save", {
      p_salon_id: salonId, p_title: c.title, p_address: c.address, p_phone: c.phone, p_timezone: c.timezone, p_company: c.company, p_now: iso(now),
    }),
  saveCategories: (db: Db, salonId: number, rows: CategoryRow[], now: Date) =>
    db.rpc<{ saved: number; removed: number }>("sync_categories_save", { p_salon_id: salonId, p_rows: rows, p_now: iso(now) }),
  saveServices: (db: Db, salonId: number, rows: ServiceRow[], now: Date) =>
    db.rpc<{ saved: number; removed: number }>("sync_services_save", { p_salon_id: salonId, p_rows: rows, p_now: iso(now) }),
  saveStaff: (db: Db, salonId: number, rows: StaffRow[], now: Date) =>
    db.rpc<{ saved: number; gone: number }>("sync_staff_save", { p_salon_id: salonId, p_rows: rows, p_now: iso(now) }),
  saveClients: (db: Db, salonId: number, rows: ClientRow[], now: Date) =>
    db.rpc<number>("sync_clients_save", { p_salon_id: salonId, p_rows: rows, p_now: iso(now) }),
  pruneClients: (db: Db, salonId: number, before: Date) =>
    db.rpc<number>("sync_clients_prune", { p_salon_id: salonId, p_before: iso(before) }),
  saveSchedules: (db: Db, salonId: number, from: string, to: string, rows: ScheduleRow[], now: Date) =>
    db.rpc<number>("sync_schedules_save", { p_salon_id: salonId, p_from: from, p_to: to, p_rows: rows, p_now: iso(now) }),

  startRun: (db: Db, salonId: number, parts: SyncPart[], now: Date) =>
    db.rpc<number | null>("sync_run_start", { p_salon_id: salonId, p_parts: parts, p_now: iso(now) }),
  finishRun: (db: Db, runId: number, r: { status: "ok" | "failed"; counts: Record<string, number>; requests: number; error: string | null; okParts: SyncPart[] }, now: Date) =>
    db.rpc<null>("sync_run_finish", {
      p_run_id: runId, p_status: r.status, p_counts: r.counts, p_requests: r.requests, p_error: r.error, p_ok_parts: r.okParts, p_now: iso(now),
    }),
  runs: (db: Db, salonId: number, limit = 20) => db.rpc<SyncRunRow[]>("sync_runs_list", { p_salon_id: salonId, p_limit: limit }),

  block: (db: Db, salonId: number, status: number, reason: string, now: Date, retrySec = 86_400) =>
    db.rpc<null>("sync_block", { p_salon_id: salonId, p_status: status, p_reason: reason, p_now: iso(now), p_retry_sec: retrySec }),
  blocked: (db: Db) => db.rpc<SyncBlock[]>("sync_blocked_list", {}),

  due: (db: Db, now: Date) => db.rpc<DueSalon[]>("sync_due", { p_now: iso(now) }),
};
