import { Hono } from "hono";
import type { Db } from "../lib/db/client.js";
import type { Logger } from "../lib/log.js";

export interface GatewayDeps {
  db: Db;
  log: Logger;
}

/** The gateway's HTTP surface. */
export function createGatewayApp(deps: GatewayDeps): Hono {
  const app = new Hono();
  app.get("/health", async (c) => {
    let database = { ok: true } as { ok: boolean; detail?: string };
    try {
      await deps.db.rpc("health_ping");
    } catch (err) {
      database = { ok: false, detail: (err as Error).message };
    }
    return c.json({ status: database.ok ? "ok" : "degraded", checks: { database } }, database.ok ? 200 : 503);
  });
  return app;
}
