import { Hono } from "hono";
import { verifyQStash } from "../../lib/dispatch/signature.js";
import type { Services } from "../../lib/services.js";
import { registerBookingJobs } from "./bookings/index.js";
import { registerMarketplaceJobs } from "./marketplace/index.js";
import { registerYClientsJobs } from "./yclients/index.js";
import { registerSyncSalonJob } from "./sync/salon.js";
import { registerSessionConnectedJob } from "./whatsapp/session-connected.js";
import { registerSessionLoggedOutJob } from "./whatsapp/session-logged-out.js";
import { registerMessageReceivedJob } from "./whatsapp/message-received.js";
import { registerMessageFromAdminJob } from "./whatsapp/message-from-admin.js";
import { registerMessageStatusJob } from "./whatsapp/message-status.js";
import { registerLidMappingJob } from "./whatsapp/lid-mapping.js";
import { registerAssistantReplyJob } from "./assistant/reply.js";
import { registerChannelJobs } from "./channel/index.js";
import { registerJournalAlertJob } from "./chat-panel/journal-alert.js";
import { registerOutreachSendJob } from "./outreach/send.js";

/**
 * Routes QStash (or the local dispatcher) calls. Each is signed; each is idempotent, because delivery is at least
 * once. A job answers 2xx when done, 5xx to be retried, 489 with Upstash-NonRetryable-Error for a permanent failure.
 */
export function jobsRouter(s: Services): Hono {
  const jobs = new Hono();
  jobs.use("*", verifyQStash(s.receiver, s.config.publicUrl));
  registerBookingJobs(jobs, s);
  registerMarketplaceJobs(jobs, s);
  registerYClientsJobs(jobs, s);
  registerSyncSalonJob(jobs, s);
  registerSessionConnectedJob(jobs, s);
  registerSessionLoggedOutJob(jobs, s);
  registerMessageReceivedJob(jobs, s);
  registerMessageFromAdminJob(jobs, s);
  registerMessageStatusJob(jobs, s);
  registerLidMappingJob(jobs, s);
  registerAssistantReplyJob(jobs, s);
  registerChannelJobs(jobs, s);
  registerJournalAlertJob(jobs, s);
  registerOutreachSendJob(jobs, s);
  return jobs;
}
