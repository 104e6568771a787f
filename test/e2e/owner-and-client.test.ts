/**
 * End to end, as people meet the product: `npm start`'s stack (local/stack.ts) with the YClients sandbox, the
 * WhatsApp emulator, the local dispatcher and the Gemini fake; the salon owner in headless Chromium; the salon's phone
 * and a client through the emulator's control API. One story, in order:
 *
 *   1. owners install from the marketplace: QR (desktop), pairing code (desktop), QR on a phone-sized screen, and a
 *      link that has expired (a clear page, nothing changed);
 *   2. a client of the first salon asks for prices, books a haircut, gets exactly one confirmation, gets the evening
 *      reminder when the clock reaches the evening before, answers 👍, and the visit is confirmed in YClients;
 *   3. the salon's administrator books the same client in YClients: the webhook brings one confirmation notice.
 *
 * Screenshots of every owner step: artifacts/e2e/. Waits poll a condition until a deadline (support/wait.ts); a
 * deadline is a failure bound, never a speed assertion.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastFunctionResponses, type GeminiRequest } from "../../fakes/gemini/server.js";
import { welcomeText } from "../../lib/marketplace/welcome.js";
import { run as runBookingPoll } from "../../functions/crons/booking-poll.js";
import { run as runReminders } from "../../functions/crons/reminders.js";
import {
  ARTIFACTS_DIR, DESKTOP, launchBrowser, newOwnerContext, PHONE, resetArtifacts, screenshot, screenshotChat, watchPage, type ChatLine,
} from "./support/browser.js";
import { startE2eWorld, type E2eWorld } from "./support/stack.js";
import { waitFor } from "./support/wait.js";

/** Monday 23 November 2026, 09:00 in Moscow (the sandbox salons' time zone). */
const START = new Date("2026-11-23T06:00:00Z");
const TOMORROW = "2026-11-24";
/**
 * The evening before the visit, inside the default 19:00–21:00 reminder window, Moscow time. The booking happens
 * about 10:00 the same day: more than the 6 hours after which a fresh booking gets the evening reminder at all.
 */
const EVENING_BEFORE = new Date("2026-11-23T16:05:00Z");
const CONFIRMATION_DELAY_SEC = 2;

const SALON_QR = 5101;
const SALON_PAIRING = 5102;
const SALON_PHONE_SCREEN = 5103;
const SALON_EXPIRED = 5104;
const OWNER_PHONE: Record<number, string> = {
  [SALON_QR]: "79035550101",
  [SALON_PAIRING]: "79035550202",
  [SALON_PHONE_SCREEN]: "79035550303",
};
const CLIENT = "79161234567";
const CLIENT_NAME = "Иван";

const STEP_MS = 60_000;

let w: E2eWorld;
let browser: Browser;

beforeAll(async () => {
  resetArtifacts();
  // Started side by side; whichever came up is kept so afterAll can close it when the other failed.
  const [world, chromium] = await Promise.allSettled([
    startE2eWorld({ start: START, confirmationDelaySec: CONFIRMATION_DELAY_SEC }),
    launchBrowser(),
  ]);
  if (world.status === "fulfilled") w = world.value;
  if (chromium.status === "fulfilled") browser = chromium.value;
  for (const r of [world, chromium]) if (r.status === "rejected") throw r.reason;
});

afterAll(async () => {
  await browser?.close();
  if (!w) return;
  try {
    // What each salon's WhatsApp sent, next to the screenshots: the client's side of the story for a CI reader.
    const sent = await Promise.all(
      [SALON_QR, SALON_PAIRING, SALON_PHONE_SCREEN, SALON_EXPIRED].map(async (id) => [id, await w.outbox(id).catch(String)]),
    );
    writeFileSync(join(ARTIFACTS_DIR, "whatsapp-outbox.json"), JSON.stringify(Object.fromEntries(sent), null, 2));
  } finally {
    await w.stop();
  }
});

const pg = () => w.stack.database.pg!;
async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await pg().query<T>(sql, params)).rows;
}

const salonTitle = (salonId: number) => w.sandbox.salon(salonId).company.title!;
const callbacks = (salonId: number) => w.sandbox.partnerCallbacks.filter((c) => c.salonId === salonId);
const formatted = (digits: string) => digits.replace(/^7(\d{3})(\d{3})(\d{2})(\d{2})$/, "+7 $1 $2-$3-$4");

