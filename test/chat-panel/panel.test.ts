/**
 * Issue 16: the salon's WhatsApp chats in YClients' chat frame, through the real routes (functions app, real
 * gateway on the emulator, YClients sandbox with its company_users).
 */
import { describe, expect, it, vi } from "vitest";
import { companyUsers } from "../../fakes/yclients/data.js";
import { createApp } from "../../functions/app.js";
import { chatPanelUrl, frameHash, frameUrl } from "../../lib/chat-panel/frame-hash.js";
import { installMissingFrames } from "../../lib/chat-panel/install-frames.js";
import { storeInbound } from "../../lib/conversations/store.js";
import { GatewayError } from "../../lib/gateway/client.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { nextSalonId } from "../support/harness.js";
import { useWorld } from "../support/use-world.js";
import { activate, PARTNER_TOKEN, register, startStack, STACK_SECRETS, type Registration } from "../marketplace/support.js";

const st = useWorld(() => startStack());
let phoneSeq = 0;

/** The owner's onboarding session per salon: the cabinet takes the same session and CSRF token. */
const owners = new Map<number, Registration>();

async function activeSalon(): Promise<number> {
  const salonId = nextSalonId();
  const reg = await register(st.fx, salonId);
  owners.set(salonId, reg);
  await st.scan(salonId, `7912000${String(++phoneSeq).padStart(4, "0")}`);
  const res = await activate(st.fx, reg);
  if (res.status !== 200) throw new Error(`activation answered ${res.status}`);
  await st.fx.drain();
  return salonId;
}

const local = (url: string) => url.replace(st.fx.services.config.publicUrl, "");
const codeOf = async (res: Response) => /data-code="([^"]+)"/.exec(await res.text())?.[1];
const frame = (salonId: number, userId: number, extra: Record<string, string> = {}) =>
  st.fx.app.request(local(frameUrl(st.fx.services.config.publicUrl, PARTNER_TOKEN, { salonId, userId })) + Object.entries(extra).map(([k, v]) => `&${k}=${v}`).join(""));

async function openPanel(salonId: number, userId = companyUsers(salonId)[0]!.id): Promise<string> {
  const res = await frame(salonId, userId);
  expect(res.status).toBe(200);
  return JSON.parse(/<script type="application\/json" id="panel-config">([^<]*)<\/script>/.exec(await res.text())![1]!).token as string;
}

