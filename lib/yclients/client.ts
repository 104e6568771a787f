/**
 * The typed YClients client: every call the product makes, with YClients' envelope unwrapped once, here.
 *
 * Public API: `createYClientsClient(options)` → `YClientsClient`. Every salon-scoped method takes the salon id first
 * (the tenant key; it is also the rate limiter's fairness key). Methods return the `data` of the envelope; paged
 * ones return `{ items, page, totalCount }`. Failures throw `YClientsError` (status, `meta.message`,
 * `meta.errors`, booking `code`), `YClientsNetworkError` (no answer / timeout) or `YClientsNotConfiguredError`.
 *
 *   company:        getCompany, listCompanyUsers (who may manage the salon, with rights; needs the user token)
 *   catalogue:      listServiceCategories, listServices, listStaff, getStaffSchedule
 *   clients:        searchClients (paged, page_size ≤ 200), listClientBirthDates (the deprecated client listing:
 *                   the only one with `birth_date`; paged, count ≤ 200)
 *   records:        listRecords (start/end date, changed_after/before, with_deleted, paged), getRecord,
 *                   createRecord, updateRecord, deleteRecord
 *   online booking: bookServices, bookStaff, bookDates, bookTimes, bookCheck, bookRecord, rescheduleBookRecord
 *   marketplace:    partnerCallbackRedirect (answers 301), partnerCallback, partnerPayment,
 *                   getSalonApplication (salon status), uninstallSalon
 *   observe(fn):    sees every HTTP attempt (salon, path, status, ms, attempt); returns an unsubscribe function.
 *
 * Behaviour: one shared `RateLimiter` per process (5 rps / 200 rpm, round-robin between salons); a timeout on every
 * attempt; retries with exponential backoff and full jitter on 429, 5xx and network errors (Retry-After honoured, a
 * 429 pauses the whole limiter); no retry on other 4xx. 204 and the marketplace 301 are success.
 *
 * Headers: `Accept: application/vnd.yclients.v2+json`, `Authorization: Bearer <partner>[, User <user>]` (the user
 * part on the endpoints that need a user, when a user token is configured), and `X-Partner-Id: <application id>`
 * on /api/v1 calls: the original system's 403s on records and client search went away once it was sent.
 */
import type { Logger } from "../log.js";
import { YClientsError, YClientsNetworkError, YClientsNotConfiguredError } from "./errors.js";
import { RateLimiter, sharedYClientsLimiter } from "./rate-limiter.js";
import type {
  YcBookAppointment, YcBookDates, YcBookRecordInput, YcBookRecordResult, YcBookServices, YcBookStaff, YcBookTime,
  YcClient, YcClientField, YcCompany, YcCompanyUser, YcEnvelope, YcErrors, YcMeta, YcRecord, YcRecordInput, YcRecordUpdate,
  YcSalonApplicationStatus, YcService, YcServiceCategory, YcStaff, YcStaffScheduleDay,
} from "./types.js";

export interface YClientsClientOptions {
  /** Origin, e.g. https://api.yclients.com; REST lives under /api/v1, the partner API under /marketplace. */
  baseUrl: string;
  partnerToken?: string;
  userToken?: string;
  applicationId?: number;
  limiter?: RateLimiter;
  /** Per attempt. */
  timeoutMs?: number;
  /** Extra attempts after the first on 429/5xx/network errors. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  fetch?: typeof fetch;
  log?: Logger;
  /** Injectable for tests of the retry schedule; real timers otherwise. */
  sleep?: (ms: number) => Promise<void>;
}

export interface Page<T> {
  items: T[];
  page: number;
  totalCount: number;
}

export interface YClientsCall {
  salonId: number | null;
  method: string;
  path: string;
  /** 0 when there was no answer. */
  status: number;
  ms: number;
  attempt: number;
}

export interface ClientSearch {
  page?: number;
  /** At most 200. */
  pageSize?: number;
  fields?: YcClientField[];
  orderBy?: YcClientField;
  orderDirection?: "ASC" | "DESC";
  filters?: Array<{ type: string; state: Record<string, unknown> }>;
  operation?: "AND" | "OR";
}