/** The owner clicks "connect" in the YClients marketplace and lands on our onboarding page. */
async function openFromMarketplace(page: Page, salonId: number): Promise<void> {
  // user_data names the salon differently on purpose: the page must show the name YClients has for the company.
  const owner = { id: 77, name: "Владелец", phone: "79990000000", email: "owner@example.com", is_approved: true, salon_name: "Мой салон" };
  const res = await page.goto(w.redirectUrl(salonId, owner));
  expect(res?.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe("/marketplace/onboarding");
  expect(await page.getByTestId("salon-title").textContent()).toBe(salonTitle(salonId));
  expect(await page.getByTestId("salon-id").textContent()).toBe(String(salonId));
}

/** A QR the page shows: a decoded PNG image, carrying the WhatsApp linking string. */
async function expectQrShown(page: Page): Promise<void> {
  const qr = page.getByTestId("qr-image");
  await qr.waitFor({ state: "visible", timeout: 30_000 });
  expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
  expect(await qr.getAttribute("data-qr")).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#/);
  await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 10_000 }).toBe(true);
}

/** The page reached its finished state and activation reached YClients once, with the body the contract names. */
async function expectActivated(page: Page, salonId: number): Promise<void> {
  const phone = OWNER_PHONE[salonId]!;
  await page.getByTestId("done-panel").waitFor({ state: "visible", timeout: 30_000 });
  expect(await page.getByTestId("onboarding-page").getAttribute("data-state")).toBe("done");
  expect(await page.getByTestId("done-phone").textContent()).toBe(formatted(phone));
  expect(await page.getByTestId("error-box").isVisible()).toBe(false);

  const received = callbacks(salonId);
  expect(received.map((c) => c.kind)).toEqual(["callback_redirect"]);
  const body = received[0]!.body;
  expect(body).toMatchObject({ salon_id: salonId, application_id: w.stack.config.yclients.applicationId });
  expect(typeof body.api_key).toBe("string");
  expect(String(body.api_key).length).toBeGreaterThanOrEqual(32);
  expect(body.webhook_urls).toEqual([expect.stringMatching(new RegExp(`^${w.urls.functions}/`))]);
  expect(w.sandbox.installed(salonId)?.status).toBe("active");
  const [salon] = await rows<{ status: string; whatsapp_phone: string }>("select status, whatsapp_phone from salons where salon_id = $1", [salonId]);
  expect(salon).toEqual({ status: "active", whatsapp_phone: phone });
}

/** The salon's own WhatsApp got the welcome message. */
async function expectWelcomed(salonId: number): Promise<void> {
  const phone = OWNER_PHONE[salonId]!;
  const welcome = await waitFor(`the welcome message on salon ${salonId}'s phone`, async () => {
    const texts = await w.sentTo(salonId, phone);
    return texts.length > 0 ? texts : undefined;
  }, { describe: () => w.outbox(salonId) });
  expect(welcome).toEqual([welcomeText(phone)]);
}

/**
 * One owner, one fresh browser context: the page's script errors fail the step, a failing step leaves a screenshot
 * of where it stopped (`…-FAILED.png`), and the context is closed either way.
 */
async function asOwner(name: string, screen: { width: number; height: number }, step: (page: Page) => Promise<void>): Promise<void> {
  const context = await newOwnerContext(browser, screen, screen === PHONE);
  const page = await context.newPage();
  const watch = watchPage(page);
  try {
    await step(page);
    expect(watch.errors).toEqual([]);
  } catch (err) {
    await screenshot(page, `${name}-FAILED`).catch(() => undefined);
    throw err;
  } finally {
    await context.close();
  }
}

/** The salon's phone links as the owner's number; the page says it is done (`check` runs on it then), the welcome arrives. */
async function linkAndFinish(page: Page, name: string, salonId: number, check: () => Promise<void> = async () => {}): Promise<void> {
  expect(await w.scan(salonId, OWNER_PHONE[salonId]!)).toMatchObject({ state: "connected", phone: OWNER_PHONE[salonId] });
  await expectActivated(page, salonId);
  await check();
  await screenshot(page, `${name}-done`);
  await expectWelcomed(salonId);
}

