import { runCampaignTick } from "../../lib/campaigns/tick.js";
import type { Services } from "../../lib/services.js";
import { cronHandler } from "./lambda.js";

/** Every 5 minutes: review requests, "we miss you" and birthdays due now, handed to the paced outreach sender. */
export async function run(s: Services) {
  return runCampaignTick(s);
}

export const handler = cronHandler("campaigns", run);
