/**
 * Salons: the tenant rows, keyed by the YClients salon id. Every read and write of `salons` goes through here.
 *
 * For other areas:
 * - `getSalon(db, id)` / `listSalons(db, statuses)` give the public view (never the api key or webhook secret).
 * - `acceptsWork(salon, purpose)` is the one test a job or cron applies before doing anything for a salon: only an
 *   `active` salon is sent anything; an `activating` one is also synced and takes entity webhooks (its full sync runs
 *   right after activation). `frozen` means paused (session and data kept, work resumes when YClients reports it
 *   active again); `uninstalled` means gone for good.
 * - Status transitions are single SQL functions that also write the matching `marketplace_events` row.
 *
 * Statuses: pending_whatsapp → activating → active | activation_failed; active ⇄ frozen; any → uninstalled.
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";

export type SalonStatus = "pending_whatsapp" | "activating" | "active" | "activation_failed" | "frozen" | "uninstalled";
export type WhatsAppState = "none" | "connecting" | "connected" | "logged_out" | "forbidden";

export interface Salon {
  salon_id: number;
  title: string | null;
  address: string | null;
  phone: string | null;
  timezone: string;
  /** ISO 3166 alpha-2, set from YClients' company data (lib/phone reads numbers written without a code by it). */
  country: string | null;
  status: SalonStatus;
  status_reason: string | null;
  marketplace_user: Record<string, unknown> | null;
  whatsapp_phone: string | null;
  whatsapp_state: WhatsAppState;
  settings: Record<string, unknown>;
  company: Record<string, unknown> | null;
  registered_at: string | null;
  activated_at: string | null;
  status_changed_at: string | null;
  /** Date of the last `payment` lifecycle event. */
  last_payment_date: string | null;
  created_at: string;
  updated_at: string;
}

export interface MarketplaceEvent {
  id: number;
  salon_id: number;
  event: string;
  data: Record<string, unknown>;
  created_at: string;
}

/**
 * Kinds of work a job or cron does for a salon: syncing data from YClients, taking its entity webhooks, polling its
 * records, sending it anything (notifications, the welcome, channel messages), answering its clients.
 */
export type WorkPurpose = "sync" | "entity-webhook" | "poll" | "send" | "reply";

const ACCEPTING: Record<WorkPurpose, readonly SalonStatus[]> = {
  sync: ["active", "activating"],
  "entity-webhook": ["active", "activating"],
  poll: ["active"],
  send: ["active"],
  reply: ["active"],
};

/** Whether a salon (null: unknown) in its current status gets this kind of work now. */
export function acceptsWork(salon: { status: SalonStatus | string | null } | null, purpose: WorkPurpose): boolean {
  return salon !== null && (ACCEPTING[purpose] as readonly (string | null)[]).includes(salon.status);
}

/** Whether the salon is gone for good (uninstalled, or no row at all): what still waits for it will never be done. */
export const salonGone = (salon: { status: SalonStatus | string | null } | null): boolean => salon === null || salon.status === "uninstalled";

/** When the salon's current activation happened, in ms (0 before any): names what is done once per activation. */
export const activationTime = (salon: Pick<Salon, "activated_at">): number => Date.parse(salon.activated_at ?? "") || 0;

const iso = (clock: Clock) => clock.now().toISOString();

export async function getSalon(db: Db, salonId: number): Promise<Salon | null> {
  return db.rpc<Salon | null>("salon_get", { p_salon_id: salonId });
}

export async function listSalons(db: Db, statuses?: SalonStatus[]): Promise<Salon[]> {
  return db.rpc<Salon[]>("salons_list", { p_statuses: statuses ?? null });
}

export interface Registration {
  salonId: number;
  title: string | null;
  address: string | null;
  phone: string | null;
  timezone: string | null;
  company: Record<string, unknown> | null;
  marketplaceUser: Record<string, unknown> | null;
  /** Goes into the registration_started event (where the title came from, why YClients could not be asked). */
  eventData: Record<string, unknown>;
}

/** Upserts the salon for a marketplace install and records `registration_started`; see the SQL for who keeps what. */
export async function registerSalon(db: Db, clock: Clock, r: Registration): Promise<Salon & { previous_status: SalonStatus | null }> {
  return db.rpc("salon_register", {
    p_salon_id: r.salonId,
    p_title: r.title,
    p_address: r.address,
    p_phone: r.phone,
    p_timezone: r.timezone,
    p_company: r.company,
    p_marketplace_user: r.marketplaceUser,
    p_event_data: r.eventData,
    p_now: iso(clock),
  });
}

