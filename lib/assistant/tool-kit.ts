/** What every tool works with: the turn's state, the one-table tool shape, and the lookups catalogue and booking share. */
import { z } from "zod";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { YClientsClient } from "../yclients/client.js";
import type { YcBookTime, YcRecord } from "../yclients/types.js";
import { DATE_RE, TIME_RE } from "./dates.js";
import type { SalonContext } from "./store.js";
import type { ToolCallRecord } from "./tool-call.js";

/** The YClients calls the tools make; the real client satisfies it, and so does anything speaking its contract. */
export type BookingApi = Pick<YClientsClient, "bookTimes" | "bookDates" | "bookCheck" | "bookRecord" | "getRecord" | "deleteRecord" | "rescheduleBookRecord" | "updateRecord">;

export interface ToolState {
  salonId: number;
  /** The chat key: the phone WhatsApp confirmed, or the LID while it has not (lib/identity/chats.ts). */
  phone: string;
  /** In a LID chat, the number the client typed (remember_phone): for a new booking only, never proof. */
  typedPhone: string | null;
  ctx: SalonContext;
  turnId: number;
  db: Db;
  clock: Clock;
  yclients: BookingApi;
  /** YClients-changing calls an earlier attempt of this same turn already made. */
  priorCalls: ToolCallRecord[];
  calls: ToolCallRecord[];
  yclientsMs: number;
  /** Slots a tool showed as free, this turn or in the last few hours of this chat: `staff|date|time`. */
  shown: Set<string>;
  handover: { reason: string } | null;
  /** Tells the booking monitor about records this turn created or changed, so it sends no notice of its own. */
  notes: RecordNotes;
  /** Problems that did not undo a change the client asked for (a note that could not be written). */
  warnings: string[];
}

export interface RecordNotes {
  created(salonId: number, record: YcRecord): Promise<void>;
  changed(salonId: number, record: YcRecord): Promise<void>;
}

export type ToolResult = Record<string, unknown>;

/**
 * A tool, declared once: the model's declaration is derived from `schema`, which also validates its arguments.
 * `changes` marks a tool that changes YClients: its success is kept at once and a retried turn reuses it.
 */
export interface Tool<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  schema: S;
  changes?: boolean;
  run(state: ToolState, args: z.output<S>): Promise<ToolResult>;
}

/** Types `run`'s arguments from the schema; the table holds tools of different schemas. */
export const tool = <S extends z.ZodObject>(t: Tool<S>): Tool => t as unknown as Tool;

export const fail = (error: string, message: string, extra: ToolResult = {}): ToolResult => ({ ok: false, error, message, ...extra });

export const idArg = z.coerce.number().int().positive();
export const dateArg = z.string().trim().regex(DATE_RE, "дата в формате YYYY-MM-DD");
export const timeArg = z
  .string()
  .trim()
  .transform((t) => (/^\d:\d\d$/.test(t) ? `0${t}` : t))
  .pipe(z.string().regex(TIME_RE, "время в формате HH:MM"))
  .describe("HH:MM");

export const slotKey = (staffId: number, date: string, time: string) => `${staffId}|${date}|${time}`;

const inFlight = new WeakMap<ToolState, { n: number; since: number }>();

/** Times YClients as wall time: parallel calls (slots of several masters) count once, not once per call. */
export async function yc<T>(state: ToolState, fn: () => Promise<T>): Promise<T> {
  const f = inFlight.get(state) ?? { n: 0, since: 0 };
  inFlight.set(state, f);
  if (f.n === 0) f.since = performance.now();
  f.n += 1;
  try {
    return await fn();
  } finally {
    f.n -= 1;
    if (f.n === 0) state.yclientsMs += performance.now() - f.since;
  }
}

export function price(s: { price_min: number | null; price_max: number | null }): string | null {
  const min = s.price_min === null ? null : Number(s.price_min);
  const max = s.price_max === null ? null : Number(s.price_max);
  if (min === null && max === null) return null;
  if (min !== null && max !== null && max > min) return `${min}–${max} ₽`;
  return `${min ?? max} ₽`;
}

export function serviceById(state: ToolState, serviceId: number) {
  return state.ctx.services.find((s) => s.id === serviceId);
}

export function staffById(state: ToolState, staffId: number) {
  return state.ctx.staff.find((s) => s.id === staffId);
}

export async function freeTimes(state: ToolState, staffId: number, day: string, serviceIds: number[]): Promise<YcBookTime[]> {
  return yc(state, () => state.yclients.bookTimes(state.salonId, staffId, day, { serviceIds }));
}

/** Nearest free times to the wanted one, the same day first. */
export function nearest(times: YcBookTime[], wanted: string, n: number): string[] {
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  return [...times]
    .sort((a, b) => Math.abs(minutes(a.time) - minutes(wanted)) - Math.abs(minutes(b.time) - minutes(wanted)))
    .slice(0, n)
    .map((t) => t.time)
    .sort();
}

export function isPast(state: ToolState, day: string, t = "23:59"): boolean {
  return `${day} ${t}` < `${state.ctx.today} ${state.ctx.local_time}`;
}
