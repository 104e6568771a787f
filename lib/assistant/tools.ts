/**
 * What the model may ask our code to do. Each tool's arguments are validated here (the model's JSON is a proposal,
 * not a command) and each is executed by our code against the synced data or YClients, under rules the model cannot
 * talk its way around: a booking only for a slot a tool showed as free and that is free again on a fresh look, the
 * client's name before booking, cancel and move only the client's own future records (matched by phone live in
 * YClients), and a change that succeeded is kept at once so a retried turn never makes it twice.
 */
import { SchemaType, type FunctionDeclaration } from "@google/generative-ai";
import { z } from "zod";
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { ASSISTANT_API_ID_PREFIX } from "../bookings/normalise.js";
import { bookingsStore } from "../bookings/store.js";
import { samePhone } from "../phone/index.js";
import { YClientsError, YClientsNetworkError } from "../yclients/errors.js";
import type { YClientsClient } from "../yclients/client.js";
import { recordUpdateBody } from "../yclients/record-update.js";
import { parseYcDateTime } from "../yclients/time.js";
import type { YcBookTime, YcRecord } from "../yclients/types.js";
import { DATE_RE, TIME_RE, addDays, humanDate, localDateTime, partOfDay, weekday, type PartOfDay } from "./dates.js";
import { keepToolCall, type SalonContext } from "./store.js";

/** The YClients calls the tools make; the real client satisfies it, and so does anything speaking its contract. */
export type BookingApi = Pick<YClientsClient, "bookTimes" | "bookDates" | "bookCheck" | "bookRecord" | "getRecord" | "deleteRecord" | "rescheduleBookRecord" | "updateRecord">;

export interface ToolCallRecord {
  name: string;
  args: Record<string, unknown>;
  ok: boolean;
  result: Record<string, unknown>;
  ms: number;
}

