import type { Hono } from "hono";
import { answerBurst } from "../../../lib/assistant/respond.js";
import { publishJournalAlert } from "../../../lib/chat-panel/journal-alerts.js";
import { assistantDeps } from "../../../lib/assistant/runtime.js";
import { ASSISTANT_REPLY } from "../../../lib/jobs/catalogue.js";
import { done } from "../../../lib/jobs/outcome.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** The delayed job that answers a burst. */
export function registerAssistantReplyJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, ASSISTANT_REPLY, async (job) => {
    const r = await answerBurst(assistantDeps(s), job);
    // The bot gave up or handed over: the journal highlights the chat for a person.
    if (r.outcome === "handover" || r.outcome === "failed") {
      await publishJournalAlert(s.dispatcher, { kind: "new_message", salonId: job.salonId, phone: job.phone, messageId: job.messageId });
    }
    return done({ status: r.outcome, turnId: r.turnId ?? null, sent: r.sent });
  });
}
