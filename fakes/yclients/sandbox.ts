/**
 * The YClients sandbox: a Hono app that speaks YClients' wire format (reference: shared/reference/yclients-api.md),
 * used by the tests and by `npm start` when there is no partner token.
 *
 * Public API:
 *   createYClientsSandbox(options?) → YClientsSandbox       (not listening; `app.request` or `listen()`)
 *   startYClientsSandbox(options?) → Promise<YClientsSandbox & { url }>   (listening on 127.0.0.1, port 0 default)
 *
 * Options: partnerToken, applicationId, userToken (when set, a `User` token must match on user endpoints),
 * latencyMs, rateLimit ({perSecond, perMinute} or false; default 5/200 like YClients), clock (record times, "today"),
 * salonDefaults (SalonOptions for every generated salon), emitWebhooks (POST record webhooks to the salon's
 * registered webhook_urls), deliverWebhook (how; fetch by default).
 *
 * Wire behaviour: `Authorization: Bearer <partner>[, User <user>]` (401 without a valid partner token), envelope
 * `{success,data,meta}` with `meta: []` on single entities, YClients' paging metas, 429 past the rate limit, error
 * bodies `{success:false,data:null,meta:{message[,errors]}}`, 204 on record DELETE, 201 on creates and record PUT.
 * Endpoints: company; company_users (partner + user token); service_categories; services; staff; staff/schedule; clients/search; records list/create;
 * record get/put/delete; book_services, book_staff, book_dates, book_times, book_check, book_record (POST, PUT);
 * marketplace partner callback/redirect (301), callback (201), payment, salon application status, uninstall,
 * application salons list.
 *
 * Test control (TypeScript, in process):
 *   salon(id, opts?)          the generated salon (regenerated when opts are given): company, services, staff,
 *                             clients, records (compact form); `wireRecords(id)` as YcRecord[]
 *   owner(id)                 the salon's owner as `company_users` lists them (an administrator), and
 *   addCompanyUser(id, user, {admin})  a user YClients lists for that salon (a chain owner on several branches)
 *   partnerCallbacks          every marketplace call received: {kind, salonId, body, at}
 *   recordChanges(id?)        every record create/update/delete: {salonId, recordId, action, via, record}
 *   requests                  every HTTP request: {method, path, salonId, status, authorization, accept, partnerId}
 *   addRecord / changeRecord / deleteRecord / vanishRecord   what a salon admin would do in YClients
 *   fail(id, status, {times?, path?})   force 403/429/500/… for a salon; clearFailures(id?)
 *   setLatency(ms), setRateLimit(limits|false), webhooksSent
 */
import { serve, type ServerType } from "@hono/node-server";
import { mountChatRoutes, type ChatFrameRecorder } from "./chat-routes.js";
import { Hono, type Context } from "hono";
import { systemClock, type Clock } from "../../lib/clock.js";
import { addDays, isoWithOffset, localDate, localParts, parseYcDateTime } from "../../lib/yclients/time.js";
import type { YcCompanyUser, YcRecord, YcStaff } from "../../lib/yclients/types.js";
import {
  clientFields, generateSalon, recordHash, recordWire, scheduleFor, userAccess,
  type FakeClient, type FakeRecord, type SalonData, type SalonOptions,
} from "./data.js";

export type { SalonOptions, SalonData, FakeRecord, FakeClient } from "./data.js";

export interface SandboxOptions {
  partnerToken?: string;
  applicationId?: number;
  userToken?: string;
  latencyMs?: number;
  rateLimit?: { perSecond: number; perMinute: number } | false;
  clock?: Clock;
  salonDefaults?: SalonOptions;
  emitWebhooks?: boolean;
  deliverWebhook?: (url: string, body: unknown) => Promise<unknown>;
}

export interface PartnerCallbackReceived {
  kind: "callback_redirect" | "callback" | "payment" | "uninstall";
  salonId: number;
  body: Record<string, unknown>;
  at: Date;
}

export interface RecordChange {
  salonId: number;
  recordId: number;
  action: "create" | "update" | "delete";
  via: "api" | "book_record" | "control";
  record: YcRecord;
  at: Date;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  salonId: number | null;
  status: number;
  authorization: string | null;
  accept: string | null;
  partnerId: string | null;
  at: number;
}

interface Failure {
  status: number;
  remaining: number;
  path?: RegExp;
}

interface Install {
  status: "active" | "uninstalled";
  createdAt: Date;
  webhookUrls: string[];
  apiKey: unknown;
  logs: Array<{ changed_at: string; status_from: string | null; status_to: string; source: string }>;
  payments: Array<{ id: number; payment_sum: number; currency_iso: string; payment_date: string; is_refunded: boolean; period_from: string; period_to: string }>;
}

export interface RecordPatch {
  /** ISO with offset, or salon-local `Y-m-d H:i:s`. */
  datetime?: string;
  staffId?: number;
  serviceIds?: number[];
  attendance?: number;
  comment?: string;
  deleted?: boolean;
  lengthSec?: number;
}

export interface NewRecord {
  datetime: string;
  staffId?: number;
  serviceIds?: number[];
  clientPhone?: string;
  clientName?: string;
  comment?: string;
  attendance?: number;
  online?: boolean;
  apiId?: string;
}

