import type { Db } from "../db/client.js";
import type { NotificationKind, StoredRecord } from "../bookings/store.js";
import type { NotificationSettings } from "./settings.js";

/** Typed calls to the notification SQL functions (supabase/migrations/20261123040000_bookings_notifications.sql). */

export type NotificationStatus = "pending" | "sending" | "sent" | "skipped" | "failed";

export interface NotificationRow {
  id: number;
  salon_id: number;
  record_id: number;
  kind: NotificationKind;
  occasion: string;
  phone: string;
  status: NotificationStatus;
  reason: string | null;
  error: string | null;
  text: string | null;
  attempts: number;
  message_id: string | null;
  due_at: string;
  sent_at: string | null;
  data: { old?: import("./texts.js").RecordSnapshot; changes?: string[] };
  reply_at: string | null;
  reply_kind: "confirmed" | "other" | null;
  /** WhatsApp receipts (issue 15): the client's phone got it, the client opened it. */
  delivered_at: string | null;
  read_at: string | null;
}

export interface SalonForText {
  salon_id: number;
  title: string | null;
  address: string | null;
  timezone: string;
  company: { address?: unknown } | null;
}

export type Claim =
  | {
      action: "send"; notification: NotificationRow; record: StoredRecord; salon: SalonForText; settings: NotificationSettings;
      /** The salon's own texts by kind (lib/notifications/templates.ts). */
      texts: Partial<Record<NotificationKind, string>>;
    }
  /** Inside the salon's quiet hours: the row waits until `due_at` (their end). */
  | { action: "deferred"; status: string; due_at: string }
  | { action: "done"; status: string; reason?: string | null }
  | { action: "busy"; status: string }
  | { action: "skipped"; status: string; reason?: string | null };

export interface ReminderContext {
  notification: NotificationRow;
  record: StoredRecord;
  salon: SalonForText;
  /** The salon's own texts (lib/notifications/templates.ts); `thanks` answers a confirmation. */
  texts: Partial<Record<string, string>>;
}

export interface DeliveryStats {
  sent: number;
  delivered: number;
  read: number;
  not_on_whatsapp: number;
  delivered_pct: number | null;
  read_pct: number | null;
}

const iso = (d: Date) => d.toISOString();

/** Seconds between two reminders of one salon. */
export const REMINDER_SPACING_SEC = 15;

export const notificationsStore = {
  get: (db: Db, id: number) => db.rpc<NotificationRow | null>("notification_get", { p_id: id }),

  forRecord: (db: Db, salonId: number, recordId: number) =>
    db.rpc<NotificationRow[]>("notifications_for_record", { p_salon_id: salonId, p_record_id: recordId }),

  claim: (db: Db, id: number, now: Date, leaseSec: number, defaultDelaySec: number) =>
    db.rpc<Claim>("notification_claim", {
      p_id: id, p_now: iso(now), p_lease_sec: leaseSec, p_default_delay_sec: defaultDelaySec,
    }),

  finish: (
    db: Db,
    id: number,
    outcome: "sent" | "retry" | "failed" | "skipped",
    now: Date,
    extra: { messageId?: string; text?: string; error?: string; reason?: string } = {},
  ) =>
    db.rpc<NotificationStatus>("notification_finish", {
      p_id: id, p_outcome: outcome, p_now: iso(now), p_message_id: extra.messageId ?? null, p_text: extra.text ?? null,
      p_error: extra.error ?? null, p_reason: extra.reason ?? null,
    }),

  stuck: (db: Db, now: Date, graceSec: number) =>
    db.rpc<Array<{ id: number; salon_id: number; attempts: number; status: NotificationStatus }>>("notifications_stuck", {
      p_now: iso(now), p_grace_sec: graceSec,
    }),

  planReminders: (db: Db, now: Date, defaultDelaySec: number) =>
    db.rpc<Array<{ id: number; salon_id: number; record_id: number; kind: NotificationKind; due_at: string }>>("reminders_plan", {
      p_now: iso(now), p_default_delay_sec: defaultDelaySec, p_spacing_sec: REMINDER_SPACING_SEC,
    }),

  reminderForReply: (db: Db, salonId: number, phone: string, refMessageId: string | null, now: Date) =>
    db.rpc<ReminderContext | null>("reminder_for_reply", {
      p_salon_id: salonId, p_phone: phone, p_ref_message_id: refMessageId, p_now: iso(now),
    }),

  noteReply: (db: Db, id: number, kind: "confirmed" | "other", now: Date) =>
    db.rpc<boolean>("reminder_reply_note", { p_id: id, p_kind: kind, p_now: iso(now) }),

  /** The gateway could not make the send it accepted: the row becomes failed (returns its status, null if untouched). */
  sendFailed: (db: Db, id: number, messageId: string, error: string, now: Date) =>
    db.rpc<string | null>("notification_send_failed", { p_id: id, p_message_id: messageId, p_error: error, p_now: iso(now) }),

  /** A WhatsApp receipt on the notification and the assistant's message sent as `messageId`; rows changed. */
  receipt: (db: Db, salonId: number, messageId: string, status: "delivered" | "read", at: Date) =>
    db.rpc<number>("whatsapp_receipt_record", { p_salon_id: salonId, p_message_id: messageId, p_status: status, p_at: iso(at) }),

  /** The salon's notifications of [from, to): sent, delivered, read, not on WhatsApp, and the two percentages. */
  deliveryStats: (db: Db, salonId: number, from: Date, to: Date) =>
    db.rpc<DeliveryStats>("notification_delivery_stats", { p_salon_id: salonId, p_from: iso(from), p_to: iso(to) }),
};

export const notificationSettingsStore = {
  get: (db: Db, salonId: number, defaultDelaySec: number) =>
    db.rpc<NotificationSettings | null>("notification_settings_get", { p_salon_id: salonId, p_default_delay_sec: defaultDelaySec }),
  update: (db: Db, salonId: number, patch: Partial<NotificationSettings>, defaultDelaySec: number) =>
    db.rpc<NotificationSettings>("notification_settings_update", {
      p_salon_id: salonId, p_patch: patch, p_default_delay_sec: defaultDelaySec,
    }),
};
