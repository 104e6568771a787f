/**
 * Per-salon sync against the sandbox into the embedded database: a full sync lands exactly, later changes and
 * disappearances are applied, a 403 blocks and is reported, and the 15-minute tick decides per salon time zone and
 * fans out through the real dispatcher and job route.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/clock.js";
import { createYClientsClient, RateLimiter, localDate, addDays } from "../../lib/yclients/index.js";
import { syncSalon } from "../../lib/sync/sync-salon.js";
import { syncStore } from "../../lib/sync/store.js";
import { requestSalonSync } from "../../lib/jobs/sync.js";
import { scheduleFor } from "../../fakes/yclients/data.js";
import { startYClientsSandbox, type YClientsSandbox } from "../../fakes/yclients/index.js";
import { run as syncTick } from "../../functions/crons/sync.js";
import { createTestFunctions, nextSalonId, openTestDatabase, testConfig, type TestDatabase, type TestFunctions } from "../support/harness.js";
import { normalisePhone } from "../../lib/phone/index.js";

const PARTNER = "sync-partner";
const APP = 77;
// 12:00 in Moscow, 14:00 in Yekaterinburg.
const START = "2026-11-23T09:00:00.000Z";

let database: TestDatabase;
let sandbox: YClientsSandbox & { url: string };
let t: TestFunctions;
let clock: ManualClock;

async function addSalon(salonId: number, timezone = "Europe/Moscow", status = "active"): Promise<void> {
  await database.sql.query("insert into salons (salon_id, status, timezone) values ($1, $2, $3)", [salonId, status, timezone]);
}

async function rows<T>(sql: string, params: unknown[]): Promise<T[]> {
  return (await database.sql.query<T>(sql, params)).rows;
}

beforeAll(async () => {
  database = await openTestDatabase();
  clock = new ManualClock(START);
  // The sandbox's own limit is off here (the client tests cover it); this file is about what lands in the database.
  sandbox = await startYClientsSandbox({ partnerToken: PARTNER, applicationId: APP, clock, rateLimit: false });
  t = createTestFunctions(database, {
    clock,
    config: testConfig({ YCLIENTS_BASE_URL: sandbox.url, YCLIENTS_PARTNER_TOKEN: PARTNER, YCLIENTS_USER_TOKEN: "sync-user-token", YCLIENTS_APPLICATION_ID: String(APP) }),
  });
  t.services.yclients = createYClientsClient({
    baseUrl: sandbox.url, partnerToken: PARTNER, applicationId: APP, backoffBaseMs: 5,
    limiter: new RateLimiter({ perSecond: 500, perMinute: 100_000, marginMs: 0 }),
  });
});

afterAll(async () => {
  await t.dispatcher.stop();
  await sandbox.close();
  await database.close();
});

describe("full sync", () => {
  it("lands a salon of 5,000 clients and 1,000 records exactly", async () => {
    const salonId = nextSalonId();
    await addSalon(salonId);
    const fake = sandbox.salon(salonId, { clients: 5000, records: 1000, recordDays: { from: 0, to: 59 }, deletedShare: 0 });
    expect([fake.clients.length, fake.records.length]).toEqual([5000, 1000]);
    const outcome = await syncSalon(t.services, salonId);
    expect(outcome.errors).toEqual([]);
    expect(outcome.status).toBe("ok");

    const [salon] = await rows<{ title: string; address: string; phone: string; timezone: string }>(
      "select title, address, phone, timezone from salons where salon_id = $1", [salonId]);
    expect(salon).toEqual({ title: fake.company.title, address: fake.company.address, phone: fake.company.phone, timezone: "Europe/Moscow" });

    const services = await rows<{ service_id: string; title: string; price_min: string; duration_sec: number; staff_ids: string[] }>(
      "select service_id, title, price_min, duration_sec, staff_ids from services where salon_id = $1 order by service_id", [salonId]);
    expect(services.map((s) => [Number(s.service_id), s.title, Number(s.price_min), s.duration_sec])).toEqual(
      fake.services.map((s) => [s.id, s.title, s.price_min, s.duration]));
    expect((await rows("select 1 from service_categories where salon_id = $1", [salonId])).length).toBe(fake.categories.length);

    const staff = await rows<{ staff_id: string; bookable: boolean; fired: boolean; hidden: boolean }>(
      "select staff_id, bookable, fired, hidden from staff where salon_id = $1 order by staff_id", [salonId]);
    expect(staff).toHaveLength(fake.staff.length);
    const bookable = staff.filter((s) => s.bookable).map((s) => Number(s.staff_id));
    expect(bookable).toEqual(fake.staff.filter((s) => s.fired === 0 && s.hidden === 0).map((s) => s.id));
    expect(staff.some((s) => s.fired && !s.bookable)).toBe(true);
    expect(staff.some((s) => s.hidden && !s.bookable)).toBe(true);

    const clients = await rows<{ client_id: string; phone: string; sold_amount: string; visits_count: number; last_visit_at: Date | null }>(
      "select client_id, phone, sold_amount, visits_count, last_visit_at from clients where salon_id = $1 order by client_id", [salonId]);
    expect(clients).toHaveLength(5000);
    expect(clients.map((c) => [Number(c.client_id), c.phone, Number(c.sold_amount), c.visits_count])).toEqual(
      fake.clients.map((c) => [c.id, normalisePhone(c.phone, "RU"), c.sold_amount, c.visits_count]));
    const withVisit = fake.clients.findIndex((c) => c.last_visit_date !== null);
    expect(localDate(clients[withVisit]!.last_visit_at!, "Europe/Moscow")).toBe(fake.clients[withVisit]!.last_visit_date);

    const records = await rows<{ record_id: string; starts_at: Date; deleted: boolean; client_phone: string | null }>(
      "select record_id, starts_at, deleted, client_phone from records where salon_id = $1 order by record_id", [salonId]);
    expect(records.map((r) => Number(r.record_id))).toEqual(fake.records.map((r) => r.id).sort((a, b) => a - b));
    expect(records.every((r) => !r.deleted)).toBe(true);
    const byId = new Map(fake.records.map((r) => [r.id, r]));
    for (const r of records) expect(r.starts_at.getTime()).toBe(byId.get(Number(r.record_id))!.start.getTime());

    const today = localDate(clock.now(), "Europe/Moscow");
    let workingDays = 0;
    fake.staff.forEach((s, i) => {
      for (let d = 0; d < 30; d++) if (scheduleFor(s, i, addDays(today, d)).length) workingDays++;
    });
    expect((await rows("select 1 from staff_schedules where salon_id = $1", [salonId])).length).toBe(workingDays);

    const [run] = await syncStore.runs(t.services.db, salonId);
    expect(run).toMatchObject({ status: "ok", error: null, counts: { clients: 5000, records: 1000, services: 20 } });
    // One request per page: 25 client pages, 5 record pages, and one each for the rest.
    expect(run!.requests).toBe(sandbox.requests.filter((r) => r.salonId === salonId).length);
    expect(run!.requests).toBe(25 + 5 + 1 + 2 + 1 + 1);
  });

  it("applies moves, cancellations and records that vanish; removes clients YClients no longer has", async () => {
    const salonId = nextSalonId();
    await addSalon(salonId);
    const fake = sandbox.salon(salonId, { clients: 30, records: 40, recordDays: { from: 1, to: 30 }, deletedShare: 0 });
    await syncSalon(t.services, salonId);
    const [moved, cancelled, vanished] = fake.records;
    clock.advance(60_000);
    const newStart = new Date(moved!.start.getTime() + 86_400_000);
    sandbox.changeRecord(salonId, moved!.id, { datetime: newStart.toISOString() });
    sandbox.deleteRecord(salonId, cancelled!.id);
    sandbox.vanishRecord(salonId, vanished!.id);
    fake.clients.splice(0, 1);

    const outcome = await syncSalon(t.services, salonId, ["records", "clients"]);
    expect(outcome.status).toBe("ok");
    const state = async (id: number) =>
      (await rows<{ starts_at: Date; deleted: boolean }>("select starts_at, deleted from records where salon_id = $1 and record_id = $2", [salonId, id]))[0];
    expect((await state(moved!.id))!.starts_at.getTime()).toBe(newStart.getTime());
    expect((await state(cancelled!.id))!.deleted).toBe(true);
    // Marked, not deleted.
    expect((await state(vanished!.id))!.deleted).toBe(true);
    expect((await rows("select 1 from records where salon_id = $1 and not deleted", [salonId])).length).toBe(38);
    expect((await rows("select 1 from clients where salon_id = $1", [salonId])).length).toBe(29);
    expect(outcome.counts).toMatchObject({ clients_removed: 1, records_gone: 1 });
  });
});

describe("refusals and the schedule", () => {
  it("a salon answering 403 is blocked, reported by the tick, and not synced again until the next day", async () => {
    const salonId = nextSalonId();
    await addSalon(salonId);
    sandbox.fail(salonId, 403);
    const outcome = await syncSalon(t.services, salonId);
    expect(outcome).toMatchObject({ status: "failed", forbidden: true });
    // No retry of a refusal: one request per call (services asks twice: categories and services), not four.
    expect(sandbox.requests.filter((r) => r.salonId === salonId).length).toBe(7);
    const [run] = await syncStore.runs(t.services.db, salonId);
    expect(run!.error).toContain("403 Недостаточно прав");

    const tick = await syncTick(t.services);
    expect(tick.blocked.map((b) => b.salonId)).toContain(salonId);
    const queued = await rows<{ body: string }>("select body from local_dispatch where done_at is null", []);
    expect(queued.map((q) => JSON.parse(q.body).salonId)).not.toContain(salonId);
    await database.sql.query("update local_dispatch set done_at = now()", []);

    sandbox.clearFailures(salonId);
    const due = (now: Date) => syncStore.due(t.services.db, now).then((d) => d.find((x) => x.salon_id === salonId));
    expect(await due(new Date(clock.now().getTime() + 23 * 3_600_000))).toBeUndefined();
    expect((await due(new Date(clock.now().getTime() + 25 * 3_600_000)))?.parts).toContain("clients");
  });

  it("decides due parts in each salon's own time zone and fans out one job per salon; a failing salon does not stop the others", async () => {
    // Park every salon of earlier tests: this test reads the whole tick.
    await database.sql.query("update salons set status = 'frozen'", []);
    const moscow = nextSalonId();
    const yekaterinburg = nextSalonId();
    const failing = nextSalonId();
    await addSalon(moscow, "Europe/Moscow");
    await addSalon(yekaterinburg, "Asia/Yekaterinburg");
    await addSalon(failing, "Europe/Moscow");
    sandbox.salon(moscow, { clients: 10, records: 10 });
    sandbox.salon(yekaterinburg, { clients: 10, records: 10, timezone: "Asia/Yekaterinburg" });
    sandbox.fail(failing, 500);

    // First tick: nothing was ever synced, so every part is due for every salon.
    const first = await syncTick(t.services);
    expect(first).toMatchObject({ due: 3, published: 3, failed: [] });
    await t.drain();
    const runs = async (id: number) => syncStore.runs(t.services.db, id);
    expect((await runs(moscow))[0]).toMatchObject({ status: "ok" });
    expect((await runs(yekaterinburg))[0]).toMatchObject({ status: "ok" });
    expect((await runs(failing))[0]).toMatchObject({ status: "failed" });
    expect((await runs(failing))[0]!.error).toContain("500");
    expect((await runs(moscow))[0]!.parts.sort()).toEqual(["clients", "company", "records", "schedules", "schedules_today", "services", "staff"]);

    // A quarter later: records only, for the failing salon too (its nightly parts wait an hour, records do not).
    clock.advance(15 * 60_000);
    const dueNow = async () => Object.fromEntries((await syncStore.due(t.services.db, clock.now())).map((d) => [d.salon_id, d.parts]));
    expect(await dueNow()).toEqual({ [moscow]: ["records"], [yekaterinburg]: ["records"], [failing]: ["records"] });
    clock.advance(45 * 60_000);
    expect((await dueNow())[failing]).toEqual(["clients", "company", "records", "schedules", "schedules_today", "services", "staff"]);
    expect((await dueNow())[moscow]).toEqual(["records", "schedules_today"]);

    // 22:00Z is 01:00 in Moscow (services due) and 03:00 in Yekaterinburg (services, staff and clients due).
    clock.set("2026-11-23T22:00:00.000Z");
    const night = await dueNow();
    expect(night[moscow]).toEqual(["records", "schedules_today", "services"]);
    expect(night[yekaterinburg]).toEqual(["clients", "records", "schedules_today", "services", "staff"]);
    expect(night[failing]).toContain("clients");

    // The same tick twice publishes once per salon (deduplicated per quarter hour).
    sandbox.clearFailures(failing);
    const a = await syncTick(t.services);
    await syncTick(t.services);
    expect(a.published).toBe(3);
    const pending = await rows<{ body: string }>("select body from local_dispatch where done_at is null", []);
    expect(pending.map((p) => JSON.parse(p.body).salonId).sort()).toEqual([moscow, yekaterinburg, failing].sort());
    await t.drain();
    expect((await runs(failing))[0]).toMatchObject({ status: "ok" });
  });

  it("a salon with a zone Postgres does not know is scheduled on Moscow time and stops nobody else's tick", async () => {
    const odd = nextSalonId();
    const normal = nextSalonId();
    await addSalon(odd, "Mars/Olympus_Mons");
    await addSalon(normal, "Asia/Vladivostok");
    const due = await syncStore.due(t.services.db, clock.now());
    expect(due.find((d) => d.salon_id === odd)).toMatchObject({ timezone: "Europe/Moscow", parts: expect.arrayContaining(["clients", "records"]) });
    expect(due.find((d) => d.salon_id === normal)).toMatchObject({ timezone: "Asia/Vladivostok" });
    await database.sql.query("update salons set status = 'frozen' where salon_id = any($1)", [[odd, normal]]);
  });

  it("a full sync on demand (after activation) runs every part once, however often it is asked for", async () => {
    const salonId = nextSalonId();
    await addSalon(salonId, "Europe/Moscow", "activating");
    sandbox.salon(salonId, { clients: 15, records: 12 });
    const first = await requestSalonSync(t.services, salonId, "activated");
    const again = await requestSalonSync(t.services, salonId, "activated");
    expect([first.deduplicated, again.deduplicated]).toEqual([false, true]);
    await t.drain();
    const runs = await syncStore.runs(t.services.db, salonId);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "ok", counts: { clients: 15, services: 20, company: 1 } });
    expect(runs[0]!.parts.sort()).toEqual(["clients", "company", "records", "schedules", "schedules_today", "services", "staff"]);
  });

  it("the job route refuses a malformed body and an unknown salon for good (489)", async () => {
    const res = await t.app.request("/jobs/sync/salon", { method: "POST", body: "{}" });
    // Unsigned: the QStash check comes first.
    expect(res.status).toBe(401);
    await t.services.dispatcher.publish({ path: "/jobs/sync/salon", body: { salonId: 999_999_999 } });
    await t.drain();
    const [last] = await rows<{ last_status: number; attempts: number }>(
      "select last_status, attempts from local_dispatch where body like '%999999999%'", []);
    expect(last).toEqual({ last_status: 489, attempts: 1 });
  });
});