describe("the salon owner installs from the marketplace", () => {
  it("links WhatsApp by QR code: salon name, QR, scan, success, activation callback, welcome message", async () => {
    await asOwner("owner-qr", DESKTOP, async (page) => {
      await openFromMarketplace(page, SALON_QR);
      await expectQrShown(page);
      await screenshot(page, "owner-qr-shown");

      await linkAndFinish(page, "owner-qr", SALON_QR);
    });
  }, STEP_MS);

  it("links WhatsApp by pairing code: the number typed as the owner writes it, the code shown, success", async () => {
    await asOwner("owner-pairing", DESKTOP, async (page) => {
      await openFromMarketplace(page, SALON_PAIRING);
      await page.getByTestId("tab-pairing").click();
      await page.getByTestId("panel-pairing").waitFor({ state: "visible" });
      // The Russian habit: 8 instead of +7, with spaces and dashes.
      await page.getByTestId("phone-input").fill("8 903 555-02-02");
      await screenshot(page, "owner-pairing-number");
      await page.getByTestId("phone-submit").click();
      const code = page.getByTestId("pairing-code");
      await code.waitFor({ state: "visible", timeout: 30_000 });
      expect(await code.textContent()).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      expect(await page.getByTestId("phone-input").inputValue()).toBe(formatted(OWNER_PHONE[SALON_PAIRING]!));
      await screenshot(page, "owner-pairing-code");

      await linkAndFinish(page, "owner-pairing", SALON_PAIRING);
    });
  }, STEP_MS);

  it("works on a phone-sized screen: nothing wider than the screen, QR in view, success", async () => {
    await asOwner("owner-phone", PHONE, async (page) => {
      await openFromMarketplace(page, SALON_PHONE_SCREEN);
      await expectQrShown(page);
      const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      expect(await fits()).toBe(true);
      for (const id of ["qr-image", "tab-qr", "tab-pairing", "salon-title"]) {
        const box = (await page.getByTestId(id).boundingBox())!;
        expect(box, id).not.toBeNull();
        expect(box.x, id).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, id).toBeLessThanOrEqual(PHONE.width);
      }
      await screenshot(page, "owner-phone-qr-shown");

      await linkAndFinish(page, "owner-phone", SALON_PHONE_SCREEN, async () => expect(await fits()).toBe(true));
    });
  }, STEP_MS);

  it("a stale tab, or the page without the YClients sign-in, gets a clear page and changes nothing", async () => {
    await asOwner("owner-expired", DESKTOP, async (page) => {
      // The owner opened the link, did not finish, and comes back to the same tab more than an hour later.
      await openFromMarketplace(page, SALON_EXPIRED);
      await expectQrShown(page);
      const token = await page.evaluate(() => (JSON.parse(document.getElementById("onboarding-config")!.textContent!) as { token: string }).token);
      expect(page.url()).not.toContain(token);
      const before = await snapshot(SALON_EXPIRED);
      expect(before.salon).toMatchObject({ status: "pending_whatsapp" });

      w.clock.advance(61 * 60_000);
      // The page's address alone, in a browser that never signed in through YClients, shows nothing of the salon.
      await page.context().clearCookies();
      const res = await page.reload();
      expect(res?.status()).toBe(401);
      await page.getByTestId("message-page").waitFor({ state: "visible" });
      expect(await page.getByTestId("message-page").getAttribute("data-code")).toBe("not_signed_in");
      expect(await page.getByTestId("message-title").textContent()).toBe("Войдите через YClients");
      expect(await page.getByTestId("message-text").textContent()).toMatch(/маркетплейсе YClients.*«Подключить»/);
      expect(await page.getByTestId("qr-image").count()).toBe(0);
      await screenshot(page, "owner-expired-link");

      // Activation with the tab's token, as a stale tab would try it, is refused too.
      const activation = await page.evaluate(async (t) => {
        const r = await fetch("/marketplace/activate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: t }) });
        return { status: r.status, body: (await r.json()) as { error?: { code?: string } } };
      }, token);
      expect(activation.status).toBe(401);
      expect(activation.body.error?.code).toBe("token_expired");

      expect(await snapshot(SALON_EXPIRED)).toEqual(before);
    });
  }, STEP_MS);
});

