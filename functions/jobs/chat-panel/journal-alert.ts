import type { Hono } from "hono";
import { z } from "zod";
import { JOURNAL_ALERT_PATH } from "../../../lib/chat-panel/journal-alerts.js";
import { getConversation, listMessages } from "../../../lib/conversations/store.js";
import { getSalon } from "../../../lib/salons/store.js";
import { YClientsError } from "../../../lib/yclients/errors.js";
import type { Services } from "../../../lib/services.js";
import { jobBody, permanentFailure } from "../job-body.js";

const phone = z.string().regex(/^[0-9]{7,15}$/);
const Body = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("new_message"), salonId: z.number().int().positive(), phone, messageId: z.number().int().positive() }),
  z.object({ kind: z.literal("toggle_highlight"), salonId: z.number().int().positive(), phone, waMessageId: z.string().min(1) }),
]);

/** The journal's highlight of a chat, told to YClients (lib/chat-panel/journal-alerts.ts). */
export function registerJournalAlertJob(jobs: Hono, s: Services): void {
  jobs.post(JOURNAL_ALERT_PATH.replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, Body);
    if (!parsed.ok) return parsed.res;
    const a = parsed.body;
    if (!s.yclients.configured) return c.json({ status: "yclients_not_configured" });
    const salon = await getSalon(s.db, a.salonId);
    if (!salon || salon.status !== "active") return c.json({ status: "salon_not_active" });
    try {
      if (a.kind === "new_message") {
        const [chat, messages] = await Promise.all([getConversation(s.db, a.salonId, a.phone), listMessages(s.db, a.salonId, a.phone)]);
        const m = messages.find((x) => x.id === a.messageId);
        const text = m ? (m.kind === "text" ? m.text : `[${m.kind}]`) : "";
        await s.yclients.newMessage({ salonId: a.salonId, phone: a.phone, message: text.slice(0, 1000), name: chat?.push_name ?? `+${a.phone}` });
      } else {
        await s.yclients.toggleHighlight({ salonId: a.salonId, phone: a.phone });
      }
    } catch (err) {
      if (err instanceof YClientsError && err.status < 500 && err.status !== 429) {
        s.log.warn({ salonId: a.salonId, status: err.status, kind: a.kind }, "YClients refused a journal alert");
        return permanentFailure(c, "yclients_refused", err.message);
      }
      throw err;
    }
    return c.json({ status: "sent" });
  });
}