function api(token: string, method: "GET" | "POST", path: string, body?: unknown, app = st.fx.app) {
  return Promise.resolve(app.request(`/chat-panel/api/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }));
}

/** What WhatsApp does, through the gateway's emulator (a client writing, a receipt). */
async function emulator(salonId: number, action: "inbound" | "receipt", body: unknown): Promise<void> {
  const res = await fetch(`${st.gw.url}/emulator/sessions/${salonId}/${action}`, {
    method: "POST",
    headers: { authorization: `Bearer ${await signServiceToken(STACK_SECRETS.GATEWAY_SECRET)}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/** Delivers the jobs until `check` passes: the gateway hands its events over in its own time. */
const drainedUntil = (check: () => Promise<void>) => vi.waitFor(async () => {
  await st.fx.drain();
  await check();
});

async function clientWrites(salonId: number, from: string, text: string, pushName = "Анна"): Promise<void> {
  await emulator(salonId, "inbound", { from, text, pushName });
  await drainedUntil(async () => {
    const rows = await st.db.pg!.query("select 1 from messages where salon_id = $1 and phone = $2 and text = $3", [salonId, from, text]);
    expect(rows.rows.length).toBe(1);
  });
}

/** A new active salon's panel, open, with a chat the client began with `text`. */
async function panelWithChat(client: string, text: string): Promise<{ salonId: number; token: string }> {
  const salonId = await activeSalon();
  const token = await openPanel(salonId);
  await clientWrites(salonId, client, text);
  return { salonId, token };
}

/** Lets the bot's reply job (it waits for the rest of a burst) run. */
async function botTurn(): Promise<void> {
  st.fx.clock.advance(60_000);
  await st.fx.drain();
}

const sentTo = async (salonId: number, phone: string) => (await st.outbox(salonId)).filter((m) => m.to === `${phone}@s.whatsapp.net`);

describe("frame entry", () => {
  it("opens for a user YClients lists for the salon, administrator or receptionist", async () => {
    const salonId = await activeSalon();
    const [owner, desk] = companyUsers(salonId);
    const res = await frame(salonId, owner!.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors https://yclients.com https://*.yclients.com");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await frame(salonId, desk!.id)).status).toBe(200);
  });

  it("refuses a forged hash, a user the salon does not list, a hash of another salon, and a broken URL, with a Russian page", async () => {
    const salonId = await activeSalon();
    const owner = companyUsers(salonId)[0]!.id;
    const forged = "0".repeat(40);
    const bad = await st.fx.app.request(`/chat-panel?salon_id=${salonId}&hash=${forged}&user_id=${owner}&lang_id=1`);
    expect(bad.status).toBe(403);
    const html = await bad.text();
    expect(html).toContain("Ссылка не подтверждена");
    expect(html).not.toContain(forged);
    const otherSalonHash = frameHash(salonId + 1, PARTNER_TOKEN);
    expect(await codeOf(await st.fx.app.request(`/chat-panel?salon_id=${salonId}&hash=${otherSalonHash}&user_id=${owner}`))).toBe("bad_hash");
    const foreign = await frame(salonId, 999_999_999);
    expect(foreign.status).toBe(403);
    expect(await codeOf(foreign)).toBe("not_salon_user");
    expect((await st.fx.app.request(`/chat-panel?salon_id=${salonId}&user_id=${owner}`)).status).toBe(400);
    const notInstalled = nextSalonId();
    expect(await codeOf(await frame(notInstalled, companyUsers(notInstalled)[0]!.id))).toBe("not_installed");
  });

  it("refuses the API without a token, with a token past its life, and renews a live one after asking YClients", async () => {
    const salonId = await activeSalon();
    const token = await openPanel(salonId);
    expect((await st.fx.app.request("/chat-panel/api/conversations")).status).toBe(401);
    expect((await api(token, "GET", "conversations")).status).toBe(200);
    const renewed = await api(token, "POST", "renew");
    expect(renewed.status).toBe(200);
    const fresh = ((await renewed.json()) as { token: string }).token;
    st.fx.clock.advance(31 * 60_000);
    const stale = await api(token, "GET", "conversations");
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { message: string } }).error.message).toContain("Сессия чата истекла");
    expect((await api(fresh, "GET", "conversations")).status).toBe(401);
  });
});

describe("chats", () => {
  it("lists a client's chat newest first with an unread mark, a handover mark and the history with media placeholders", async () => {
    const salonId = await activeSalon();
    const token = await openPanel(salonId);
    await clientWrites(salonId, "79161110001", "Здравствуйте, можно записаться?");
    await clientWrites(salonId, "79161110002", "А сколько стоит стрижка?", "Ольга");
    await botTurn();
    await storeInbound(st.db.db, st.fx.clock, { salonId, phone: "79161110002", jid: null, pushName: "Ольга", waMessageId: "PHOTO1", kind: "image", text: "[photo]" });
    const list = (await (await api(token, "GET", "conversations")).json()) as { chats: Array<{ phone: string; name: string; unread: number; handed_over: boolean; last: { kind: string } }> };
    expect(list.chats.map((c) => c.phone)).toEqual(["79161110002", "79161110001"]);
    expect(list.chats[0]).toMatchObject({ name: "Ольга", unread: 2, last: { kind: "image" } });
    // No language model in tests: the bot answers politely and hands the chat to the salon.
    expect(list.chats[1]).toMatchObject({ handed_over: true, unread: 1 });

    const h = (await (await api(token, "GET", "messages?phone=79161110002")).json()) as { messages: Array<{ id: number; direction: string; kind: string }>; chat: { handedOver: boolean } };
    expect(h.messages.map((m) => [m.direction, m.kind])).toEqual([["in", "text"], ["out", "text"], ["in", "image"]]);
    expect(h.chat.handedOver).toBe(true);
    await api(token, "POST", "read", { phone: "79161110002", throughId: h.messages.at(-1)!.id });
    const after = (await (await api(token, "GET", "conversations")).json()) as { chats: Array<{ unread: number }> };
    expect(after.chats[0]!.unread).toBe(0);
  });

  it("never lists the owner's test chat from the cabinet", async () => {
    const salonId = await activeSalon();
    const token = await openPanel(salonId);
    await storeInbound(st.db.db, st.fx.clock, { salonId, phone: "test:4201", jid: null, pushName: "Тест владельца", waMessageId: "TEST1", kind: "text", text: "Сколько стоит стрижка?" });
    await clientWrites(salonId, "79161110004", "Здравствуйте");
    const list = (await (await api(token, "GET", "conversations")).json()) as { chats: Array<{ phone: string }> };
    expect(list.chats.map((c) => c.phone)).toEqual(["79161110004"]);
  });

  it("shows one salon only: a token of another salon sees none of these chats", async () => {
    const a = await activeSalon();
    const b = await activeSalon();
    await clientWrites(a, "79161110003", "Привет");
    const tokenB = await openPanel(b);
    const list = (await (await api(tokenB, "GET", "conversations")).json()) as { chats: unknown[] };
    expect(list.chats).toEqual([]);
    expect((await api(tokenB, "GET", "messages?phone=79161110003")).status).toBe(404);
  });
});

describe("answering", () => {
  it("sends the administrator's answer once as the salon, shows it, and pauses the bot like a reply from the phone", async () => {
    const client = "79161110010";
    const { salonId, token } = await panelWithChat(client, "Есть окно в субботу?");
    await botTurn();
    // Give the chat back to the bot, then answer from the panel.
    expect(((await (await api(token, "POST", "pause", { phone: client, paused: false })).json()) as { pausedUntil: null }).pausedUntil).toBeNull();
    const before = (await sentTo(salonId, client)).length;
    const send = () => api(token, "POST", "send", { phone: client, text: "Да, в 12:00 свободно", key: "draft-0001-abcdef" });
    const first = await send();
    expect(first.status).toBe(200);
    const again = await send();
    expect(((await again.json()) as { messageId: string }).messageId).toBe(((await first.json()) as { messageId: string }).messageId);
    await vi.waitFor(async () => expect((await sentTo(salonId, client)).map((m) => m.text).slice(before)).toEqual(["Да, в 12:00 свободно"]));

    const h = (await (await api(token, "GET", `messages?phone=${client}`)).json()) as { messages: Array<{ direction: string; text: string }>; chat: { pausedUntil: string | null; handedOver: boolean } };
    expect(h.messages.filter((m) => m.direction === "admin").map((m) => m.text)).toEqual(["Да, в 12:00 свободно"]);
    expect(h.chat).toMatchObject({ handedOver: false });
    expect(h.chat.pausedUntil).not.toBeNull();

    // The bot stays silent in a chat the administrator took.
    await clientWrites(salonId, client, "Отлично, запишите меня");
    await botTurn();
    expect((await sentTo(salonId, client)).length).toBe(before + 1);
  });

  it("pause keeps the bot silent; giving the chat back lets it answer again", async () => {
    const client = "79161110011";
    const { salonId, token } = await panelWithChat(client, "Добрый день");
    await botTurn();
    await api(token, "POST", "pause", { phone: client, paused: false });
    expect((await api(token, "POST", "pause", { phone: client, paused: true })).status).toBe(200);
    const before = (await sentTo(salonId, client)).length;
    await clientWrites(salonId, client, "Вы тут?");
    await botTurn();
    expect((await sentTo(salonId, client)).length).toBe(before);
    await api(token, "POST", "pause", { phone: client, paused: false });
    await clientWrites(salonId, client, "Ау");
    await botTurn();
    await vi.waitFor(async () => expect((await sentTo(salonId, client)).length).toBeGreaterThan(before));
  });

  it("refuses empty, oversized and control-character text with a clear message and sends nothing", async () => {
    const client = "79161110012";
    const { salonId, token } = await panelWithChat(client, "Здравствуйте");
    const before = (await sentTo(salonId, client)).length;
    for (const [text, code] of [["   ", "empty"], ["я".repeat(65_537), "too_long"], ["привет\u0007", "control_chars"], ["a\ud800b", "control_chars"]] as const) {
      const res = await api(token, "POST", "send", { phone: client, text, key: `bad-${code}-key1` });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).toMatch(/[а-я]/);
    }
    expect((await api(token, "POST", "send", { phone: client, text: "ok", key: "x" })).status).toBe(400);
    expect((await sentTo(salonId, client)).length).toBe(before);
    const admin = await st.db.pg!.query("select 1 from messages where salon_id = $1 and phone = $2 and direction = 'admin'", [salonId, client]);
    expect(admin.rows).toEqual([]);
  });

  it("says 'не отправлено, WhatsApp не подключён' when the gateway is down, and stores nothing", async () => {
    const client = "79161110013";
    const { salonId, token } = await panelWithChat(client, "Здравствуйте");
    const down = createApp({
      ...st.fx.services,
      gateway: { ...st.fx.services.gateway, sendText: () => Promise.reject(new GatewayError(0, "unreachable", "connect ECONNREFUSED")) },
    });
    const res = await api(token, "POST", "send", { phone: client, text: "Ответ", key: "down-key-0001" }, down);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("Не отправлено, WhatsApp не подключён");
    const admin = await st.db.pg!.query("select 1 from messages where salon_id = $1 and phone = $2 and direction = 'admin'", [salonId, client]);
    expect(admin.rows).toEqual([]);
  });
});

