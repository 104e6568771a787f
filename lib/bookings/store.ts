import type { Db } from "../db/client.js";
import type { NormalisedRecord } from "./normalise.js";

/** Typed calls to the bookings SQL functions (supabase/migrations/20261123040000_bookings_notifications.sql). */

export type RecordSource = "sync" | "poll" | "webhook" | "recheck" | "assistant";

export type RecordOutcome = "new" | "changed" | "updated" | "same" | "stale";
export type RecordChange = "time" | "staff" | "services" | "cancelled" | "restored";

export interface RecordResult {
  record_id: number;
  outcome: RecordOutcome;
  changes: RecordChange[];
}

export type NotificationKind =
  | "booking_created" | "booking_changed" | "booking_cancelled" | "reminder_day_before" | "reminder_hours_before";

export interface DecidedNotification {
  id: number;
  record_id: number;
  kind: NotificationKind;
  due_at: string;
}

export interface ApplyResult {
  results: RecordResult[];
  notifications: DecidedNotification[];
  /** Present ("unknown") when the salon is not in the database: nothing was stored. */
  salon?: "unknown";
}

export interface BookingSalon {
  salon_id: number;
  timezone: string;
  status: string;
  /** ISO 3166 alpha-2 from YClients' company data; reads numbers written without a country code. */
  country: string | null;
}

/** A row of `records` as record_get returns it: the normalised fields plus what the database keeps of its own. */
export type StoredRecord = Omit<NormalisedRecord, "raw" | "api_id" | "ours"> & {
  salon_id: number;
  created_by_us: boolean;
  version: number;
};

export const bookingsStore = {
  salon: (db: Db, salonId: number) => db.rpc<BookingSalon | null>("booking_salon", { p_salon_id: salonId }),

  apply: (db: Db, salonId: number, records: NormalisedRecord[], source: RecordSource, now: Date, defaultDelaySec: number) =>
    db.rpc<ApplyResult>("records_apply", {
      p_salon_id: salonId,
      p_records: records,
      p_source: source,
      p_now: now.toISOString(),
      p_default_delay_sec: defaultDelaySec,
    }),

  markGone: (db: Db, salonId: number, from: Date, to: Date, seen: number[], now: Date, defaultDelaySec: number) =>
    db.rpc<ApplyResult>("records_mark_gone", {
      p_salon_id: salonId,
      p_from: from.toISOString(),
      p_to: to.toISOString(),
      p_seen: seen,
      p_now: now.toISOString(),
      p_default_delay_sec: defaultDelaySec,
    }),

  /** YClients says the record is gone but not what it was: the stored copy is taken as deleted (records_apply). */
  markDeleted: (db: Db, salonId: number, recordId: number, now: Date, defaultDelaySec: number) =>
    db.rpc<ApplyResult>("record_mark_deleted", {
      p_salon_id: salonId, p_record_id: recordId, p_now: now.toISOString(), p_default_delay_sec: defaultDelaySec,
    }),

  get: (db: Db, salonId: number, recordId: number) =>
    db.rpc<StoredRecord | null>("record_get", { p_salon_id: salonId, p_record_id: recordId }),

  setAttendance: (db: Db, salonId: number, recordId: number, attendance: number, now: Date) =>
    db.rpc<void>("record_set_attendance", {
      p_salon_id: salonId, p_record_id: recordId, p_attendance: attendance, p_now: now.toISOString(),
    }),

  pollCursor: (db: Db, salonId: number) => db.rpc<string | null>("records_poll_cursor_get", { p_salon_id: salonId }),

  setPollCursor: (db: Db, salonId: number, cursor: string, now: Date) =>
    db.rpc<void>("records_poll_cursor_set", { p_salon_id: salonId, p_cursor: cursor, p_now: now.toISOString() }),

  pollSalons: (db: Db) => db.rpc<Array<{ salon_id: number; timezone: string }>>("booking_poll_salons", {}),
};