export interface ToolState {
  salonId: number;
  phone: string;
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

export const COMMENT = "Запись через AI-администратора WhatsApp";
const MAX_STAFF_PER_SEARCH = 4;

const slotKey = (staffId: number, date: string, time: string) => `${staffId}|${date}|${time}`;

export function initialShown(ctx: SalonContext): Set<string> {
  const shown = new Set<string>();
  for (const c of ctx.recent_tool_calls ?? []) collectShown(c, shown);
  return shown;
}

function collectShown(c: ToolCallRecord, into: Set<string>): void {
  const r = c.result as { options?: Array<{ staff_id: number; date: string; times: string[] }>; alternatives?: Array<{ staff_id: number; date: string; time: string }> };
  for (const o of r.options ?? []) for (const t of o.times) into.add(slotKey(o.staff_id, o.date, t));
  for (const a of r.alternatives ?? []) into.add(slotKey(a.staff_id, a.date, a.time));
}

// ---- declarations the model sees ----

export const TOOL_DECLARATIONS: FunctionDeclaration[] = [
  {
    name: "list_services",
    description: "Услуги салона с ценами и длительностью. query — слово из названия (например «стрижка»); без query — все услуги.",
    parameters: { type: SchemaType.OBJECT, properties: { query: { type: SchemaType.STRING } } },
  },
  {
    name: "list_staff",
    description: "Мастера салона; с service_id — только те, кто делает эту услугу.",
    parameters: { type: SchemaType.OBJECT, properties: { service_id: { type: SchemaType.INTEGER } } },
  },
  {
    name: "find_free_slots",
    description:
      "Свободное время для записи на услугу в YClients на дату (YYYY-MM-DD). staff_id — если клиент назвал мастера; без него ищет у всех, кто делает услугу. part_of_day: morning (до 12), afternoon (12–17), evening (после 17).",
    parameters: {
      type: SchemaType.OBJECT,
      properties: {
        service_id: { type: SchemaType.INTEGER },
        date: { type: SchemaType.STRING },
        staff_id: { type: SchemaType.INTEGER },
        part_of_day: { type: SchemaType.STRING, format: "enum", enum: ["morning", "afternoon", "evening"] },
      },
      required: ["service_id", "date"],
    },
  },
  {
    name: "create_booking",
    description:
      "Записать клиента. Только на время, которое find_free_slots показал свободным у этого мастера. client_name — имя клиента, если его нет в профиле.",
    parameters: {
      type: SchemaType.OBJECT,
      properties: {
        service_id: { type: SchemaType.INTEGER },
        staff_id: { type: SchemaType.INTEGER },
        date: { type: SchemaType.STRING },
        time: { type: SchemaType.STRING, description: "HH:MM" },
        client_name: { type: SchemaType.STRING },
      },
      required: ["service_id", "staff_id", "date", "time"],
    },
  },
  {
    name: "my_visits",
    description: "Предстоящие записи этого клиента (record_id, дата, время, услуги, мастер).",
    parameters: { type: SchemaType.OBJECT, properties: {} },
  },
  {
    name: "cancel_visit",
    description: "Отменить предстоящую запись клиента по record_id из my_visits. Только когда клиент ясно попросил отменить.",
    parameters: { type: SchemaType.OBJECT, properties: { record_id: { type: SchemaType.INTEGER } }, required: ["record_id"] },
  },
  {
    name: "reschedule_visit",
    description: "Перенести запись клиента (record_id из my_visits) на другую дату и время у того же мастера.",
    parameters: {
      type: SchemaType.OBJECT,
      properties: {
        record_id: { type: SchemaType.INTEGER },
        date: { type: SchemaType.STRING },
        time: { type: SchemaType.STRING, description: "HH:MM" },
      },
      required: ["record_id", "date", "time"],
    },
  },
  {
    name: "handover",
    description:
      "Передать разговор живому администратору: клиент просит человека, жалоба, вопрос вне записи и услуг, или не получается помочь.",
    parameters: { type: SchemaType.OBJECT, properties: { reason: { type: SchemaType.STRING } }, required: ["reason"] },
  },
];

// ---- argument schemas ----

const id = z.coerce.number().int().positive();
const date = z.string().trim().regex(DATE_RE, "дата в формате YYYY-MM-DD");
const time = z
  .string()
  .trim()
  .transform((t) => (/^\d:\d\d$/.test(t) ? `0${t}` : t))
  .pipe(z.string().regex(TIME_RE, "время в формате HH:MM"));

const SCHEMAS = {
  list_services: z.object({ query: z.string().trim().max(100).optional() }),
  list_staff: z.object({ service_id: id.optional() }),
  find_free_slots: z.object({
    service_id: id,
    date,
    staff_id: id.optional(),
    part_of_day: z.enum(["morning", "afternoon", "evening"]).optional(),
  }),
  create_booking: z.object({ service_id: id, staff_id: id, date, time, client_name: z.string().trim().max(80).optional() }),
  my_visits: z.object({}),
  cancel_visit: z.object({ record_id: id }),
  reschedule_visit: z.object({ record_id: id, date, time }),
  handover: z.object({ reason: z.string().trim().min(1).max(300) }),
} as const;

export type ToolName = keyof typeof SCHEMAS;
export const CHANGING_TOOLS: ReadonlySet<string> = new Set(["create_booking", "cancel_visit", "reschedule_visit"]);

type Result = Record<string, unknown>;
const fail = (error: string, message: string, extra: Result = {}): Result => ({ ok: false, error, message, ...extra });

/** Runs one tool call; never throws for a refusal — the model gets the refusal as the result and answers honestly. */
export async function runTool(state: ToolState, name: string, rawArgs: Record<string, unknown>): Promise<ToolCallRecord> {
  const started = performance.now();
  const ycBefore = state.yclientsMs;
  let result: Result;
  let args: Record<string, unknown> = rawArgs;
  const schema = (SCHEMAS as Record<string, z.ZodType>)[name];
  if (!schema) {
    result = fail("unknown_tool", `Нет инструмента ${name}`);
  } else {
    const parsed = schema.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      result = fail("invalid_arguments", `${issue?.path.join(".") || "args"}: ${issue?.message ?? "invalid"}`);
    } else {
      args = parsed.data as Record<string, unknown>;
      const prior = CHANGING_TOOLS.has(name) ? findPrior(state, name, args) : undefined;
      if (prior) {
        result = prior.result;
      } else {
        try {
          result = await EXECUTORS[name as ToolName](state, args as never);
        } catch (err) {
          result = yclientsFailure(err);
        }
      }
    }
  }
  const record: ToolCallRecord = {
    name,
    args,
    ok: result.ok !== false,
    result,
    ms: Math.round(performance.now() - started - (state.yclientsMs - ycBefore)),
  };
  state.calls.push(record);
  collectShown(record, state.shown);
  if (CHANGING_TOOLS.has(name) && record.ok && !findPrior(state, name, args, state.priorCalls)) {
    await keepToolCall(state.db, state.turnId, record);
  }
  return record;
}