/** What an install attempt may have changed: the salon row, its event log, YClients callbacks, WhatsApp sends. */
async function snapshot(salonId: number) {
  const [salon] = await rows<Record<string, unknown>>("select * from salons where salon_id = $1", [salonId]);
  const events = await rows<{ event: string }>("select event from marketplace_events where salon_id = $1 order by id", [salonId]);
  return { salon, events: events.map((e) => e.event), callbacks: callbacks(salonId).length, sent: (await w.outbox(salonId)).length };
}

// ---- the client ---------------------------------------------------------------------------------------------------

const digits = (s: string | null | undefined) => (s ?? "").replace(/\D/g, "");
// Tool results as our code sent them back to the model: read loosely, the assertions below check what matters.
const toolResult = (req: GeminiRequest, name: string): any => lastFunctionResponses(req).find((r) => r.name === name)?.response;

/** No job is due and undelivered: everything the last action set off has run (or is waiting for a later time). */
async function dispatcherSettled(what: string): Promise<void> {
  await waitFor(`the dispatcher to settle after ${what}`, async () => {
    const [r] = await rows<{ n: number }>(
      "select count(*)::int as n from local_dispatch where done_at is null and not_before <= $1", [w.clock.now()]);
    return r!.n === 0;
  }, { timeoutMs: 30_000, describe: () => rows("select url, attempts, last_status, last_error from local_dispatch where done_at is null") });
}

/** Waits until the client has received `count` messages in all; returns them. */
async function clientReceives(count: number, what: string): Promise<string[]> {
  return waitFor(what, async () => {
    const texts = await w.sentTo(SALON_QR, CLIENT);
    return texts.length >= count ? texts : undefined;
  }, { timeoutMs: 30_000, describe: async () => ({ sent: await w.sentTo(SALON_QR, CLIENT), geminiPending: w.gemini.pending() }) });
}

/** Record webhooks the sandbox delivered to our functions (answered 2xx) for one record. */
type RecordWebhook = { resource_id?: number; status?: string; data?: { attendance?: number } };
const recordWebhooks = (recordId: number): RecordWebhook[] =>
  w.sandbox.webhooksSent.map((x) => (x.ok ? (x.body as RecordWebhook) : {})).filter((b) => b.resource_id === recordId);

const haircut = () => w.sandbox.salon(SALON_QR).services.find((s) => s.title === "Мужская стрижка")!;
let booked: { recordId: number; time: string; staffId: number } | undefined;

/** What the client typed, for the chat picture saved with the screenshots. */
const clientLines: ChatLine[] = [];
async function clientSays(text: string, pushName?: string): Promise<void> {
  clientLines.push({ from: "client", text, at: w.clock.now() });
  await w.clientWrites(SALON_QR, CLIENT, text, pushName);
}

