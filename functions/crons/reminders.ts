import { runReminderTick } from "../../lib/notifications/reminders.js";
import type { Services } from "../../lib/services.js";
import { cronHandler } from "./lambda.js";

/** Every 5 minutes: reminders due now in each salon's time zone, and a sweep of notifications left behind. */
export async function run(s: Services) {
  return runReminderTick(s);
}

export const handler = cronHandler("reminders", run);
