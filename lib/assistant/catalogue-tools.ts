/**
 * Tools that read what the salon offers: services and prices, what a service is, masters and their working days,
 * free time. They change nothing; only free time asks YClients, the rest is the synced catalogue and schedule.
 */
import { z } from "zod";
import type { YcBookTime } from "../yclients/types.js";
import { addDays, partOfDay, weekday, type PartOfDay } from "./dates.js";
import { explainService, staffSchedule } from "./store.js";
import { dateArg, fail, freeTimes, idArg, isPast, price, serviceById, staffById, tool, yc, type Tool, type ToolState } from "./tool-kit.js";

const MAX_STAFF_PER_SEARCH = 4;
/** How far ahead "when does Анна work?" looks: two weeks, as the original's CHECK_STAFF_SCHEDULE. */
const SCHEDULE_DAYS = 14;

function staffForService(state: ToolState, serviceId: number): Array<{ id: number; name: string }> {
  const svc = serviceById(state, serviceId);
  const ids = svc?.staff_ids ?? [];
  const staff = ids.length > 0 ? state.ctx.staff.filter((s) => ids.includes(s.id)) : state.ctx.staff;
  // The client's usual master first: they are the likeliest to be wanted.
  const usual = state.ctx.usual?.staff_id;
  return [...staff].sort((a, b) => Number(b.id === usual) - Number(a.id === usual));
}

function pick(times: YcBookTime[], part: PartOfDay | undefined, limit: number): string[] {
  const within = part ? times.filter((t) => partOfDay(t.time) === part) : times;
  return within.slice(0, limit).map((t) => t.time);
}

export const CATALOGUE_TOOLS: Tool[] = [
  tool({
    name: "list_services",
    description: "Услуги салона с ценами и длительностью. query — слово из названия (например «стрижка»); без query — все услуги.",
    schema: z.object({ query: z.string().trim().max(100).optional() }),
    async run(state, { query }) {
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
  }),

  tool({
    name: "list_staff",
    description: "Мастера салона; с service_id — только те, кто делает эту услугу.",
    schema: z.object({ service_id: idArg.optional() }),
    async run(state, { service_id }) {
      const staff = service_id ? staffForService(state, service_id) : state.ctx.staff;
      return { ok: true, staff: staff.map((s) => ({ staff_id: s.id, name: s.name, specialization: staffById(state, s.id)?.specialization ?? null })) };
    },
  }),

  tool({
    name: "explain_service",
    description: "Что это за услуга: описание салона, цена, длительность, кто делает. Для вопросов «что входит», «что такое …».",
    schema: z.object({ service_id: idArg }),
    async run(state, { service_id }) {
      const svc = await explainService(state.db, state.salonId, service_id);
      if (!svc) return fail("unknown_service", "Такой услуги нет; возьми service_id из list_services");
      return {
        ok: true,
        service_id: svc.service_id,
        title: svc.title,
        price: price(svc),
        duration_min: svc.duration_sec ? Math.round(svc.duration_sec / 60) : null,
        category: svc.category,
        description: svc.description,
        staff: svc.staff,
        ...(svc.description ? {} : { note: "Описания у салона нет: не выдумывай состав услуги, предложи уточнить у администратора" }),
      };
    },
  }),

  tool({
    name: "staff_schedule",
    description:
      "Когда работают мастера, по графику салона. staff_id — рабочие дни этого мастера на две недели с date (или с сегодня); без staff_id — кто работает в date (или сегодня). Это график, не свободное время: для записи — find_free_slots.",
    schema: z.object({ staff_id: idArg.optional(), date: dateArg.optional() }),
    async run(state, { staff_id, date: day }) {
      const from = day && !isPast(state, day) ? day : state.ctx.today;
      if (staff_id && !staffById(state, staff_id)) {
        return fail("unknown_staff", "Такого мастера нет", { staff: state.ctx.staff.map((s) => ({ staff_id: s.id, name: s.name })) });
      }
      const to = staff_id ? addDays(from, SCHEDULE_DAYS - 1) : from;
      const { known, days } = await staffSchedule(state.db, state.salonId, staff_id ?? null, from, to);
      if (!known) return fail("schedule_unknown", "Графика мастеров пока нет; смотри свободное время через find_free_slots");
      const hours = (d: { from: string; to: string }) => `${d.from}–${d.to}`;
      if (staff_id) {
        return {
          ok: true,
          staff_name: staffById(state, staff_id)!.name,
          from,
          to,
          ...(day ? { works_on_date: days.some((d) => d.date === from) } : {}),
          working_days: days.map((d) => ({ date: d.date, weekday: weekday(d.date), hours: hours(d) })),
          ...(days.length === 0 ? { note: "В эти две недели у мастера нет рабочих дней в графике" } : {}),
        };
      }
      return {
        ok: true,
        date: from,
        weekday: weekday(from),
        working: days.map((d) => ({ staff_id: d.staff_id, name: d.name, hours: hours(d) })),
        ...(days.length === 0 ? { note: "В этот день по графику никто не работает" } : {}),
      };
    },
  }),

  tool({
    name: "find_free_slots",
    description:
      "Свободное время для записи на услугу в YClients на дату (YYYY-MM-DD). staff_id — если клиент назвал мастера; без него ищет у всех, кто делает услугу. part_of_day: morning (до 12), afternoon (12–17), evening (после 17).",
    schema: z.object({
      service_id: idArg,
      date: dateArg,
      staff_id: idArg.optional(),
      part_of_day: z.enum(["morning", "afternoon", "evening"]).optional(),
    }),
    async run(state, { service_id, date: day, staff_id, part_of_day }) {
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
  }),
];
