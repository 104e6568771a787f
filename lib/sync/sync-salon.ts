/**
 * One salon's sync from YClients. Public API:
 * - `syncSalon(services, salonId, parts)` → `SyncOutcome`: runs the asked parts (all at once; the shared rate
 *   limiter paces them), one bulk RPC per page, and records the run in `sync_runs` (parts, counts, requests,
 *   duration, error). A salon YClients refuses (403, or 402 for an unpaid licence) is blocked for a day in
 *   `sync_blocks` and reported in the outcome; it is not retried until then.
 * - `ALL_PARTS`, `SyncPart`.
 *
 * Parts: company (title, address, phone, timezone, raw company); services (with categories); staff (fired and
 * hidden kept, never bookable); clients (every page, sold_amount, visits_count, visit dates; then clients no
 * longer listed are removed; then, for a salon that greets birthdays, birth dates from the older listing); schedules (30 days) and schedules_today (today and tomorrow); records (today to
 * +60 days, deleted ones included, through lib/bookings' processRecordUpdates, then markRecordsGone for records
 * the complete listing no longer has).
 */
import type { Services } from "../services.js";
import { markRecordsGone, processRecordUpdates } from "../bookings/process-records.js";
import { acceptsWork } from "../salons/store.js";
import { YClientsError } from "../yclients/errors.js";
import { addDays, localDate, parseYcDateTime } from "../yclients/time.js";
import { campaignsStore } from "../campaigns/store.js";
import { birthDateRow, categoryRow, clientRow, scheduleRow, serviceRow, staffRow, validTimeZone } from "./map.js";
import { readAllPages } from "./paging.js";
import { syncStore, type SyncPart } from "./store.js";

export type { SyncPart } from "./store.js";

export const ALL_PARTS: readonly SyncPart[] = ["company", "services", "staff", "clients", "schedules", "schedules_today", "records"];

export const CLIENT_PAGE_SIZE = 200;
export const RECORD_PAGE_SIZE = 200;
export const SCHEDULE_DAYS = 30;
export const RECORD_DAYS = 60;

export interface SyncOutcome {
  salonId: number;
  status: "ok" | "failed" | "skipped";
  /** Why nothing ran: unknown salon, inactive salon, another run in progress. */
  skipped?: "unknown_salon" | "inactive" | "running";
  runId?: number;
  parts: SyncPart[];
  okParts: SyncPart[];
  counts: Record<string, number>;
  requests: number;
  ms: number;
  errors: Array<{ part: SyncPart; status: number; message: string }>;
  /** YClients refused access (403/402): the salon is blocked from syncing for a day. */
  forbidden: boolean;
}