describe("the YClients journal", () => {
  it("installs the panel with the app, highlights a chat that needs a person, and clears it when the administrator answers", async () => {
    const salonId = await activeSalon();
    expect(st.sandbox.chat.frame(salonId)).toBe(chatPanelUrl(st.fx.services.config.publicUrl));
    const token = await openPanel(salonId);
    const client = "79161110020";
    await clientWrites(salonId, client, "Хочу перенести запись");
    await botTurn();
    // The bot handed the chat over (no model in tests): the journal highlights it.
    await drainedUntil(async () => expect(st.sandbox.chat.highlighted(salonId)).toEqual([client]));
    expect(st.sandbox.chat.alerts.filter((a) => a.salonId === salonId)).toEqual([
      expect.objectContaining({ kind: "new_message", phone: client, message: "Хочу перенести запись", name: "Анна" }),
    ]);
    await clientWrites(salonId, client, "Это срочно");
    expect((await api(token, "POST", "send", { phone: client, text: "Сейчас перенесём", key: "journal-key-0001" })).status).toBe(200);
    await st.fx.drain();
    expect(st.sandbox.chat.alerts.filter((a) => a.salonId === salonId).map((a) => a.kind)).toEqual(["new_message", "new_message", "toggle_highlight"]);
    expect(st.sandbox.chat.highlighted(salonId)).toEqual([]);
  });

  it("installs the frame once in a salon activated before the panel shipped", async () => {
    const salonId = await activeSalon();
    await st.db.pg!.query("update salons set activated_at = '2026-11-01' where salon_id = $1", [salonId]);
    const first = await installMissingFrames(st.fx.services);
    expect(first.installed).toBeGreaterThanOrEqual(1);
    expect(st.sandbox.requests.filter((r) => r.salonId === salonId && r.path === "/marketplace/application/install_frame").length).toBe(1);
    await installMissingFrames(st.fx.services);
    expect(st.sandbox.requests.filter((r) => r.salonId === salonId && r.path === "/marketplace/application/install_frame").length).toBe(1);
  });
});

