import type { Context, Hono, Next } from "hono";
import { PresenceRequest, ReactionRequest, SendRequest } from "../../lib/contract/service-api.js";
import { sessionElsewhere } from "../errors.js";
import type { SessionManager } from "../sessions/manager.js";
import { readBody, salonIdParam } from "./common.js";

/** The service API; its routes, bodies and error codes are the contract's (lib/contract/service-api.ts). */
export function mountServiceRoutes(app: Hono, sessions: SessionManager): void {
  // In a fleet only the holder answers for a session: a call that reached another gateway (a stale route, the load
  // balancer) is told where to go, 409 session_elsewhere with the holder's address, and nothing is done here.
  const holderOnly = async (c: Context, next: Next) => {
    const salonId = salonIdParam(c);
    const elsewhere = await sessions.heldElsewhere(salonId);
    if (elsewhere) throw sessionElsewhere(salonId, elsewhere.address);
    await next();
  };
  app.use("/v1/sessions/:salonId", holderOnly);
  app.use("/v1/sessions/:salonId/*", holderOnly);

  app.get("/v1/sessions/:salonId", async (c) => c.json(await sessions.status(salonIdParam(c))));

  app.post("/v1/sessions/:salonId/start", async (c) => c.json(await sessions.start(salonIdParam(c))));

  app.delete("/v1/sessions/:salonId", async (c) => {
    await sessions.logout(salonIdParam(c));
    return c.json({ ok: true });
  });

  app.post("/v1/sessions/:salonId/messages", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, SendRequest);
    return c.json(await sessions.sendText(salonId, body));
  });

  app.post("/v1/sessions/:salonId/reactions", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, ReactionRequest);
    return c.json(await sessions.react(salonId, body));
  });

  app.post("/v1/sessions/:salonId/presence", async (c) => {
    const salonId = salonIdParam(c);
    const body = await readBody(c, PresenceRequest);
    await sessions.presence(salonId, body.to, body.state);
    return c.json({ ok: true });
  });
}
