import type { MarketplaceDeps } from "./deps.js";

/** Asks for a full sync of one salon (issue 3's sync job), deduplicated per salon and reason. */
export async function requestFullSync(d: MarketplaceDeps, salonId: number, reason: string): Promise<void> {
  d.log.error({ salonId, reason }, "full sync not requested: the sync job (functions/jobs/sync) does not exist yet");
}
