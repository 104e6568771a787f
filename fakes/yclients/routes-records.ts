/** Records: list, create, get, change, delete (the administrator's API). */
import type { Hono } from "hono";
import { localDate, parseYcDateTime } from "../../lib/yclients/time.js";
import { recordHash, recordWire, type FakeRecord } from "./data.js";
import type { SandboxState } from "./state.js";
import { MSG, YcHttpError, body, ok, sid } from "./wire.js";

export function recordsRoutes(app: Hono, st: SandboxState): void {
  const { salon, clock, findRecord, staffOf, lengthOf, isFree, clientByPhone, emit, bookingError } = st;
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
}
