import { fanOutSalonSyncs } from "../../lib/sync/schedule.js";
import type { Services } from "../../lib/services.js";
import { cronHandler } from "./lambda.js";

/**
 * Every 15 minutes: per active salon, in its own time zone, the sync parts that are due (company weekly; services,
 * staff, clients and the 30-day schedules nightly; today's schedules hourly; records every quarter hour), one job
 * per salon through the dispatcher. Salons blocked after a 403 are listed in the result, not synced.
 */
export async function run(s: Services) {
  return fanOutSalonSyncs(s);
}

export const handler = cronHandler("sync", run);
