/**
 * Issue 16 in a real browser: the salon's chats inside YClients' chat frame. `npm start`'s stack (sandbox, emulator,
 * Gemini fake); a stand-in YClients page on another origin (http://localhost:<port>, the panel being on
 * http://127.0.0.1:<port>: another site) frames the panel 321 px wide through a signed frame URL, as YClients does.
 * Screenshots: artifacts/chat-panel/. How fast a client's message appeared is written there too (a figure, not an
 * assertion); waits are failure bounds.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frameHash, frameUrl } from "../../lib/chat-panel/frame-hash.js";
import { launchBrowser, newOwnerContext, watchPage } from "./support/browser.js";
import { startE2eWorld, type E2eWorld } from "./support/stack.js";
import { waitFor } from "./support/wait.js";

const ARTIFACTS = fileURLToPath(new URL("../../artifacts/chat-panel/", import.meta.url));
const SALON = 5201;
const OWNER = { id: 52_010_001, name: "Мария Владелец", phone: "79035552201", email: "owner5201@example.com", is_approved: true, salon_name: "Салон 5201" };
const SALON_PHONE = "79035552299";
const CLIENT = "79161230001";
const STEP_MS = 90_000;

let w: E2eWorld;
let browser: Browser;
let host: Server;
let hostOrigin: string;
let frameSrc = "";
/** The owner's signed-in session from the install (the cabinet takes it too). */
let owner = { cookie: "", csrf: "" };
const figures: Record<string, number> = {};

/**
 * The stand-in YClients journal: one page that frames whatever `frameSrc` is, 321 px wide, and, as YClients does,
 * takes the panel's `load_client` postMessage to open a client's card (here: it shows which).
 */
async function startHost(): Promise<void> {
  host = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><meta charset="utf-8"><title>YClients — журнал</title>
<body style="margin:0;display:flex;background:#eef1f5"><main style="flex:1;padding:16px;font:14px sans-serif">Журнал записи</main>
<p id="card" data-testid="client-card"></p>
<iframe id="chat" src="${frameSrc.replace(/"/g, "&quot;")}" style="width:321px;height:760px;border:0;border-left:1px solid #ccd"></iframe>
<script>addEventListener("message", (e) => {
  if (e.source === document.getElementById("chat").contentWindow && e.data && e.data.action === "load_client") document.getElementById("card").textContent = "Карточка клиента: " + e.data.phone;
});</script></body>`);
  });
  await new Promise<void>((r) => host.listen(0, "127.0.0.1", () => r()));
  hostOrigin = `http://localhost:${(host.address() as { port: number }).port}`;
}

async function openJournal(src: string): Promise<{ page: Page; panel: FrameLocator; errors: string[] }> {
  frameSrc = src;
  const context = await newOwnerContext(browser, { width: 1100, height: 800 });
  const page = await context.newPage();
  const { errors } = watchPage(page);
  await page.goto(hostOrigin + "/");
  return { page, panel: page.frameLocator("#chat"), errors };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

beforeAll(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  [w, browser] = await Promise.all([startE2eWorld({ start: new Date("2026-11-23T06:00:00Z"), confirmationDelaySec: 2 }), launchBrowser()]);
  await startHost();
  owner = await w.install(SALON, OWNER, SALON_PHONE);
}, 120_000);

afterAll(async () => {
  writeFileSync(join(ARTIFACTS, "figures.json"), JSON.stringify(figures, null, 2));
  await browser?.close();
  await new Promise((r) => host?.close(r));
  await w?.stop();
});

const partnerToken = () => w.stack.config.yclients.partnerToken!;
const signedFrame = (userId = OWNER.id, phone?: string) => frameUrl(w.urls.functions, partnerToken(), { salonId: SALON, userId, phone });

/** The owner's cabinet, signed in with the session of the install, on its settings tab. */
async function openCabinetSettings(): Promise<Page> {
  const context = await newOwnerContext(browser, { width: 1100, height: 900 });
  const [name, value] = [owner.cookie.slice(0, owner.cookie.indexOf("=")), owner.cookie.slice(owner.cookie.indexOf("=") + 1)];
  await context.addCookies([{ name, value, url: w.urls.functions }]);
  const page = await context.newPage();
  await page.goto(`${w.urls.functions}/cabinet/${SALON}`);
  await page.getByTestId("tab-settings").click();
  await page.getByTestId("chat-panel-toggle").waitFor({ state: "visible" });
  return page;
}

