/** Online booking: what can be booked, when, and booking or moving a visit. */
import type { Hono } from "hono";
import { addDays, localDate, localParts, parseYcDateTime } from "../../lib/yclients/time.js";
import { recordHash, scheduleFor, type FakeRecord } from "./data.js";
import type { SandboxState } from "./state.js";
import { MSG, YcHttpError, body, digits, hhmm, ok, queryList, sid } from "./wire.js";

export function bookingRoutes(app: Hono, st: SandboxState): void {
  const { salon, clock, findRecord, staffOf, bookable, provides, lengthOf, freeTimes, isFree, clientByPhone, emit, bookingError, checkAppointments } = st;
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
}
