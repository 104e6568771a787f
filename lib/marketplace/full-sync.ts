import { requestSalonSync } from "../jobs/sync.js";
import type { MarketplaceDeps } from "./deps.js";

/** Asks for a full sync of one salon (the sync job, lib/jobs/sync.ts), deduplicated per salon and reason. */
export async function requestFullSync(d: MarketplaceDeps, salonId: number, reason: string): Promise<void> {
  const published = await requestSalonSync(d, salonId, reason);
  d.log.info({ salonId, reason, deduplicated: published.deduplicated }, "full sync requested");
}
