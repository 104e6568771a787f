/**
 * The typed client against the sandbox, over real HTTP: every endpoint the product calls, paging, the envelope,
 * errors, retries, the shared rate limit and its fairness. No database here.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startYClientsSandbox, type YClientsSandbox } from "../../fakes/yclients/index.js";
import {
  createYClientsClient, RateLimiter, YClientsError, YClientsNetworkError, YClientsNotConfiguredError, type YClientsClient,
} from "../../lib/yclients/index.js";

const PARTNER = "partner-token-test";
const USER = "user-token-test";
const APP = 4242;

let sandbox: YClientsSandbox & { url: string };
let yc: YClientsClient;
let salonSeq = 700_000;
const nextSalon = () => ++salonSeq;

/** A limiter far looser than YClients', for tests that are not about the limit. */
const loose = () => new RateLimiter({ perSecond: 1000, perMinute: 100_000, marginMs: 0 });

beforeAll(async () => {
  sandbox = await startYClientsSandbox({ partnerToken: PARTNER, applicationId: APP, rateLimit: false });
  yc = createYClientsClient({ baseUrl: sandbox.url, partnerToken: PARTNER, userToken: USER, applicationId: APP, limiter: loose(), backoffBaseMs: 10 });
});
afterAll(() => sandbox.close());

const requestsFor = (salonId: number) => sandbox.requests.filter((r) => r.salonId === salonId);

/** The YClientsError a call fails with (the test fails if it succeeds or fails otherwise). */
async function failure(call: Promise<unknown>): Promise<YClientsError> {
  const err = await call.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(YClientsError);
  return err as YClientsError;
}

describe("catalogue, company and clients", () => {
  it("reads a believable salon, the same one for the same id", async () => {
    const id = nextSalon();
    const company = await yc.getCompany(id);
    expect(company.id).toBe(id);
    expect(company.title).toMatch(/«.+»/);
    expect(company.timezone_name).toBe("Europe/Moscow");
    const categories = await yc.listServiceCategories(id);
    const services = await yc.listServices(id);
    const staff = await yc.listStaff(id);
    expect(categories.length).toBeGreaterThanOrEqual(3);
    expect(services).toHaveLength(20);
    for (const s of services) {
      expect(s.price_min).toBeGreaterThan(0);
      expect(s.duration % 900).toBe(0);
      expect(categories.map((c) => c.id)).toContain(s.category_id);
    }
    expect(staff.filter((s) => s.fired === 0 && s.hidden === 0)).toHaveLength(6);
    expect(staff.some((s) => s.fired === 1)).toBe(true);
    expect(staff.some((s) => s.hidden === 1)).toBe(true);
    expect(staff[0]!.name).toMatch(/^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$/);

    const other = await startYClientsSandbox({ partnerToken: PARTNER, applicationId: APP, rateLimit: false });
    try {
      const again = createYClientsClient({ baseUrl: other.url, partnerToken: PARTNER, applicationId: APP, limiter: loose() });
      expect(await again.listServices(id)).toEqual(services);
      expect((await again.getCompany(id)).title).toBe(company.title);
    } finally {
      await other.close();
    }
  });

  it("pages through clients with the total in meta, and filters by phone", async () => {
    const id = nextSalon();
    sandbox.salon(id, { clients: 450 });
    const p1 = await yc.searchClients(id, { page: 1, pageSize: 200 });
    const p3 = await yc.searchClients(id, { page: 3, pageSize: 200 });
    expect(p1.totalCount).toBe(450);
    expect(p1.items).toHaveLength(200);
    expect(p3.items).toHaveLength(50);
    expect(p1.items[0]).toMatchObject({ id: expect.any(Number), name: expect.any(String), phone: expect.stringMatching(/^\+79\d{9}$/) });
    expect(typeof p1.items[0]!.sold_amount).toBe("number");
    const phone = p3.items[10]!.phone!;
    const found = await yc.searchClients(id, { filters: [{ type: "quick_search", state: { value: phone.slice(1) } }] });
    expect(found.items.map((c) => c.id)).toEqual([p3.items[10]!.id]);
    const badFilter = await failure(yc.searchClients(id, { filters: [{ type: "no_such_filter", state: {} }] }));
    expect([badFilter.status, badFilter.message, badFilter.errors]).toEqual([
      400, "Недопустимое значение фильтра", { filters: ["Недопустимое значение состояния фильтра"] },
    ]);
    // Without `fields` YClients returns ids only.
    const bare = await yc.searchClients(id, { fields: ["id"], pageSize: 3 });
    expect(bare.items[0]).toEqual({ id: expect.any(Number) });
  });

  it("reads staff schedules for a date range", async () => {
    const id = nextSalon();
    const today = new Date().toISOString().slice(0, 10);
    const end = new Date(Date.now() + 13 * 86_400_000).toISOString().slice(0, 10);
    const days = await yc.getStaffSchedule(id, { startDate: today, endDate: end });
    const staff = await yc.listStaff(id);
    const fired = staff.find((s) => s.fired === 1)!;
    expect(days.length).toBeGreaterThan(20);
    expect(days.every((d) => d.date >= today && d.date <= end && d.slots.length > 0)).toBe(true);
    expect(days.some((d) => d.staff_id === fired.id)).toBe(false);
  });
});