export interface RecordQuery {
  page?: number;
  count?: number;
  staffId?: number;
  clientId?: number;
  /** Y-m-d, salon-local visit date. */
  startDate?: string;
  endDate?: string;
  /** Y-m-d, creation date. */
  createdStartDate?: string;
  createdEndDate?: string;
  /** Y-m-dTH:i:s, salon-local. */
  changedAfter?: string;
  changedBefore?: string;
  withDeleted?: boolean;
}

export interface PartnerCallbackInput {
  salonId: number;
  apiKey?: string;
  webhookUrls: string[];
  channels?: Array<"sms" | "whatsapp">;
  /** Our chat panel for YClients' chat frame (issue 16); YClients installs it with the app. */
  chatUrl?: string;
}

export interface PartnerPaymentInput {
  salonId: number;
  paymentSum: number;
  currencyIso: string;
  /** `Y-m-d H:i:s`. */
  paymentDate: string;
  periodFrom: string;
  periodTo: string;
}

export interface YClientsClient {
  readonly baseUrl: string;
  readonly applicationId: number | undefined;
  readonly configured: boolean;
  observe(listener: (call: YClientsCall) => void): () => void;

  getCompany(salonId: number): Promise<YcCompany>;
  listCompanyUsers(salonId: number): Promise<YcCompanyUser[]>;
  listServiceCategories(salonId: number): Promise<YcServiceCategory[]>;
  listServices(salonId: number, q?: { staffId?: number; categoryId?: number }): Promise<YcService[]>;
  listStaff(salonId: number): Promise<YcStaff[]>;
  getStaffSchedule(salonId: number, q: { startDate: string; endDate: string; staffIds?: number[]; busyIntervals?: boolean }): Promise<YcStaffScheduleDay[]>;
  searchClients(salonId: number, q?: ClientSearch): Promise<Page<YcClient>>;
  listClientBirthDates(salonId: number, q?: { page?: number; count?: number }): Promise<Page<{ id: number; birth_date?: string | null }>>;

  listRecords(salonId: number, q?: RecordQuery): Promise<Page<YcRecord>>;
  getRecord(salonId: number, recordId: number): Promise<YcRecord>;
  createRecord(salonId: number, body: YcRecordInput): Promise<YcRecord>;
  updateRecord(salonId: number, recordId: number, body: YcRecordUpdate): Promise<YcRecord>;
  deleteRecord(salonId: number, recordId: number): Promise<void>;

  bookServices(salonId: number, q?: { staffId?: number; datetime?: string; serviceIds?: number[] }): Promise<YcBookServices>;
  bookStaff(salonId: number, q?: { serviceIds?: number[]; datetime?: string }): Promise<YcBookStaff[]>;
  /** `date` picks a month; `startDate`/`endDate` a range (both Y-m-d). */
  bookDates(salonId: number, q?: { serviceIds?: number[]; staffId?: number; date?: string; startDate?: string; endDate?: string }): Promise<YcBookDates>;
  /** `staffId` 0 = any master. */
  bookTimes(salonId: number, staffId: number, date: string, q?: { serviceIds?: number[] }): Promise<YcBookTime[]>;
  bookCheck(salonId: number, appointments: YcBookAppointment[]): Promise<void>;
  bookRecord(salonId: number, body: YcBookRecordInput): Promise<YcBookRecordResult[]>;
  rescheduleBookRecord(salonId: number, recordId: number, body: { datetime: string; comment?: string }): Promise<YcRecord>;

