import type { Hono } from "hono";
import { pollSalonRecords } from "../../../lib/bookings/poll.js";
import { BOOKING_POLL, SEND_NOTIFICATION } from "../../../lib/jobs/catalogue.js";
import { done, retryLater } from "../../../lib/jobs/outcome.js";
import { sendNotification } from "../../../lib/notifications/send.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/**
 * The booking jobs.
 * - send-notification: published delayed to the row's due time by the decision point, the reminder cron and the
 *   sweeper. 200 when the row is settled, 503 (+ Retry-After) to be delivered again.
 * - poll: one salon's records changed since its cursor (the booking-poll cron fans these out).
 */
export function registerBookingJobs(jobs: Hono, s: Services): void {
  onJob(jobs, s, SEND_NOTIFICATION, async (job) => {
    const result = await sendNotification(s, job.salonId, job.notificationId);
    return result.status === "retry" ? retryLater("retry", "send again later", { afterSec: result.afterSec, result }) : done(result);
  });

  onJob(jobs, s, BOOKING_POLL, async (job) => done(await pollSalonRecords(s, job.salonId)));
}
