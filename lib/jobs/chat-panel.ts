import { z } from "zod";
import { salonId } from "./catalogue.js";
import { defineJob } from "./job.js";

const phone = z.string().regex(/^[0-9]{7,15}$/);

/** The YClients journal's highlight of a chat (lib/chat-panel/journal-alerts.ts). */
export const JOURNAL_ALERT = defineJob({
  path: "/jobs/chat-panel/journal-alert",
  body: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("new_message"), salonId, phone, messageId: z.number().int().positive() }),
    z.object({ kind: z.literal("toggle_highlight"), salonId, phone, waMessageId: z.string().min(1) }),
  ]),
  // One highlight per client message and one clearing per administrator answer, however often the causes repeat.
  dedupeId: (a) => (a.kind === "new_message" ? `${a.salonId}:journal:new:${a.messageId}` : `${a.salonId}:journal:clear:${a.waMessageId}`),
});
export type JournalAlert = z.infer<typeof JOURNAL_ALERT.body>;

/** The panel's frame installed again after the owner switched it back on (lib/chat-panel/install-frames.ts). */
export const FRAME_INSTALL = defineJob({
  path: "/jobs/chat-panel/frame-install",
  body: z.object({ salonId, changeId: z.number().int().positive() }),
  // One install per switch-on (its settings-history row), however often the job is delivered.
  dedupeId: (j) => `${j.salonId}:panel-frame:${j.changeId}`,
});
