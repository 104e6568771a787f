/**
 * Tools that change the client's visits: book, list, cancel, move. A booking only for a slot a tool showed as free
 * and that is free again on a fresh look, the client's name before booking, cancel and move only the client's own
 * future records (matched by phone live in YClients).
 */
import { z } from "zod";
import { ASSISTANT_API_ID_PREFIX } from "../bookings/normalise.js";
import { bookingsStore } from "../bookings/store.js";
import { samePhone } from "../phone/index.js";
import { YClientsError } from "../yclients/errors.js";
import { recordUpdateBody } from "../yclients/record-update.js";
import { parseYcDateTime } from "../yclients/time.js";
import type { YcRecord } from "../yclients/types.js";
import { humanDate, localDateTime, weekday } from "./dates.js";
import {
  dateArg,
  fail,
  freeTimes,
  idArg,
  isPast,
  nearest,
  price,
  serviceById,
  slotKey,
  staffById,
  timeArg,
  tool,
  yc,
  type Tool,
  type ToolResult,
  type ToolState,
} from "./tool-kit.js";
import { bookingPhone, needsConfirmedPhone } from "./phone-tools.js";

const COMMENT = "Запись через AI-администратора WhatsApp";

/** What the salon's journal shows on a visit the client cancelled in the chat. */
const CANCELLED_BY_CLIENT = "Отменено клиентом через WhatsApp";

export const BOOKING_TOOLS: Tool[] = [
  tool({
    name: "create_booking",
    description:
      "Записать клиента. Только на время, которое find_free_slots показал свободным у этого мастера. client_name — имя клиента, если его нет в профиле.",
    schema: z.object({ service_id: idArg, staff_id: idArg, date: dateArg, time: timeArg, client_name: z.string().trim().max(80).optional() }),
    changes: true,
    async run(state, { service_id, staff_id, date: day, time: t, client_name }) {
      const svc = serviceById(state, service_id);
      const master = staffById(state, staff_id);
      if (!svc || !master) return fail("unknown_service_or_staff", "Возьми service_id и staff_id из инструментов");
      if (isPast(state, day, t)) return fail("time_in_past", "Это время уже прошло");
      if (!state.shown.has(slotKey(staff_id, day, t))) {
        return fail("slot_not_checked", "Это время ещё не проверено: сначала вызови find_free_slots на эту дату и этого мастера");
      }
      const phone = bookingPhone(state);
      if (!phone) return fail("phone_required", "WhatsApp скрыл номер: спроси номер телефона клиента (один раз), сохрани его через remember_phone и повтори запись");
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
          phone,
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
  }),

  tool({
    name: "my_visits",
    description: "Предстоящие записи этого клиента (record_id, дата, время, услуги, мастер).",
    schema: z.object({}),
    async run(state) {
      const unconfirmed = needsConfirmedPhone(state);
      if (unconfirmed) return unconfirmed;
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
  }),

  tool({
    name: "cancel_visit",
    description: "Отменить предстоящую запись клиента по record_id из my_visits. Только когда клиент ясно попросил отменить.",
    schema: z.object({ record_id: idArg }),
    changes: true,
    async run(state, { record_id }) {
      const own = await ownRecord(state, record_id);
      if ("error" in own) return own.error;
      const marked = await markCancelledByClient(state, own.record);
      await yc(state, () => state.yclients.deleteRecord(state.salonId, record_id));
      const local = localDateTime(own.record.datetime, state.ctx.salon.timezone);
      await note(state, () => state.notes.changed(state.salonId, { ...marked, deleted: true, last_change_date: deletedAt(state, marked) }));
      return { ok: true, record_id, cancelled: true, date: local.date, date_human: humanDate(local.date), time: local.time, services: own.record.services.map((s) => s.title) };
    },
  }),

  tool({
    name: "reschedule_visit",
    description: "Перенести запись клиента (record_id из my_visits) на другую дату и время у того же мастера.",
    schema: z.object({ record_id: idArg, date: dateArg, time: timeArg }),
    changes: true,
    async run(state, { record_id, date: day, time: t }) {
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
  }),
];

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
async function ownRecord(state: ToolState, recordId: number): Promise<{ record: YcRecord } | { error: ToolResult }> {
  const unconfirmed = needsConfirmedPhone(state);
  if (unconfirmed) return { error: unconfirmed };
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
