import { z } from "zod";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";
import { salonId } from "./catalogue.js";
import { defineJob, publishJob } from "./job.js";

/**
 * The paced sender of proactive messages (lib/outreach/sender.ts): one job sends at most one of a salon's messages
 * and publishes the next for when the spacing, quiet hours or the daily cap let it; `at` (a time in ms) names the
 * moment it was meant for, so each wake-up is one job however many times it is published.
 */
export const OUTREACH_SEND = defineJob({
  path: "/jobs/outreach/send",
  body: z.object({ salonId }),
  dedupeId: (b, at: number) => `${b.salonId}:outreach:${at}`,
  retries: SESSION_WAIT_RETRIES,
});

export const publishOutreachSend = (d: Dispatcher, salonId: number, atMs: number, nowMs: number) =>
  publishJob(d, OUTREACH_SEND, { salonId }, { key: atMs, delaySec: Math.max(0, Math.ceil((atMs - nowMs) / 1000)) });
