import type { Hono } from "hono";
import type { Services } from "../services.js";

type Check = { ok: boolean; detail?: string };

async function check(fn: () => Promise<Check>): Promise<Check> {
  try {
    return await fn();
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** 200 only when every dependency answers; the body names each one's state and never a secret. */
export function registerHealth(app: Hono, s: Services): void {
  app.get("/health", async (c) => {
    const [database, gateway] = await Promise.all([
      check(async () => ({ ok: (await s.db.rpc<string>("health_ping")) === "ok" })),
      check(async () => {
        const h = await s.gateway.health();
        return h.ok ? { ok: true } : { ok: false, detail: "gateway health check failed" };
      }),
    ]);
    const dispatcher: Check = { ok: true, detail: s.dispatcher.kind };
    const ok = database.ok && gateway.ok && dispatcher.ok;
    return c.json({ status: ok ? "ok" : "degraded", checks: { database, gateway, dispatcher } }, ok ? 200 : 503);
  });
}