describe("records", () => {
  it("lists by visit date, hides deleted ones unless asked, and filters by changed_after", async () => {
    const id = nextSalon();
    sandbox.salon(id, { records: 80, deletedShare: 0 });
    const all = await yc.listRecords(id, { count: 300 });
    expect(all.totalCount).toBe(80);
    const r = all.items[5]!;
    expect(r.company_id).toBe(id);
    expect(r.datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\+03:00$/);
    expect(r.last_change_date).toMatch(/\+0300$/);
    const day = r.date.slice(0, 10);
    const thatDay = await yc.listRecords(id, { startDate: day, endDate: day });
    expect(thatDay.items.every((x) => x.date.startsWith(day))).toBe(true);
    expect(thatDay.items.map((x) => x.id)).toContain(r.id);

    const page2 = await yc.listRecords(id, { count: 30, page: 2 });
    expect(page2.page).toBe(2);
    expect(page2.items.map((x) => x.id)).toEqual(all.items.slice(30, 60).map((x) => x.id));

    const cursor = new Date(Date.now() + 1000).toLocaleString("sv-SE", { timeZone: "Europe/Moscow" }).replace(" ", "T");
    expect((await yc.listRecords(id, { changedAfter: cursor })).items).toHaveLength(0);
    await new Promise((res) => setTimeout(res, 1100));
    await yc.deleteRecord(id, r.id);
    expect((await yc.listRecords(id, { count: 300 })).totalCount).toBe(79);
    const changed = await yc.listRecords(id, { changedAfter: cursor, withDeleted: true });
    expect(changed.items.map((x) => [x.id, x.deleted])).toEqual([[r.id, true]]);
  });

  it("creates, reads, updates and deletes a record (201, 201, 204)", async () => {
    const id = nextSalon();
    const staff = (await yc.listStaff(id)).find((s) => s.fired === 0 && s.hidden === 0)!;
    const service = (await yc.listServices(id, { staffId: staff.id }))[0]!;
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const [slot] = await yc.bookTimes(id, staff.id, day, { serviceIds: [service.id] });
    const created = await yc.createRecord(id, {
      staff_id: staff.id, services: [{ id: service.id }], client: { phone: "79995550011", name: "Ольга" },
      datetime: slot!.datetime, seance_length: service.duration, save_if_busy: false, send_sms: false, api_id: "ai-admin-1",
    });
    expect(created).toMatchObject({ staff_id: staff.id, api_id: "ai-admin-1", deleted: false, client: { phone: "+79995550011", name: "Ольга" } });
    expect((await yc.getRecord(id, created.id)).datetime).toBe(slot!.datetime);
    const confirmed = await yc.updateRecord(id, created.id, { attendance: 2 });
    expect(confirmed.attendance).toBe(2);
    await yc.deleteRecord(id, created.id);
    expect((await yc.getRecord(id, created.id)).deleted).toBe(true);
    expect(sandbox.recordChanges(id).map((c) => c.action)).toEqual(["create", "update", "delete"]);
    const del = requestsFor(id).find((x) => x.method === "DELETE")!;
    expect(del.status).toBe(204);
  });

  it("a missing record is a 404 with YClients' message", async () => {
    const id = nextSalon();
    const err = await yc.getRecord(id, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(YClientsError);
    expect((err as YClientsError).status).toBe(404);
    expect((err as YClientsError).message).toBe("Запись не найдена");
  });
});

describe("online booking", () => {
  it("walks services → staff → dates → times → check → record → reschedule", async () => {
    const id = nextSalon();
    const { services, category } = await yc.bookServices(id);
    expect(services.length).toBeGreaterThan(10);
    expect(category.length).toBeGreaterThan(2);
    const service = services.find((s) => s.title === "Мужская стрижка")!;
    const masters = await yc.bookStaff(id, { serviceIds: [service.id] });
    expect(masters.length).toBeGreaterThan(0);
    const master = masters[0]!;
    const dates = await yc.bookDates(id, { serviceIds: [service.id], staffId: master.id });
    expect(dates.booking_dates.length).toBeGreaterThan(5);
    const date = dates.booking_dates[2]!;
    const times = await yc.bookTimes(id, master.id, date, { serviceIds: [service.id] });
    expect(times[0]).toMatchObject({ time: expect.stringMatching(/^\d{2}:\d{2}$/), seance_length: service.seance_length });
    const appointment = { id: 1, services: [service.id], staff_id: master.id, datetime: times[0]!.datetime };
    await yc.bookCheck(id, [appointment]);
    const [booked] = await yc.bookRecord(id, { phone: "+7 (916) 000-11-22", fullname: "Пётр Сидоров", appointments: [appointment], api_id: "ai-admin-x" });
    expect(booked).toMatchObject({ id: 1, record_id: expect.any(Number), record_hash: expect.any(String) });

    // The slot is now taken: YClients' 422 with code 433.
    const busy = await failure(yc.bookCheck(id, [appointment]));
    expect(busy).toBeInstanceOf(YClientsError);
    expect([busy.status, busy.code]).toEqual([422, 433]);
    expect(busy.message).toContain("Выбранное время уже занято");
    expect(sandbox.requests.filter((r) => r.salonId === id && r.path.includes("book_check"))).toHaveLength(2);

    const moved = await yc.rescheduleBookRecord(id, booked!.record_id, { datetime: times[4]!.datetime.slice(0, 19), comment: "перенос" });
    expect(moved.datetime).toBe(times[4]!.datetime);
    expect(moved.client?.phone).toBe("+79160001122");
    const bad = await failure(yc.bookRecord(id, { phone: "12", fullname: "X", appointments: [appointment] }));
    expect([bad.status, bad.code]).toEqual([422, 431]);
  });

  it("refuses to reschedule a record not made through online booking (403)", async () => {
    const id = nextSalon();
    const rec = (await yc.listRecords(id)).items.find((r) => !r.deleted)!;
    const err = await failure(yc.rescheduleBookRecord(id, rec.id, { datetime: rec.datetime }));
    expect(err.isForbidden).toBe(true);
    expect(err.message).toBe(`Вы не можете управлять записью с id ${rec.id}`);
  });
});

describe("marketplace partner API", () => {
  it("callback/redirect answers 301; callback, payment, status and uninstall are recorded", async () => {
    const id = nextSalon();
    const redirect = await yc.partnerCallbackRedirect({ salonId: id, apiKey: "k1", webhookUrls: ["https://example.test/webhook/yclients/s1"] });
    expect(redirect.status).toBe(301);
    expect(redirect.location).toMatch(/^https:\/\//);
    await yc.partnerCallback({ salonId: id, apiKey: "k1", webhookUrls: ["https://example.test/w"], channels: ["whatsapp"] });
    const payment = await yc.partnerPayment({
      salonId: id, paymentSum: 1990, currencyIso: "RUB", paymentDate: "2026-11-23 10:00:00", periodFrom: "2026-11-23 00:00:00", periodTo: "2026-12-23 00:00:00",
    });
    expect(payment.id).toEqual(expect.any(Number));
    const status = await yc.getSalonApplication(id);
    expect(status.connection_status.status).toBe("active");
    expect(status.payments.map((p) => p.id)).toEqual([payment.id]);
    await yc.uninstallSalon(id);
    expect((await yc.getSalonApplication(id)).connection_status.status).toBe("uninstalled");
    const mine = sandbox.partnerCallbacks.filter((c) => c.salonId === id);
    expect(mine.map((c) => c.kind)).toEqual(["callback_redirect", "callback", "payment", "uninstall"]);
    expect(mine[0]!.body).toMatchObject({ salon_id: id, application_id: APP, api_key: "k1", webhook_urls: ["https://example.test/webhook/yclients/s1"] });
    for (const r of requestsFor(id)) expect(r.authorization).toBe(`Bearer ${PARTNER}`);
  });

  it("a forced failure reaches the partner calls of that salon too", async () => {
    const id = nextSalon();
    sandbox.fail(id, 500, { times: 1, path: /callback/ });
    await yc.partnerCallback({ salonId: id, webhookUrls: [] });
    expect(requestsFor(id).map((r) => [r.path, r.status])).toEqual([
      ["/marketplace/partner/callback", 500],
      ["/marketplace/partner/callback", 201],
    ]);
  });

  it("a salon without the app is a 404; another application id is a 403", async () => {
    const id = nextSalon();
    const err = await failure(yc.getSalonApplication(id));
    expect([err.status, err.message]).toEqual([404, "Приложение не установлено в салоне."]);
    const other = createYClientsClient({ baseUrl: sandbox.url, partnerToken: PARTNER, applicationId: APP + 1, limiter: loose() });
    const denied = await failure(other.partnerCallback({ salonId: id, webhookUrls: [] }));
    expect(denied.status).toBe(403);
  });
});

describe("headers, errors and retries", () => {
  it("sends the v2 Accept, the partner (and user) token and X-Partner-Id", async () => {
    const id = nextSalon();
    await yc.listRecords(id);
    await yc.bookServices(id);
    const [records, book] = requestsFor(id);
    expect(records!.authorization).toBe(`Bearer ${PARTNER}, User ${USER}`);
    expect(records!.accept).toBe("application/vnd.yclients.v2+json");
    expect(records!.partnerId).toBe(String(APP));
    expect(book!.authorization).toBe(`Bearer ${PARTNER}`);
  });

  it("a wrong partner token is a 401, not retried", async () => {
    const id = nextSalon();
    const bad = createYClientsClient({ baseUrl: sandbox.url, partnerToken: "nope", limiter: loose(), backoffBaseMs: 1 });
    const err = await failure(bad.getCompany(id));
    expect([err.status, err.message]).toEqual([401, "Необходима авторизация"]);
    expect(requestsFor(id)).toHaveLength(1);
  });

  it("retries 5xx until it succeeds", async () => {
    const id = nextSalon();
    sandbox.fail(id, 500, { times: 2 });
    expect((await yc.getCompany(id)).id).toBe(id);
    expect(requestsFor(id).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("gives up after the retries, and never retries a 403", async () => {
    const a = nextSalon();
    sandbox.fail(a, 503);
    const gaveUp = await failure(yc.listStaff(a));
    expect(gaveUp.status).toBe(503);
    expect(requestsFor(a)).toHaveLength(4);
    const b = nextSalon();
    sandbox.fail(b, 403);
    const refused = await failure(yc.listStaff(b));
    expect(refused).toBeInstanceOf(YClientsError);
    expect(refused.isForbidden).toBe(true);
    expect(refused.message).toBe("Недостаточно прав");
    expect(requestsFor(b)).toHaveLength(1);
  });

  it("times out a slow answer and retries it, then reports a network error", async () => {
    const id = nextSalon();
    sandbox.setLatency(400);
    try {
      const slow = createYClientsClient({ baseUrl: sandbox.url, partnerToken: PARTNER, limiter: loose(), timeoutMs: 80, retries: 1, backoffBaseMs: 1 });
      const err = await slow.getCompany(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(YClientsNetworkError);
      expect((err as YClientsNetworkError).timedOut).toBe(true);
      expect(requestsFor(id)).toHaveLength(2);
    } finally {
      sandbox.setLatency(0);
    }
    const nowhere = createYClientsClient({ baseUrl: "http://127.0.0.1:9", partnerToken: PARTNER, limiter: loose(), retries: 2, backoffBaseMs: 1 });
    const calls: number[] = [];
    nowhere.observe((c) => calls.push(c.status));
    await expect(nowhere.getCompany(id)).rejects.toBeInstanceOf(YClientsNetworkError);
    expect(calls).toEqual([0, 0, 0]);
  });

  it("without a partner token every call says YClients is not configured", async () => {
    const none = createYClientsClient({ baseUrl: sandbox.url });
    expect(none.configured).toBe(false);
    await expect(none.getCompany(1)).rejects.toBeInstanceOf(YClientsNotConfiguredError);
  });
});

describe("rate limit", () => {
  it("backs off on 429 and still gets every answer", async () => {
    const limited = await startYClientsSandbox({ partnerToken: PARTNER, rateLimit: { perSecond: 5, perMinute: 200 } });
    try {
      // A client that does not know the limit: YClients' 429s are what slow it down.
      const eager = createYClientsClient({ baseUrl: limited.url, partnerToken: PARTNER, limiter: loose(), backoffBaseMs: 200, retries: 6 });
      const ids = Array.from({ length: 12 }, (_, i) => 800_000 + i);
      const companies = await Promise.all(ids.map((id) => eager.getCompany(id)));
      expect(companies.map((c) => c.id)).toEqual(ids);
      const statuses = limited.requests.map((r) => r.status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 200)).toHaveLength(12);
    } finally {
      await limited.close();
    }
  });

  it("the shared limiter keeps a burst under YClients' limit: no 429 at all", async () => {
    const limited = await startYClientsSandbox({ partnerToken: PARTNER, rateLimit: { perSecond: 5, perMinute: 200 } });
    try {
      // A wide margin: this is about the limiter's count, not about this machine's scheduling jitter.
      const limiter = new RateLimiter({ marginMs: 300 });
      const a = createYClientsClient({ baseUrl: limited.url, partnerToken: PARTNER, limiter, retries: 0 });
      const b = createYClientsClient({ baseUrl: limited.url, partnerToken: PARTNER, limiter, retries: 0 });
      await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).getCompany(810_000 + i)));
      expect(limited.requests.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it("serves salons in turn, so one salon's backlog does not starve another", async () => {
    const limiter = new RateLimiter({ perSecond: 2, perMinute: 100, marginMs: 0 });
    const order: string[] = [];
    const waits = [
      ...Array.from({ length: 4 }, (_, i) => limiter.acquire(1).then(() => order.push(`big${i}`))),
      limiter.acquire(2).then(() => order.push("small")),
    ];
    await Promise.all(waits);
    // Two go at once; the small salon's only request is next in turn after one more of the big salon's.
    expect(order.indexOf("small")).toBe(3);
  });

  it("holds to 5 per second and 200 per minute", async () => {
    vi.useFakeTimers();
    try {
      const limiter = new RateLimiter({ now: () => Date.now() });
      const granted: number[] = [];
      const start = Date.now();
      const all = Array.from({ length: 205 }, (_, i) => limiter.acquire(i % 3).then(() => granted.push(Date.now() - start)));
      await vi.advanceTimersByTimeAsync(0);
      expect(granted).toHaveLength(5);
      await vi.advanceTimersByTimeAsync(1050);
      expect(granted).toHaveLength(10);
      await vi.advanceTimersByTimeAsync(57_000);
      // Forty windows of five fill the minute (by about 41 s); the rest wait for the first of them to leave it.
      expect(granted).toHaveLength(200);
      await vi.advanceTimersByTimeAsync(3_000);
      await Promise.all(all);
      expect(granted[200]).toBeGreaterThanOrEqual(60_000);
      for (let i = 5; i < granted.length; i++) expect(granted[i]! - granted[i - 5]!).toBeGreaterThanOrEqual(1000);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("sandbox webhooks", () => {
  it("posts a record webhook to the salon's registered URLs when a record changes", async () => {
    const delivered: Array<{ url: string; body: any }> = [];
    const hooks = await startYClientsSandbox({
      partnerToken: PARTNER, applicationId: APP, rateLimit: false, emitWebhooks: true,
      deliverWebhook: async (url, body) => void delivered.push({ url, body }),
    });
    try {
      const client = createYClientsClient({ baseUrl: hooks.url, partnerToken: PARTNER, applicationId: APP, limiter: loose() });
      const id = nextSalon();
      const record = hooks.wireRecords(id).find((r) => !r.deleted)!;
      hooks.changeRecord(id, record.id, { comment: "before install" });
      expect(delivered).toEqual([]);
      await client.partnerCallback({ salonId: id, webhookUrls: ["https://example.test/hook/1"] });
      hooks.changeRecord(id, record.id, { attendance: 2 });
      await client.deleteRecord(id, record.id);
      await vi.waitFor(() => expect(delivered).toHaveLength(2));
      expect(delivered.map((d) => [d.url, d.body.company_id, d.body.resource, d.body.resource_id, d.body.status])).toEqual([
        ["https://example.test/hook/1", id, "record", record.id, "update"],
        ["https://example.test/hook/1", id, "record", record.id, "delete"],
      ]);
      expect(delivered[0]!.body.data).toMatchObject({ id: record.id, attendance: 2, deleted: false });
      expect(delivered[1]!.body.data.deleted).toBe(true);
    } finally {
      await hooks.close();
    }
  });
});
