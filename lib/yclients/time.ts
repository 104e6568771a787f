/**
 * YClients speaks salon-local time in several string formats (reference §8). Public API:
 * - `localParts(instant, tz)`: the wall clock of `tz` at an instant.
 * - `localDate(instant, tz)` → `Y-m-d`; `localDateTime(instant, tz)` → `Y-m-d H:i:s`;
 *   `isoWithOffset(instant, tz)` → `Y-m-dTH:i:s+HH:MM` (record `datetime`);
 *   `isoCompactOffset(instant, tz)` → `Y-m-dTH:i:s+HHMM` (`create_date`, `last_change_date`);
 *   `localNaive(instant, tz)` → `Y-m-dTH:i:s` (the `changed_after` query).
 * - `parseYcDateTime(text, tz)`: any of those (with `+HH:MM`, `+HHMM`, `Z` or no offset = salon-local) → Date.
 * - `addDays(ymd, n)`, `weekday(ymd)` (0 = Sunday): calendar arithmetic on `Y-m-d` strings.
 */

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(tz, f);
  }
  return f;
}

export function localParts(instant: Date, tz: string): LocalParts {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(instant)) if (part.type !== "literal") p[part.type] = Number(part.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute!, second: p.second! };
}

/** Minutes east of UTC in `tz` at `instant`. */
export function offsetMinutes(instant: Date, tz: string): number {
  const p = localParts(instant, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function offsetText(min: number, colon: boolean): string {
  const sign = min < 0 ? "-" : "+";
  const a = Math.abs(min);
  return `${sign}${pad(Math.floor(a / 60))}${colon ? ":" : ""}${pad(a % 60)}`;
}

export function localDate(instant: Date, tz: string): string {
  const p = localParts(instant, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

function localClock(p: LocalParts): string {
  return `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

export function localDateTime(instant: Date, tz: string): string {
  const p = localParts(instant, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${localClock(p)}`;
}

export function localNaive(instant: Date, tz: string): string {
  return localDateTime(instant, tz).replace(" ", "T");
}

export function isoWithOffset(instant: Date, tz: string): string {
  return `${localNaive(instant, tz)}${offsetText(offsetMinutes(instant, tz), true)}`;
}

export function isoCompactOffset(instant: Date, tz: string): string {
  return `${localNaive(instant, tz)}${offsetText(offsetMinutes(instant, tz), false)}`;
}

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses the date-time strings YClients sends or accepts; a string without an offset is salon-local. */
export function parseYcDateTime(text: string, tz: string): Date {
  const m = PATTERN.exec(text.trim());
  if (!m) throw new Error(`not a YClients date-time: ${JSON.stringify(text)}`);
  const [, y, mo, d, h = "0", mi = "0", s = "0", off] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (off !== undefined) {
    if (off === "Z") return new Date(wall);
    const sign = off.startsWith("-") ? -1 : 1;
    const digits = off.slice(1).replace(":", "");
    return new Date(wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000);
  }
  // Local wall time: guess with the offset at the wall time read as UTC, then correct once across a DST edge.
  let t = wall - offsetMinutes(new Date(wall), tz) * 60_000;
  t = wall - offsetMinutes(new Date(t), tz) * 60_000;
  return new Date(t);
}

export function addDays(ymd: string, n: number): string {
  const [y, m, d] = ymd.split("-").map(Number);
  const t = new Date(Date.UTC(y!, m! - 1, d! + n));
  return t.toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(ymd: string): number {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay();
}
