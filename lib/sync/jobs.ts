/**
 * The sync job's contract. Public API:
 * - `SYNC_JOB_PATH` = "/jobs/sync/salon"; body `SyncJobBody` = `{ salonId, parts?: SyncPart[] }` (all parts when
 *   absent), validated by `syncJobSchema`.
 * - `requestSalonSync(deps, salonId, reason, parts?)`: publishes one salon's sync, deduplicated per salon and
 *   reason (e.g. `requestSalonSync(s, 123, "activated")` right after activation: a full sync).
 */
import { z } from "zod";
import type { Dispatcher, Published } from "../dispatch/dispatcher.js";
import type { SyncPart } from "./store.js";
import { ALL_PARTS } from "./sync-salon.js";

export const SYNC_JOB_PATH = "/jobs/sync/salon";

export const syncJobSchema = z.object({
  salonId: z.number().int().positive(),
  parts: z.array(z.enum(ALL_PARTS as [SyncPart, ...SyncPart[]])).min(1).optional(),
});

export type SyncJobBody = z.infer<typeof syncJobSchema>;

/** QStash accepts letters, digits and `:._-` in a deduplication id. */
const safe = (text: string) => text.replace(/[^A-Za-z0-9:._-]/g, "_").slice(0, 120);

export function requestSalonSync(
  deps: { dispatcher: Dispatcher },
  salonId: number,
  reason: string,
  parts?: SyncPart[],
): Promise<Published> {
  const body: SyncJobBody = parts ? { salonId, parts } : { salonId };
  return deps.dispatcher.publish({ path: SYNC_JOB_PATH, body, deduplicationId: `sync:${salonId}:${safe(reason)}`, retries: 2 });
}
