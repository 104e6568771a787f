/**
 * YClients objects exactly as they travel on the wire (v2 API, see shared/reference/yclients-api.md). These are the
 * raw shapes: numbers YClients sends as numbers, dates as the strings it sends (formats in §8 of the reference).
 * Normalising (phone digits, timestamptz) happens where the data is stored, not here.
 *
 * Public API: the `Yc*` types below. `YcRecord` is the record object of `GET /records`, `GET /record`, and the
 * `data` of a record webhook.
 */

/** `meta` is an empty JSON array when there is nothing to say (PHP), else an object. */
export type YcMeta = unknown[] | Record<string, unknown>;

export interface YcEnvelope<T> {
  success: boolean;
  data: T;
  meta: YcMeta;
}

/** `meta.errors` is an object of field → messages on 400, an array of `{code, message}` on booking 422s. */
export type YcErrors = Record<string, string[]> | Array<{ code?: number; message?: string; id?: number }>;

export interface YcCompany {
  id: number;
  title: string;
  public_title?: string;
  short_descr?: string;
  logo?: string;
  country_id?: number;
  country?: string;
  city_id?: number;
  city?: string;
  /** Hours offset in modern responses; some older ones carry the IANA name here instead. */
  timezone?: number | string;
  timezone_name?: string;
  address?: string;
  zip?: number | string;
  coordinate_lat?: number;
  coordinate_lon?: number;
  phone?: string;
  phones?: string[];
  site?: string;
  description?: string;
  schedule?: string;
  currency_short_title?: string;
  active_staff_count?: number;
  allow_delete_record?: boolean;
  allow_change_record?: boolean;
  [extra: string]: unknown;
}

export interface YcServiceCategory {
  id: number;
  category_id?: number;
  salon_service_id?: number;
  title: string;
  booking_title?: string;
  api_id?: string | null;
  weight: number;
  price_min?: number;
  price_max?: number;
  sex?: number;
  is_chain?: boolean;
  staff?: number[];
}

export interface YcServiceStaffLink {
  id: number;
  seance_length: number;
  technological_card_id?: number;
  image_url?: string;
  price?: number | null;
  name?: string;
}

export interface YcService {
  id: number;
  salon_service_id?: number;
  title: string;
  booking_title?: string;
  print_title?: string;
  category_id: number;
  price_min: number;
  price_max: number;
  discount?: number;
  comment?: string;
  weight: number;
  /** 1 = bookable online. */
  active: number;
  api_id?: string | null;
  prepaid?: string;
  is_multi?: boolean;
  capacity?: number;
  /** Seconds. */
  duration: number;
  is_online?: boolean;
  seance_search_start?: number;
  seance_search_finish?: number;
  seance_search_step?: number;
  date_from?: string;
  date_to?: string;
  staff: YcServiceStaffLink[];
  image_group?: unknown;
  dates?: string[];
  resources?: unknown[];
  [extra: string]: unknown;
}

export interface YcPosition {
  id: number;
  title: string;
  [extra: string]: unknown;
}

export interface YcStaff {
  id: number;
  api_id?: string | null;
  name: string;
  specialization: string;
  company_id?: number;
  information?: string;
  /** 1 = fired. */
  fired: number;
  is_fired?: boolean;
  /** 1 = hidden from online booking. */
  hidden: number;
  /** 1 = deleted. */
  status: number;
  is_deleted?: boolean;
  is_bookable?: boolean;
  rating?: number;
  weight?: number;
  avatar?: string;
  avatar_big?: string;
  /** `[]` when not set. */
  position: YcPosition | unknown[];
  services_links?: Array<{ service_id: number; master_id: number; length: number; [extra: string]: unknown }>;
  schedule_till?: string;
  [extra: string]: unknown;
}

export interface YcTimeSlot {
  from: string;
  to: string;
}

/** One staff member's day from `GET /company/{id}/staff/schedule`. */
export interface YcStaffScheduleDay {
  staff_id: number;
  /** Y-m-d. */
  date: string;
  slots: YcTimeSlot[];
  busy_intervals?: Array<{ entity_type: string; entity_id: number; from: string; to: string }>;
  off_day_type?: number | null;
}

/** A row of `POST /company/{id}/clients/search`: only the requested `fields` are present. */
export interface YcClient {
  id: number;
  name?: string;
  phone?: string;
  email?: string;
  discount?: number;
  first_visit_date?: string | null;
  last_visit_date?: string | null;
  sold_amount?: number;
  visits_count?: number;
  [extra: string]: unknown;
}

export type YcClientField =
  | "id" | "name" | "phone" | "email" | "discount" | "first_visit_date" | "last_visit_date" | "sold_amount"
  | "visits_count" | "passteam_card_id";

export interface YcRecordService {
  id: number;
  title: string;
  cost: number;
  cost_to_pay?: number;
  manual_cost?: number;
  cost_per_unit?: number;
  discount: number;
  first_cost: number;
  amount: number;
  seance_length?: number;
  [extra: string]: unknown;
}

export interface YcRecordStaff {
  id: number;
  api_id?: string | null;
  name: string;
  specialization?: string;
  position?: YcPosition | unknown[];
  avatar?: string;
  avatar_big?: string;
  rating?: number;
  votes_count?: number;
  [extra: string]: unknown;
}

export interface YcRecordClient {
  id: number;
  name: string;
  surname?: string;
  patronymic?: string;
  display_name?: string;
  comment?: string;
  phone: string;
  card?: string;
  email?: string;
  success_visits_count?: number;
  fail_visits_count?: number;
  discount?: number;
  sex?: number;
  birthday?: string;
  is_new?: boolean;
  [extra: string]: unknown;
}

