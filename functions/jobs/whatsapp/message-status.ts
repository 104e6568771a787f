import type { Hono } from "hono";
import { MessageStatus, WHATSAPP_EVENT_PATHS } from "../../../lib/contract/events.js";
import { recordChannelOutcome } from "../../../lib/channel/send.js";
import { recordSendOutcome } from "../../../lib/notifications/send.js";
import { notificationsStore } from "../../../lib/notifications/store.js";
import type { Services } from "../../../lib/services.js";
import { jobBody } from "../job-body.js";

/**
 * What became of a send the gateway accepted earlier: a notification WhatsApp refused is marked failed there (the
 * assistant's replies only log it: the chat history keeps what was meant to go); a receipt (delivered, read) is
 * kept on the notification or the assistant's message.
 */
export function registerMessageStatusJob(jobs: Hono, s: Services): void {
  jobs.post(WHATSAPP_EVENT_PATHS["message.status"].replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, MessageStatus);
    if (!parsed.ok) return parsed.res;
    const e = parsed.body;
    if (e.status === "delivered" || e.status === "read") {
      // By WhatsApp message id: a notification or one of the assistant's messages.
      await notificationsStore.receipt(s.db, e.salonId, e.messageId, e.status, new Date(e.timestamp));
    } else if (e.idempotencyKey.startsWith("notification:")) await recordSendOutcome(s, e);
    else if (await recordChannelOutcome(s, e)) return c.json({ status: "done" });
    else if (e.status !== "sent") s.log.warn({ salonId: e.salonId, key: e.idempotencyKey, status: e.status, error: e.error }, "reply not delivered");
    return c.json({ status: "done" });
  });
}
