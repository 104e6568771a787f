/**
 * The job catalogue: each job's path, body schema and deduplication id, defined once; the publishers in lib/ and
 * the handlers in functions/jobs/ both take them from here. The gateway's events are the contract's
 * (lib/contract/events.ts), the marketplace's jobs lib/marketplace/jobs.ts, the sync job lib/sync/jobs.ts.
 */
import { z } from "zod";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";
import type { Services } from "../services.js";

const salonId = z.number().int().positive();

/** Send one decided notification: published delayed to its due time. */
export const SEND_NOTIFICATION_PATH = "/jobs/bookings/send-notification";
export const SendNotificationJob = z.object({ salonId, notificationId: z.number().int().positive() });
export type SendNotificationJob = z.infer<typeof SendNotificationJob>;

/** One salon's records changed since its cursor; the booking-poll cron fans these out. */
export const BOOKING_POLL_PATH = "/jobs/bookings/poll";
export const BookingPollJob = z.object({ salonId });
export type BookingPollJob = z.infer<typeof BookingPollJob>;

/** Answer a burst: published delayed by message-received, one per inbound message; republished while it waits. */
export const ASSISTANT_REPLY_PATH = "/jobs/assistant/reply";
export const AssistantReplyJob = z.object({
  salonId,
  phone: z.string().regex(/^[0-9]{7,15}$/),
  /** Our id of the inbound message (messages.id): only the newest message's job of a burst answers it. */
  messageId: z.number().int().positive(),
  /** How many times this reply has already looked and chosen to wait for the client (lib/assistant/burst-wait.ts). */
  wait: z.number().int().min(0).max(120).optional(),
});
export type AssistantReplyJob = z.infer<typeof AssistantReplyJob>;

export const assistantReplyDedupeId = (job: AssistantReplyJob) => `${job.salonId}:assistant:${job.messageId}${job.wait ? `:w${job.wait}` : ""}`;

/** Deliveries of one send job before its row is marked failed: a gateway that stays down this long is reported. */
export const SEND_RETRIES = SESSION_WAIT_RETRIES;

/**
 * Publishes the send job of each decided notification, delayed until its due time. The deduplication id is the
 * row's, so a decision published twice (a retried caller) is one job; the claim makes even two jobs one message.
 */
export async function publishNotificationSends(
  s: Pick<Services, "clock" | "dispatcher">,
  salonId: number,
  notes: Array<{ id: number; due_at: string }>,
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
