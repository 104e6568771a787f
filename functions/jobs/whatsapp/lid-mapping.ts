import type { Hono } from "hono";
import { storeLidMapping } from "../../../lib/identity/chats.js";
import { done } from "../../../lib/jobs/outcome.js";
import { LID_MAPPING } from "../../../lib/jobs/whatsapp.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** WhatsApp confirmed the phone behind a LID: the client's LID chat continues as their phone's chat. */
export function registerLidMappingJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, LID_MAPPING, async (e) => done({ status: (await storeLidMapping(s.db, s.clock, e.salonId, e.lid, e.phone)) ? "chat_moved" : "stored" }));
}