function findPrior(state: ToolState, name: string, args: Record<string, unknown>, list = state.priorCalls): ToolCallRecord | undefined {
  const key = JSON.stringify(args);
  return list.find((c) => c.name === name && c.ok && JSON.stringify(c.args) === key);
}

function yclientsFailure(err: unknown): Result {
  if (err instanceof YClientsError) {
    return fail("yclients_refused", err.message || `YClients ответил ${err.status}`, { status: err.status, code: err.code });
  }
  if (err instanceof YClientsNetworkError) return fail("yclients_unavailable", "YClients сейчас не отвечает");
  throw err;
}

const inFlight = new WeakMap<ToolState, { n: number; since: number }>();

/** Times YClients as wall time: parallel calls (slots of several masters) count once, not once per call. */
async function yc<T>(state: ToolState, fn: () => Promise<T>): Promise<T> {
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

function price(s: { price_min: number | null; price_max: number | null }): string | null {
  const min = s.price_min === null ? null : Number(s.price_min);
  const max = s.price_max === null ? null : Number(s.price_max);
  if (min === null && max === null) return null;
  if (min !== null && max !== null && max > min) return `${min}–${max} ₽`;
  return `${min ?? max} ₽`;
}

function serviceById(state: ToolState, serviceId: number) {
  return state.ctx.services.find((s) => s.id === serviceId);
}

function staffById(state: ToolState, staffId: number) {
  return state.ctx.staff.find((s) => s.id === staffId);
}

function staffForService(state: ToolState, serviceId: number): Array<{ id: number; name: string }> {
  const svc = serviceById(state, serviceId);
  const ids = svc?.staff_ids ?? [];
  const staff = ids.length > 0 ? state.ctx.staff.filter((s) => ids.includes(s.id)) : state.ctx.staff;
  // The client's usual master first: they are the likeliest to be wanted.
  const usual = state.ctx.usual?.staff_id;
  return [...staff].sort((a, b) => Number(b.id === usual) - Number(a.id === usual));
}

async function freeTimes(state: ToolState, staffId: number, day: string, serviceIds: number[]): Promise<YcBookTime[]> {
  return yc(state, () => state.yclients.bookTimes(state.salonId, staffId, day, { serviceIds }));
}

function pick(times: YcBookTime[], part: PartOfDay | undefined, limit: number): string[] {
  const within = part ? times.filter((t) => partOfDay(t.time) === part) : times;
  return within.slice(0, limit).map((t) => t.time);
}

/** Nearest free times to the wanted one, the same day first. */
function nearest(times: YcBookTime[], wanted: string, n: number): string[] {
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  return [...times]
    .sort((a, b) => Math.abs(minutes(a.time) - minutes(wanted)) - Math.abs(minutes(b.time) - minutes(wanted)))
    .slice(0, n)
    .map((t) => t.time)
    .sort();
}

function isPast(state: ToolState, day: string, t = "23:59"): boolean {
  return `${day} ${t}` < `${state.ctx.today} ${state.ctx.local_time}`;
}

const EXECUTORS: { [K in ToolName]: (state: ToolState, args: z.infer<(typeof SCHEMAS)[K]>) => Promise<Result> } = {
  async list_services(state, { query }) {
    const words = (query ?? "").toLowerCase().split(/\s+/).filter((w) => w.length >= 3).map((w) => w.slice(0, Math.max(3, w.length - 2)));
    const matches = state.ctx.services.filter((s) => {
      if (words.length === 0) return true;
      const hay = `${s.title} ${s.category ?? ""}`.toLowerCase();
      return words.some((w) => hay.includes(w));
    });
    const list = (matches.length > 0 ? matches : state.ctx.services).slice(0, 40);
    return {
      ok: true,
      matched: matches.length > 0,
      services: list.map((s) => ({
        service_id: s.id,
        title: s.title,
        price: price(s),
        duration_min: s.duration_sec ? Math.round(s.duration_sec / 60) : null,
        category: s.category,
      })),
    };
  },

  async list_staff(state, { service_id }) {
    const staff = service_id ? staffForService(state, service_id) : state.ctx.staff;
    return { ok: true, staff: staff.map((s) => ({ staff_id: s.id, name: s.name, specialization: staffById(state, s.id)?.specialization ?? null })) };
  },

  async find_free_slots(state, { service_id, date: day, staff_id, part_of_day }) {
    const svc = serviceById(state, service_id);
    if (!svc) return fail("unknown_service", "Такой услуги нет; возьми service_id из list_services");
    if (isPast(state, day)) return fail("date_in_past", `Дата ${day} уже прошла; сегодня ${state.ctx.today}`);
    let staff: Array<{ id: number; name: string }>;
    if (staff_id) {
      const one = staffById(state, staff_id);
      if (!one) return fail("unknown_staff", "Такого мастера нет", { staff: staffForService(state, service_id).map((s) => ({ staff_id: s.id, name: s.name })) });
      staff = [one];
    } else {
      staff = staffForService(state, service_id).slice(0, MAX_STAFF_PER_SEARCH);
    }
    const perStaff = await Promise.all(staff.map(async (s) => ({ s, times: await freeTimes(state, s.id, day, [service_id]) })));
    const now = day === state.ctx.today ? state.ctx.local_time : "00:00";
    const build = (part: PartOfDay | undefined) =>
      perStaff
        .map(({ s, times }) => ({ staff_id: s.id, staff_name: s.name, date: day, times: pick(times.filter((t) => t.time > now), part, 12) }))
        .filter((o) => o.times.length > 0);
    let options = build(part_of_day);
    let note: string | undefined;
    if (options.length === 0 && part_of_day) {
      options = build(undefined);
      if (options.length > 0) note = "В это время суток свободного нет; вот другое время в этот день";
    }
    let nextDates: string[] | undefined;
    if (options.length === 0) {
      // A full day: look ahead once here rather than let the model guess dates one model round at a time.
      const ahead = await yc(state, () =>
        state.yclients.bookDates(state.salonId, { serviceIds: [service_id], staffId: staff_id, startDate: addDays(day, 1), endDate: addDays(day, 14) }),
      );
      nextDates = ahead.booking_dates.filter((d) => d > day).sort().slice(0, 3);
      note = nextDates.length > 0 ? "В этот день свободного времени нет; предложи ближайшие дни из next_dates" : "Свободного времени нет в ближайшие две недели; предложи администратора";
    }
    return {
      ok: true,
      service: svc.title,
      date: day,
      weekday: weekday(day),
      options,
      ...(nextDates ? { next_dates: nextDates.map((d) => ({ date: d, weekday: weekday(d) })) } : {}),
      ...(note ? { note } : {}),
    };
  },

  async create_booking(state, { service_id, staff_id, date: day, time: t, client_name }) {
    const svc = serviceById(state, service_id);
    const master = staffById(state, staff_id);
    if (!svc || !master) return fail("unknown_service_or_staff", "Возьми service_id и staff_id из инструментов");
    if (isPast(state, day, t)) return fail("time_in_past", "Это время уже прошло");
    if (!state.shown.has(slotKey(staff_id, day, t))) {
      return fail("slot_not_checked", "Это время ещё не проверено: сначала вызови find_free_slots на эту дату и этого мастера");
    }
    const name = client_name || state.ctx.client?.name || (nameAskedBefore(state) ? state.ctx.push_name : null);
    if (!name) return fail("name_required", "Спроси у клиента имя (один раз) и повтори запись с client_name");

    const fresh = await freeTimes(state, staff_id, day, [service_id]);
    const slot = fresh.find((x) => x.time === t);
    const alternatives = () => nearest(fresh.filter((x) => x.time !== t), t, 3).map((x) => ({ staff_id, staff_name: master.name, date: day, time: x }));
    if (!slot) return fail("slot_taken", "Это время уже заняли", { alternatives: alternatives() });
    const appointment = { id: 1, services: [service_id], staff_id, datetime: slot.datetime };
    try {
      await yc(state, () => state.yclients.bookCheck(state.salonId, [appointment]));
    } catch (err) {
      if (err instanceof YClientsError && err.status === 422) return fail("slot_taken", err.message || "Это время уже заняли", { alternatives: alternatives() });
      throw err;
    }
    const created = await yc(state, () =>
      state.yclients.bookRecord(state.salonId, {
        phone: state.phone,
        fullname: name,
        comment: COMMENT,
        api_id: `${ASSISTANT_API_ID_PREFIX}-${state.turnId}`,
        appointments: [appointment],
      }),
    );
    const recordId = created[0]?.record_id;
    if (!recordId) return fail("yclients_refused", "YClients не вернул номер записи");
    await note(state, async () => state.notes.created(state.salonId, await yc(state, () => state.yclients.getRecord(state.salonId, recordId))));
    return {
      ok: true,
      record_id: recordId,
      service: svc.title,
      staff_name: master.name,
      date: day,
      date_human: `${humanDate(day)}, ${weekday(day)}`,
      time: t,
      price: price(svc),
      address: state.ctx.salon.address,
      client_name: name,
    };
  },

  async my_visits(state) {
    const tz = state.ctx.salon.timezone;
    return {
      ok: true,
      visits: state.ctx.upcoming.map((r) => {
        const local = localDateTime(r.starts_at, tz);
        const titles = Array.isArray(r.services) ? (r.services as Array<{ title?: string }>).map((s) => s.title).filter(Boolean) : [];
        return { record_id: r.record_id, date: local.date, date_human: humanDate(local.date), time: local.time, services: titles, staff_name: r.staff_name };
      }),
    };
  },

  async cancel_visit(state, { record_id }) {
    const own = await ownRecord(state, record_id);
    if ("error" in own) return own.error;
    const marked = await markCancelledByClient(state, own.record);
    await yc(state, () => state.yclients.deleteRecord(state.salonId, record_id));
    const local = localDateTime(own.record.datetime, state.ctx.salon.timezone);
    await note(state, () => state.notes.changed(state.salonId, { ...marked, deleted: true, last_change_date: deletedAt(state, marked) }));
    return { ok: true, record_id, cancelled: true, date: local.date, date_human: humanDate(local.date), time: local.time, services: own.record.services.map((s) => s.title) };
  },

  async reschedule_visit(state, { record_id, date: day, time: t }) {
    const own = await ownRecord(state, record_id);
    if ("error" in own) return own.error;
    if (isPast(state, day, t)) return fail("time_in_past", "Это время уже прошло");
    const staffId = own.record.staff_id;
    const serviceIds = own.record.services.map((s) => s.id);
    const fresh = await freeTimes(state, staffId, day, serviceIds);
    const slot = fresh.find((x) => x.time === t);
    if (!slot) {
      const alternatives = nearest(fresh, t, 3).map((x) => ({ staff_id: staffId, date: day, time: x }));
      return fail("slot_taken", "Это время занято", { alternatives });
    }
    let moved: YcRecord;
    try {
      moved = await yc(state, () => state.yclients.rescheduleBookRecord(state.salonId, record_id, { datetime: slot.datetime }));
    } catch (err) {
      // The online-booking PUT only moves records made online; YClients refuses others with 403, and the
      // administrator's PUT record (with the user token) moves any of them, as the original fell back to.
      if (!(err instanceof YClientsError && err.status === 403)) throw err;
      moved = await yc(state, () => state.yclients.updateRecord(state.salonId, record_id, { datetime: slot.datetime, save_if_busy: false }));
    }
    await note(state, () => state.notes.changed(state.salonId, moved));
    const before = localDateTime(own.record.datetime, state.ctx.salon.timezone);
    return {
      ok: true,
      record_id,
      moved: true,
      from: `${humanDate(before.date)} ${before.time}`,
      date: day,
      date_human: `${humanDate(day)}, ${weekday(day)}`,
      time: t,
      staff_name: own.record.staff?.name ?? null,
    };
  },

  async handover(state, { reason }) {
    state.handover = { reason };
    return { ok: true, handed_over: true, note: "Скажи клиенту, что ответит администратор салона" };
  },
};

/** What the salon's journal shows on a visit the client cancelled in the chat. */
export const CANCELLED_BY_CLIENT = "Отменено клиентом через WhatsApp";

/**
 * Before the delete, the record's comment says who cancelled and how (the salon's own comment kept above it): a
 * deleted record keeps its comment, and the delete is not a no-show the way attendance -1 would be. A failed write
 * is logged with the turn and the cancel goes ahead: the client asked for it.
 */
async function markCancelledByClient(state: ToolState, record: YcRecord): Promise<YcRecord> {
  if (record.comment?.includes(CANCELLED_BY_CLIENT)) return record;
  const comment = record.comment?.trim() ? `${record.comment}\n${CANCELLED_BY_CLIENT}` : CANCELLED_BY_CLIENT;
  try {
    return await yc(state, () => state.yclients.updateRecord(state.salonId, record.id, recordUpdateBody(record, { comment })));
  } catch (err) {
    state.warnings.push(`cancel comment not written: ${(err as Error).message}`);
    return record;
  }
}

/**
 * The change time the stored cancel carries: now, and at least a second after the last copy read before the delete.
 * Webhooks for the comment write and for the delete may come before or after this note, and YClients' change times
 * step by seconds; the earlier copy (not deleted) must count as older, or it would "restore" the visit and the
 * delete's webhook would then tell the client their visit was cancelled.
 */
function deletedAt(state: ToolState, before: YcRecord): string {
  const read = before.last_change_date ? parseYcDateTime(before.last_change_date, state.ctx.salon.timezone).getTime() : 0;
  return new Date(Math.max(state.clock.now().getTime(), read + 1000)).toISOString();
}

/** The change already happened in YClients: a failed note is logged with the turn, never reported as a failure. */
async function note(state: ToolState, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    state.warnings.push(`record note failed: ${(err as Error).message}`);
  }
}

function nameAskedBefore(state: ToolState): boolean {
  return [...(state.ctx.recent_tool_calls ?? []), ...state.calls].some((c) => c.result?.error === "name_required");
}

/** The record, live from YClients, if it belongs to this chat's phone and is still ahead. */
async function ownRecord(state: ToolState, recordId: number): Promise<{ record: YcRecord } | { error: Result }> {
  let record: YcRecord;
  try {
    record = await yc(state, () => state.yclients.getRecord(state.salonId, recordId));
  } catch (err) {
    if (err instanceof YClientsError && err.status === 404) return { error: fail("not_found", "Такой записи нет") };
    throw err;
  }
  // YClients writes the number as the salon typed it ("8 (916) …"): read it by the salon's country.
  const salon = await bookingsStore.salon(state.db, state.salonId);
  if (!samePhone(record.client?.phone, state.phone, salon?.country)) {
    return { error: fail("not_your_record", "Это не запись этого клиента: менять её нельзя. Предложи показать его записи (my_visits)") };
  }
  if (record.deleted) return { error: fail("already_cancelled", "Эта запись уже отменена") };
  if (new Date(record.datetime).getTime() <= state.clock.now().getTime()) return { error: fail("in_past", "Эта запись уже прошла") };
  return { record };
}

