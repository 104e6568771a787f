/** Typed calls to the outreach SQL functions (supabase/migrations/20261201100000_outreach.sql, 20261201700000_outreach_ended.sql, 20261202300000_outreach_salon_idle.sql). */
import type { Db } from "../db/client.js";

export type OutreachKind = "review_request" | "winback" | "birthday" | "channel_ad";
export type OfferResult = "queued" | "opted_out" | "duplicate" | "off";
export type OptOutSource = "stop_word" | "assistant" | "cabinet";

export interface OutreachRow {
  id: number;
  salon_id: number;
  chat: string;
  kind: OutreachKind;
  text: string;
  dedupe_key: string;
  advertising: boolean;
  not_after: string | null;
  status: "queued" | "sending" | "sent" | "failed" | "dropped";
  reason: string | null;
  attempts: number;
  created_at: string;
  claimed_at: string | null;
  sent_at: string | null;
  wa_message_id: string | null;
}

/** A message that ended unsent (`dropped` with its reason, or `failed` with the gateway's error), not yet handed over. */
export interface OutreachEnded {
  id: number;
  kind: OutreachKind;
  dedupe_key: string;
  status: "dropped" | "failed";
  reason: string | null;
  error: string | null;
}

export type OutreachClaim =
  | { action: "send"; message: OutreachRow; /** Absent for a resumed send (its spacing was drawn at first claim). */ next_at?: string }
  | { action: "wait"; until: string; reason: "quiet_hours" | "spacing" | "daily_cap" }
  | { action: "idle"; reason: "off" | "restricted_463" | "empty" };

export interface OutreachStatusRow {
  settings: Record<string, unknown>;
  stopped_at: string | null;
  queued: number;
  sent_today: number;
  opted_out: number;
}

export interface OutreachDay {
  kind: OutreachKind;
  day: string;
  sent: number;
  delivered: number;
  read: number;
  replied: number;
  booked: number;
}

const iso = (d: Date) => d.toISOString();

export const outreachStore = {
  offer: (db: Db, m: { salonId: number; chat: string; kind: OutreachKind; text: string; dedupeKey: string; notAfter: Date | null; advertising: boolean }, now: Date) =>
    db.rpc<OfferResult>("outreach_offer", {
      p_salon_id: m.salonId, p_chat: m.chat, p_kind: m.kind, p_text: m.text, p_dedupe_key: m.dedupeKey,
      p_not_after: m.notAfter ? iso(m.notAfter) : null, p_advertising: m.advertising, p_now: iso(now),
    }),
  optedOut: (db: Db, salonId: number, chat: string) => db.rpc<boolean>("outreach_opted_out", { p_salon_id: salonId, p_chat: chat }),
  optedOutAmong: (db: Db, salonId: number, chats: string[]) =>
    db.rpc<string[]>("outreach_opted_out_among", { p_salon_id: salonId, p_chats: chats }),
  optSet: (db: Db, salonId: number, chat: string, out: boolean, source: OptOutSource, now: Date) =>
    db.rpc<boolean>("outreach_opt_set", { p_salon_id: salonId, p_chat: chat, p_out: out, p_source: source, p_now: iso(now) }),
  claim: (db: Db, salonId: number, now: Date, c: { leaseSec: number; spacingDraw: number; warmupCap: number; defaultDelaySec: number }) =>
    db.rpc<OutreachClaim>("outreach_claim", {
      p_salon_id: salonId, p_now: iso(now), p_lease_sec: c.leaseSec, p_spacing_draw: c.spacingDraw,
      p_warmup_cap: c.warmupCap, p_default_delay_sec: c.defaultDelaySec,
    }),
  finish: (db: Db, id: number, outcome: "sent" | "retry" | "failed", now: Date, extra: { messageId?: string; error?: string } = {}) =>
    db.rpc<string | null>("outreach_finish", {
      p_id: id, p_outcome: outcome, p_now: iso(now), p_message_id: extra.messageId ?? null, p_error: extra.error ?? null,
    }),
  get: (db: Db, salonId: number, id: number) => db.rpc<OutreachRow | null>("outreach_message_get", { p_salon_id: salonId, p_id: id }),
  sendFailed: (db: Db, salonId: number, id: number, error: string) =>
    db.rpc<string | null>("outreach_send_failed", { p_salon_id: salonId, p_id: id, p_error: error }),
  salonIdle: (db: Db, salonId: number, now: Date, o: { gone: boolean; leaseSec: number }) =>
    db.rpc<void>("outreach_salon_idle", { p_salon_id: salonId, p_now: iso(now), p_gone: o.gone, p_lease_sec: o.leaseSec }),
  ended: (db: Db, salonId: number, limit: number) => db.rpc<OutreachEnded[]>("outreach_ended", { p_salon_id: salonId, p_limit: limit }),
  endedNoted: (db: Db, salonId: number, ids: number[], now: Date) =>
    db.rpc<void>("outreach_ended_noted", { p_salon_id: salonId, p_ids: ids, p_now: iso(now) }),
  salonsDue: async (db: Db) => (await db.rpc<Array<number | string>>("outreach_salons_due", {})).map(Number),
  resume: (db: Db, salonId: number) => db.rpc<null>("outreach_resume", { p_salon_id: salonId }),
  status: (db: Db, salonId: number, now: Date) =>
    db.rpc<OutreachStatusRow | null>("outreach_status", { p_salon_id: salonId, p_now: iso(now) }),
  results: (db: Db, salonId: number, from: Date, to: Date) =>
    db.rpc<OutreachDay[]>("outreach_results", { p_salon_id: salonId, p_from: iso(from), p_to: iso(to) }),
  forgetChat: (db: Db, salonId: number, chat: string) => db.rpc<number>("outreach_forget_chat", { p_salon_id: salonId, p_chat: chat }),
};
