import type { Hono } from "hono";
import type { Db } from "../../lib/db/client.js";
import type { SessionManager } from "../sessions/manager.js";
import type { GatewayStore } from "../store.js";
import type { WebVersionStatus } from "../transport/web-version.js";

interface HealthDeps {
  db: Db;
  store: GatewayStore;
  sessions: SessionManager;
  transportKind: "baileys" | "emulator";
  webVersion?: () => WebVersionStatus;
}

/**
 * `GET /health` is open (load balancer, container check, the functions' own /health): up or not, nothing more. Up
 * means "accepting sessions": the database answers and this gateway is registered in the fleet and not draining.
 * `GET /v1/health` sits behind the service token with what an operator needs: transport, this process's holder id,
 * its place in the fleet (address, sessions held, capacity, draining), sessions by state, undelivered events and
 * the database's error.
 */
export function mountHealthRoutes(app: Hono, deps: HealthDeps): void {
  const probe = async () => {
    try {
      await deps.db.rpc("health_ping");
      return { ok: true as const, outboxPending: await deps.store.outboxPending() };
    } catch (err) {
      return { ok: false as const, detail: (err as Error).message };
    }
  };

  app.get("/health", async (c) => {
    const { ok } = await probe();
    const accepting = deps.sessions.fleet.accepting();
    return c.json({ status: ok && accepting ? "ok" : "degraded", checks: { database: { ok }, accepting: { ok: accepting } } }, ok && accepting ? 200 : 503);
  });

  app.get("/v1/health", async (c) => {
    const database = await probe();
    return c.json(
      {
        status: database.ok ? "ok" : "degraded",
        transport: deps.transportKind,
        holder: deps.sessions.holderId,
        fleet: deps.sessions.fleet.info(),
        sessions: deps.sessions.counts(),
        whatsappWeb: deps.webVersion?.() ?? null,
        outboxPending: database.ok ? database.outboxPending : null,
        checks: { database: database.ok ? { ok: true } : { ok: false, detail: database.detail } },
      },
      database.ok ? 200 : 503,
    );
  });
}