  partnerCallbackRedirect(input: PartnerCallbackInput): Promise<{ status: number; location: string | null }>;
  partnerCallback(input: PartnerCallbackInput): Promise<void>;
  partnerPayment(input: PartnerPaymentInput): Promise<{ id: number }>;
  getSalonApplication(salonId: number): Promise<YcSalonApplicationStatus>;
  uninstallSalon(salonId: number): Promise<void>;
  /** Chat-bot apps only: tells YClients whether the salon's notifications may go through this app's channel. */
  updateChannel(salonId: number, channel: "sms" | "whatsapp", available: boolean): Promise<void>;
  /**
   * Posts delivery statuses to the `delivery_callback_url` YClients gave with an operator request. That URL ends in
   * the partner token, so it is never logged nor reported to call listeners.
   */
  postDeliveryStatuses(salonId: number, url: string, statuses: Array<{ id: string; status: number }>): Promise<void>;
  /** Chat frame (lib/chat-panel/): install our panel, flag a chat in the journal, clear the flag. */
  installFrame(input: { salonId: number; url: string }): Promise<void>;
  newMessage(input: { salonId: number; phone: string; message: string; name: string }): Promise<void>;
  toggleHighlight(input: { salonId: number; phone: string }): Promise<void>;
}

type Query = Record<string, string | number | boolean | undefined | Array<string | number>>;

interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  salonId: number | null;
  query?: Query;
  body?: unknown;
  /** Send the `User` part of the header when a user token is configured. */
  user?: boolean;
  /** A 3xx answer is the result (marketplace callback/redirect). */
  redirect?: boolean;
}

interface Answer<T> {
  status: number;
  data: T;
  meta: YcMeta;
  location: string | null;
}

const ACCEPT = "application/vnd.yclients.v2+json";

/** PHP-style query: arrays as `key[]=a&key[]=b`, booleans as 1/0, undefined left out. */
export function buildQuery(q: Query | undefined): string {
  if (!q) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) parts.push(`${encodeURIComponent(k)}[]=${encodeURIComponent(String(item))}`);
    else parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(typeof v === "boolean" ? (v ? "1" : "0") : String(v))}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

