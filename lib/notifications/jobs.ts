import type { Services } from "../services.js";
import type { DecidedNotification } from "../bookings/store.js";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";

/** Job routes of this area (functions/jobs/bookings/*). */
export const SEND_NOTIFICATION_PATH = "/jobs/bookings/send-notification";
export const BOOKING_POLL_PATH = "/jobs/bookings/poll";

export interface SendNotificationJob {
  salonId: number;
  notificationId: number;
}

export interface BookingPollJob {
  salonId: number;
}

/** Deliveries of one send job before its row is marked failed: a gateway that stays down this long is reported. */
export const SEND_RETRIES = SESSION_WAIT_RETRIES;

/**
 * Publishes the send job of each decided notification, delayed until its due time. The deduplication id is the
 * row's, so a decision published twice (a retried caller) is one job; the claim makes even two jobs one message.
 */
export async function publishNotificationSends(
  s: Services,
  salonId: number,
  notes: Array<Pick<DecidedNotification, "id" | "due_at">>,
  tag = "0",
): Promise<void> {
  const now = s.clock.now().getTime();
  await Promise.all(
    notes.map((n) =>
      s.dispatcher.publish({
        path: SEND_NOTIFICATION_PATH,
        body: { salonId, notificationId: n.id } satisfies SendNotificationJob,
        deduplicationId: `notification:${salonId}:${n.id}:${tag}`,
        delaySec: Math.max(0, Math.ceil((Date.parse(n.due_at) - now) / 1000)),
        retries: SEND_RETRIES,
      }),
    ),
  );
}
