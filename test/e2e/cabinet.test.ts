/**
 * Issue 17 in a real browser: the salon's cabinet on `npm start`'s stack (sandbox, emulator, Gemini fake). The owner
 * of an active salon signs in through the marketplace redirect, changes the hours-before reminder and quiet hours,
 * empties a number field (back to its default),
 * edits the confirmation text (the next confirmation uses it), reads a chart against the database, talks to the test
 * chat; a forged cookie and another salon's owner are refused; then the clock moves into the night and the real
 * reminder cron finds the reminder inside quiet hours: held until their end, sent then. Screenshots: artifacts/e2e/
 * cabinet/, including a 390 px phone. Waits are failure bounds, never speed assertions.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as runReminders } from "../../functions/crons/reminders.js";
import { sessionCookieName } from "../../lib/web-session/index.js";
import { ARTIFACTS_DIR, DESKTOP, launchBrowser, newOwnerContext, PHONE, watchPage } from "./support/browser.js";
import { startE2eWorld, type E2eWorld } from "./support/stack.js";
import { waitFor } from "./support/wait.js";

/** Monday 23 November 2026, 09:00 in Moscow (the sandbox salons' time zone). */
const START = new Date("2026-11-23T06:00:00Z");
/** Tuesday 11:00 in Moscow: 12 hours before it is 23:00 on Monday, inside the quiet hours set below. */
const VISIT_LOCAL = "2026-11-24 11:00:00";
const NIGHT_TICK = new Date("2026-11-23T20:00:00Z");
/** 08:30 in Moscow on Tuesday: the quiet hours' end. */
const MORNING = new Date("2026-11-24T05:30:00Z");
const SALON = 5301;
const OTHER_SALON = 5302;
const OWNER = { id: 53_010_001, name: "Анна Владелец", phone: "79035553301", email: "owner5301@example.com", is_approved: true, salon_name: "Салон 5301" };
const OTHER_OWNER = { ...OWNER, id: 53_020_001, email: "owner5302@example.com", salon_name: "Салон 5302" };
const CLIENT = "79161230301";
const CONFIRMATION = "Здравствуйте, {имя}! Ждём вас {дата} в {время}. Тестовый текст салона 5301.";
const STEP_MS = 60_000;

let w: E2eWorld;
let browser: Browser;
let page: Page;
let errors: string[];
let recordId = 0;

const SHOTS = join(ARTIFACTS_DIR, "cabinet");
const screenshot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

const pg = () => w.stack.database.pg!;
const one = async <T>(sql: string, params: unknown[]) => (await pg().query<T>(sql, params)).rows[0]!;

async function dispatcherSettled(what: string): Promise<void> {
  await waitFor(`the dispatcher to settle after ${what}`, async () =>
    (await one<{ n: number }>("select count(*)::int as n from local_dispatch where done_at is null and not_before <= $1", [w.clock.now()])).n === 0,
  { timeoutMs: 30_000 });
}

const tab = async (name: string) => {
  await page.getByTestId(`tab-${name}`).click();
  await page.getByTestId(`panel-${name}`).waitFor({ state: "visible" });
};