export async function syncSalon(s: Services, salonId: number, requested: readonly SyncPart[] = ALL_PARTS): Promise<SyncOutcome> {
  const started = performance.now();
  const parts = [...new Set(requested)].filter((p) => ALL_PARTS.includes(p));
  // The 30-day schedule covers today and tomorrow: run once, counted for both.
  const covered = parts.includes("schedules");
  const work = covered ? parts.filter((p) => p !== "schedules_today") : parts;
  if (covered && !parts.includes("schedules_today")) parts.push("schedules_today");
  const base: SyncOutcome = { salonId, status: "skipped", parts, okParts: [], counts: {}, requests: 0, ms: 0, errors: [], forbidden: false };

  const salon = await syncStore.salon(s.db, salonId);
  if (!salon) return { ...base, skipped: "unknown_salon" };
  if (!acceptsWork(salon, "sync")) return { ...base, skipped: "inactive" };
  const runStart = s.clock.now();
  const runId = await syncStore.startRun(s.db, salonId, parts, runStart);
  if (runId === null) return { ...base, skipped: "running" };

  const log = s.log.child({ salonId, runId });
  let requests = 0;
  const stop = s.yclients.observe((call) => {
    if (call.salonId === salonId) requests++;
  });
  const counts: Record<string, number> = {};
  const tz = validTimeZone(salon.timezone) ?? "Europe/Moscow";
  const today = localDate(runStart, tz);
  const now = () => s.clock.now();
  const yc = s.yclients;

  const run: Record<SyncPart, () => Promise<void>> = {
    async company() {
      const c = await yc.getCompany(salonId);
      const zone = validTimeZone(c.timezone_name) ?? validTimeZone(c.timezone);
      const saved = await syncStore.saveCompany(s.db, salonId, {
        title: c.title || c.public_title || null,
        address: c.address || null,
        phone: c.phone || null,
        timezone: zone,
        company: c,
      }, now());
      counts.company = saved ? 1 : 0;
    },
    async services() {
      const [categories, services] = await Promise.all([yc.listServiceCategories(salonId), yc.listServices(salonId)]);
      const cat = await syncStore.saveCategories(s.db, salonId, categories.map(categoryRow), now());
      const svc = await syncStore.saveServices(s.db, salonId, services.map(serviceRow), now());
      counts.categories = cat.saved;
      counts.services = svc.saved;
      counts.services_removed = svc.removed;
    },
    async staff() {
      const staff = await yc.listStaff(salonId);
      const rows = staff.map(staffRow);
      const saved = await syncStore.saveStaff(s.db, salonId, rows, now());
      counts.staff = saved.saved;
      counts.staff_bookable = rows.filter((r) => r.bookable).length;
    },
    async clients() {
      let saved = 0;
      const res = await readAllPages(
        (page, size) => yc.searchClients(salonId, { page, pageSize: size }),
        async (items) => {
          saved += await syncStore.saveClients(s.db, salonId, items.map((c) => clientRow(c, tz, salon.country)), now());
        },
        { pageSize: CLIENT_PAGE_SIZE },
      );
      counts.clients = saved;
      counts.client_pages = res.pages;
      counts.clients_removed = await syncStore.pruneClients(s.db, salonId, runStart);
      // Birth dates are only in YClients' older client listing: a second pass, for salons that greet birthdays.
      if (!(await campaignsStore.birthdaysOn(s.db, salonId))) return;
      let birthDates = 0;
      await readAllPages(
        (page, size) => yc.listClientBirthDates(salonId, { page, count: size }),
        async (items) => {
          birthDates += await campaignsStore.saveBirthDates(s.db, salonId, items.map(birthDateRow));
        },
        { pageSize: CLIENT_PAGE_SIZE },
      );
      counts.birth_dates_changed = birthDates;
    },
    async schedules() {
      counts.schedule_days = await schedules(SCHEDULE_DAYS);
    },
    async schedules_today() {
      counts.schedule_days_today = await schedules(2);
    },
    async records() {
      const seen: number[] = [];
      let changed = 0;
      const end = addDays(today, RECORD_DAYS);
      const res = await readAllPages(
        (page, size) => yc.listRecords(salonId, { page, count: size, startDate: today, endDate: end, withDeleted: true }),
        async (items) => {
          for (const r of items) seen.push(Number(r.id));
          const applied = await processRecordUpdates(s, salonId, items, { source: "sync" });
          changed += applied.results.length;
        },
        { pageSize: RECORD_PAGE_SIZE },
      );
      const gone = await markRecordsGone(s, salonId, {
        from: parseYcDateTime(today, tz),
        to: parseYcDateTime(addDays(end, 1), tz),
        seenRecordIds: seen,
      });
      counts.records = res.items;
      counts.records_processed = changed;
      counts.records_gone = gone.results.length;
    },
  };

  async function schedules(days: number): Promise<number> {
    const to = addDays(today, days - 1);
    const list = await yc.getStaffSchedule(salonId, { startDate: today, endDate: to });
    const rows = list.map(scheduleRow).filter((r) => r.slots.length > 0);
    return syncStore.saveSchedules(s.db, salonId, today, to, rows, now());
  }

  let settled: PromiseSettledResult<void>[];
  try {
    settled = await Promise.allSettled(work.map((p) => run[p]()));
  } finally {
    stop();
  }
  const okParts: SyncPart[] = [];
  const errors: SyncOutcome["errors"] = [];
  settled.forEach((r, i) => {
    const part = work[i]!;
    if (r.status === "fulfilled") {
      okParts.push(part);
      if (part === "schedules" && covered) okParts.push("schedules_today");
    }
    else {
      const err = r.reason as Error & { status?: number };
      errors.push({ part, status: typeof err.status === "number" ? err.status : 0, message: err.message });
    }
  });
  const refused = settled
    .map((r) => (r.status === "rejected" ? r.reason : null))
    .find((e): e is YClientsError => e instanceof YClientsError && (e.status === 403 || e.status === 402));
  const status = errors.length === 0 ? "ok" : "failed";
  const error = errors.length ? errors.map((e) => `${e.part}: ${e.status ? `${e.status} ` : ""}${e.message}`).join("; ").slice(0, 2000) : null;
  await syncStore.finishRun(s.db, runId, { status, counts, requests, error, okParts }, now());
  if (refused) {
    await syncStore.block(s.db, salonId, refused.status, refused.message, now());
    log.error({ status: refused.status, message: refused.message }, "YClients refused access to the salon; sync blocked for a day");
  } else if (errors.length) {
    log.warn({ errors }, "salon sync failed in part");
  } else {
    log.info({ parts, counts, requests }, "salon synced");
  }
  return { salonId, status, runId, parts, okParts, counts, requests, ms: Math.round(performance.now() - started), errors, forbidden: Boolean(refused) };
}