/** The owner switches the panel in the cabinet (session cookie and CSRF header of the owner's sign-in). */
function cabinetSwitch(salonId: number, enabled: boolean, csrf = owners.get(salonId)!.csrf) {
  const o = owners.get(salonId)!;
  return Promise.resolve(st.fx.app.request(`/cabinet/api/${salonId}/chat-panel`, {
    method: "POST", headers: { cookie: o.cookie, "x-csrf-token": csrf, "content-type": "application/json" }, body: JSON.stringify({ enabled }),
  }));
}

const frameInstalls = (salonId: number) => st.sandbox.requests.filter((r) => r.salonId === salonId && r.path === "/marketplace/application/install_frame").length;
const alertsOf = (salonId: number) => st.sandbox.chat.alerts.filter((a) => a.salonId === salonId);

describe("the owner's switch", () => {
  it("off: the panel says so, shows and sends nothing, the journal is not told; on: everything resumes and the frame is installed again", async () => {
    const client = "79161110030";
    const { salonId, token } = await panelWithChat(client, "Здравствуйте");
    await botTurn();
    await drainedUntil(async () => expect(alertsOf(salonId).map((a) => a.kind)).toEqual(["new_message"]));

    expect((await cabinetSwitch(salonId, false, "forged-csrf")).status).toBe(403);
    const off = await cabinetSwitch(salonId, false);
    expect(off.status).toBe(200);
    const offBody = (await off.json()) as { enabled: boolean; changed: boolean; history: Array<{ section: string; key: string; old: unknown; new: unknown }> };
    expect(offBody).toMatchObject({ enabled: false, changed: true });
    expect(offBody.history[0]).toMatchObject({ section: "chat_panel", key: "enabled", old: true, new: false });

    // The frame, opened anew, says the owner switched it off; a page already open loses its chats and answers.
    const page = await frame(salonId, companyUsers(salonId)[0]!.id);
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain('data-code="panel_off"');
    expect(html).toContain("Владелец салона выключил чаты");
    const list = await api(token, "GET", "conversations");
    expect(list.status).toBe(403);
    expect(((await list.json()) as { error: { code: string } }).error.code).toBe("panel_off");
    const before = (await sentTo(salonId, client)).length;
    expect((await api(token, "POST", "send", { phone: client, text: "Ответ", key: "off-key-00001" })).status).toBe(403);
    expect((await api(token, "POST", "pause", { phone: client, paused: false })).status).toBe(403);
    // The open page keeps a live token, so it resumes by itself when the panel is switched back on.
    const renewed = await api(token, "POST", "renew");
    expect(renewed.status).toBe(200);
    const fresh = ((await renewed.json()) as { token: string }).token;

    await clientWrites(salonId, client, "Алло, ответьте");
    await botTurn();
    await st.fx.drain();
    expect(alertsOf(salonId).map((a) => a.kind)).toEqual(["new_message"]);
    expect((await sentTo(salonId, client)).length).toBe(before);
    const installsBefore = frameInstalls(salonId);

    const on = (await (await cabinetSwitch(salonId, true)).json()) as { enabled: boolean; changed: boolean };
    expect(on).toEqual(expect.objectContaining({ enabled: true, changed: true }));
    await st.fx.drain();
    expect(frameInstalls(salonId)).toBe(installsBefore + 1);
    expect(st.sandbox.chat.frame(salonId)).toBe(chatPanelUrl(st.fx.services.config.publicUrl));
    const back = (await (await api(fresh, "GET", "conversations")).json()) as { chats: Array<{ phone: string }> };
    expect(back.chats.map((c) => c.phone)).toEqual([client]);
    expect((await frame(salonId, companyUsers(salonId)[0]!.id)).status).toBe(200);
    await clientWrites(salonId, client, "Снова я");
    await botTurn();
    await drainedUntil(async () => expect(alertsOf(salonId).map((a) => a.kind)).toEqual(["new_message", "new_message"]));

    // Switching on what is on changes nothing: no history row, no second install.
    expect(((await (await cabinetSwitch(salonId, true)).json()) as { changed: boolean }).changed).toBe(false);
    await st.fx.drain();
    expect(frameInstalls(salonId)).toBe(installsBefore + 1);
    const settings = (await (await st.fx.app.request(`/cabinet/api/${salonId}/chat-panel`, { headers: { cookie: owners.get(salonId)!.cookie } })).json()) as { enabled: boolean };
    expect(settings.enabled).toBe(true);
    const history = await st.db.pg!.query("select old_value, new_value from salon_settings_history where salon_id = $1 and section = 'chat_panel' order by id", [salonId]);
    expect(history.rows).toEqual([{ old_value: true, new_value: false }, { old_value: false, new_value: true }]);
  });

  it("the daily catch-up installs no frame in a salon whose owner switched the panel off", async () => {
    const salonId = await activeSalon();
    await cabinetSwitch(salonId, false);
    await st.db.pg!.query("update salons set activated_at = '2026-11-01' where salon_id = $1", [salonId]);
    const installsBefore = frameInstalls(salonId);
    await installMissingFrames(st.fx.services);
    expect(frameInstalls(salonId)).toBe(installsBefore);
  });
});

