import type { Hono } from "hono";
import { z } from "zod";
import type { SessionManager } from "../sessions/manager.js";
import { readBody, salonIdParam } from "./common.js";

/**
 * The service API the functions call (lib/gateway/client.ts), every route behind the service bearer JWT:
 *   GET    /v1/sessions/:salonId            → {salonId, state, phone}
 *   POST   /v1/sessions/:salonId/start      → {salonId, state, phone}
 *   DELETE /v1/sessions/:salonId            → log out on WhatsApp, wipe the auth state → {ok:true}
 *   POST   /v1/sessions/:salonId/messages   {to, text, idempotencyKey} → {messageId}
 *   POST   /v1/sessions/:salonId/presence   {to, state:"composing"|"paused"} → {ok:true}
 * `to` is E.164 digits or a JID as received (reply to a LID as is). Errors: see ../errors.ts.
 */

const SendBody = z.object({
  to: z.string().min(1).max(64),
  text: z.string().min(1).max(4096),
  idempotencyKey: z.string().regex(/^[A-Za-z0-9:._-]{1,200}$/, "letters, digits and :._- only"),
});

const PresenceBody = z.object({
  to: z.string().min(1).max(64),
  state: z.enum(["composing", "paused"]),
});

export function mountServiceRoutes(app: Hono, sessions: SessionManager): void {
  app.get("/v1/sessions/:salonId", async (c) => c.json(await sessions.status(salonIdParam(c))));

  app.post("/v1/sessions/:salonId/start", async (c) => c.json(await sessions.start(salonIdParam(c))));

  app.delete("/v1/sessions/:salonId", async (c) => {
    await sessions.logout(salonIdParam(c));
    return c.json({ ok: true });
  });

  app.post("/v1/sessions/:salonId/messages", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, SendBody);
    return c.json(await sessions.sendText(salonId, body));
  });

  app.post("/v1/sessions/:salonId/presence", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, PresenceBody);
    await sessions.presence(salonId, body.to, body.state);
    return c.json({ ok: true });
  });
}
