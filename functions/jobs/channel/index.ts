import type { Hono } from "hono";
import { syncChannelAvailability } from "../../../lib/channel/availability.js";
import { sendChannelMessage } from "../../../lib/channel/send.js";
import { postDeliveryStatus } from "../../../lib/channel/statuses.js";
import { CHANNEL_AVAILABILITY, CHANNEL_SEND, CHANNEL_STATUS } from "../../../lib/jobs/channel.js";
import { done, retryLater } from "../../../lib/jobs/outcome.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** /jobs/channel/*: sending what YClients handed us, posting its statuses back, and the channel's availability. */
export function registerChannelJobs(jobs: Hono, s: Services): void {
  onJob(jobs, s, CHANNEL_SEND, async (job) => {
    const result = await sendChannelMessage(s, job.salonId, job.ycId);
    return result.status === "retry" ? retryLater("retry", result.error, { result }) : done(result);
  });

  onJob(jobs, s, CHANNEL_STATUS, async (job) => {
    const status = await postDeliveryStatus(s, job.salonId, job.ycId, job.status);
    return status === "retry" || status === "busy" ? retryLater(status, "post the status again later", { result: { status } }) : done({ status });
  });

  // YClients refusing update_channel (or not configured) is a permanent failure: the mapper's rule for its 4xx.
  onJob(jobs, s, CHANNEL_AVAILABILITY, async (job) => done({ status: await syncChannelAvailability(s, job.salonId) }));
}
