import type { Hono } from "hono";
import { pollSalonRecords } from "../../../lib/bookings/poll.js";
import { BOOKING_POLL_PATH, BookingPollJob, SEND_NOTIFICATION_PATH, SendNotificationJob } from "../../../lib/jobs/catalogue.js";
import { sendNotification } from "../../../lib/notifications/send.js";
import { YClientsError, YClientsNetworkError } from "../../../lib/yclients/errors.js";
import type { Services } from "../../../lib/services.js";
import { jobBody } from "../job-body.js";

const route = (path: string) => path.replace(/^\/jobs/, "");

/**
 * The booking jobs.
 * - send-notification `{salonId, notificationId}`: published delayed to the row's due time by the decision point,
 *   the reminder cron and the sweeper. 200 when the row is settled, 503 (+ Retry-After) to be delivered again.
 * - poll `{salonId}`: one salon's records changed since its cursor (the booking-poll cron fans these out).
 */
export function registerBookingJobs(jobs: Hono, s: Services): void {
  jobs.post(route(SEND_NOTIFICATION_PATH), async (c) => {
    const parsed = await jobBody(c, SendNotificationJob);
    if (!parsed.ok) return parsed.res;
    const job = parsed.body;
    const result = await sendNotification(s, job.salonId, job.notificationId);
    if (result.status === "retry") {
      return c.json(result, 503, result.afterSec ? { "Retry-After": String(result.afterSec) } : {});
    }
    return c.json(result);
  });

  jobs.post(route(BOOKING_POLL_PATH), async (c) => {
    const parsed = await jobBody(c, BookingPollJob);
    if (!parsed.ok) return parsed.res;
    const job = parsed.body;
    try {
      return c.json(await pollSalonRecords(s, job.salonId));
    } catch (err) {
      if ((err instanceof YClientsError && err.isRetryable) || err instanceof YClientsNetworkError) {
        return c.json({ error: { code: "yclients_unavailable", message: err.message } }, 503);
      }
      if (err instanceof YClientsError) {
        // No rights or a refused query: the next minute's poll tries again; retrying this one changes nothing.
        s.log.warn({ salonId: job.salonId, status: err.status, err }, "booking poll refused by YClients");
        return c.json({ skipped: `YClients ${err.status}` });
      }
      throw err;
    }
  });
}