export interface YClientsSandbox {
  readonly app: Hono;
  readonly partnerToken: string;
  readonly applicationId: number;
  readonly userToken: string | undefined;
  readonly partnerCallbacks: PartnerCallbackReceived[];
  readonly requests: RequestLogEntry[];
  readonly webhooksSent: Array<{ url: string; body: unknown; ok: boolean; error?: string }>;
  url: string | null;
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
  salon(salonId: number, opts?: SalonOptions): SalonData;
  owner(salonId: number): YcCompanyUser;
  addCompanyUser(salonId: number, user: { id: number; name?: string; phone?: string; email?: string }, opts?: { admin?: boolean }): void;
  wireRecords(salonId: number): YcRecord[];
  recordChanges(salonId?: number): RecordChange[];
  addRecord(salonId: number, input: NewRecord): YcRecord;
  changeRecord(salonId: number, recordId: number, patch: RecordPatch): YcRecord;
  deleteRecord(salonId: number, recordId: number): YcRecord;
  /** The record disappears without a trace (not even with_deleted), as records sometimes do. */
  vanishRecord(salonId: number, recordId: number): void;
  fail(salonId: number, status: number, opts?: { times?: number; path?: RegExp }): void;
  clearFailures(salonId?: number): void;
  setLatency(ms: number): void;
  setRateLimit(limits: { perSecond: number; perMinute: number } | false): void;
  installed(salonId: number): { status: string; webhookUrls: string[] } | undefined;
  /** The chat frame's install, new_message and toggle_highlight calls (fakes/yclients/chat-routes.ts). */
  readonly chat: ChatFrameRecorder;
}

// ---------------------------------------------------------------------------------------------------------------

class YcHttpError extends Error {
  constructor(readonly status: number, message: string, readonly errors?: unknown) {
    super(message);
  }
}

const MSG = {
  auth: "Необходима авторизация",
  rights: "Недостаточно прав",
  rate: "Превышен лимит запросов",
  server: "Внутренняя ошибка сервера",
  notFound: "Не найдено",
  record: "Запись не найдена",
  app: "Нет доступа к приложению.",
  notInstalled: "Приложение не установлено в салоне.",
};

const USER_PATHS = /^\/api\/v1\/(records|record|company_users|company\/\d+\/(clients|services|staff|service_categories)|book_record\/\d+\/\d+)/;
const SALON_IN_PATH = /^\/(?:api\/v1\/(?:company|company_users|records|record|book_services|book_staff|book_dates|book_times|book_check|book_record|schedule)|marketplace\/salon)\/(\d+)/;

const digits = (s: string) => s.replace(/\D/g, "");
const toMin = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function ok(c: Context, data: unknown, meta: unknown = [], status: 200 | 201 = 200) {
  return c.json({ success: true, data, meta }, status);
}

function queryList(c: Context, name: string): number[] {
  const raw = [...(c.req.queries(`${name}[]`) ?? []), ...(c.req.queries(name) ?? [])];
  return raw.flatMap((v) => v.split(",")).filter((v) => v !== "").map(Number).filter(Number.isFinite);
}

async function body(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text === "") return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new YcHttpError(400, "Некорректный JSON");
}

