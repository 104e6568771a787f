import type { Hono } from "hono";
import { answerBurst } from "../../../lib/assistant/respond.js";
import { assistantDeps } from "../../../lib/assistant/runtime.js";
import { ASSISTANT_REPLY } from "../../../lib/jobs/catalogue.js";
import { done } from "../../../lib/jobs/outcome.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** The delayed job that answers a burst. */
export function registerAssistantReplyJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, ASSISTANT_REPLY, async (job) => {
    const r = await answerBurst(assistantDeps(s), job);
    return done({ status: r.outcome, turnId: r.turnId ?? null, sent: r.sent });
  });
}