const receipt = (salonId: number, messageId: string, status: "delivered" | "read") => emulator(salonId, "receipt", { messageId, status });

type HistoryItem = { id: number; direction: string; text: string; delivered_at: string | null; read_at: string | null; bot_actions: Array<Record<string, unknown>> | null };

describe("history marks", () => {
  it("shows delivered and read under what the salon sent, from WhatsApp's receipts", async () => {
    const client = "79161110040";
    const { salonId, token } = await panelWithChat(client, "Добрый вечер");
    await botTurn();
    const sent = (await (await api(token, "POST", "send", { phone: client, text: "Здравствуйте, слушаю вас", key: "receipt-key-0001" })).json()) as { messageId: string };
    const history = async () => ((await (await api(token, "GET", `messages?phone=${client}`)).json()) as { messages: HistoryItem[] }).messages;
    const answer = async () => (await history()).find((m) => m.direction === "admin")!;
    expect(await answer()).toMatchObject({ delivered_at: null, read_at: null });

    await receipt(salonId, sent.messageId, "delivered");
    await drainedUntil(async () => expect((await answer()).delivered_at).not.toBeNull());
    expect((await answer()).read_at).toBeNull();
    await receipt(salonId, sent.messageId, "read");
    await drainedUntil(async () => expect((await answer()).read_at).not.toBeNull());
    // The bot's own reply got no receipt: no mark is made up for it.
    expect((await history()).find((m) => m.direction === "out")).toMatchObject({ delivered_at: null, read_at: null });
  });

  it("says under the bot's reply which visits that turn booked, cancelled or moved in YClients", async () => {
    const client = "79161110041";
    const { salonId, token } = await panelWithChat(client, "Запишите на стрижку завтра в 15:00 и отмените пятницу");
    await botTurn();
    // What the booking tools keep on the turn the moment YClients accepts a change (assistant_turn_tool); a refused
    // call (ok: false) changed nothing and is not shown.
    const [turn] = (await st.db.pg!.query<{ id: number }>("select id from assistant_turns where salon_id = $1 and phone = $2", [salonId, client])).rows;
    const calls = [
      { name: "find_free_slots", args: {}, ok: true, result: { options: [] }, ms: 5 },
      { name: "create_booking", args: {}, ok: true, result: { ok: true, record_id: 901, service: "Стрижка", staff_name: "Анна", date: "2026-11-24", date_human: "24 ноября, вторник", time: "15:00" }, ms: 5 },
      { name: "cancel_visit", args: {}, ok: true, result: { ok: true, record_id: 902, cancelled: true, date: "2026-11-27", date_human: "27 ноября", time: "12:00", services: ["Окрашивание", "Укладка"] }, ms: 5 },
      { name: "reschedule_visit", args: {}, ok: false, result: { error: "slot_taken" }, ms: 5 },
    ];
    for (const call of calls) await st.fx.services.db.rpc("assistant_turn_tool", { p_turn_id: turn!.id, p_call: call });
    const h = ((await (await api(token, "GET", `messages?phone=${client}`)).json()) as { messages: HistoryItem[] }).messages;
    const reply = h.find((m) => m.direction === "out")!;
    expect(reply.bot_actions).toEqual([
      expect.objectContaining({ action: "booked", record_id: 901, what: "Стрижка", staff_name: "Анна", date_human: "24 ноября, вторник", time: "15:00" }),
      expect.objectContaining({ action: "cancelled", record_id: 902, what: "Окрашивание, Укладка", date_human: "27 ноября", time: "12:00" }),
    ]);
    expect(h.filter((m) => m.direction !== "out").every((m) => m.bot_actions === null)).toBe(true);
  });
});
