import type { Hono } from "hono";
import { LidMapping, WHATSAPP_EVENT_PATHS } from "../../../lib/contract/events.js";
import { storeLidMapping } from "../../../lib/identity/chats.js";
import type { Services } from "../../../lib/services.js";
import { jobBody } from "../job-body.js";

/** WhatsApp confirmed the phone behind a LID: the client's LID chat continues as their phone's chat. */
export function registerLidMappingJob(jobs: Hono, s: Services): void {
  jobs.post(WHATSAPP_EVENT_PATHS["lid.mapping"].replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, LidMapping);
    if (!parsed.ok) return parsed.res;
    const e = parsed.body;
    const moved = await storeLidMapping(s.db, s.clock, e.salonId, e.lid, e.phone);
    return c.json({ status: moved ? "chat_moved" : "stored" });
  });
}
