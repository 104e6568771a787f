import { installMissingFrames } from "../../lib/chat-panel/install-frames.js";
import { checkFrozenSalons } from "../../lib/marketplace/lifecycle.js";
import { requestFullSync } from "../../lib/marketplace/full-sync.js";
import type { Services } from "../../lib/services.js";
import { cronHandler } from "./lambda.js";

/**
 * Daily: ask YClients about every frozen salon; one it reports active again is unfrozen and resynced (webhooks were
 * ignored while it was frozen). Also installs the chat panel's frame once in salons activated before it shipped.
 */
export async function run(s: Services) {
  const day = s.clock.now().toISOString().slice(0, 10);
  const frames = await installMissingFrames(s);
  return { ...(await checkFrozenSalons(s, (salonId) => requestFullSync(s, salonId, `unfrozen:${day}`))), frames };
}

export const handler = cronHandler("marketplace-status", run);