/**
 * An appointment. `datetime` is ISO with the salon's offset (`2025-07-13T12:10:00+03:00`); `date` is salon-local
 * `Y-m-d H:i:s`; `create_date`/`last_change_date` are ISO with `+HHMM`. `attendance`: 2 client confirmed, 1 came,
 * 0 waiting, -1 no-show. `client` may be null. Lengths are seconds.
 */
export interface YcRecord {
  id: number;
  company_id: number;
  staff_id: number;
  services: YcRecordService[];
  goods_transactions?: unknown[];
  staff: YcRecordStaff | null;
  client: YcRecordClient | null;
  comer?: unknown;
  clients_count?: number;
  date: string;
  datetime: string;
  create_date: string;
  last_change_date: string;
  comment: string;
  online: boolean;
  visit_attendance?: number;
  attendance: number;
  confirmed?: number;
  seance_length: number;
  length?: number;
  sms_before?: number;
  sms_now?: number;
  sms_now_text?: string;
  email_now?: number;
  notified?: number;
  master_request?: number;
  api_id: string | null;
  from_url?: string;
  review_requested?: number;
  visit_id?: number | string;
  created_user_id?: number;
  deleted: boolean;
  paid_full?: number;
  payment_status?: number;
  prepaid?: boolean;
  prepaid_confirmed?: boolean;
  is_update_blocked?: boolean;
  activity_id?: number;
  bookform_id?: number;
  record_from?: string;
  is_mobile?: number;
  custom_color?: string;
  custom_font_color?: string;
  record_labels?: Array<{ id: string | number; title: string; color?: string; icon?: string; font_color?: string }>;
  custom_fields?: unknown;
  documents?: unknown[];
  sms_remain_hours?: number;
  email_remain_hours?: number;
  record_hash?: string;
  [extra: string]: unknown;
}

/** Body of `POST /records/{cid}` and `PUT /record/{cid}/{rid}` (on PUT every field is optional). */
export interface YcRecordInput {
  staff_id: number;
  services: Array<{ id: number; first_cost?: number; discount?: number; cost?: number; amount?: number }>;
  client: { phone: string; name: string; email?: string };
  /** ISO with offset, or salon-local `Y-m-d H:i:s`. */
  datetime: string;
  seance_length: number;
  save_if_busy: boolean;
  send_sms: boolean;
  comment?: string;
  sms_remain_hours?: number;
  email_remain_hours?: number;
  attendance?: number;
  api_id?: string;
  custom_color?: string;
  record_labels?: string[];
  custom_fields?: Record<string, unknown>;
}

export type YcRecordUpdate = Partial<YcRecordInput>;

// ---- online booking (partner token only) ----

export interface YcBookService {
  id: number;
  title: string;
  category_id: number;
  price_min: number;
  price_max: number;
  discount: number;
  comment: string;
  weight: number;
  active: number;
  sex: number;
  image: string;
  prepaid: string;
  seance_length: number;
  [extra: string]: unknown;
}

export interface YcBookServices {
  events: unknown[];
  services: YcBookService[];
  /** Singular in the real API. */
  category: Array<{ id: number; title: string; sex: number; api_id: string | null; weight: number }>;
}

export interface YcBookStaff {
  id: number;
  name: string;
  bookable: boolean;
  specialization: string;
  position: YcPosition | unknown[];
  show_rating?: number;
  rating?: number;
  votes_count?: number;
  avatar?: string;
  comments_count?: number;
  weight?: number;
  information?: string;
  seance_date?: string | null;
  seances?: unknown[];
  [extra: string]: unknown;
}

export interface YcBookDates {
  booking_days: Record<string, string[]>;
  booking_dates: string[];
  working_days: Record<string, string[]>;
  working_dates: string[];
}

export interface YcBookTime {
  /** H:i, salon-local. */
  time: string;
  seance_length: number;
  sum_length?: number;
  /** ISO with the salon's offset. */
  datetime: string;
}

export interface YcBookAppointment {
  id: number;
  services: number[];
  staff_id: number;
  /** ISO with offset or salon-local `Y-m-d H:i:s`. */
  datetime: string;
  custom_fields?: Record<string, unknown>;
}

export interface YcBookRecordInput {
  phone: string;
  fullname: string;
  email?: string;
  code?: string;
  comment?: string;
  type?: string;
  notify_by_sms?: number;
  notify_by_email?: number;
  api_id?: string;
  custom_fields?: Record<string, unknown>;
  appointments: YcBookAppointment[];
}

export interface YcBookRecordResult {
  id: number;
  record_id: number;
  record_hash: string;
}

// ---- users ----

/** `GET /company_users/{company_id}` (APIB "Пользователи компании"): who may manage the salon, with their rights. */
export interface YcCompanyUser {
  id: number;
  firstname?: string;
  login?: string;
  email?: string;
  phone?: string;
  /** ~100 rights, booleans and a few numbers (`master_id`, `*_last_days_count`). */
  access?: Record<string, unknown>;
}

// ---- marketplace ----

export interface YcSalonApplicationStatus {
  logs: Array<{ changed_at: string; status_from: string | null; status_to: string; source: string }>;
  payments: Array<{
    id: number; payment_sum: number; currency_iso: string; payment_date: string; is_refunded: boolean;
    period_from: string; period_to: string;
  }>;
  connection_status: { status: "pending" | "freezed" | "active" | "uninstalled" | string; created_at: string };
}
