/** Typed calls to the campaigns' SQL functions (supabase/migrations/20261201200000_campaigns.sql). */
import type { Db } from "../db/client.js";
import type { CampaignSettings } from "./settings.js";

export type CampaignKind = "review_request" | "winback" | "birthday";
export type OfferStatus = "queued" | "opted_out" | "duplicate" | "off";

export interface PlannedOffer {
  id: number;
  salon_id: number;
  kind: CampaignKind;
  chat: string;
  ref: string;
  record_id: number | null;
  client_name: string | null;
  not_after: string | null;
  salon_title: string | null;
  /** SQL `campaign_settings`: the salon's own over the defaults. */
  settings: CampaignSettings;
}

export interface PendingReview {
  id: number;
  record_id: number | null;
  client_name: string | null;
  /** Null until the client rated the visit. */
  rating: number | null;
  offered_at: string;
  settings: CampaignSettings;
}

export interface RatingsDaily {
  days: string[];
  high: number[];
  low: number[];
}

const iso = (d: Date) => d.toISOString();

export const campaignsStore = {
  plan: (db: Db, now: Date) => db.rpc<PlannedOffer[]>("campaigns_plan", { p_now: iso(now) }),
  mark: (db: Db, id: number, status: OfferStatus, now: Date) =>
    db.rpc<null>("campaign_offer_mark", { p_id: id, p_status: status, p_now: iso(now) }),
  pendingReview: (db: Db, salonId: number, chat: string, now: Date) =>
    db.rpc<PendingReview | null>("campaign_review_pending", { p_salon_id: salonId, p_chat: chat, p_now: iso(now) }),
  takeRating: (db: Db, offerId: number, rating: number, now: Date) =>
    db.rpc<boolean>("campaign_rating_take", { p_id: offerId, p_rating: rating, p_now: iso(now) }),
  ratingsDaily: (db: Db, salonId: number, now: Date, days: number) =>
    db.rpc<RatingsDaily | null>("campaign_ratings_daily", { p_salon_id: salonId, p_now: iso(now), p_days: days }),
  birthdaysOn: (db: Db, salonId: number) => db.rpc<boolean | null>("campaign_birthdays_on", { p_salon_id: salonId }),
  saveBirthDates: (db: Db, salonId: number, rows: Array<{ client_id: number; birth_date: string | null }>) =>
    db.rpc<number>("campaign_birth_dates_save", { p_salon_id: salonId, p_rows: rows }),
};