/** The gateway's view of the salon's WhatsApp; records `whatsapp_<state>` when it changes. Null: no such salon. */
export async function setWhatsAppState(
  db: Db,
  clock: Clock,
  salonId: number,
  state: WhatsAppState,
  phone: string | null,
  data: Record<string, unknown> = {},
): Promise<Salon | null> {
  return db.rpc("salon_whatsapp_update", { p_salon_id: salonId, p_state: state, p_phone: phone, p_data: data, p_now: iso(clock) });
}

export type ActivationBegin =
  | { outcome: "proceed"; salon: Salon; api_key: string; webhook_secret: string }
  | { outcome: "already_active" | "in_progress" | "expired" | "not_allowed"; salon: Salon }
  | { outcome: "not_registered" };

/** Saves the keys and takes the activation lease, or says why this caller must not call YClients. */
export async function beginActivation(
  db: Db,
  clock: Clock,
  a: { salonId: number; apiKey: string; webhookSecret: string; whatsappPhone: string | null; windowSec: number; leaseSec: number },
): Promise<ActivationBegin> {
  return db.rpc("salon_activation_begin", {
    p_salon_id: a.salonId,
    p_api_key: a.apiKey,
    p_webhook_secret: a.webhookSecret,
    p_whatsapp_phone: a.whatsappPhone,
    p_window_sec: a.windowSec,
    p_lease_sec: a.leaseSec,
    p_now: iso(clock),
  });
}

export interface Transition {
  changed: boolean;
  salon: Salon | null;
}

/** Records YClients' answer: `integration_activated` or `activation_failed` with the reason. */
export async function finishActivation(
  db: Db,
  clock: Clock,
  salonId: number,
  result: { ok: true; data?: Record<string, unknown> } | { ok: false; reason: string; data?: Record<string, unknown> },
): Promise<Transition> {
  return db.rpc("salon_activation_finish", {
    p_salon_id: salonId,
    p_ok: result.ok,
    p_reason: result.ok ? null : result.reason,
    p_data: result.data ?? {},
    p_now: iso(clock),
  });
}

/** Whose entity-webhook URL this is; null for an unknown (or uninstalled salon's) secret. */
export async function salonByWebhookSecret(db: Db, secret: string): Promise<{ salon_id: number; status: SalonStatus } | null> {
  return db.rpc("salon_by_webhook_secret", { p_secret: secret });
}

export async function freezeSalon(db: Db, clock: Clock, salonId: number, reason: string): Promise<Transition> {
  return db.rpc("salon_freeze", { p_salon_id: salonId, p_reason: reason, p_now: iso(clock) });
}

export async function unfreezeSalon(db: Db, clock: Clock, salonId: number, source: string): Promise<Transition> {
  return db.rpc("salon_unfreeze", { p_salon_id: salonId, p_source: source, p_now: iso(clock) });
}

/**
 * A payment came (lifecycle `payment`): recorded once per payment date, a frozen salon unfrozen, the date kept.
 * `paymentDate`: ISO ending in Z, or salon-local `YYYY-MM-DD HH:MM[:SS]`.
 */
export async function recordPayment(db: Db, clock: Clock, salonId: number, paymentDate: string): Promise<Transition & { unfrozen: boolean }> {
  return db.rpc("salon_payment", { p_salon_id: salonId, p_payment_date: paymentDate, p_now: iso(clock) });
}

/** Wipes the salon's WhatsApp auth rows and keys and skips its waiting notifications; log the session out first. */
export async function uninstallSalon(db: Db, clock: Clock, salonId: number): Promise<Transition> {
  return db.rpc("salon_uninstall", { p_salon_id: salonId, p_now: iso(clock) });
}

export async function addMarketplaceEvent(db: Db, salonId: number, event: string, data: Record<string, unknown> = {}): Promise<void> {
  await db.rpc("marketplace_event_add", { p_salon_id: salonId, p_event: event, p_data: data });
}

export async function listMarketplaceEvents(db: Db, salonId: number): Promise<MarketplaceEvent[]> {
  return db.rpc("marketplace_events_list", { p_salon_id: salonId });
}

/** True the first time `key` is claimed for the salon (the welcome message's event log entry, for one). */
export async function claimSalonEvent(db: Db, salonId: number, key: string): Promise<boolean> {
  return db.rpc<boolean>("event_claim", { p_key: `${salonId}:${key}`, p_salon_id: salonId });
}