describe("the chat panel in YClients' frame", () => {
  it("shows a client's message, sends the administrator's answer once, and keeps the bot silent while paused", async () => {
    const { page, panel, errors } = await openJournal(signedFrame());
    await panel.getByTestId("chat-list-view").waitFor({ state: "visible" });
    // The frame's address lost the salon hash once the page took over.
    expect(page.frames().find((f) => f.url().includes("/chat-panel"))!.url()).not.toContain("hash=");
    await shot(page, "01-empty-list");

    const wroteAt = Date.now();
    await w.clientWrites(SALON, CLIENT, "Здравствуйте! Можно записаться на завтра?", "Ирина");
    await panel.getByTestId("chat-item").first().waitFor({ state: "visible", timeout: 20_000 });
    figures.clientMessageAppearedMs = Date.now() - wroteAt;
    await shot(page, "02-client-wrote");

    await panel.getByTestId("chat-item").first().click();
    await panel.getByTestId("messages").getByText("Здравствуйте! Можно записаться на завтра?").waitFor();
    await panel.getByTestId("answer-text").fill("Добрый день, Ирина! Завтра в 15:00 свободно, записать?");
    await panel.getByTestId("answer-send").click();
    await panel.locator('[data-direction="admin"]', { hasText: "Завтра в 15:00" }).waitFor({ timeout: 20_000 });
    await waitFor("the client to receive the answer", async () => (await w.sentTo(SALON, CLIENT)).some((t) => t.includes("Завтра в 15:00")));
    expect((await w.sentTo(SALON, CLIENT)).filter((t) => t.includes("Завтра в 15:00"))).toHaveLength(1);
    await expect.poll(async () => panel.getByTestId("pause-toggle").textContent()).toBe("Вернуть чат боту");
    await shot(page, "03-answered-bot-paused");

    // Give it back, then pause again from the panel: the bot must not answer the next message.
    await panel.getByTestId("pause-toggle").click();
    await expect.poll(async () => panel.getByTestId("pause-toggle").textContent()).toBe("Поставить бота на паузу");
    await panel.getByTestId("pause-toggle").click();
    await expect.poll(async () => panel.getByTestId("pause-toggle").textContent()).toBe("Вернуть чат боту");
    const before = (await w.sentTo(SALON, CLIENT)).length;
    const waId = await w.clientWrites(SALON, CLIENT, "А можно пораньше?", "Ирина");
    w.clock.advance(30_000);
    const pg = w.stack.database.pg!;
    await waitFor("the reply job of the paused chat to finish", async () => {
      const [m] = (await pg.query<{ id: number }>("select id from messages where salon_id = $1 and wa_message_id = $2", [SALON, waId])).rows;
      if (!m) return false;
      const jobs = await pg.query<{ done_at: string | null }>("select done_at from local_dispatch where url like '%/jobs/assistant/reply' and body like $1", [`%"messageId":${m.id}%`]);
      return jobs.rows.length === 1 && jobs.rows[0]!.done_at !== null;
    }, { timeoutMs: 30_000 });
    expect((await w.sentTo(SALON, CLIENT)).length).toBe(before);
    await panel.getByTestId("messages").getByText("А можно пораньше?").waitFor({ timeout: 20_000 });
    await shot(page, "04-paused-bot-silent");

    // The journal was told: highlighted when the chat needed a person, cleared by the answer.
    expect(w.sandbox.chat.frame(SALON)).toBe(`${w.urls.functions}/chat-panel`);
    expect(w.sandbox.chat.alerts.some((a) => a.kind === "toggle_highlight" && a.phone === CLIENT)).toBe(true);
    expect(errors).toEqual([]);
  }, STEP_MS);

  it("refuses a forged hash, a user the salon does not list, and a stale session, each with a clear page", async () => {
    const forged = signedFrame().replace(/hash=[0-9a-f]{40}/, `hash=${frameHash(SALON, "not-the-partner-token")}`);
    const a = await openJournal(forged);
    await expect.poll(async () => a.panel.getByTestId("message-page").getAttribute("data-code")).toBe("bad_hash");
    expect(await a.panel.getByTestId("message-title").textContent()).toBe("Ссылка не подтверждена");
    await shot(a.page, "05-forged-hash");

    const b = await openJournal(signedFrame(99_999_999));
    await expect.poll(async () => b.panel.getByTestId("message-page").getAttribute("data-code")).toBe("not_salon_user");
    await shot(b.page, "06-foreign-user");

    const c = await openJournal(signedFrame());
    await c.panel.getByTestId("chat-list-view").waitFor({ state: "visible" });
    w.clock.advance(31 * 60_000);
    await c.panel.getByTestId("panel-expired").waitFor({ state: "visible", timeout: 20_000 });
    expect(await c.panel.getByTestId("panel-expired").textContent()).toContain("Сессия чата истекла");
    await shot(c.page, "07-stale-session");
  }, STEP_MS);

  it("opens the chat YClients points at, asks YClients for the client's card, and goes quiet while the owner has it off", async () => {
    const OLEG = "79161230002";
    await w.clientWrites(SALON, OLEG, "Добрый день, это Олег", "Олег");
    // YClients passes the phone of the client open in the journal: the panel opens that chat.
    const { page, panel, errors } = await openJournal(signedFrame(OWNER.id, `+${OLEG}`));
    await panel.getByTestId("messages").getByText("Добрый день, это Олег").waitFor({ timeout: 20_000 });
    expect(await panel.getByTestId("chat-name").textContent()).toContain(`+${OLEG}`);

    // The bot's turn for Ирина's first message also booked her (what create_booking keeps on its turn; the real tool
    // call writing it is test/chat-panel/bot-actions.test.ts): the history says so under that reply.
    const pg = w.stack.database.pg!;
    const [turn] = (await pg.query<{ id: number }>("select id from assistant_turns where salon_id = $1 and phone = $2 order by id limit 1", [SALON, CLIENT])).rows;
    await pg.query("select assistant_turn_tool($1, $2::jsonb)", [turn!.id, JSON.stringify({
      name: "create_booking", args: {}, ok: true, ms: 1,
      result: { ok: true, record_id: 777, service: "Мужская стрижка", staff_name: "Анна", date: "2026-11-24", date_human: "24 ноября, вторник", time: "15:00" },
    })]);

    // The administrator moves to another client in the journal: YClients posts phone_change to the frame.
    await page.evaluate((phone) => (document.getElementById("chat") as HTMLIFrameElement).contentWindow!.postMessage({ action: "phone_change", phone }, "*"), `+7 916 123-00-01`);
    await panel.getByTestId("messages").getByText("Здравствуйте! Можно записаться на завтра?").waitFor({ timeout: 20_000 });
    expect(await panel.getByTestId("chat-name").textContent()).toContain(`+${CLIENT}`);
    expect(await panel.getByTestId("bot-action").textContent()).toBe("🗓 Бот записал: Мужская стрижка, 24 ноября, вторник в 15:00, мастер Анна");

    // The client read the administrator's answer: the open chat marks it within a few polls, without a new message.
    const answer = (await w.outbox(SALON)).find((m) => m.text.includes("Завтра в 15:00"))!;
    await w.receipt(SALON, answer.id, "read");
    const read = panel.locator('[data-direction="admin"][data-receipt="read"]', { hasText: "Завтра в 15:00" });
    await read.waitFor({ timeout: 30_000 });
    expect(await read.textContent()).toContain("прочитано");
    await shot(page, "08-phone-change-read");

    // "Карточка клиента" asks the journal (the framing page, another origin) to open that client's card.
    await panel.getByTestId("open-client-card").click();
    await expect.poll(async () => page.getByTestId("client-card").textContent()).toBe(`Карточка клиента: ${CLIENT}`);

    // The owner switches the panel off in the cabinet: the open panel says so and shows no chat; on again, it is back.
    const cabinet = await openCabinetSettings();
    expect(await cabinet.getByTestId("chat-panel-state").getAttribute("data-enabled")).toBe("true");
    expect(await cabinet.getByTestId("chat-panel-switch").innerText()).toContain("YClients не даёт приложению убрать своё окно");
    await cabinet.getByTestId("chat-panel-toggle").click();
    await expect.poll(async () => cabinet.getByTestId("chat-panel-state").getAttribute("data-enabled")).toBe("false");
    expect(await cabinet.getByTestId("history").locator("li").first().textContent()).toContain("чаты в журнале YClients: вкл. → выкл.");
    await cabinet.screenshot({ path: join(ARTIFACTS, "09-cabinet-switched-off.png") });
    await panel.getByTestId("panel-off").waitFor({ state: "visible", timeout: 20_000 });
    expect(await panel.getByTestId("panel-off").textContent()).toContain("Владелец салона выключил чаты");
    expect(await panel.getByTestId("chat-view").isHidden()).toBe(true);
    expect(await panel.getByTestId("chat-list-view").isHidden()).toBe(true);
    await shot(page, "10-panel-switched-off");
    await cabinet.getByTestId("chat-panel-toggle").click();
    await expect.poll(async () => cabinet.getByTestId("chat-panel-state").getAttribute("data-enabled")).toBe("true");
    await panel.getByTestId("chat-list-view").waitFor({ state: "visible", timeout: 20_000 });
    expect(await panel.getByTestId("panel-off").isHidden()).toBe(true);
    await expect.poll(async () => panel.getByTestId("chat-item").count()).toBe(2);
    // Switching on installed our frame in the journal again.
    await waitFor("the frame to be installed again", async () => w.sandbox.requests.some((r) => r.salonId === SALON && r.path === "/marketplace/application/install_frame"));
    expect(errors).toEqual([]);
  }, STEP_MS);
});
