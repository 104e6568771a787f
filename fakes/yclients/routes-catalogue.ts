/** The company, its users, service categories, services, staff and their schedule. */
import type { Hono } from "hono";
import { addDays, localDate, localParts } from "../../lib/yclients/time.js";
import { scheduleFor } from "./data.js";
import type { SandboxState } from "./state.js";
import { YcHttpError, hhmm, ok, queryList, sid } from "./wire.js";

export function catalogueRoutes(app: Hono, st: SandboxState): void {
  const { salon } = st;
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
}
