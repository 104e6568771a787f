import type { Hono } from "hono";
import { tellJournal } from "../../../lib/chat-panel/journal-alerts.js";
import { JOURNAL_ALERT } from "../../../lib/jobs/chat-panel.js";
import { done } from "../../../lib/jobs/outcome.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** The journal's highlight of a chat, told to YClients (lib/chat-panel/journal-alerts.ts). */
export function registerJournalAlertJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, JOURNAL_ALERT, async (a) => done({ status: await tellJournal(s, a) }));
}
