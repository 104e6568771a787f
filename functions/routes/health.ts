import type { Hono } from "hono";
import { assistantModelStatus } from "../../lib/assistant/runtime.js";
import type { ModelStatus } from "../../lib/assistant/model.js";
import type { Services } from "../../lib/services.js";

type Check = { ok: boolean; detail?: string };

async function check(fn: () => Promise<Check>): Promise<Check> {
  try {
    return await fn();
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** The model as this process has seen it: a retired or rerouted model is for someone to fix, not an outage. */
function modelCheck(m: ModelStatus | null): Check & { down: boolean } {
  if (!m) return { ok: true, down: false, detail: "assistant off: no GEMINI_API_KEY" };
  const gone = m.retired.map((r) => `${r.model} retired (${r.reason})`);
  const moved = m.rerouted.map((r) => `${r.model} answered by ${r.answeredBy}`);
  if (!m.active) return { ok: false, down: true, detail: `no model left: ${gone.join("; ")}; set GEMINI_MODEL` };
  if (gone.length + moved.length > 0) return { ok: false, down: false, detail: `${[...gone, ...moved].join("; ")}; answering with ${m.active}; set GEMINI_MODEL` };
  return { ok: true, down: false, detail: m.active };
}

/**
 * 200 while the service can do its work; "degraded" names anything that needs a person, and 503 means a dependency
 * is down (a model fallback still answers chats, so it stays 200). The body never carries a secret.
 */
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
    const { down, ...model } = modelCheck(assistantModelStatus(s));
    const up = database.ok && gateway.ok && dispatcher.ok && !down;
    const ok = up && model.ok;
    return c.json({ status: ok ? "ok" : "degraded", checks: { database, gateway, dispatcher, model } }, up ? 200 : 503);
  });
}
