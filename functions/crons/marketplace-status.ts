import { checkFrozenSalons } from "../../lib/marketplace/lifecycle.js";
import { requestFullSync } from "../../lib/marketplace/full-sync.js";
import type { Services } from "../../lib/services.js";
import { cronHandler } from "./lambda.js";

/**
 * Daily: ask YClients about every frozen salon; one it reports active again is unfrozen and resynced (webhooks were
 * ignored while it was frozen).
 */
export async function run(s: Services) {
  const day = s.clock.now().toISOString().slice(0, 10);
  return checkFrozenSalons(s, (salonId) => requestFullSync(s, salonId, `unfrozen:${day}`));
}

export const handler = cronHandler("marketplace-status", run);