export function createYClientsSandbox(options: SandboxOptions = {}): YClientsSandbox {
  const partnerToken = options.partnerToken ?? "sandbox-partner-token";
  const applicationId = options.applicationId ?? 1;
  const clock = options.clock ?? systemClock;
  let latencyMs = options.latencyMs ?? 0;
  let rateLimit = options.rateLimit === undefined ? { perSecond: 5, perMinute: 200 } : options.rateLimit;
  const arrivals: number[] = [];
  const salons = new Map<number, SalonData>();
  const failures = new Map<number, Failure[]>();
  const installs = new Map<number, Install>();
  const changes: RecordChange[] = [];
  const partnerCallbacks: PartnerCallbackReceived[] = [];
  const requests: RequestLogEntry[] = [];
  const webhooksSent: YClientsSandbox["webhooksSent"] = [];
  let paymentSeq = 1000;
  let server: ServerType | undefined;

  function salon(salonId: number, opts?: SalonOptions): SalonData {
    let s = salons.get(salonId);
    if (!s || opts) {
      s = generateSalon(salonId, { ...options.salonDefaults, ...opts }, clock.now());
      salons.set(salonId, s);
    }
    return s;
  }

  function findRecord(s: SalonData, recordId: number): FakeRecord {
    const r = s.records.find((x) => x.id === recordId);
    if (!r) throw new YcHttpError(404, MSG.record);
    return r;
  }

  function staffOf(s: SalonData, staffId: number): { staff: YcStaff; index: number } | undefined {
    const index = s.staff.findIndex((x) => x.id === staffId);
    return index < 0 ? undefined : { staff: s.staff[index]!, index };
  }

  const bookable = (st: YcStaff) => st.fired === 0 && st.hidden === 0 && st.status === 0;
  const provides = (st: YcStaff, serviceIds: number[]) => serviceIds.every((id) => st.services_links?.some((l) => l.service_id === id));

  function lengthOf(s: SalonData, serviceIds: number[]): number {
    let total = 0;
    for (const id of serviceIds) total += s.services.find((x) => x.id === id)?.duration ?? 0;
    return total || 3600;
  }

  /** Busy minutes of a master on a local date, from live records (minus one being moved). */
  function busy(s: SalonData, staffId: number, date: string, except?: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const r of s.records) {
      if (r.staffId !== staffId || r.deleted || r.id === except) continue;
      if (localDate(r.start, s.timezone) !== date) continue;
      const p = localParts(r.start, s.timezone);
      const m = p.hour * 60 + p.minute;
      out.push([m, m + Math.ceil(r.lengthSec / 60)]);
    }
    return out;
  }

  function freeTimes(s: SalonData, staffId: number, date: string, lengthSec: number, except?: number) {
    const found = staffOf(s, staffId);
    if (!found) return [];
    const slots = scheduleFor(found.staff, found.index, date);
    const taken = busy(s, staffId, date, except);
    const now = clock.now().getTime();
    const len = Math.ceil(lengthSec / 60);
    const out: Array<{ time: string; seance_length: number; sum_length: number; datetime: string }> = [];
    for (const slot of slots) {
      const lo = toMin(slot.from);
      const hi = toMin(slot.to);
      for (let m = lo; m + len <= hi; m += 15) {
        if (taken.some(([a, b]) => m < b && a < m + len)) continue;
        const start = parseYcDateTime(`${date} ${hhmm(m)}:00`, s.timezone);
        if (start.getTime() <= now) continue;
        const nextBusy = Math.min(hi, ...taken.filter(([a]) => a >= m + len).map(([a]) => a));
        out.push({ time: hhmm(m), seance_length: lengthSec, sum_length: (nextBusy - m) * 60, datetime: isoWithOffset(start, s.timezone) });
      }
    }
    return out;
  }

  function isFree(s: SalonData, staffId: number, start: Date, lengthSec: number, except?: number): boolean {
    const date = localDate(start, s.timezone);
    const p = localParts(start, s.timezone);
    const time = hhmm(p.hour * 60 + p.minute);
    return freeTimes(s, staffId, date, lengthSec, except).some((t) => t.time === time);
  }

  function clientByPhone(s: SalonData, phone: string, name: string, email?: string): FakeClient {
    const d = digits(phone);
    let c = s.clients.find((x) => digits(x.phone) === d);
    if (!c) {
      c = {
        id: s.nextClientId++, name: name || "Клиент", phone: `+${d}`, email: email ?? "", discount: 0, sold_amount: 0,
        visits_count: 0, first_visit_date: null, last_visit_date: null,
      };
      s.clients.push(c);
    }
    return c;
  }

  function emit(s: SalonData, rec: FakeRecord, action: RecordChange["action"], via: RecordChange["via"]): YcRecord {
    const wire = recordWire(s, rec);
    changes.push({ salonId: s.salonId, recordId: rec.id, action, via, record: wire, at: clock.now() });
    const install = installs.get(s.salonId);
    if (options.emitWebhooks && install?.status === "active") {
      const payload = { company_id: s.salonId, resource: "record", resource_id: rec.id, status: action, data: wire };
      const deliver = options.deliverWebhook ?? ((url: string, b: unknown) =>
        fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) }).then((r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
        }));
      for (const url of install.webhookUrls) {
        deliver(url, payload).then(
          () => webhooksSent.push({ url, body: payload, ok: true }),
          (err: unknown) => webhooksSent.push({ url, body: payload, ok: false, error: String((err as Error)?.message ?? err) }),
        );
      }
    }
    return wire;
  }

  function bookingError(code: number, message: string, status = 422): YcHttpError {
    return new YcHttpError(status, message, [{ code, message }]);
  }

  /** Validates online-booking appointments as book_check does; returns the resolved masters and starts. */
  function checkAppointments(s: SalonData, appointments: unknown) {
    if (!Array.isArray(appointments) || appointments.length === 0) throw new YcHttpError(422, "Не переданы записи", { appointments: ["required"] });
    const planned: Array<{ id: number; staffId: number; serviceIds: number[]; start: Date; lengthSec: number }> = [];
    for (const raw of appointments as Array<Record<string, unknown>>) {
      const serviceIds = Array.isArray(raw.services) ? raw.services.map((x) => Number(typeof x === "object" && x ? (x as { id: unknown }).id : x)) : [];
      const services = serviceIds.map((id) => s.services.find((x) => x.id === id));
      if (serviceIds.length === 0 || services.some((x) => !x || x.active !== 1)) throw bookingError(438, "Услуга недоступна для онлайн-записи");
      if (typeof raw.datetime !== "string") throw new YcHttpError(422, "Не указано время записи", { datetime: ["required"] });
      let start: Date;
      try {
        start = parseYcDateTime(raw.datetime, s.timezone);
      } catch {
        throw new YcHttpError(422, "Некорректное время записи", { datetime: ["invalid"] });
      }
      const lengthSec = lengthOf(s, serviceIds);
      const wanted = Number(raw.staff_id ?? 0);
      const candidates = wanted === 0 ? s.staff.filter((st) => bookable(st) && provides(st, serviceIds)) : s.staff.filter((st) => st.id === wanted);
      const master = candidates[0];
      if (!master || !bookable(master)) throw bookingError(436, "Нет доступных сотрудников для записи");
      if (!provides(master, serviceIds)) throw bookingError(438, `Сотрудник ${master.name} не оказывает выбранные услуги`);
      const free = candidates.find((st) => isFree(s, st.id, start, lengthSec));
      const overlapsPlanned = (id: number) => planned.some((p) => p.staffId === id && start < new Date(p.start.getTime() + p.lengthSec * 1000) && p.start < new Date(start.getTime() + lengthSec * 1000));
      if (free && overlapsPlanned(free.id)) throw bookingError(437, "Записи пересекаются по времени");
      if (!free) {
        const p = localParts(start, s.timezone);
        throw bookingError(433, `К сотруднику ${master.name}(${master.id}) нельзя записаться на ${localDate(start, s.timezone)} в ${hhmm(p.hour * 60 + p.minute)}. Выбранное время уже занято или является нерабочим.`);
      }
      planned.push({ id: Number(raw.id ?? planned.length + 1), staffId: free.id, serviceIds, start, lengthSec });
    }
    return planned;
  }

  function failureFor(salonId: number | null, path: string): number | null {
    if (salonId === null) return null;
    const list = failures.get(salonId);
    if (!list) return null;
    for (const f of list) {
      if (f.path && !f.path.test(path)) continue;
      if (f.remaining <= 0) continue;
      f.remaining -= 1;
      return f.status;
    }
    return null;
  }

  function overLimit(): boolean {
    if (!rateLimit) return false;
    const now = performance.now();
    while (arrivals.length && arrivals[0]! <= now - 60_000) arrivals.shift();
    let lastSecond = 0;
    for (let i = arrivals.length - 1; i >= 0 && arrivals[i]! > now - 1000; i--) lastSecond++;
    if (lastSecond >= rateLimit.perSecond || arrivals.length >= rateLimit.perMinute) return true;
    arrivals.push(now);
    return false;
  }

  const app = new Hono();

  app.use("*", async (c, next) => {
    const path = c.req.path;
    const m = SALON_IN_PATH.exec(path);
    let salonId = m ? Number(m[1]) : null;
    if (salonId === null && /^\/marketplace\/(partner|application)\//.test(path) && c.req.method === "POST") {
      // Partner calls name the salon in the body; Hono keeps the text for the handler to read again.
      try {
        const v = Number((JSON.parse(await c.req.text()) as { salon_id?: unknown }).salon_id);
        if (Number.isSafeInteger(v) && v > 0) salonId = v;
      } catch {
        // The handler answers the malformed body.
      }
    }
    const entry: RequestLogEntry = {
      method: c.req.method, path, salonId, status: 0, authorization: c.req.header("authorization") ?? null,
      accept: c.req.header("accept") ?? null, partnerId: c.req.header("x-partner-id") ?? null, at: performance.now(),
    };
    requests.push(entry);
    if (requests.length > 20_000) requests.splice(0, requests.length - 20_000);
    const limited = overLimit();
    if (latencyMs > 0) await sleep(latencyMs);
    const fail = (status: number, message: string) => c.json({ success: false, data: null, meta: { message } }, status as 400);
    if (limited) {
      entry.status = 429;
      return fail(429, MSG.rate);
    }
    const auth = /^\s*Bearer\s+([^\s,]+)\s*(?:,\s*User\s+(\S+))?\s*$/i.exec(entry.authorization ?? "");
    if (!auth || auth[1] !== partnerToken) {
      entry.status = 401;
      return fail(401, MSG.auth);
    }
    if (options.userToken && USER_PATHS.test(path) && auth[2] !== options.userToken) {
      entry.status = auth[2] ? 403 : 401;
      return fail(entry.status, auth[2] ? MSG.rights : MSG.auth);
    }
    const forced = failureFor(salonId, path);
    if (forced !== null) {
      entry.status = forced;
      return fail(forced, forced === 403 ? MSG.rights : forced === 429 ? MSG.rate : forced === 404 ? "Филиал не найден." : MSG.server);
    }
    await next();
    entry.status = c.res.status;
  });

  app.onError((err, c) => {
    if (err instanceof YcHttpError) {
      return c.json({ success: false, data: null, meta: { message: err.message, ...(err.errors ? { errors: err.errors } : {}) } }, err.status as 400);
    }
    return c.json({ success: false, data: null, meta: { message: MSG.server } }, 500);
  });
  app.notFound((c) => c.json({ success: false, data: null, meta: { message: MSG.notFound } }, 404));

  const sid = (c: Context) => Number(c.req.param("cid"));

  // ---- company and catalogue ----
  app.get("/api/v1/company/:cid", (c) => ok(c, salon(sid(c)).company));
  app.get("/api/v1/company_users/:cid", (c) => ok(c, salon(sid(c)).users));
  app.get("/api/v1/company/:cid/service_categories", (c) => {
    const s = salon(sid(c));
    return ok(c, s.categories, { total_count: s.categories.length });
  });
  app.get("/api/v1/company/:cid/services", (c) => {
    const s = salon(sid(c));
    const staffId = Number(c.req.query("staff_id") ?? 0);
    const categoryId = Number(c.req.query("category_id") ?? 0);
    const list = s.services.filter((x) => (!staffId || x.staff.some((l) => l.id === staffId)) && (!categoryId || x.category_id === categoryId));
    return ok(c, list, { total_count: list.length });
  });
  app.get("/api/v1/company/:cid/services/:id", (c) => {
    const x = salon(sid(c)).services.find((v) => v.id === Number(c.req.param("id")));
    if (!x) throw new YcHttpError(404, "Услуга не найдена.");
    return ok(c, x);
  });
  app.get("/api/v1/company/:cid/staff/schedule", (c) => {
    const s = salon(sid(c));
    const start = c.req.query("start_date");
    const end = c.req.query("end_date");
    if (!start || !end || !/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end) || end < start) {
      throw new YcHttpError(422, "Неверный период", { start_date: ["required"], end_date: ["required"] });
    }
    const ids = queryList(c, "staff_ids");
    const include = c.req.queries("include[]") ?? [];
    const rows: unknown[] = [];
    s.staff.forEach((st, index) => {
      if (ids.length && !ids.includes(st.id)) return;
      for (let d = start; d <= end; d = addDays(d, 1)) {
        const slots = scheduleFor(st, index, d);
        if (slots.length === 0) continue;
        rows.push({
          staff_id: st.id, date: d, slots,
          ...(include.includes("busy_intervals")
            ? { busy_intervals: s.records.filter((r) => r.staffId === st.id && !r.deleted && localDate(r.start, s.timezone) === d).map((r) => {
                const p = localParts(r.start, s.timezone);
                const m = p.hour * 60 + p.minute;
                return { entity_type: "record", entity_id: r.id, from: hhmm(m), to: hhmm(m + Math.ceil(r.lengthSec / 60)) };
              }) }
            : {}),
          ...(include.includes("off_day_type") ? { off_day_type: null } : {}),
        });
      }
    });
    return ok(c, rows, { count: rows.length });
  });
  app.get("/api/v1/company/:cid/staff", (c) => {
    const s = salon(sid(c));
    return ok(c, s.staff, { count: s.staff.length });
  });
  app.get("/api/v1/company/:cid/staff/:id", (c) => {
    const s = salon(sid(c));
    const st = s.staff.find((x) => x.id === Number(c.req.param("id")));
    if (!st) throw new YcHttpError(404, `Сотрудник с ID ${c.req.param("id")} не найден в филиале ${s.salonId}.`);
    return ok(c, st);
  });

  // ---- clients ----
  app.post("/api/v1/company/:cid/clients/search", async (c) => {
    const s = salon(sid(c));
    const b = await body(c);
    const page = Math.max(1, Number(b.page ?? 1));
    const pageSize = Math.min(200, Math.max(1, Number(b.page_size ?? 25)));
    const fields = Array.isArray(b.fields) && b.fields.length ? (b.fields as string[]) : ["id"];
    let list = s.clients;
    for (const f of (Array.isArray(b.filters) ? b.filters : []) as Array<{ type?: string; state?: { value?: unknown } }>) {
      if (f.type === "quick_search") {
        const v = String(f.state?.value ?? "").toLowerCase();
        const d = digits(v);
        list = list.filter((x) => (d.length >= 3 && digits(x.phone).includes(d)) || x.name.toLowerCase().includes(v));
      } else if (f.type === "id") {
        const ids = Array.isArray(f.state?.value) ? (f.state!.value as unknown[]).map(Number) : [];
        list = list.filter((x) => ids.includes(x.id));
      } else {
        throw new YcHttpError(400, "Недопустимое значение фильтра", { filters: ["Недопустимое значение состояния фильтра"] });
      }
    }
    const orderBy = String(b.order_by ?? "id");
    const desc = String(b.order_by_direction ?? "ASC").toUpperCase() === "DESC";
    if (orderBy !== "id") {
      list = [...list].sort((a, z) => {
        const av = (a as unknown as Record<string, unknown>)[orderBy] ?? "";
        const zv = (z as unknown as Record<string, unknown>)[orderBy] ?? "";
        return av < zv ? -1 : av > zv ? 1 : a.id - z.id;
      });
    }
    if (desc) list = [...list].reverse();
    const items = list.slice((page - 1) * pageSize, page * pageSize).map((x) => clientFields(x, fields));
    return ok(c, items, { total_count: list.length });
  });

  // ---- records ----
  app.get("/api/v1/records/:cid", (c) => {
    const s = salon(sid(c));
    const q = (k: string) => c.req.query(k);
    const page = Math.max(1, Number(q("page") ?? 1));
    const count = Math.min(300, Math.max(1, Number(q("count") ?? 50)));
    const withDeleted = q("with_deleted") === "1";
    const staffId = Number(q("staff_id") ?? 0);
    const clientId = Number(q("client_id") ?? 0);
    const start = q("start_date");
    const end = q("end_date");
    const cStart = q("c_start_date");
    const cEnd = q("c_end_date");
    const changedAfter = q("changed_after") ? parseYcDateTime(q("changed_after")!, s.timezone).getTime() : null;
    const changedBefore = q("changed_before") ? parseYcDateTime(q("changed_before")!, s.timezone).getTime() : null;
    const list = s.records
      .filter((r) => {
        if (r.deleted && !withDeleted) return false;
        if (staffId && r.staffId !== staffId) return false;
        if (clientId && r.clientId !== clientId) return false;
        const day = localDate(r.start, s.timezone);
        if (start && day < start) return false;
        if (end && day > end) return false;
        const cday = localDate(r.createdAt, s.timezone);
        if (cStart && cday < cStart) return false;
        if (cEnd && cday > cEnd) return false;
        // Compared to the second and inclusive: a poll that repeats its last cursor sees the boundary change again.
        const changed = Math.floor(r.changedAt.getTime() / 1000) * 1000;
        if (changedAfter !== null && changed < changedAfter) return false;
        if (changedBefore !== null && changed > changedBefore) return false;
        return true;
      })
      .sort((a, z) => a.start.getTime() - z.start.getTime() || a.id - z.id);
    const items = list.slice((page - 1) * count, page * count).map((r) => recordWire(s, r));
    return ok(c, items, { page, total_count: list.length });
  });

  app.post("/api/v1/records/:cid", async (c) => {
    const s = salon(sid(c));
    const b = await body(c);
    const client = b.client as { phone?: string; name?: string; email?: string } | undefined;
    const services = Array.isArray(b.services) ? (b.services as Array<{ id?: unknown }>).map((x) => Number(x.id)) : [];
    const missing = ["staff_id", "services", "client", "datetime", "seance_length"].filter((k) => b[k] === undefined || b[k] === null);
    if (missing.length || !client?.phone || services.length === 0) {
      throw new YcHttpError(422, "Не заполнены обязательные поля", Object.fromEntries(missing.map((k) => [k, ["required"]])));
    }
    const st = staffOf(s, Number(b.staff_id));
    if (!st) throw new YcHttpError(404, `Сотрудник с ID ${String(b.staff_id)} не найден в филиале ${s.salonId}.`);
    const start = parseYcDateTime(String(b.datetime), s.timezone);
    const lengthSec = Number(b.seance_length) || lengthOf(s, services);
    if (b.save_if_busy !== true && !isFree(s, st.staff.id, start, lengthSec)) {
      throw bookingError(433, `Время ${String(b.datetime)} у сотрудника ${st.staff.name} занято или нерабочее`);
    }
    const cl = clientByPhone(s, client.phone, client.name ?? "", client.email);
    const now = clock.now();
    const rec: FakeRecord = {
      id: s.nextRecordId++, staffId: st.staff.id, serviceIds: services, clientId: cl.id, start, lengthSec,
      attendance: Number(b.attendance ?? 0), deleted: false, comment: String(b.comment ?? ""), online: false,
      apiId: String(b.api_id ?? ""), createdAt: now, changedAt: now, recordHash: null, visitId: 0,
    };
    rec.visitId = rec.id + 7_000_000;
    s.records.push(rec);
    return ok(c, emit(s, rec, "create", "api"), [], 201);
  });

  app.get("/api/v1/record/:cid/:rid", (c) => {
    const s = salon(sid(c));
    return ok(c, recordWire(s, findRecord(s, Number(c.req.param("rid")))));
  });

  app.put("/api/v1/record/:cid/:rid", async (c) => {
    const s = salon(sid(c));
    const rec = findRecord(s, Number(c.req.param("rid")));
    if (rec.deleted) throw new YcHttpError(404, MSG.record);
    const b = await body(c);
    const next = { ...rec };
    if (b.staff_id !== undefined) {
      const st = staffOf(s, Number(b.staff_id));
      if (!st) throw new YcHttpError(404, `Сотрудник с ID ${String(b.staff_id)} не найден в филиале ${s.salonId}.`);
      next.staffId = st.staff.id;
    }
    if (Array.isArray(b.services)) next.serviceIds = (b.services as Array<{ id?: unknown }>).map((x) => Number(x.id));
    if (b.datetime !== undefined) next.start = parseYcDateTime(String(b.datetime), s.timezone);
    if (b.seance_length !== undefined) next.lengthSec = Number(b.seance_length);
    if (b.attendance !== undefined) next.attendance = Number(b.attendance);
    if (b.comment !== undefined) next.comment = String(b.comment);
    if (b.api_id !== undefined) next.apiId = String(b.api_id);
    const client = b.client as { phone?: string; name?: string; email?: string } | undefined;
    if (client?.phone) next.clientId = clientByPhone(s, client.phone, client.name ?? "", client.email).id;
    const moved = next.start.getTime() !== rec.start.getTime() || next.staffId !== rec.staffId || next.lengthSec !== rec.lengthSec;
    if (moved && b.save_if_busy !== true && !isFree(s, next.staffId, next.start, next.lengthSec, rec.id)) {
      throw bookingError(433, `Время ${String(b.datetime)} занято или нерабочее`);
    }
    Object.assign(rec, next, { changedAt: clock.now() });
    return ok(c, emit(s, rec, "update", "api"), [], 201);
  });

  app.delete("/api/v1/record/:cid/:rid", (c) => {
    const s = salon(sid(c));
    const rec = findRecord(s, Number(c.req.param("rid")));
    if (!rec.deleted) {
      rec.deleted = true;
      rec.changedAt = clock.now();
      emit(s, rec, "delete", "api");
    }
    return c.body(null, 204);
  });

  // ---- online booking ----
  app.get("/api/v1/book_services/:cid", (c) => {
    const s = salon(sid(c));
    const staffId = Number(c.req.query("staff_id") ?? 0);
    const masters = s.staff.filter((st) => bookable(st) && (!staffId || st.id === staffId));
    const services = s.services.filter((x) => x.active === 1 && masters.some((m) => provides(m, [x.id])));
    const cats = s.categories.filter((cat) => services.some((x) => x.category_id === cat.id));
    return ok(c, {
      events: [],
      services: services.map((x) => ({
        id: x.id, title: x.title, category_id: x.category_id, price_min: x.price_min, price_max: x.price_max, discount: 0,
        comment: x.comment ?? "", weight: x.weight, active: 1, sex: 0, image: "", prepaid: "forbidden", seance_length: x.duration,
      })),
      category: cats.map((cat) => ({ id: cat.id, title: cat.title, sex: 0, api_id: null, weight: cat.weight })),
    });
  });

  app.get("/api/v1/book_staff/:cid", (c) => {
    const s = salon(sid(c));
    const serviceIds = queryList(c, "service_ids");
    const at = c.req.query("datetime");
    const today = localDate(clock.now(), s.timezone);
    const list = s.staff.filter((st) => bookable(st) && provides(st, serviceIds)).map((st) => {
      const index = s.staff.indexOf(st);
      let next: string | null = null;
      for (let d = today; d <= addDays(today, 30) && !next; d = addDays(d, 1)) if (scheduleFor(st, index, d).length) next = d;
      const free = at ? isFree(s, st.id, parseYcDateTime(at, s.timezone), lengthOf(s, serviceIds)) : true;
      return {
        id: st.id, name: st.name, bookable: free, specialization: st.specialization, position: st.position, show_rating: 1,
        rating: st.rating, votes_count: 0, avatar: st.avatar, comments_count: 0, weight: st.weight, information: "",
        seance_date: next, seances: [],
      };
    });
    return ok(c, list);
  });

  app.get("/api/v1/book_dates/:cid", (c) => {
    const s = salon(sid(c));
    const serviceIds = queryList(c, "service_ids");
    const staffId = Number(c.req.query("staff_id") ?? 0);
    const today = localDate(clock.now(), s.timezone);
    let from = c.req.query("start_date") ?? today;
    let to = c.req.query("end_date") ?? addDays(from, 60);
    const month = c.req.query("date");
    if (month && !c.req.query("start_date")) {
      from = `${month.slice(0, 7)}-01`;
      to = addDays(`${addDays(from, 32).slice(0, 7)}-01`, -1);
    }
    if (from < today) from = today;
    const masters = s.staff.filter((st) => bookable(st) && (!staffId || st.id === staffId) && provides(st, serviceIds));
    const length = lengthOf(s, serviceIds);
    const working: string[] = [];
    const booking: string[] = [];
    for (let d = from; d <= to; d = addDays(d, 1)) {
      if (!masters.some((st) => scheduleFor(st, s.staff.indexOf(st), d).length)) continue;
      working.push(d);
      if (masters.some((st) => freeTimes(s, st.id, d, length).length)) booking.push(d);
    }
    const byMonth = (dates: string[]) => {
      const out: Record<string, string[]> = {};
      for (const d of dates) (out[String(Number(d.slice(5, 7)))] ??= []).push(String(Number(d.slice(8, 10))));
      return out;
    };
    return ok(c, { booking_days: byMonth(booking), booking_dates: booking, working_days: byMonth(working), working_dates: working });
  });

  app.get("/api/v1/book_times/:cid/:staffId/:date", (c) => {
    const s = salon(sid(c));
    const staffId = Number(c.req.param("staffId"));
    const date = c.req.param("date");
    const serviceIds = queryList(c, "service_ids");
    const length = lengthOf(s, serviceIds);
    if (staffId !== 0) {
      const st = staffOf(s, staffId);
      if (!st || !bookable(st.staff)) throw new YcHttpError(404, `Сотрудник с ID ${staffId} не найден в филиале ${s.salonId}.`);
      if (!provides(st.staff, serviceIds)) return ok(c, []);
      return ok(c, freeTimes(s, staffId, date, length));
    }
    const seen = new Map<string, ReturnType<typeof freeTimes>[number]>();
    for (const st of s.staff.filter((x) => bookable(x) && provides(x, serviceIds))) {
      for (const t of freeTimes(s, st.id, date, length)) if (!seen.has(t.time)) seen.set(t.time, t);
    }
    return ok(c, [...seen.values()].sort((a, z) => a.time.localeCompare(z.time)));
  });

  app.post("/api/v1/book_check/:cid", async (c) => {
    const s = salon(sid(c));
    checkAppointments(s, (await body(c)).appointments);
    return c.json({ success: true, data: null, meta: { message: "Created" } }, 201);
  });

  app.post("/api/v1/book_record/:cid", async (c) => {
    const s = salon(sid(c));
    const b = await body(c);
    const phone = digits(String(b.phone ?? ""));
    if (!/^7\d{10}$/.test(phone)) throw bookingError(431, "Неверный формат номера телефона");
    const fullname = String(b.fullname ?? "").trim();
    if (!fullname) throw bookingError(435, "Не указано имя клиента");
    const planned = checkAppointments(s, b.appointments);
    const cl = clientByPhone(s, phone, fullname, typeof b.email === "string" ? b.email : undefined);
    const now = clock.now();
    const out = planned.map((p) => {
      const id = s.nextRecordId++;
      const rec: FakeRecord = {
        id, staffId: p.staffId, serviceIds: p.serviceIds, clientId: cl.id, start: p.start, lengthSec: p.lengthSec, attendance: 0,
        deleted: false, comment: String(b.comment ?? ""), online: true, apiId: String(b.api_id ?? ""), createdAt: now, changedAt: now,
        recordHash: recordHash(s.salonId, id), visitId: id + 7_000_000,
      };
      s.records.push(rec);
      emit(s, rec, "create", "book_record");
      return { id: p.id, record_id: rec.id, record_hash: rec.recordHash };
    });
    return ok(c, out, [], 201);
  });

  app.put("/api/v1/book_record/:cid/:rid", async (c) => {
    const s = salon(sid(c));
    const rid = Number(c.req.param("rid"));
    const rec = findRecord(s, rid);
    if (rec.deleted) throw new YcHttpError(404, MSG.record);
    if (!rec.recordHash) throw new YcHttpError(403, `Вы не можете управлять записью с id ${rid}`);
    const b = await body(c);
    if (typeof b.datetime !== "string") throw new YcHttpError(422, "Не указано время записи", { datetime: ["required"] });
    const start = parseYcDateTime(b.datetime, s.timezone);
    if (!isFree(s, rec.staffId, start, rec.lengthSec, rec.id)) {
      const p = localParts(start, s.timezone);
      throw bookingError(433, `Нельзя записаться на ${localDate(start, s.timezone)} в ${hhmm(p.hour * 60 + p.minute)}. Выбранное время уже занято или является нерабочим.`);
    }
    rec.start = start;
    if (typeof b.comment === "string") rec.comment = b.comment;
    rec.changedAt = clock.now();
    return ok(c, emit(s, rec, "update", "book_record"));
  });

  // ---- marketplace (partner → YClients) ----
  function requireApp(b: Record<string, unknown>): number {
    const salonId = Number(b.salon_id);
    if (!Number.isSafeInteger(salonId) || salonId <= 0) throw new YcHttpError(422, "An error has occurred.", { salon_id: ["required"] });
    if (Number(b.application_id) !== applicationId) throw new YcHttpError(403, MSG.app);
    return salonId;
  }

  function install(salonId: number, b: Record<string, unknown>): void {
    const prev = installs.get(salonId);
    const now = clock.now();
    const urls = Array.isArray(b.webhook_urls) ? b.webhook_urls.map(String) : [];
    const at = isoWithOffset(now, "Europe/Moscow").replace("T", " ").slice(0, 19);
    installs.set(salonId, {
      status: "active", createdAt: prev?.createdAt ?? now, webhookUrls: urls, apiKey: b.api_key, payments: prev?.payments ?? [],
      logs: [...(prev?.logs ?? []), { changed_at: at, status_from: prev?.status ?? null, status_to: "active", source: "partner" }],
    });
    chat.installedByCallback(salonId, b.chat_url);
  }

  const chat = mountChatRoutes(app, { applicationId, clock, installed: (id) => installs.get(id)?.status === "active" });

  app.post("/marketplace/partner/callback/redirect", async (c) => {
    const b = await body(c);
    const salonId = requireApp(b);
    install(salonId, b);
    partnerCallbacks.push({ kind: "callback_redirect", salonId, body: b, at: clock.now() });
    return c.body(null, 301, { location: `https://yclients.com/appstore/${salonId}/applications/${applicationId}/settings` });
  });

  app.post("/marketplace/partner/callback", async (c) => {
    const b = await body(c);
    const salonId = requireApp(b);
    install(salonId, b);
    partnerCallbacks.push({ kind: "callback", salonId, body: b, at: clock.now() });
    return ok(c, null, [], 201);
  });

  app.post("/marketplace/partner/payment", async (c) => {
    const b = await body(c);
    const salonId = requireApp(b);
    const missing = ["payment_sum", "currency_iso", "payment_date", "period_from", "period_to"].filter((k) => b[k] === undefined);
    if (missing.length) throw new YcHttpError(422, "An error has occurred.", Object.fromEntries(missing.map((k) => [k, ["required"]])));
    const inst = installs.get(salonId);
    if (!inst) throw new YcHttpError(404, MSG.notInstalled);
    const id = ++paymentSeq;
    inst.payments.push({
      id, payment_sum: Number(b.payment_sum), currency_iso: String(b.currency_iso), payment_date: String(b.payment_date),
      is_refunded: false, period_from: String(b.period_from), period_to: String(b.period_to),
    });
    partnerCallbacks.push({ kind: "payment", salonId, body: b, at: clock.now() });
    return ok(c, { id });
  });

  app.get("/marketplace/salon/:cid/application/:app", (c) => {
    if (Number(c.req.param("app")) !== applicationId) throw new YcHttpError(403, MSG.app);
    const inst = installs.get(sid(c));
    if (!inst) throw new YcHttpError(404, MSG.notInstalled);
    return ok(c, {
      logs: inst.logs, payments: inst.payments,
      connection_status: { status: inst.status, created_at: isoWithOffset(inst.createdAt, "Europe/Moscow") },
    });
  });

  app.post("/marketplace/salon/:cid/application/:app/uninstall", (c) => {
    if (Number(c.req.param("app")) !== applicationId) throw new YcHttpError(403, MSG.app);
    const salonId = sid(c);
    const inst = installs.get(salonId);
    if (!inst || inst.status === "uninstalled") throw new YcHttpError(404, MSG.notInstalled);
    inst.logs.push({ changed_at: isoWithOffset(clock.now(), "Europe/Moscow").replace("T", " ").slice(0, 19), status_from: inst.status, status_to: "uninstalled", source: "partner" });
    inst.status = "uninstalled";
    partnerCallbacks.push({ kind: "uninstall", salonId, body: {}, at: clock.now() });
    return c.json({ success: true, data: null, meta: {} }, 200);
  });

  app.get("/marketplace/application/:app/salons", (c) => {
    if (Number(c.req.param("app")) !== applicationId) throw new YcHttpError(403, MSG.app);
    const page = Math.max(1, Number(c.req.query("page") ?? 0));
    const count = Math.min(1000, Number(c.req.query("count") ?? 0));
    if (!count) throw new YcHttpError(422, "An error has occurred.", { count: ["required"] });
    const ids = [...installs.entries()].filter(([, i]) => i.status === "active").map(([id]) => id).sort((a, z) => a - z);
    return ok(c, ids.slice((page - 1) * count, page * count).map((id) => salon(id).company), {});
  });

  // ---- control surface ----
  function resolveStart(s: SalonData, datetime: string): Date {
    return parseYcDateTime(datetime, s.timezone);
  }

  const sandbox: YClientsSandbox = {
    app,
    partnerToken,
    applicationId,
    userToken: options.userToken,
    partnerCallbacks,
    requests,
    webhooksSent,
    url: null,
    async listen(port = 0) {
      const s = await new Promise<ServerType>((resolve, reject) => {
        const srv = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(srv));
        srv.once("error", reject);
      });
      server = s;
      const addr = s.address();
      const p = typeof addr === "object" && addr ? addr.port : port;
      sandbox.url = `http://127.0.0.1:${p}`;
      return sandbox.url;
    },
    close() {
      const s = server;
      server = undefined;
      if (!s) return Promise.resolve();
      return new Promise<void>((resolve) => {
        s.close(() => resolve());
        (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
    salon,
    owner: (salonId) => salon(salonId).users[0]!,
    addCompanyUser(salonId, user, opts = {}) {
      const s = salon(salonId);
      s.users = s.users.filter((u) => u.id !== user.id);
      s.users.push({
        id: user.id, firstname: user.name ?? "Пользователь", login: user.phone ?? "", email: user.email ?? "", phone: user.phone ?? "",
        access: userAccess(opts.admin ?? true),
      });
    },
    wireRecords: (salonId) => {
      const s = salon(salonId);
      return s.records.map((r) => recordWire(s, r));
    },
    recordChanges: (salonId) => (salonId === undefined ? [...changes] : changes.filter((x) => x.salonId === salonId)),
    addRecord(salonId, input) {
      const s = salon(salonId);
      const staff = input.staffId ? staffOf(s, input.staffId)?.staff : s.staff.find(bookable);
      if (!staff) throw new Error(`no staff ${input.staffId} in salon ${salonId}`);
      const serviceIds = input.serviceIds ?? [staff.services_links![0]!.service_id];
      const cl = clientByPhone(s, input.clientPhone ?? s.clients[0]?.phone ?? "79000000000", input.clientName ?? "Клиент");
      const now = clock.now();
      const rec: FakeRecord = {
        id: s.nextRecordId++, staffId: staff.id, serviceIds, clientId: cl.id, start: resolveStart(s, input.datetime),
        lengthSec: lengthOf(s, serviceIds), attendance: input.attendance ?? 0, deleted: false, comment: input.comment ?? "",
        online: input.online ?? false, apiId: input.apiId ?? "", createdAt: now, changedAt: now, recordHash: null, visitId: 0,
      };
      rec.visitId = rec.id + 7_000_000;
      s.records.push(rec);
      return emit(s, rec, "create", "control");
    },
    changeRecord(salonId, recordId, patch) {
      const s = salon(salonId);
      const rec = s.records.find((r) => r.id === recordId);
      if (!rec) throw new Error(`no record ${recordId} in salon ${salonId}`);
      if (patch.datetime !== undefined) rec.start = resolveStart(s, patch.datetime);
      if (patch.staffId !== undefined) rec.staffId = patch.staffId;
      if (patch.serviceIds !== undefined) {
        rec.serviceIds = patch.serviceIds;
        rec.lengthSec = lengthOf(s, patch.serviceIds);
      }
      if (patch.lengthSec !== undefined) rec.lengthSec = patch.lengthSec;
      if (patch.attendance !== undefined) rec.attendance = patch.attendance;
      if (patch.comment !== undefined) rec.comment = patch.comment;
      if (patch.deleted !== undefined) rec.deleted = patch.deleted;
      rec.changedAt = clock.now();
      return emit(s, rec, patch.deleted ? "delete" : "update", "control");
    },
    deleteRecord(salonId, recordId) {
      return sandbox.changeRecord(salonId, recordId, { deleted: true });
    },
    vanishRecord(salonId, recordId) {
      const s = salon(salonId);
      const i = s.records.findIndex((r) => r.id === recordId);
      if (i < 0) throw new Error(`no record ${recordId} in salon ${salonId}`);
      s.records.splice(i, 1);
    },
    fail(salonId, status, opts = {}) {
      const list = failures.get(salonId) ?? [];
      list.push({ status, remaining: opts.times ?? Infinity, path: opts.path });
      failures.set(salonId, list);
    },
    clearFailures(salonId) {
      if (salonId === undefined) failures.clear();
      else failures.delete(salonId);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setRateLimit(limits) {
      rateLimit = limits;
      arrivals.length = 0;
    },
    chat,
    installed(salonId) {
      const i = installs.get(salonId);
      return i ? { status: i.status, webhookUrls: [...i.webhookUrls] } : undefined;
    },
  };
  return sandbox;
}

export async function startYClientsSandbox(options: SandboxOptions & { port?: number } = {}): Promise<YClientsSandbox & { url: string }> {
  const sandbox = createYClientsSandbox(options);
  await sandbox.listen(options.port ?? 0);
  return sandbox as YClientsSandbox & { url: string };
}