describe("a client of the salon, through WhatsApp", () => {
  afterAll(async () => {
    if (!w || !browser) return;
    const sent = (await w.outbox(SALON_QR)).filter((m) => m.to === `${CLIENT}@s.whatsapp.net`);
    const lines = [...clientLines, ...sent.map((m): ChatLine => ({ from: "salon", text: m.text, at: new Date(m.at) }))];
    lines.sort((a, b) => a.at.getTime() - b.at.getTime());
    await screenshotChat(browser, "client-chat", `${salonTitle(SALON_QR)} ↔ ${formatted(CLIENT)}`, lines);
  });

  it("asks for prices and gets them from the salon's synced catalogue", async () => {
    const [salon] = await rows<{ status: string }>("select status from salons where salon_id = $1", [SALON_QR]);
    expect(salon?.status, "needs the salon installed by QR in the first step").toBe("active");
    // The full sync that activation started has brought the catalogue in (a failed run is retried by its job).
    await waitFor("the first full sync of the salon", async () => {
      const r = await rows<{ status: string }>("select status from sync_runs where salon_id = $1 order by id", [SALON_QR]);
      return r.some((x) => x.status === "ok");
    }, { timeoutMs: 45_000, describe: () => rows("select status, parts, error from sync_runs where salon_id = $1", [SALON_QR]) });

    w.gemini.script([
      { calls: [{ name: "list_services", args: { query: "мужская стрижка" } }] },
      (req) => {
        const s = toolResult(req, "list_services")?.services?.find((x: { title: string }) => x.title === "Мужская стрижка");
        return { text: s ? `Мужская стрижка стоит ${s.price}, длится ${s.duration_min} минут.` : "Не нашла такую услугу." };
      },
    ]);
    await clientSays("Здравствуйте! Сколько стоит мужская стрижка?", CLIENT_NAME);
    const [answer] = await clientReceives(1, "the answer about prices");
    expect(answer).toBe(`Мужская стрижка стоит ${haircut().price_min} ₽, длится ${haircut().duration / 60} минут.`);
    expect(w.gemini.pending()).toBe(0);
  }, 2 * STEP_MS);

  it("books a haircut for tomorrow: a record in YClients and one confirmation, however the record comes back", async () => {
    const svc = haircut();
    const requestsBefore = w.gemini.requests.length;
    let offered: { staff_id: number; staff_name: string; times: string[] } | undefined;
    w.gemini.script([
      { calls: [{ name: "find_free_slots", args: { service_id: svc.id, date: TOMORROW } }] },
      (req) => {
        offered = toolResult(req, "find_free_slots")?.options?.[0];
        if (!offered) return { text: "На завтра свободного времени нет." };
        return {
          calls: [{ name: "create_booking", args: { service_id: svc.id, staff_id: offered.staff_id, date: TOMORROW, time: offered.times[0], client_name: CLIENT_NAME } }],
        };
      },
    ]);
    await clientSays("Меня зовут Иван. Запишите меня на мужскую стрижку завтра, пожалуйста");
    const texts = await clientReceives(2, "the booking answer");
    expect(offered, "find_free_slots offered no time tomorrow").toBeDefined();
    const time = offered!.times[0]!;
    // The confirmation is composed from create_booking's result: two model calls, not three.
    expect(texts[1]).toContain(`Записала вас: Мужская стрижка, 24 ноября, вторник в ${time}, мастер ${offered!.staff_name}.`);
    expect(w.gemini.requests.length - requestsBefore).toBe(2);

    // The record in YClients: the client, the service, the master and the time that were offered.
    const created = w.sandbox.recordChanges(SALON_QR).filter((c) => c.action === "create");
    expect(created).toHaveLength(1);
    const rec = created[0]!.record;
    expect(created[0]!.via).toBe("book_record");
    expect(digits(rec.client?.phone)).toBe(CLIENT);
    expect(rec.staff_id).toBe(offered!.staff_id);
    expect(rec.services.map((s) => s.id)).toEqual([svc.id]);
    expect(rec.datetime).toContain(`${TOMORROW}T${time}`);
    booked = { recordId: created[0]!.recordId, time, staffId: offered!.staff_id };

    // The sandbox told us about the new record by webhook; the poll sees it too; the confirmation delay passes.
    await waitFor("the record webhook to reach the functions", () => recordWebhooks(booked!.recordId).length > 0,
      { describe: () => w.sandbox.webhooksSent });
    w.clock.advance((CONFIRMATION_DELAY_SEC + 1) * 1000);
    await runBookingPoll(w.stack.services);
    await dispatcherSettled("the webhook and the poll");

    // Exactly one confirmation reached the client: the assistant's own, no second one from the booking monitor.
    const confirmations = (await w.sentTo(SALON_QR, CLIENT)).filter((t) => t.includes(time));
    expect(confirmations).toEqual([texts[1]]);
    const notes = await rows<{ kind: string; status: string }>(
      "select kind, status from notifications where salon_id = $1 and record_id = $2 and status = 'sent'", [SALON_QR, booked.recordId]);
    expect(notes).toEqual([]);
    const [ours] = await rows<{ created_by_us: boolean; client_phone: string }>(
      "select created_by_us, client_phone from records where salon_id = $1 and record_id = $2", [SALON_QR, booked.recordId]);
    expect(ours).toEqual({ created_by_us: true, client_phone: CLIENT });
  }, STEP_MS);

  it("gets the evening reminder the day before, once", async () => {
    expect(booked, "needs the booking of the previous step").toBeDefined();
    const before = (await w.sentTo(SALON_QR, CLIENT)).length;
    w.clock.advanceTo(EVENING_BEFORE);
    const tick = await runReminders(w.stack.services);
    expect(tick.reminders).toBeGreaterThanOrEqual(1);
    const [note] = await rows<{ id: number; due_at: Date; status: string }>(
      "select id, due_at, status from notifications where salon_id = $1 and record_id = $2 and kind = 'reminder_day_before'",
      [SALON_QR, booked!.recordId]);
    expect(note, "no evening reminder was decided for the booked record").toBeDefined();
    // Reminders of one salon go out spaced apart; move the clock to this one's turn rather than wait for it.
    if (note!.due_at.getTime() > w.clock.now().getTime()) w.clock.advanceTo(note!.due_at);

    const texts = await clientReceives(before + 1, "the evening reminder");
    const reminder = texts[before]!;
    expect(reminder).toMatch(new RegExp(`завтра в ${booked!.time}`, "i"));
    expect(reminder).toContain("Мужская стрижка");
    expect(reminder).toContain("Ответьте «да», если всё в силе.");

    // The next tick, 5 minutes later (by then the first tick's spaced-out sends have all gone), decides nothing new.
    w.clock.advance(5 * 60_000);
    await dispatcherSettled("the first tick's reminders");
    await runReminders(w.stack.services);
    await dispatcherSettled("a second reminder tick");
    expect((await w.sentTo(SALON_QR, CLIENT)).filter((t) => t.includes("Ответьте «да»"))).toEqual([reminder]);
  }, STEP_MS);

  it("answers 👍 and the visit is confirmed in YClients, without asking the model", async () => {
    expect(booked, "needs the booking of the previous steps").toBeDefined();
    const before = (await w.sentTo(SALON_QR, CLIENT)).length;
    const modelCalls = w.gemini.requests.length;
    await clientSays("👍");
    await waitFor("attendance 2 (confirmed) on the record in YClients", () =>
      w.sandbox.wireRecords(SALON_QR).find((r) => r.id === booked!.recordId)?.attendance === 2,
    { describe: () => w.sandbox.wireRecords(SALON_QR).find((r) => r.id === booked!.recordId) });
    const texts = await clientReceives(before + 1, "the thanks for confirming");
    expect(texts[before]).toBe(`❤️ Спасибо, что подтвердили! Ждём вас завтра в ${booked!.time}.`);
    // YClients reports the attendance change back by webhook; attendance 2 alone must tell the client nothing.
    await waitFor("the attendance webhook to reach the functions", () => recordWebhooks(booked!.recordId).some((b) => b.data?.attendance === 2),
      { describe: () => w.sandbox.webhooksSent });
    await dispatcherSettled("the confirmation and its webhook");
    expect(await w.sentTo(SALON_QR, CLIENT)).toHaveLength(before + 1);
    expect(w.gemini.requests.length).toBe(modelCalls);
    const [ours] = await rows<{ attendance: number }>("select attendance from records where salon_id = $1 and record_id = $2", [SALON_QR, booked!.recordId]);
    expect(ours?.attendance).toBe(2);
  }, STEP_MS);

  it("a visit the salon books for them in YClients brings one confirmation notice", async () => {
    const before = (await w.sentTo(SALON_QR, CLIENT)).length;
    const rec = w.sandbox.addRecord(SALON_QR, {
      datetime: "2026-11-26 12:00:00", staffId: booked?.staffId ?? haircut().staff[0]!.id, serviceIds: [haircut().id],
      clientPhone: CLIENT, clientName: CLIENT_NAME,
    });
    const texts = await clientReceives(before + 1, "the new booking confirmation");
    const notice = texts[before]!;
    expect(notice).toContain("26 ноября");
    expect(notice).toContain("12:00");
    expect(notice).toContain("Мужская стрижка");

    // The poll meets the same record: still one notice.
    await runBookingPoll(w.stack.services);
    await dispatcherSettled("the poll after the notice");
    expect((await w.sentTo(SALON_QR, CLIENT)).filter((t) => t.includes("26 ноября"))).toEqual([notice]);
    const notes = await rows<{ kind: string; status: string }>(
      "select kind, status from notifications where salon_id = $1 and record_id = $2", [SALON_QR, rec.id]);
    expect(notes).toEqual([{ kind: "booking_created", status: "sent" }]);
  }, STEP_MS);

  it("each salon's own WhatsApp still has exactly one welcome message", async () => {
    for (const salonId of [SALON_QR, SALON_PAIRING, SALON_PHONE_SCREEN]) {
      const phone = OWNER_PHONE[salonId]!;
      expect((await w.sentTo(salonId, phone)).filter((t) => t === welcomeText(phone))).toHaveLength(1);
    }
  });
});