beforeAll(async () => {
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  [w, browser] = await Promise.all([startE2eWorld({ start: START, confirmationDelaySec: 2 }), launchBrowser()]);
  await w.install(SALON, OWNER, "79035553399");
  await w.install(OTHER_SALON, OTHER_OWNER, "79035553398");
  const context = await newOwnerContext(browser, DESKTOP);
  page = await context.newPage();
  errors = watchPage(page).errors;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe("the salon's cabinet in a browser", () => {
  it("opens from YClients for an active salon, not the onboarding page", async () => {
    // Later that morning, in a browser that has no session: YClients signs the same user data as at installation.
    w.clock.advance(20 * 60_000);
    // A client said "стоп" earlier (lib/outreach/opt-out.ts keeps it per salon): the owner sees it counted.
    await one("insert into outreach_opt_outs (salon_id, chat_hash, chat, source, opted_out_at) values ($1, 'h1', '79160000001', 'stop_word', $2) returning salon_id", [SALON, w.clock.now()]);
    const res = await page.goto(w.redirectUrl(SALON, OWNER));
    expect(res?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe(`/cabinet/${SALON}`);
    await expect.poll(() => page.getByTestId("wa-state").getAttribute("data-view")).toBe("connected");
    expect(await page.getByTestId("wa-state").textContent()).toContain("+79035553399");
    expect(await page.getByTestId("outreach-summary").textContent()).toContain("Отписались от сообщений первыми: 1.");
    await screenshot(page, "01-overview");
  }, STEP_MS);

  it("changes a reminder time and quiet hours, effective at once and in the history", async () => {
    await tab("settings");
    await expect.poll(() => page.getByTestId("field-quietFrom").inputValue()).toBe("22:00");
    expect(await page.getByTestId("field-bookingTexts").inputValue()).toBe("ai_admin");
    expect(await page.getByTestId("bookingTexts-help").textContent()).toContain("«Напоминание о записи»");
    await page.getByTestId("field-reminderHoursBefore").check();
    await page.getByTestId("field-hoursBefore").fill("12");
    await page.getByTestId("field-quietHours").check();
    await page.getByTestId("field-quietFrom").fill("21:30");
    await page.getByTestId("field-quietTo").fill("08:30");
    await page.getByTestId("settings-save").click();
    await expect.poll(() => page.getByTestId("settings-status").textContent()).toBe("Сохранено. Действует сразу.");
    const { settings } = await one<{ settings: { notifications: Record<string, unknown> } }>("select settings from salons where salon_id = $1", [SALON]);
    expect(settings.notifications).toMatchObject({ hoursBefore: 12, quietHours: true, quietFrom: "21:30", quietTo: "08:30" });
    const history = await page.getByTestId("history").locator("li").allTextContents();
    expect(history.some((h) => h.includes("тихие часы с: 22:00 → 21:30"))).toBe(true);
    await screenshot(page, "02-settings");
  }, STEP_MS);

  it("takes an emptied number field back to its default; text that is no number is refused", async () => {
    const cap = page.getByTestId("field-outreach_dailyCap");
    const save = async (status: string) => {
      await page.getByTestId("settings-save").click();
      await expect.poll(() => page.getByTestId("settings-status").textContent()).toBe(status);
    };
    await cap.fill("40");
    await save("Сохранено. Действует сразу.");
    // "-" alone is no number: the browser reads the field as empty, yet it is not the owner emptying it.
    await cap.fill("");
    await cap.pressSequentially("-");
    await save("Не больше сообщений в день: введите число");
    await cap.fill("");
    await save("Сохранено. Действует сразу.");
    const { dailyCap } = await one<{ dailyCap: number }>("select outreach_settings('{}'::jsonb) -> 'dailyCap' as \"dailyCap\"", []);
    expect(await cap.inputValue()).toBe(String(dailyCap));
    const { settings } = await one<{ settings: { outreach: Record<string, unknown> } }>("select settings from salons where salon_id = $1", [SALON]);
    expect(settings.outreach).not.toHaveProperty("dailyCap");
    const history = await page.getByTestId("history").locator("li").allTextContents();
    expect(history.some((h) => h.includes(`сообщений в день: 40 → ${dailyCap}`))).toBe(true);
  }, STEP_MS);

  it("edits the confirmation text, and the next confirmation uses it", async () => {
    await tab("texts");
    await page.getByTestId("text-kind").selectOption("welcome");
    expect(await page.locator("#text-placeholders").textContent()).toContain("{телефон}");
    await page.getByTestId("text-kind").selectOption("booking_created");
    await page.getByTestId("text-editor").fill(CONFIRMATION);
    await page.getByTestId("text-save").click();
    await expect.poll(() => page.getByTestId("text-status").textContent()).toBe("Сохранено. Следующие сообщения уйдут с этим текстом.");
    await page.getByTestId("text-preview-button").click();
    await page.getByTestId("text-preview").waitFor({ state: "visible" });
    await screenshot(page, "03-texts");

    // The administrator books the client in YClients; the webhook brings the confirmation after its delay.
    recordId = w.sandbox.addRecord(SALON, { datetime: VISIT_LOCAL, clientPhone: CLIENT, clientName: "Ольга" }).id;
    const [sent] = await waitFor("the confirmation", async () => {
      const texts = await w.sentTo(SALON, CLIENT);
      return texts.length > 0 ? texts : undefined;
    }, { timeoutMs: 30_000, describe: () => w.outbox(SALON) });
    expect(sent).toBe("Здравствуйте, Ольга! Ждём вас 24 ноября в 11:00. Тестовый текст салона 5301.");

    // The settings history (read when the tab first opens) names the edited text as the text list does, not by its key.
    await page.reload();
    await tab("settings");
    await expect.poll(async () => (await page.getByTestId("history").locator("li").allTextContents())
      .some((h) => h.includes("текст «Подтверждение новой записи»: изменён"))).toBe(true);
  }, STEP_MS);

  it("talks to the test chat: the assistant's answer, nothing sent to WhatsApp", async () => {
    const outboxBefore = (await w.outbox(SALON)).length;
    w.gemini.script([{ text: "Здравствуйте! Парковка у входа бесплатная." }]);
    await tab("chat");
    await page.getByTestId("chat-input").fill("Есть ли парковка?");
    await page.getByTestId("chat-send").click();
    await page.getByTestId("chat-log").locator('li[data-direction="out"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("chat-log").locator('li[data-direction="out"]').allTextContents()).toEqual(["Здравствуйте! Парковка у входа бесплатная."]);
    expect((await w.outbox(SALON)).length).toBe(outboxBefore);
    await screenshot(page, "04-test-chat");
  }, STEP_MS);

  it("charts numbers that match the database, on a desktop and on a 390 px phone", async () => {
    await tab("results");
    const chart = page.getByTestId("results").locator("g[data-series][data-total]");
    await chart.first().waitFor({ state: "attached" });
    const total = async (key: string) => Number(await page.locator(`g[data-series="${key}"]`).getAttribute("data-total"));
    const count = async (sql: string) => (await one<{ n: number }>(sql, [SALON])).n;
    expect(await total("confirmations_sent")).toBe(await count("select count(*)::int n from notifications where salon_id = $1 and kind = 'booking_created' and status = 'sent'"));
    expect(await total("confirmations_sent")).toBe(1);
    // The test chat's messages are in the table but not in the chart.
    expect(await count("select count(*)::int n from messages where salon_id = $1 and phone like 'test:%'")).toBeGreaterThan(0);
    expect(await total("messages_in")).toBe(await count("select count(*)::int n from messages where salon_id = $1 and direction = 'in' and phone not like 'test:%'"));
    // Receipts exist now (notifications.delivered_at/read_at): their series are drawn.
    expect(await page.locator('g[data-series="confirmations_delivered"]').count()).toBe(1);
    await screenshot(page, "05-results");

    const phone = await (await newOwnerContext(browser, PHONE, true)).newPage();
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`${w.urls.functions}/cabinet/${SALON}`);
    await phone.getByTestId("tab-results").click();
    await phone.locator('g[data-series="confirmations_sent"]').waitFor({ state: "attached" });
    // The page fits the phone: nothing sticks out sideways.
    const wide = await phone.evaluate((width) => Array.from(document.querySelectorAll("body *"))
      .filter((el) => el.getBoundingClientRect().right > width + 1).map((el) => el.id || el.tagName), PHONE.width);
    expect(wide).toEqual([]);
    await screenshot(phone, "06-results-phone-390");
    await phone.context().close();
  }, STEP_MS);

  it("refuses a forged session and another salon's owner", async () => {
    const name = sessionCookieName(w.stack.config.publicUrl);
    const [real] = (await page.context().cookies()).filter((c) => c.name === name);
    expect(real).toBeDefined();
    const forged = await fetch(`${w.urls.functions}/cabinet/api/${SALON}/settings`, { headers: { cookie: `${name}=${real!.value.slice(0, -4)}AAAA` } });
    expect(forged.status).toBe(401);

    const stranger = await (await newOwnerContext(browser, DESKTOP)).newPage();
    await stranger.goto(w.redirectUrl(OTHER_SALON, OTHER_OWNER));
    expect(new URL(stranger.url()).pathname).toBe(`/cabinet/${OTHER_SALON}`);
    const res = await stranger.goto(`${w.urls.functions}/cabinet/${SALON}`);
    expect(res?.status()).toBe(403);
    await screenshot(stranger, "07-foreign-salon");
    const api = await stranger.evaluate(async (url) => (await fetch(url)).status, `/cabinet/api/${SALON}/results`);
    expect(api).toBe(403);
    await stranger.context().close();
    expect(errors).toEqual([]);
  }, STEP_MS);

  it("holds a reminder due inside quiet hours until the morning, through the reminder cron", async () => {
    expect(recordId, "needs the booking of the texts step").toBeGreaterThan(0);
    // 23:00 in Moscow: the visit is 12 hours away, the hours-before reminder is due, the quiet hours hold it.
    w.clock.advanceTo(NIGHT_TICK);
    const tick = await runReminders(w.stack.services);
    expect(tick.reminders).toBe(1);
    await dispatcherSettled("the night tick");
    const held = await one<{ status: string; due_at: Date }>(
      "select status, due_at from notifications where salon_id = $1 and record_id = $2 and kind = 'reminder_hours_before'", [SALON, recordId]);
    expect(held).toEqual({ status: "pending", due_at: MORNING });
    expect(await w.sentTo(SALON, CLIENT)).toHaveLength(1);

    // The morning: the held reminder goes out once, at the quiet hours' end.
    w.clock.advanceTo(new Date(MORNING.getTime() + 60_000));
    await runReminders(w.stack.services);
    const texts = await waitFor("the held reminder", async () => {
      const t = await w.sentTo(SALON, CLIENT);
      return t.length > 1 ? t : undefined;
    }, { timeoutMs: 30_000, describe: () => w.outbox(SALON) });
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain("11:00");
    const sent = await one<{ status: string; sent_at: Date }>(
      "select status, sent_at from notifications where salon_id = $1 and record_id = $2 and kind = 'reminder_hours_before'", [SALON, recordId]);
    expect(sent.status).toBe("sent");
    expect(sent.sent_at.getTime()).toBeGreaterThanOrEqual(MORNING.getTime());
  }, STEP_MS);
});
