import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { QueueRow } from "../dispatch/dispatcher.js";
import type { SalonStatus } from "../salons/store.js";

/** Typed calls to the channel's SQL functions (supabase/migrations/20261130400000_channel.sql, 20261201400000_…). */

export interface ChannelSalon {
  salon_id: number;
  status: SalonStatus;
}

export type ChannelState = "queued" | "accepted" | "sent" | "failed" | "rejected";

export interface ChannelMessage {
  salon_id: number;
  yc_id: string;
  ext_id: string;
  phone: string;
  text: string;
  channel: string;
  dispatch_type: string;
  state: ChannelState;
  error: string | null;
  wa_message_id: string | null;
  attempts: number;
}

export interface NewChannelMessage {
  yc_id: string;
  phone: string;
  text: string;
  channel: string;
  dispatch_type: string;
  callback_url: string | null;
  state: "queued" | "rejected";
  error: string | null;
}

export type StatusClaim =
  | { action: "post"; url: string; attempt: number }
  | { action: "done" | "busy" | "no_callback" };

const iso = (clock: Clock) => clock.now().toISOString();

export const channelStore = {
  /**
   * Finds the salon (by key hash, else by id) and, when it is active, takes the messages; one call. A message's `job`
   * (built for `salonGuess`) is queued in the same transaction when that is the salon found (`job_queued`).
   */
  accept: (db: Db, clock: Clock, who: { keySha256: string } | { salonId: number }, messages: Array<NewChannelMessage & { job: QueueRow | null }>, salonGuess: number | null) =>
    db.rpc<{ salon: ChannelSalon | null; messages: Array<{ yc_id: string; ext_id: string; state: ChannelState; job_queued: boolean }> }>("channel_accept", {
      p_key_sha256: "keySha256" in who ? who.keySha256 : null, p_salon_id: "salonId" in who ? who.salonId : null,
      p_messages: messages, p_now: iso(clock), p_salon_guess: salonGuess,
    }),
  get: (db: Db, salonId: number, ycId: string) => db.rpc<ChannelMessage | null>("channel_message_get", { p_salon_id: salonId, p_yc_id: ycId }),
  /** Counts a send attempt of a queued message (null when it is not queued); inside quiet hours counts nothing and says until when. */
  sendAttempt: (db: Db, clock: Clock, salonId: number, ycId: string) =>
    db.rpc<(ChannelMessage & { held_until?: string }) | null>("channel_send_attempt", { p_salon_id: salonId, p_yc_id: ycId, p_now: iso(clock) }),
  advance: (db: Db, clock: Clock, salonId: number, ycId: string, state: "accepted" | "sent" | "failed", opts: { waMessageId?: string; error?: string } = {}) =>
    db.rpc<ChannelMessage | null>("channel_message_advance", {
      p_salon_id: salonId, p_yc_id: ycId, p_state: state, p_wa_message_id: opts.waMessageId ?? null, p_error: opts.error ?? null,
      p_now: iso(clock),
    }),
  statusBegin: (db: Db, clock: Clock, salonId: number, ycId: string, status: number, leaseSec: number) =>
    db.rpc<StatusClaim>("channel_status_begin", { p_salon_id: salonId, p_yc_id: ycId, p_status: status, p_lease_sec: leaseSec, p_now: iso(clock) }),
  statusFinish: (db: Db, clock: Clock, salonId: number, ycId: string, status: number, outcome: { ok: true } | { ok: false; gaveUp: string | null }) =>
    db.rpc<void>("channel_status_finish", {
      p_salon_id: salonId, p_yc_id: ycId, p_status: status, p_ok: outcome.ok, p_gave_up: outcome.ok ? null : outcome.gaveUp, p_now: iso(clock),
    }),
  statuses: (db: Db, salonId: number, ycId: string) =>
    db.rpc<Array<{ status: number; posted_at: string | null; gave_up: string | null }>>("channel_status_list", { p_salon_id: salonId, p_yc_id: ycId }),
  availability: (db: Db, salonId: number) =>
    db.rpc<{ wanted: boolean; reported: boolean | null } | null>("channel_availability_get", { p_salon_id: salonId }),
  /** Notes or clears a 463 restriction as of `at`; true when that changed anything. */
  restrictionSet: (db: Db, salonId: number, restricted: boolean, at: Date) =>
    db.rpc<boolean>("whatsapp_restriction_set", { p_salon_id: salonId, p_restricted: restricted, p_at: at.toISOString() }),
  /**
   * A 463 on the send keyed `message`: the restriction (if none) and the salon's `whatsapp_restricted` event (if this
   * message has none yet), in one transaction; true when the event is new.
   */
  restrictedNote: (db: Db, salonId: number, message: string, data: Record<string, unknown>, at: Date) =>
    db.rpc<boolean>("whatsapp_restricted_note", { p_salon_id: salonId, p_message: message, p_data: data, p_at: at.toISOString() }),
  availabilityReported: (db: Db, clock: Clock, salonId: number, available: boolean) =>
    db.rpc<void>("channel_availability_reported", { p_salon_id: salonId, p_available: available, p_now: iso(clock) }),
};
