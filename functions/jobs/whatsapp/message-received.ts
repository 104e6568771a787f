import type { Hono } from "hono";
import { chatSettings } from "../../../lib/conversations/settings.js";
import { storeInbound } from "../../../lib/conversations/store.js";
import { MessageReceived, WHATSAPP_EVENT_PATHS } from "../../../lib/gateway/events.js";
import type { Services } from "../../services.js";
import { ASSISTANT_REPLY_PATH, type AssistantReplyJob } from "../assistant/reply.js";
import { jobBody } from "../marketplace/respond.js";

/**
 * Integration point with reminder replies (issue 6): asked before anything else. `handled` — the reply was a
 * confirmation and has been dealt with, the assistant stays out; otherwise `context` describes the reminder for the
 * assistant (a refusal or a wish to move goes to it with the reminder in context).
 */
export type ReminderReplyHandler = (s: Services, e: MessageReceived) => Promise<{ handled: true } | { handled: false; context?: string }>;

/**
 * A client wrote to the salon. The message is stored (a redelivery stores nothing new), then a delayed reply job is
 * published for it; when it fires, only the newest message of the burst answers, so three quick messages get one
 * answer. Nothing is answered for a salon that is not active or a chat an administrator holds (decided when the
 * reply job runs, so a takeover during the wait counts).
 */
export function registerMessageReceivedJob(jobs: Hono, s: Services, opts: { reminderReply?: ReminderReplyHandler } = {}): void {
  jobs.post(WHATSAPP_EVENT_PATHS["message.received"].replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, MessageReceived);
    if (!parsed.ok) return parsed.res;
    const e = parsed.body;
    const phone = e.from.phone;
    if (!phone) {
      // WhatsApp hid the number (LID only): we cannot match the client in YClients nor address a reply by phone.
      s.log.warn({ salonId: e.salonId, jid: e.from.jid }, "inbound message without a phone number ignored");
      return c.json({ status: "no_phone" });
    }
    const reminder = opts.reminderReply ? await opts.reminderReply(s, e) : { handled: false as const };
    const stored = await storeInbound(s.db, s.clock, {
      salonId: e.salonId,
      phone,
      jid: e.from.jid,
      pushName: e.pushName,
      waMessageId: e.messageId,
      kind: e.kind,
      text: e.text,
      data: {
        ...(e.refMessageId ? { ref: e.refMessageId } : {}),
        ...(reminder.handled ? { reminder_handled: true } : reminder.context ? { reminder: reminder.context } : {}),
      },
    });
    if (!stored.stored) return c.json({ status: "unknown_salon" });
    if (stored.salon_status !== "active") return c.json({ status: "salon_not_active" });
    if (reminder.handled) return c.json({ status: "reminder_reply" });
    // A reaction is not a question: it is kept in the chat, and nobody is made to answer it.
    if (e.kind === "reaction") return c.json({ status: "stored" });
    const body: AssistantReplyJob = { salonId: e.salonId, phone, messageId: stored.message_id! };
    await s.dispatcher.publish({
      path: ASSISTANT_REPLY_PATH,
      body,
      deduplicationId: `${e.salonId}:assistant:${stored.message_id}`,
      delaySec: chatSettings(stored.settings).burstWaitSec,
    });
    return c.json({ status: "scheduled" });
  });
}
