/**
 * YClients wire objects → the rows lib/sync/store.ts saves. Pure functions; the salon's zone turns YClients'
 * local dates into instants, its country reads client numbers (lib/phone).
 */
import { normalisePhone } from "../phone/index.js";
import { parseYcDateTime } from "../yclients/time.js";
import type { YcClient, YcService, YcServiceCategory, YcStaff, YcStaffScheduleDay } from "../yclients/types.js";
import type { CategoryRow, ClientRow, ScheduleRow, ServiceRow, StaffRow } from "./store.js";

const num = (v: unknown): number | null => {
  if (v === null || v === undefined || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};
const flag = (v: unknown): boolean => v === true || v === 1 || v === "1";

/** A zone Postgres and Intl both understand, or null (an unknown zone would break every schedule computation). */
export function validTimeZone(tz: unknown): string | null {
  if (typeof tz !== "string" || !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return null;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    return null;
  }
}

export function categoryRow(c: YcServiceCategory): CategoryRow {
  return { category_id: Number(c.id), title: String(c.title ?? ""), weight: num(c.weight) ?? 0 };
}

export function serviceRow(s: YcService): ServiceRow {
  return {
    service_id: Number(s.id),
    category_id: num(s.category_id),
    title: String(s.booking_title || s.title || ""),
    price_min: num(s.price_min),
    price_max: num(s.price_max),
    duration_sec: num(s.duration) ?? num(s.seance_length),
    bookable: flag(s.active),
    weight: num(s.weight) ?? 0,
    staff_ids: (s.staff ?? []).map((x) => Number(x.id)).filter(Number.isFinite),
    raw: s,
  };
}

/** Fired, hidden or deleted masters are kept (records name them) but are never bookable. */
export function staffRow(s: YcStaff): StaffRow {
  const fired = flag(s.fired) || s.is_fired === true;
  const hidden = flag(s.hidden);
  const deleted = flag(s.status) || s.is_deleted === true;
  return {
    staff_id: Number(s.id),
    name: String(s.name ?? ""),
    specialization: s.specialization ? String(s.specialization) : null,
    rating: num(s.rating),
    bookable: !fired && !hidden && !deleted && s.is_bookable !== false,
    fired: fired || deleted,
    hidden,
    raw: s,
  };
}

function visitAt(date: unknown, tz: string): string | null {
  if (typeof date !== "string" || date === "" || date.startsWith("0000")) return null;
  try {
    return parseYcDateTime(date, tz).toISOString();
  } catch {
    return null;
  }
}

/** `country` is the salon's: it reads a number written without a country code. */
export function clientRow(c: YcClient, tz: string, country: string | null): ClientRow {
  return {
    client_id: Number(c.id),
    name: typeof c.name === "string" ? c.name : null,
    phone: normalisePhone(c.phone, country),
    email: typeof c.email === "string" && c.email !== "" ? c.email : null,
    sold_amount: num(c.sold_amount) ?? 0,
    visits_count: Math.trunc(num(c.visits_count) ?? 0),
    first_visit_at: visitAt(c.first_visit_date, tz),
    last_visit_at: visitAt(c.last_visit_date, tz),
    raw: c,
  };
}

/** A real Y-m-d birth date, else null (YClients sends "" or "0000-00-00" for none). */
export function birthDateRow(c: { id: number; birth_date?: string | null }): { client_id: number; birth_date: string | null } {
  const d = typeof c.birth_date === "string" ? c.birth_date.slice(0, 10) : "";
  // A date that does not exist (31 April) would fail the whole page in Postgres: it must read back the same.
  const at = /^(19|20)\d\d-\d\d-\d\d$/.test(d) ? Date.parse(`${d}T00:00:00Z`) : NaN;
  const valid = Number.isFinite(at) && new Date(at).toISOString().startsWith(d);
  return { client_id: Number(c.id), birth_date: valid ? d : null };
}

export function scheduleRow(d: YcStaffScheduleDay): ScheduleRow {
  return { staff_id: Number(d.staff_id), date: d.date, slots: (d.slots ?? []).map((s) => ({ from: s.from, to: s.to })) };
}
