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
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastFunctionResponses, type GeminiRequest } from "../../fakes/gemini/server.js";
import { signOnboardingToken } from "../../lib/marketplace/onboarding-token.js";
import { welcomeText } from "../../lib/marketplace/welcome.js";
import { run as runBookingPoll } from "../../functions/crons/booking-poll.js";
import { run as runReminders } from "../../functions/crons/reminders.js";
import { DESKTOP, launchBrowser, newOwnerContext, PHONE, resetArtifacts, screenshot, watchPage } from "./support/browser.js";
import { startE2eWorld, type E2eWorld } from "./support/stack.js";
import { waitFor } from "./support/wait.js";

/** Monday 23 November 2026, 09:00 in Moscow (the sandbox salons' time zone). */
const START = new Date("2026-11-23T06:00:00Z");
const TOMORROW = "2026-11-24";
/** The evening before the visit, inside the default 19:00–21:00 reminder window, Moscow time. */
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
  [w, browser] = await Promise.all([startE2eWorld({ start: START, confirmationDelaySec: CONFIRMATION_DELAY_SEC }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await w?.stop();
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
  const res = await page.goto(w.redirectUrl(salonId, { id: 77, name: "Владелец", phone: "79990000000", salon_name: salonTitle(salonId) }));
  expect(res?.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe("/marketplace/onboarding");
  await expect.poll(() => page.getByTestId("salon-title").textContent()).toBe(salonTitle(salonId));
  expect(await page.getByTestId("salon-id").textContent()).toBe(String(salonId));
}

/** A QR the page shows: a decoded PNG image, carrying the WhatsApp linking string. */
async function expectQrShown(page: Page): Promise<void> {
  const qr = page.getByTestId("qr-image");
  await qr.waitFor({ state: "visible", timeout: 30_000 });
  expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
  expect(await qr.getAttribute("data-qr")).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#/);
  await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
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

describe("the salon owner installs from the marketplace", () => {
  it("links WhatsApp by QR code: salon name, QR, scan, success, activation callback, welcome message", async () => {
    const page = await (await newOwnerContext(browser, DESKTOP)).newPage();
    const watch = watchPage(page);
    await openFromMarketplace(page, SALON_QR);
    await expectQrShown(page);
    await screenshot(page, "owner-qr-shown");

    const scanned = await w.scan(SALON_QR, OWNER_PHONE[SALON_QR]!);
    expect(scanned).toMatchObject({ state: "connected", phone: OWNER_PHONE[SALON_QR] });
    await expectActivated(page, SALON_QR);
    await screenshot(page, "owner-qr-done");
    await expectWelcomed(SALON_QR);
    expect(watch.errors).toEqual([]);
    await page.context().close();
  }, STEP_MS);

  it("links WhatsApp by pairing code: the number typed as the owner writes it, the code shown, success", async () => {
    const page = await (await newOwnerContext(browser, DESKTOP)).newPage();
    const watch = watchPage(page);
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

    await w.scan(SALON_PAIRING, OWNER_PHONE[SALON_PAIRING]!);
    await expectActivated(page, SALON_PAIRING);
    await screenshot(page, "owner-pairing-done");
    await expectWelcomed(SALON_PAIRING);
    expect(watch.errors).toEqual([]);
    await page.context().close();
  }, STEP_MS);

  it("works on a phone-sized screen: nothing wider than the screen, QR in view, success", async () => {
    const page = await (await newOwnerContext(browser, PHONE, true)).newPage();
    const watch = watchPage(page);
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

    await w.scan(SALON_PHONE_SCREEN, OWNER_PHONE[SALON_PHONE_SCREEN]!);
    await expectActivated(page, SALON_PHONE_SCREEN);
    expect(await fits()).toBe(true);
    await screenshot(page, "owner-phone-done");
    await expectWelcomed(SALON_PHONE_SCREEN);
    expect(watch.errors).toEqual([]);
    await page.context().close();
  }, STEP_MS);

  it("an expired link gets a clear page and changes nothing", async () => {
    const page = await (await newOwnerContext(browser, DESKTOP)).newPage();
    const watch = watchPage(page);
    // The owner opened the link, did not finish, and comes back to the same page more than an hour later.
    await openFromMarketplace(page, SALON_EXPIRED);
    await expectQrShown(page);
    const token = new URL(page.url()).searchParams.get("token")!;
    const before = await snapshot(SALON_EXPIRED);
    expect(before.salon).toMatchObject({ status: "pending_whatsapp" });

    w.clock.advance(61 * 60_000);
    const res = await page.reload();
    expect(res?.status()).toBe(401);
    await page.getByTestId("message-page").waitFor({ state: "visible" });
    expect(await page.getByTestId("message-page").getAttribute("data-code")).toBe("token_expired");
    expect(await page.getByTestId("message-title").textContent()).toBe("Ссылка устарела");
    expect(await page.getByTestId("message-text").textContent()).toMatch(/маркетплейсе YClients.*«Подключить»/);
    expect(await page.getByTestId("qr-image").count()).toBe(0);
    await screenshot(page, "owner-expired-link");

    // Activation with the same token, as a stale tab would try it, is refused too.
    const activation = await page.evaluate(async (t) => {
      const r = await fetch("/marketplace/activate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: t }) });
      return { status: r.status, body: (await r.json()) as { error?: { code?: string } } };
    }, token);
    expect(activation.status).toBe(401);
    expect(activation.body.error?.code).toBe("token_expired");

    // A token minted with the real key that ran out long ago is the same dead end.
    const old = await signOnboardingToken(w.stack.config.jwtSecret, SALON_EXPIRED, Math.floor(w.clock.now().getTime() / 1000) - 3 * 3600);
    expect((await page.goto(`${w.urls.functions}/marketplace/onboarding?token=${encodeURIComponent(old)}`))?.status()).toBe(401);
    expect(await page.getByTestId("message-page").getAttribute("data-code")).toBe("token_expired");

    expect(await snapshot(SALON_EXPIRED)).toEqual(before);
    expect(watch.errors).toEqual([]);
    await page.context().close();
  }, STEP_MS);
});

/** What an install attempt may have changed: the salon row, its event log, YClients callbacks, WhatsApp sends. */
async function snapshot(salonId: number) {
  const [salon] = await rows<Record<string, unknown>>("select * from salons where salon_id = $1", [salonId]);
  const events = await rows<{ event: string }>("select event from marketplace_events where salon_id = $1 order by id", [salonId]);
  return { salon, events: events.map((e) => e.event), callbacks: callbacks(salonId).length, sent: (await w.outbox(salonId)).length };
}
