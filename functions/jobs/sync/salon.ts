import type { Hono } from "hono";
import { SYNC_JOB_PATH, syncJobSchema } from "../../../lib/sync/jobs.js";
import { syncSalon } from "../../../lib/sync/sync-salon.js";
import type { Services } from "../../../lib/services.js";
import { jobBody, permanentFailure } from "../job-body.js";

/**
 * POST /jobs/sync/salon `{salonId, parts?}`: one salon's sync. A run that failed in part answers 200: the schedule
 * tries the failed parts again (each YClients call was already retried), and a QStash retry would redo the parts
 * that worked. A malformed body or an unknown salon is a permanent failure; only an error outside the sync
 * (database down) asks QStash to retry, with a 500.
 */
export function registerSyncSalonJob(jobs: Hono, s: Services): void {
  jobs.post(SYNC_JOB_PATH.replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, syncJobSchema);
    if (!parsed.ok) return parsed.res;
    const outcome = await syncSalon(s, parsed.body.salonId, parsed.body.parts);
    if (outcome.skipped === "unknown_salon") return permanentFailure(c, "unknown_salon", `no salon ${parsed.body.salonId}`);
    return c.json(outcome, 200);
  });
}
