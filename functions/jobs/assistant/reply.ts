import type { Hono } from "hono";
import { RetryLater, answerBurst } from "../../../lib/assistant/respond.js";
import { assistantDeps } from "../../../lib/assistant/runtime.js";
import { ASSISTANT_REPLY_PATH, AssistantReplyJob } from "../../../lib/jobs/catalogue.js";
import type { Services } from "../../../lib/services.js";
import { jobBody } from "../job-body.js";
import { publishJournalAlert } from "../../../lib/chat-panel/journal-alerts.js";

/** The delayed job that answers a burst. */
export function registerAssistantReplyJob(jobs: Hono, s: Services): void {
  jobs.post(ASSISTANT_REPLY_PATH.replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, AssistantReplyJob);
    if (!parsed.ok) return parsed.res;
    try {
      const r = await answerBurst(assistantDeps(s), parsed.body);
      if (r.outcome === "handover" || r.outcome === "failed") {
        await publishJournalAlert(s.dispatcher, { kind: "new_message", salonId: parsed.body.salonId, phone: parsed.body.phone, messageId: parsed.body.messageId });
      }
      return c.json({ status: r.outcome, turnId: r.turnId ?? null, sent: r.sent });
    } catch (err) {
      if (err instanceof RetryLater) return c.json({ error: { code: "retry_later", message: err.message } }, 503);
      throw err;
    }
  });
}