function metaNumber(meta: YcMeta, key: string): number | undefined {
  if (Array.isArray(meta)) return undefined;
  const v = meta[key];
  return typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : undefined;
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const sec = Number(header);
  if (Number.isFinite(sec) && sec >= 0) return sec * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createYClientsClient(opts: YClientsClientOptions): YClientsClient {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const limiter = opts.limiter ?? sharedYClientsLimiter;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const retries = opts.retries ?? 3;
  const backoffBase = opts.backoffBaseMs ?? 500;
  const backoffMax = opts.backoffMaxMs ?? 8_000;
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? realSleep;
  const listeners = new Set<(call: YClientsCall) => void>();

  function headers(c: Call): Record<string, string> {
    const h: Record<string, string> = {
      accept: ACCEPT,
      authorization: `Bearer ${opts.partnerToken}${c.user && opts.userToken ? `, User ${opts.userToken}` : ""}`,
    };
    if (c.body !== undefined) h["content-type"] = "application/json";
    if (c.path.startsWith("/api/v1/") && opts.applicationId !== undefined) h["x-partner-id"] = String(opts.applicationId);
    return h;
  }

  function emit(call: YClientsCall): void {
    for (const l of listeners) {
      try {
        l(call);
      } catch {
        // An observer's failure is not the call's.
      }
    }
  }

  async function attempt<T>(c: Call, n: number): Promise<Answer<T>> {
    await limiter.acquire(c.salonId ?? "marketplace");
    const started = performance.now();
    let res: Response;
    try {
      res = await doFetch(base + c.path + buildQuery(c.query), {
        method: c.method,
        headers: headers(c),
        body: c.body === undefined ? undefined : JSON.stringify(c.body),
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      emit({ salonId: c.salonId, method: c.method, path: c.path, status: 0, ms: performance.now() - started, attempt: n });
      const timedOut = (err as Error)?.name === "TimeoutError" || (err as Error)?.name === "AbortError";
      throw new YClientsNetworkError(c.method, c.path, c.salonId, timedOut, err);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      emit({ salonId: c.salonId, method: c.method, path: c.path, status: 0, ms: performance.now() - started, attempt: n });
      throw new YClientsNetworkError(c.method, c.path, c.salonId, (err as Error)?.name === "TimeoutError", err);
    }
    emit({ salonId: c.salonId, method: c.method, path: c.path, status: res.status, ms: performance.now() - started, attempt: n });

    if (c.redirect && res.status >= 300 && res.status < 400) {
      return { status: res.status, data: null as T, meta: [], location: res.headers.get("location") };
    }
    let body: Partial<YcEnvelope<T>> | null = null;
    if (text !== "") {
      try {
        body = JSON.parse(text) as Partial<YcEnvelope<T>>;
      } catch {
        body = null;
      }
    }
    const meta: YcMeta = body && body.meta !== undefined && body.meta !== null ? body.meta : [];
    if (!res.ok || (body !== null && body.success === false)) {
      const m = Array.isArray(meta) ? {} : meta;
      const message = typeof m.message === "string" && m.message !== "" ? m.message : `HTTP ${res.status}`;
      const err = new YClientsError(res.status >= 400 ? res.status : 502, message, (m.errors as YcErrors | undefined) ?? null, c.method, c.path, c.salonId);
      (err as YClientsError & { retryAfterMs?: number | null }).retryAfterMs = retryAfterMs(res.headers.get("retry-after"));
      throw err;
    }
    if (res.status !== 204 && body === null && text !== "") {
      throw new YClientsError(502, "YClients answered with a body that is not JSON", null, c.method, c.path, c.salonId);
    }
    return { status: res.status, data: (body?.data ?? null) as T, meta, location: res.headers.get("location") };
  }

  async function call<T>(c: Call): Promise<Answer<T>> {
    if (!opts.partnerToken) throw new YClientsNotConfiguredError();
    for (let n = 0; ; n++) {
      try {
        return await attempt<T>(c, n);
      } catch (err) {
        const retryable = err instanceof YClientsNetworkError || (err instanceof YClientsError && err.isRetryable);
        if (!retryable || n >= retries) throw err;
        const hinted = err instanceof YClientsError ? (err as YClientsError & { retryAfterMs?: number | null }).retryAfterMs ?? null : null;
        const backoff = Math.random() * Math.min(backoffMax, backoffBase * 2 ** n);
        if (err instanceof YClientsError && err.isRateLimited) limiter.rateLimited(hinted ?? 1000);
        const wait = Math.max(backoff, hinted ?? 0);
        opts.log?.warn({ salonId: c.salonId, path: c.path, status: (err as { status: number }).status, attempt: n + 1, waitMs: Math.round(wait) }, "yclients call retried");
        await sleep(wait);
      }
    }
  }

  const data = async <T>(c: Call): Promise<T> => (await call<T>(c)).data;

  async function paged<T>(c: Call, page: number): Promise<Page<T>> {
    const a = await call<T[] | null>(c);
    const items = a.data ?? [];
    return { items, page: metaNumber(a.meta, "page") ?? page, totalCount: metaNumber(a.meta, "total_count") ?? metaNumber(a.meta, "count") ?? items.length };
  }

  const appId = (): number => {
    if (opts.applicationId === undefined) throw new Error("YCLIENTS_APPLICATION_ID is required for marketplace calls");
    return opts.applicationId;
  };
  const cid = (salonId: number) => {
    if (!Number.isSafeInteger(salonId) || salonId <= 0) throw new Error(`invalid salon id: ${salonId}`);
    return salonId;
  };

  return {
    baseUrl: base,
    applicationId: opts.applicationId,
    configured: Boolean(opts.partnerToken),
    observe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    getCompany: (salonId) => data<YcCompany>({ method: "GET", path: `/api/v1/company/${cid(salonId)}`, salonId, user: true }),
    listCompanyUsers: async (salonId) =>
      (await data<YcCompanyUser[] | null>({ method: "GET", path: `/api/v1/company_users/${cid(salonId)}`, salonId, user: true })) ?? [],
    listServiceCategories: async (salonId) =>
      (await data<YcServiceCategory[] | null>({ method: "GET", path: `/api/v1/company/${cid(salonId)}/service_categories`, salonId, user: true })) ?? [],
    listServices: async (salonId, q = {}) =>
      (await data<YcService[] | null>({
        method: "GET", path: `/api/v1/company/${cid(salonId)}/services`, salonId, user: true,
        query: { staff_id: q.staffId, category_id: q.categoryId },
      })) ?? [],
    listStaff: async (salonId) => (await data<YcStaff[] | null>({ method: "GET", path: `/api/v1/company/${cid(salonId)}/staff`, salonId, user: true })) ?? [],
    getStaffSchedule: async (salonId, q) =>
      (await data<YcStaffScheduleDay[] | null>({
        method: "GET", path: `/api/v1/company/${cid(salonId)}/staff/schedule`, salonId, user: true,
        query: { start_date: q.startDate, end_date: q.endDate, staff_ids: q.staffIds, include: q.busyIntervals ? ["busy_intervals", "off_day_type"] : undefined },
      })) ?? [],
    searchClients: (salonId, q = {}) => {
      const page = q.page ?? 1;
      return paged<YcClient>({
        method: "POST", path: `/api/v1/company/${cid(salonId)}/clients/search`, salonId, user: true,
        body: {
          page, page_size: Math.min(200, q.pageSize ?? 200),
          fields: q.fields ?? ["id", "name", "phone", "email", "discount", "first_visit_date", "last_visit_date", "sold_amount", "visits_count"],
          order_by: q.orderBy ?? "id", order_by_direction: q.orderDirection ?? "ASC",
          ...(q.filters ? { filters: q.filters, operation: q.operation ?? "AND" } : {}),
        },
      }, page);
    },

    listClientBirthDates: (salonId, q = {}) => {
      const page = q.page ?? 1;
      return paged<{ id: number; birth_date?: string | null }>({
        method: "GET", path: `/api/v1/clients/${cid(salonId)}`, salonId, user: true, query: { page, count: Math.min(200, q.count ?? 200) },
      }, page);
    },

    listRecords: (salonId, q = {}) => {
      const page = q.page ?? 1;
      return paged<YcRecord>({
        method: "GET", path: `/api/v1/records/${cid(salonId)}`, salonId, user: true,
        query: {
          page, count: q.count ?? 200, staff_id: q.staffId, client_id: q.clientId, start_date: q.startDate, end_date: q.endDate,
          c_start_date: q.createdStartDate, c_end_date: q.createdEndDate, changed_after: q.changedAfter, changed_before: q.changedBefore,
          with_deleted: q.withDeleted, include_finance_transactions: 0,
        },
      }, page);
    },
    getRecord: (salonId, recordId) => data<YcRecord>({ method: "GET", path: `/api/v1/record/${cid(salonId)}/${recordId}`, salonId, user: true }),
    createRecord: (salonId, body) => data<YcRecord>({ method: "POST", path: `/api/v1/records/${cid(salonId)}`, salonId, user: true, body }),
    updateRecord: (salonId, recordId, body) => data<YcRecord>({ method: "PUT", path: `/api/v1/record/${cid(salonId)}/${recordId}`, salonId, user: true, body }),
    deleteRecord: async (salonId, recordId) => {
      await call({ method: "DELETE", path: `/api/v1/record/${cid(salonId)}/${recordId}`, salonId, user: true });
    },

    bookServices: (salonId, q = {}) =>
      data<YcBookServices>({ method: "GET", path: `/api/v1/book_services/${cid(salonId)}`, salonId, query: { staff_id: q.staffId, datetime: q.datetime, service_ids: q.serviceIds } }),
    bookStaff: async (salonId, q = {}) =>
      (await data<YcBookStaff[] | null>({ method: "GET", path: `/api/v1/book_staff/${cid(salonId)}`, salonId, query: { service_ids: q.serviceIds, datetime: q.datetime } })) ?? [],
    bookDates: (salonId, q = {}) =>
      data<YcBookDates>({
        method: "GET", path: `/api/v1/book_dates/${cid(salonId)}`, salonId,
        query: { service_ids: q.serviceIds, staff_id: q.staffId, date: q.date, start_date: q.startDate, end_date: q.endDate },
      }),
    bookTimes: async (salonId, staffId, date, q = {}) =>
      (await data<YcBookTime[] | null>({ method: "GET", path: `/api/v1/book_times/${cid(salonId)}/${staffId}/${date}`, salonId, query: { service_ids: q.serviceIds } })) ?? [],
    bookCheck: async (salonId, appointments) => {
      await call({ method: "POST", path: `/api/v1/book_check/${cid(salonId)}`, salonId, body: { appointments } });
    },
    bookRecord: async (salonId, body) =>
      (await data<YcBookRecordResult[] | null>({ method: "POST", path: `/api/v1/book_record/${cid(salonId)}`, salonId, body })) ?? [],
    rescheduleBookRecord: (salonId, recordId, body) =>
      data<YcRecord>({ method: "PUT", path: `/api/v1/book_record/${cid(salonId)}/${recordId}`, salonId, user: true, body }),

    partnerCallbackRedirect: async (input) => {
      const a = await call({
        method: "POST", path: "/marketplace/partner/callback/redirect", salonId: cid(input.salonId), redirect: true,
        body: { salon_id: input.salonId, application_id: appId(), api_key: input.apiKey, webhook_urls: input.webhookUrls, ...(input.channels ? { channels: input.channels } : {}), ...(input.chatUrl ? { chat_url: input.chatUrl } : {}) },
      });
      return { status: a.status, location: a.location };
    },
    partnerCallback: async (input) => {
      await call({
        method: "POST", path: "/marketplace/partner/callback", salonId: cid(input.salonId),
        body: { salon_id: input.salonId, application_id: appId(), api_key: input.apiKey, webhook_urls: input.webhookUrls, ...(input.channels ? { channels: input.channels } : {}) },
      });
    },
    partnerPayment: (input) =>
      data<{ id: number }>({
        method: "POST", path: "/marketplace/partner/payment", salonId: cid(input.salonId),
        body: {
          salon_id: input.salonId, application_id: appId(), payment_sum: input.paymentSum, currency_iso: input.currencyIso,
          payment_date: input.paymentDate, period_from: input.periodFrom, period_to: input.periodTo,
        },
      }),
    getSalonApplication: (salonId) =>
      data<YcSalonApplicationStatus>({ method: "GET", path: `/marketplace/salon/${cid(salonId)}/application/${appId()}`, salonId }),
    uninstallSalon: async (salonId) => {
      await call({ method: "POST", path: `/marketplace/salon/${cid(salonId)}/application/${appId()}/uninstall`, salonId });
    },
    installFrame: async (input) => {
      await call({ method: "POST", path: "/marketplace/application/install_frame", salonId: cid(input.salonId), body: { salon_id: input.salonId, application_id: appId(), type: "chat", url: input.url } });
    },
    newMessage: async (input) => {
      await call({
        method: "POST", path: "/marketplace/application/new_message", salonId: cid(input.salonId),
        body: { salon_id: input.salonId, application_id: appId(), phone_from: input.phone, message: input.message, name: input.name },
      });
    },
    // The body is inferred (the references name the call only): new_message's documented salon/app/phone fields.
    toggleHighlight: async (input) => {
      await call({ method: "POST", path: "/marketplace/application/toggle_highlight", salonId: cid(input.salonId), body: { salon_id: input.salonId, application_id: appId(), phone_from: input.phone } });
    },
    updateChannel: async (salonId, channel, available) => {
      await call({
        method: "POST", path: "/marketplace/application/update_channel", salonId: cid(salonId),
        body: { salon_id: salonId, application_id: appId(), channel_slug: channel, is_available: available },
      });
    },
    postDeliveryStatuses: async (salonId, url, statuses) => {
      if (!opts.partnerToken) throw new YClientsNotConfiguredError();
      const path = "/smsprovider/status/callback/…";
      let res: Response;
      try {
        res = await doFetch(url, {
          method: "POST",
          headers: { accept: ACCEPT, "content-type": "application/json", authorization: `Bearer ${opts.partnerToken}` },
          body: JSON.stringify(statuses),
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.text();
      } catch (err) {
        throw new YClientsNetworkError("POST", path, salonId, (err as Error)?.name === "TimeoutError", err);
      }
      if (!res.ok) throw new YClientsError(res.status, `delivery callback answered ${res.status}`, null, "POST", path, salonId);
    },
  };
}
