import { z } from "zod";
import type { Dispatcher, Published } from "../dispatch/dispatcher.js";
import type { SyncPart } from "../sync/store.js";
import { ALL_PARTS } from "../sync/sync-salon.js";
import { salonId } from "./catalogue.js";
import { defineJob, publishJob } from "./job.js";

/** QStash accepts letters, digits and `:._-` in a deduplication id. */
const safe = (text: string) => text.replace(/[^A-Za-z0-9:._-]/g, "_").slice(0, 120);

/** One salon's sync, of `parts` (all when absent); deduplicated per salon and reason (`activated`, `tick:<quarter>`). */
export const SYNC_SALON = defineJob({
  path: "/jobs/sync/salon",
  body: z.object({
    salonId,
    parts: z.array(z.enum(ALL_PARTS as [SyncPart, ...SyncPart[]])).min(1).optional(),
  }),
  dedupeId: (b, reason: string) => `sync:${b.salonId}:${safe(reason)}`,
  retries: 2,
});
export type SyncJobBody = z.infer<typeof SYNC_SALON.body>;

/** e.g. `requestSalonSync(s, 123, "activated")` right after activation: a full sync. */
export function requestSalonSync(deps: { dispatcher: Dispatcher }, salonId: number, reason: string, parts?: SyncPart[]): Promise<Published> {
  return publishJob(deps.dispatcher, SYNC_SALON, parts ? { salonId, parts } : { salonId }, { key: reason });
}
