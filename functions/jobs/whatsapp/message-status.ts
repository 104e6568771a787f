import type { Hono } from "hono";
import { MESSAGE_STATUS } from "../../../lib/jobs/whatsapp.js";
import { done } from "../../../lib/jobs/outcome.js";
import { recordChannelOutcome } from "../../../lib/channel/send.js";
import { recordSendOutcome } from "../../../lib/notifications/send.js";
import { recordOutreachOutcome } from "../../../lib/outreach/sender.js";
import { notificationsStore } from "../../../lib/notifications/store.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/**
 * What became of a send the gateway accepted earlier: a notification WhatsApp refused is marked failed there (the
 * assistant's replies only log it: the chat history keeps what was meant to go); a receipt (delivered, read) is
 * kept on the notification or the assistant's message.
 */
export function registerMessageStatusJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, MESSAGE_STATUS, async (e) => {
    if (e.status === "delivered" || e.status === "read") {
      // By WhatsApp message id: a notification or one of the assistant's messages.
      await notificationsStore.receipt(s.db, e.salonId, e.messageId, e.status, new Date(e.timestamp));
      if (!(await recordOutreachOutcome(s, e))) await recordChannelOutcome(s, e);
    } else if (e.idempotencyKey.startsWith("notification:")) await recordSendOutcome(s, e);
    else if (await recordChannelOutcome(s, e)) return done({ status: "done" });
    else if (await recordOutreachOutcome(s, e)) return done({ status: "done" });
    else if (e.status !== "sent") s.log.warn({ salonId: e.salonId, key: e.idempotencyKey, status: e.status, error: e.error }, "reply not delivered");
    return done({ status: "done" });
  });
}
