import type { Context, Hono } from "hono";
import { isOptedOut } from "../../../lib/outreach/opt-out.js";
import { z } from "zod";
import { sendPanelAnswer } from "../../../lib/chat-panel/answer.js";
import { checkAnswerText } from "../../../lib/chat-panel/answer-text.js";
import { verifySalonUser } from "../../../lib/chat-panel/access.js";
import { signPanelToken, verifyPanelToken, type PanelSession } from "../../../lib/chat-panel/session.js";
import { chatHistory, latestMessageId, listChats, markRead, setPause } from "../../../lib/chat-panel/store.js";
import { chatSettings } from "../../../lib/conversations/settings.js";
import { getConversation } from "../../../lib/conversations/store.js";
import { getSalon } from "../../../lib/salons/store.js";
import type { Services } from "../../../lib/services.js";
import { ApiError } from "../../../lib/http/api-error.js";
import { readJson } from "../../http/json-body.js";

const EXPIRED = "Сессия чата истекла. Закройте и снова откройте чат в журнале YClients.";

/** The panel token from `Authorization: Bearer`: the salon comes from it, never from the request. */
async function panelSession(c: Context, s: Services): Promise<PanelSession> {
  const m = /^Bearer ([A-Za-z0-9._-]{1,2048})$/.exec(c.req.header("authorization") ?? "");
  const session = m ? await verifyPanelToken(s.config.jwtSecret, s.clock, m[1]!) : null;
  if (!session) throw new ApiError(401, "panel_session_expired", EXPIRED);
  return session;
}

const phone = z.string().regex(/^[0-9]{7,15}$/, "a phone number of 7-15 digits");
const id = z.coerce.number().int().positive();
const Send = z.object({ phone, text: z.string().max(300_000), key: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "8-64 characters [A-Za-z0-9_-]") });
const Pause = z.object({ phone, paused: z.boolean() });
const Read = z.object({ phone, throughId: id });

/**
 * The panel's API under /chat-panel/api, every call with the panel token. The page polls `latest` every 2 s and
 * refetches the list and the open chat only when the salon's newest message id moved (see ARCHITECTURE.md "Chat
 * panel" for why polling and not SSE on Lambda).
 */
export function registerChatPanelApi(app: Hono, s: Services): void {
  app.get("/chat-panel/api/conversations", async (c) => {
    const p = await panelSession(c, s);
    const at = c.req.query("before_at");
    const ph = c.req.query("before_phone");
    const before = at && ph && !Number.isNaN(Date.parse(at)) && phone.safeParse(ph).success ? { at, phone: ph } : null;
    return c.json({ chats: await listChats(s.db, s.clock, p.salonId, before), latest: await latestMessageId(s.db, p.salonId) });
  });

  app.get("/chat-panel/api/messages", async (c) => {
    const p = await panelSession(c, s);
    const q = z.object({ phone, before_id: id.optional(), after_id: id.optional() }).parse(c.req.query());
    const chat = await chatState(s, p.salonId, q.phone);
    return c.json({ messages: await chatHistory(s.db, p.salonId, q.phone, { beforeId: q.before_id, afterId: q.after_id }), chat });
  });

  app.get("/chat-panel/api/latest", async (c) => {
    const p = await panelSession(c, s);
    return c.json({ latest: await latestMessageId(s.db, p.salonId) });
  });

  app.post("/chat-panel/api/read", async (c) => {
    const p = await panelSession(c, s);
    const b = await readJson(c, Read);
    await markRead(s.db, p.salonId, b.phone, b.throughId);
    return c.json({ ok: true });
  });

  app.post("/chat-panel/api/send", async (c) => {
    const p = await panelSession(c, s);
    const b = await readJson(c, Send);
    const problem = checkAnswerText(b.text);
    if (problem) throw new ApiError(422, problem.code, problem.message);
    const r = await sendPanelAnswer(s, { salonId: p.salonId, phone: b.phone, text: b.text, key: b.key });
    if (!r.ok) throw new ApiError(r.status, r.code, r.message);
    s.log.info({ salonId: p.salonId, userId: p.userId }, "panel answer accepted");
    return c.json({ messageId: r.waMessageId, pausedUntil: r.pausedUntil });
  });

  app.post("/chat-panel/api/pause", async (c) => {
    const p = await panelSession(c, s);
    const b = await readJson(c, Pause);
    const salon = await getSalon(s.db, p.salonId);
    const until = b.paused ? new Date(s.clock.now().getTime() + chatSettings(salon?.settings).adminPauseMin * 60_000) : null;
    const r = await setPause(s.db, p.salonId, b.phone, until);
    if (!r) throw new ApiError(404, "no_chat", "Такого чата нет.");
    return c.json({ pausedUntil: r.paused_until });
  });

  /** A fresh token for a page still open, after YClients confirms the user again: a removed employee loses access within one token's life. */
  app.post("/chat-panel/api/renew", async (c) => {
    const p = await panelSession(c, s);
    const refused = await verifySalonUser(s, p.salonId, p.userId);
    if (refused) throw new ApiError(refused.status, refused.code, refused.text);
    const { token, expiresAt } = await signPanelToken(s.config.jwtSecret, s.clock, p);
    return c.json({ token, expiresAt: expiresAt.toISOString() });
  });
}

/** The chat's header: who, and whether the bot is paused there (and whether it handed the chat over). */
async function chatState(s: Services, salonId: number, ph: string) {
  const chat = await getConversation(s.db, salonId, ph);
  if (!chat) throw new ApiError(404, "no_chat", "Такого чата нет.");
  const paused = chat.paused_until !== null && Date.parse(chat.paused_until) > s.clock.now().getTime();
  return {
    phone: chat.phone, name: chat.push_name, pausedUntil: paused ? chat.paused_until : null, handedOver: paused && chat.paused_reason === "handover",
    optedOut: await isOptedOut(s, salonId, ph),
  };
}
