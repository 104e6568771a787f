import type { Hono } from "hono";
import { z } from "zod";
import { GatewayApiError } from "../errors.js";
import type { SessionManager } from "../sessions/manager.js";
import type { EmulatedSession, EmulatorWorld } from "../transport/emulator.js";
import { jidForRecipient } from "../transport/types.js";
import { readBody, salonIdParam } from "./common.js";

/**
 * Emulator control API (only with WHATSAPP_TRANSPORT=emulator), behind the same service bearer JWT as /v1.
 * This is how the end-to-end tests and `npm start` play the WhatsApp side:
 *
 *   POST /emulator/sessions/:salonId/scan          {phone}
 *        The salon's phone scans the QR (or enters the pairing code) as `phone` (E.164 digits). Starts a session
 *        first if none is running. Acts out Baileys: creds saved, close 515, reconnect, open; publishes
 *        session.connected on a new pairing. Answers once connected: {salonId, state, phone}.
 *   POST /emulator/sessions/:salonId/inbound       {from, text, pushName?, id?, altJid?, phoneAlt?}
 *        A client writes to the salon. `from` is phone digits or a JID ("…@lid" for a hidden number; then `altJid`
 *        may carry its "…@s.whatsapp.net", or `phoneAlt` its digits, as the key's remoteJidAlt; without either, a
 *        mapping told by lid-mapping below gives the phone). `id` makes the message id (and so the dedupe id)
 *        deterministic. With `reactTo` (one of our message ids) it is a reaction: `text` is the emoji.
 *        Answers {messageId} once message.received is with the dispatcher (or in the outbox).
 *   POST /emulator/sessions/:salonId/lid-mapping   {lid: "…@lid", phone}
 *        WhatsApp tells the session which phone a LID stands for (Baileys' lid-mapping.update) → lid.mapping; later
 *        messages from that LID carry the phone. Answers {ok:true}.
 *   POST /emulator/sessions/:salonId/admin-message {to, text}
 *        The salon types to a client from its own phone → message.from_admin. Answers {messageId}.
 *   POST /emulator/sessions/:salonId/disconnect    {code, message?}
 *        WhatsApp closes the connection with a Baileys code; the gateway's policy applies (401/403 wipe and
 *        session.logged_out, 515 reconnect, 408 in the QR state = QR expired, others backoff). Answers {ok:true}.
 *   GET  /emulator/sessions/:salonId/outbox
 *        Messages the bot sent: {messages:[{id, to, text, at, reactTo?}]}, `to` as a JID ("79001234567@s.whatsapp.net");
 *        a reaction has `reactTo` (the client's message it went on) and its emoji as `text`.
 *   POST /emulator/sessions/:salonId/receipt       {messageId, status: "delivered"|"read"}
 *        The client's phone acknowledged or opened one of our messages → message.status (once per message and state).
 *   POST /emulator/sessions/:salonId/presence      {from, state: "composing"|"recording"|"paused"|"available"|"unavailable"}
 *        A client types or stops typing. Delivered (as WhatsApp does) only while the gateway watches that chat and
 *        shows the salon online, i.e. while a reply to the client is pending. Answers {delivered, available}.
 *   POST /emulator/sessions/:salonId/refuse        {to, code: "not_on_whatsapp"|"restricted_463"|null}
 *        (extension) Sends to `to` fail as WhatsApp would refuse them; null lifts it.
 *
 * A session that is not connected answers 409 {error:{code:"session_down"}} to inbound/admin-message.
 */

const phone = z.string().regex(/^\d{7,15}$/, "E.164 digits");
const jidOrPhone = z.string().regex(/^(\d{7,15}|\d{5,20}(:\d+)?@(s\.whatsapp\.net|lid))$/, "phone digits or a JID");

const ScanBody = z.object({ phone });
const InboundBody = z.object({
  from: jidOrPhone,
  text: z.string().min(1).max(4096),
  pushName: z.string().max(100).optional(),
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  altJid: jidOrPhone.optional(),
  phoneAlt: phone.optional(),
  reactTo: z.string().min(1).max(128).optional(),
});
const LidMappingBody = z.object({ lid: z.string().regex(/^\d{1,20}@lid$/, "a LID JID"), phone });
const AdminBody = z.object({ to: jidOrPhone, text: z.string().min(1).max(4096) });
const DisconnectBody = z.object({ code: z.number().int().min(100).max(999), message: z.string().max(200).optional() });
const RefuseBody = z.object({ to: jidOrPhone, code: z.enum(["not_on_whatsapp", "restricted_463"]).nullable() });

const ReceiptBody = z.object({ messageId: z.string().min(1).max(128), status: z.enum(["delivered", "read"]) });
const PresenceBody = z.object({ from: z.string().min(1).max(64), state: z.enum(["composing", "recording", "paused", "available", "unavailable"]) });

const CONNECT_WAIT_MS = 10_000;

export function mountEmulatorRoutes(app: Hono, sessions: SessionManager, world: EmulatorWorld): void {
  const connected = (salonId: number): EmulatedSession => {
    const s = world.session(salonId);
    if (!s || s.state !== "open") throw new GatewayApiError(409, "session_down", `salon ${salonId}: no connected emulated session`);
    return s;
  };

  app.post("/emulator/sessions/:salonId/scan", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, ScanBody);
    if (!world.session(salonId)) await sessions.start(salonId);
    const s = world.session(salonId);
    if (!s) throw new GatewayApiError(409, "session_down", "the session did not start");
    if (s.state === "open") throw new GatewayApiError(409, "already_connected", "WhatsApp is already connected");
    await s.scan(body.phone);
    return c.json(await sessions.waitForState(salonId, ["connected", "logged_out", "forbidden", "stopped"], CONNECT_WAIT_MS));
  });

  app.post("/emulator/sessions/:salonId/inbound", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, InboundBody);
    const messageId = await connected(salonId).inbound(body);
    return c.json({ messageId });
  });

  app.post("/emulator/sessions/:salonId/lid-mapping", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, LidMappingBody);
    await connected(salonId).lidMapping(body.lid, body.phone);
    return c.json({ ok: true });
  });

  app.post("/emulator/sessions/:salonId/admin-message", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, AdminBody);
    const messageId = await connected(salonId).adminMessage(body);
    return c.json({ messageId });
  });

  app.post("/emulator/sessions/:salonId/disconnect", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, DisconnectBody);
    const s = world.session(salonId);
    if (!s) throw new GatewayApiError(409, "session_down", `salon ${salonId}: no emulated session`);
    s.disconnect(body.code, body.message);
    return c.json({ ok: true });
  });

  app.post("/emulator/sessions/:salonId/receipt", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, ReceiptBody);
    connected(salonId).receipt(body.messageId, body.status);
    return c.json({ ok: true });
  });

  app.post("/emulator/sessions/:salonId/presence", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, PresenceBody);
    const s = connected(salonId);
    return c.json({ delivered: s.clientPresence(body), available: s.available });
  });

  app.get("/emulator/sessions/:salonId/outbox", (c) => c.json({ messages: world.outbox(salonIdParam(c)) }));

  app.post("/emulator/sessions/:salonId/refuse", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, RefuseBody);
    world.refuse(salonId, jidForRecipient(body.to)!, body.code);
    return c.json({ ok: true });
  });
}
