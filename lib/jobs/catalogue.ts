/**
 * The job catalogue: each job's path, body schema and deduplication id, defined once (lib/jobs/job.ts); the
 * publishers in lib/ and the handlers in functions/jobs/ both take them from here. One file per area: this one
 * holds the notification, poll and reply jobs; `marketplace.ts`, `sync.ts`, `channel.ts`, and `whatsapp.ts` (the
 * gateway's events, whose paths and bodies are the contract's, lib/contract/events.ts).
 */
import { z } from "zod";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";
import type { Services } from "../services.js";
import { ChatKey } from "../identity/chats.js";
import { defineJob, publishJob } from "./job.js";

export const salonId = z.number().int().positive();

/** Deliveries of one send job before its row is marked failed: a gateway that stays down this long is reported. */
export const SEND_RETRIES = SESSION_WAIT_RETRIES;

/** Send one decided notification: published delayed to its due time; `key` tells a republish (quiet hours) apart. */
export const SEND_NOTIFICATION = defineJob({
  path: "/jobs/bookings/send-notification",
  body: z.object({ salonId, notificationId: z.number().int().positive() }),
  dedupeId: (b, tag: string) => `notification:${b.salonId}:${b.notificationId}:${tag}`,
  retries: SEND_RETRIES,
});
export type SendNotificationJob = z.infer<typeof SEND_NOTIFICATION.body>;

/** One salon's records changed since its cursor; the booking-poll cron fans these out, one per salon and minute. */
export const BOOKING_POLL = defineJob({
  path: "/jobs/bookings/poll",
  body: z.object({ salonId }),
  dedupeId: (b, minute: number) => `booking-poll:${b.salonId}:${minute}`,
  retries: 1,
});

/** Answer a burst: published delayed by the inbound flow, one per inbound message. */
export const ASSISTANT_REPLY = defineJob({
  path: "/jobs/assistant/reply",
  body: z.object({
    salonId,
    /** The chat key (lib/identity/chats.ts): phone digits, or the LID while WhatsApp has not told the number. */
    phone: ChatKey,
    /** Our id of the inbound message (messages.id): only the newest message's job of a burst answers it. */
    messageId: z.number().int().positive(),
    /** How many times this reply has already looked and chosen to wait for the client (lib/assistant/burst-wait.ts). */
    wait: z.number().int().min(0).max(120).optional(),
  }),
  dedupeId: (b) => `${b.salonId}:assistant:${b.messageId}${b.wait ? `:w${b.wait}` : ""}`,
  retries: SESSION_WAIT_RETRIES,
});
export type AssistantReplyJob = z.infer<typeof ASSISTANT_REPLY.body>;

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
      publishJob(s.dispatcher, SEND_NOTIFICATION, { salonId, notificationId: n.id }, {
        key: tag,
        delaySec: Math.max(0, Math.ceil((Date.parse(n.due_at) - now) / 1000)),
      }),
    ),
  );
}
