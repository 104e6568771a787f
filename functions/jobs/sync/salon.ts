import type { Context, Hono } from "hono";
import { SYNC_JOB_PATH, syncJobSchema } from "../../../lib/sync/jobs.js";
import { syncSalon } from "../../../lib/sync/sync-salon.js";
import type { Services } from "../../services.js";

/** QStash must not retry a job that can never succeed. */
function permanent(c: Context, code: string, message: string): Response {
  return c.json({ error: { code, message } }, 489 as 400, { "Upstash-NonRetryable-Error": "true" });
}

/**
 * POST /jobs/sync/salon `{salonId, parts?}`: one salon's sync. A run that failed in part answers 200: the schedule
 * tries the failed parts again (each YClients call was already retried), and a QStash retry would redo the parts
 * that worked. A malformed body or an unknown salon is a permanent failure; only an error outside the sync
 * (database down) asks QStash to retry, with a 500.
 */
export function registerSyncSalonJob(jobs: Hono, s: Services): void {
  jobs.post(SYNC_JOB_PATH.replace(/^\/jobs/, ""), async (c) => {
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch {
      return permanent(c, "malformed_job", "job body is not JSON");
    }
    const parsed = syncJobSchema.safeParse(raw);
    if (!parsed.success) return permanent(c, "invalid_job", parsed.error.issues[0]?.message ?? "invalid");
    const outcome = await syncSalon(s, parsed.data.salonId, parsed.data.parts);
    if (outcome.skipped === "unknown_salon") return permanent(c, "unknown_salon", `no salon ${parsed.data.salonId}`);
    return c.json(outcome, 200);
  });
}
