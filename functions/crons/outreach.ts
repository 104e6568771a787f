import { runOutreachTick } from "../../lib/outreach/sender.js";
import type { Services } from "../../lib/services.js";
import { cronHandler } from "./lambda.js";

/** Every minute: wakes the paced sender of every salon with a proactive message queued (lib/outreach/sender.ts). */
export async function run(s: Services) {
  return runOutreachTick(s);
}

export const handler = cronHandler("outreach", run);
