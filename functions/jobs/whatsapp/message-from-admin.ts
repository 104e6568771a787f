import type { Hono } from "hono";
import { chatSettings } from "../../../lib/conversations/settings.js";
import { storeAdminMessage } from "../../../lib/conversations/store.js";
import { MessageFromAdmin, WHATSAPP_EVENT_PATHS } from "../../../lib/contract/events.js";
import { identifyChat } from "../../../lib/identity/chats.js";
import { getSalon } from "../../../lib/salons/store.js";
import type { Services } from "../../../lib/services.js";
import { jobBody } from "../job-body.js";

/**
 * The salon's administrator wrote to a client from the salon's own phone: a person has taken the chat, so the
 * assistant stays quiet there for the salon's admin pause (default 2 h). Echoes of our own sends are recognised by
 * their message id and change nothing.
 */
export function registerMessageFromAdminJob(jobs: Hono, s: Services): void {
  jobs.post(WHATSAPP_EVENT_PATHS["message.from_admin"].replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, MessageFromAdmin);
    if (!parsed.ok) return parsed.res;
    const e = parsed.body;
    // A chat known only by its LID is paused under that key, like any other.
    const phone = await identifyChat(s.db, s.clock, e.salonId, e.to);
    if (!phone) return c.json({ status: "no_phone" });
    const salon = await getSalon(s.db, e.salonId);
    if (!salon) return c.json({ status: "unknown_salon" });
    // The handover notice goes to the salon's own number; that chat is not a client's.
    if (phone === salon.whatsapp_phone) return c.json({ status: "own_chat" });
    const r = await storeAdminMessage(s.db, s.clock, {
      salonId: e.salonId,
      phone,
      waMessageId: e.messageId,
      text: e.text,
      pauseSec: chatSettings(salon.settings).adminPauseMin * 60,
    });
    return c.json({ status: r.paused ? "paused" : r.reason ?? "ignored", pausedUntil: r.paused_until ?? null });
  });
}
