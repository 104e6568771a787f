import type { Hono } from "hono";
import { SYNC_SALON } from "../../../lib/jobs/sync.js";
import { done, permanent } from "../../../lib/jobs/outcome.js";
import { syncSalon } from "../../../lib/sync/sync-salon.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/**
 * One salon's sync. A run that failed in part answers 200: the schedule tries the failed parts again (each YClients
 * call was already retried), and a QStash retry would redo the parts that worked. An unknown salon is a permanent
 * failure; only an error outside the sync (database down) is retried.
 */
export function registerSyncSalonJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, SYNC_SALON, async (job) => {
    const outcome = await syncSalon(s, job.salonId, job.parts);
    return outcome.skipped === "unknown_salon" ? permanent("unknown_salon", `no salon ${job.salonId}`) : done(outcome);
  });
}
