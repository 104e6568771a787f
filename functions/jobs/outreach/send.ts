import type { Hono } from "hono";
import { OUTREACH_SEND } from "../../../lib/jobs/outreach.js";
import { done, retryLater } from "../../../lib/jobs/outcome.js";
import { sendNextProactive } from "../../../lib/outreach/sender.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** /jobs/outreach/send: the next proactive message of a salon, when its pacing allows (lib/outreach/sender.ts). */
export function registerOutreachSendJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, OUTREACH_SEND, async (job) => {
    const result = await sendNextProactive(s, job.salonId);
    return "status" in result && result.status === "retry" ? retryLater("retry", result.error, { result }) : done(result);
  });
}
