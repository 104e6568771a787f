import type { Hono } from "hono";
import { chatSettings } from "../../../lib/conversations/settings.js";
import { noteOnMessage, storeInbound } from "../../../lib/conversations/store.js";
import { heartForThanks } from "../../../lib/conversations/thanks.js";
import { MessageReceived, WHATSAPP_EVENT_PATHS } from "../../../lib/contract/events.js";
import { SESSION_WAIT_RETRIES } from "../../../lib/dispatch/dispatcher.js";
import { handleReminderReply } from "../../../lib/notifications/reminder-reply.js";
import { ASSISTANT_REPLY_PATH, assistantReplyDedupeId, type AssistantReplyJob } from "../../../lib/jobs/catalogue.js";
import type { Services } from "../../../lib/services.js";
import { jobBody } from "../job-body.js";

/**
 * A client wrote to the salon. The message is stored (a redelivery stores nothing new); a reply to a reminder is
 * offered to the reminder logic first (a confirmation is answered there; anything else reaches the assistant with
 * the reminder in context); a plain thanks or goodbye gets ❤️ on it and no words; then a delayed reply job is published. When it fires, only the newest message of the
 * burst answers, so three quick messages get one answer. Nothing is answered for a salon that is not active, and a chat
 * an administrator holds is checked when the reply job runs, so a takeover during the wait counts.
 */
export function registerMessageReceivedJob(jobs: Hono, s: Services): void {
  jobs.post(WHATSAPP_EVENT_PATHS["message.received"].replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, MessageReceived);
    if (!parsed.ok) return parsed.res;
    const e = parsed.body;
    const phone = e.from.phone;
    if (!phone) {
      // WhatsApp hid the number (LID only): the client cannot be matched in YClients nor answered by phone.
      s.log.warn({ salonId: e.salonId, jid: e.from.jid }, "inbound message without a phone number ignored");
      return c.json({ status: "no_phone" });
    }
    const stored = await storeInbound(s.db, s.clock, {
      salonId: e.salonId,
      phone,
      jid: e.from.jid,
      pushName: e.pushName,
      waMessageId: e.messageId,
      kind: e.kind,
      text: e.text,
      data: e.refMessageId ? { ref: e.refMessageId } : null,
    });
    if (!stored.stored) return c.json({ status: "unknown_salon" });
    if (stored.salon_status !== "active") return c.json({ status: "salon_not_active" });
    const messageId = stored.message_id!;

    const reminder = await handleReminderReply(s, e);
    if (reminder.handled) await noteOnMessage(s.db, e.salonId, messageId, { reminder_handled: true });
    else if (reminder.context) await noteOnMessage(s.db, e.salonId, messageId, { reminder: reminder.context });
    const hearted = !reminder.handled && (await heartForThanks(s, e, { message_id: messageId, paused: stored.paused }));

    // Every message gets its reply job, even one answered here or a reaction: only the newest message's job answers
    // the burst, so a message that published none would silence the question the client typed just before it. The
    // turn leaves out what was answered here and says nothing to a burst with no question in it.
    const body: AssistantReplyJob = { salonId: e.salonId, phone, messageId };
    await s.dispatcher.publish({
      path: ASSISTANT_REPLY_PATH,
      body,
      deduplicationId: assistantReplyDedupeId(body),
      delaySec: chatSettings(stored.settings).burstWaitSec,
      retries: SESSION_WAIT_RETRIES,
    });
    return c.json({ status: reminder.handled ? "reminder_reply" : hearted ? "thanks_hearted" : "scheduled" });
  });
}
