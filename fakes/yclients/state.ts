/** The sandbox's salons and what happened to them, and the rules its endpoints share (free time, booking checks). */
import { systemClock } from "../../lib/clock.js";
import { samePhone } from "../../lib/phone/index.js";
import { isoWithOffset, localDate, localParts, parseYcDateTime } from "../../lib/yclients/time.js";
import type { YcRecord, YcStaff } from "../../lib/yclients/types.js";
import { generateSalon, recordWire, scheduleFor, type FakeClient, type FakeRecord, type SalonData, type SalonOptions } from "./data.js";
import type { Failure, Install, PartnerCallbackReceived, RecordChange, RequestLogEntry, SandboxOptions, YClientsSandbox } from "./types.js";
import { MSG, YcHttpError, digits, hhmm, toMin } from "./wire.js";

export type SandboxState = ReturnType<typeof createState>;

export function createState(options: SandboxOptions) {
  const clock = options.clock ?? systemClock;
  const arrivals: number[] = [];
  const salons = new Map<number, SalonData>();
  const failures = new Map<number, Failure[]>();
  const installs = new Map<number, Install>();
  const changes: RecordChange[] = [];
  const state = {
    options,
    partnerToken: options.partnerToken ?? "sandbox-partner-token",
    applicationId: options.applicationId ?? 1,
    clock,
    latencyMs: options.latencyMs ?? 0,
    rateLimit: options.rateLimit === undefined ? { perSecond: 5, perMinute: 200 } : options.rateLimit,
    arrivals,
    failures,
    installs,
    changes,
    partnerCallbacks: [] as PartnerCallbackReceived[],
    requests: [] as RequestLogEntry[],
    webhooksSent: [] as YClientsSandbox["webhooksSent"],
    paymentSeq: 1000,
  };
  const { webhooksSent } = state;

  function salon(salonId: number, opts?: SalonOptions): SalonData {
    let s = salons.get(salonId);
    if (!s || opts) {
      s = generateSalon(salonId, { ...options.salonDefaults, ...opts }, clock.now());
      salons.set(salonId, s);
    }
    return s;
  }

  function findRecord(s: SalonData, recordId: number): FakeRecord {
    const r = s.records.find((x) => x.id === recordId);
    if (!r) throw new YcHttpError(404, MSG.record);
    return r;
  }

  function staffOf(s: SalonData, staffId: number): { staff: YcStaff; index: number } | undefined {
    const index = s.staff.findIndex((x) => x.id === staffId);
    return index < 0 ? undefined : { staff: s.staff[index]!, index };
  }

  const bookable = (st: YcStaff) => st.fired === 0 && st.hidden === 0 && st.status === 0;
  const provides = (st: YcStaff, serviceIds: number[]) => serviceIds.every((id) => st.services_links?.some((l) => l.service_id === id));

  function lengthOf(s: SalonData, serviceIds: number[]): number {
    let total = 0;
    for (const id of serviceIds) total += s.services.find((x) => x.id === id)?.duration ?? 0;
    return total || 3600;
  }

  /** Busy minutes of a master on a local date, from live records (minus one being moved). */
  function busy(s: SalonData, staffId: number, date: string, except?: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const r of s.records) {
      if (r.staffId !== staffId || r.deleted || r.id === except) continue;
      if (localDate(r.start, s.timezone) !== date) continue;
      const p = localParts(r.start, s.timezone);
      const m = p.hour * 60 + p.minute;
      out.push([m, m + Math.ceil(r.lengthSec / 60)]);
    }
    return out;
  }

  function freeTimes(s: SalonData, staffId: number, date: string, lengthSec: number, except?: number) {
    const found = staffOf(s, staffId);
    if (!found) return [];
    const slots = scheduleFor(found.staff, found.index, date);
    const taken = busy(s, staffId, date, except);
    const now = clock.now().getTime();
    const len = Math.ceil(lengthSec / 60);
    const out: Array<{ time: string; seance_length: number; sum_length: number; datetime: string }> = [];
    for (const slot of slots) {
      const lo = toMin(slot.from);
      const hi = toMin(slot.to);
      for (let m = lo; m + len <= hi; m += 15) {
        if (taken.some(([a, b]) => m < b && a < m + len)) continue;
        const start = parseYcDateTime(`${date} ${hhmm(m)}:00`, s.timezone);
        if (start.getTime() <= now) continue;
        const nextBusy = Math.min(hi, ...taken.filter(([a]) => a >= m + len).map(([a]) => a));
        out.push({ time: hhmm(m), seance_length: lengthSec, sum_length: (nextBusy - m) * 60, datetime: isoWithOffset(start, s.timezone) });
      }
    }
    return out;
  }

  function isFree(s: SalonData, staffId: number, start: Date, lengthSec: number, except?: number): boolean {
    const date = localDate(start, s.timezone);
    const p = localParts(start, s.timezone);
    const time = hhmm(p.hour * 60 + p.minute);
    return freeTimes(s, staffId, date, lengthSec, except).some((t) => t.time === time);
  }

  function clientByPhone(s: SalonData, phone: string, name: string, email?: string): FakeClient {
    const d = digits(phone);
    // YClients matches a number however it was typed ("8 (916) …" is +7 916 …); the sandbox salons are Russian.
    let c = s.clients.find((x) => samePhone(x.phone, phone, "RU"));
    if (!c) {
      c = {
        id: s.nextClientId++, name: name || "Клиент", phone: `+${d}`, email: email ?? "", discount: 0, sold_amount: 0,
        visits_count: 0, first_visit_date: null, last_visit_date: null, birth_date: null,
      };
      s.clients.push(c);
    }
    return c;
  }

  function emit(s: SalonData, rec: FakeRecord, action: RecordChange["action"], via: RecordChange["via"]): YcRecord {
    const wire = recordWire(s, rec);
    changes.push({ salonId: s.salonId, recordId: rec.id, action, via, record: wire, at: clock.now() });
    const install = installs.get(s.salonId);
    if (options.emitWebhooks && install?.status === "active") {
      const payload = { company_id: s.salonId, resource: "record", resource_id: rec.id, status: action, data: wire };
      const deliver = options.deliverWebhook ?? ((url: string, b: unknown) =>
        fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) }).then((r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
        }));
      for (const url of install.webhookUrls) {
        deliver(url, payload).then(
          () => webhooksSent.push({ url, body: payload, ok: true }),
          (err: unknown) => webhooksSent.push({ url, body: payload, ok: false, error: String((err as Error)?.message ?? err) }),
        );
      }
    }
    return wire;
  }

  function bookingError(code: number, message: string, status = 422): YcHttpError {
    return new YcHttpError(status, message, [{ code, message }]);
  }

  /** Validates online-booking appointments as book_check does; returns the resolved masters and starts. */
  function checkAppointments(s: SalonData, appointments: unknown) {
    if (!Array.isArray(appointments) || appointments.length === 0) throw new YcHttpError(422, "Не переданы записи", { appointments: ["required"] });
    const planned: Array<{ id: number; staffId: number; serviceIds: number[]; start: Date; lengthSec: number }> = [];
    for (const raw of appointments as Array<Record<string, unknown>>) {
      const serviceIds = Array.isArray(raw.services) ? raw.services.map((x) => Number(typeof x === "object" && x ? (x as { id: unknown }).id : x)) : [];
      const services = serviceIds.map((id) => s.services.find((x) => x.id === id));
      if (serviceIds.length === 0 || services.some((x) => !x || x.active !== 1)) throw bookingError(438, "Услуга недоступна для онлайн-записи");
      if (typeof raw.datetime !== "string") throw new YcHttpError(422, "Не указано время записи", { datetime: ["required"] });
      let start: Date;
      try {
        start = parseYcDateTime(raw.datetime, s.timezone);
      } catch {
        throw new YcHttpError(422, "Некорректное время записи", { datetime: ["invalid"] });
      }
      const lengthSec = lengthOf(s, serviceIds);
      const wanted = Number(raw.staff_id ?? 0);
      const candidates = wanted === 0 ? s.staff.filter((st) => bookable(st) && provides(st, serviceIds)) : s.staff.filter((st) => st.id === wanted);
      const master = candidates[0];
      if (!master || !bookable(master)) throw bookingError(436, "Нет доступных сотрудников для записи");
      if (!provides(master, serviceIds)) throw bookingError(438, `Сотрудник ${master.name} не оказывает выбранные услуги`);
      const free = candidates.find((st) => isFree(s, st.id, start, lengthSec));
      const overlapsPlanned = (id: number) => planned.some((p) => p.staffId === id && start < new Date(p.start.getTime() + p.lengthSec * 1000) && p.start < new Date(start.getTime() + lengthSec * 1000));
      if (free && overlapsPlanned(free.id)) throw bookingError(437, "Записи пересекаются по времени");
      if (!free) {
        const p = localParts(start, s.timezone);
        throw bookingError(433, `К сотруднику ${master.name}(${master.id}) нельзя записаться на ${localDate(start, s.timezone)} в ${hhmm(p.hour * 60 + p.minute)}. Выбранное время уже занято или является нерабочим.`);
      }
      planned.push({ id: Number(raw.id ?? planned.length + 1), staffId: free.id, serviceIds, start, lengthSec });
    }
    return planned;
  }

  function failureFor(salonId: number | null, path: string): number | null {
    if (salonId === null) return null;
    const list = failures.get(salonId);
    if (!list) return null;
    for (const f of list) {
      if (f.path && !f.path.test(path)) continue;
      if (f.remaining <= 0) continue;
      f.remaining -= 1;
      return f.status;
    }
    return null;
  }

  function overLimit(): boolean {
    const rateLimit = state.rateLimit;
    if (!rateLimit) return false;
    const now = performance.now();
    while (arrivals.length && arrivals[0]! <= now - 60_000) arrivals.shift();
    let lastSecond = 0;
    for (let i = arrivals.length - 1; i >= 0 && arrivals[i]! > now - 1000; i--) lastSecond++;
    if (lastSecond >= rateLimit.perSecond || arrivals.length >= rateLimit.perMinute) return true;
    arrivals.push(now);
    return false;
  }

  return Object.assign(state, { salon, findRecord, staffOf, bookable, provides, lengthOf, freeTimes, isFree, clientByPhone, emit, bookingError, checkAppointments, failureFor, overLimit });
}
