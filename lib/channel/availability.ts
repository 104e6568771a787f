/**
 * Whether YClients may route the salon's notifications to our WhatsApp (`update_channel`). The channel is declared
 * at install (`channels: ["whatsapp"]`); it goes off when the session stays down (logged out or forbidden) past
 * `CHANNEL_DOWN_GRACE_SEC`, so YClients falls back to its other channels, and on again when the session connects.
 * A session that is only restoring (a gateway restart or deploy) raises no logout event, so it never switches off.
 * The check reads the salon's state when it runs and tells YClients only a change, so it is safe to repeat.
 */
import type { Services } from "../services.js";
import { channelStore } from "./store.js";

/** How long a logged-out session may stay down before YClients is told to use other channels. */
export const CHANNEL_DOWN_GRACE_SEC = 5 * 60;

export async function syncChannelAvailability(s: Services, salonId: number): Promise<"changed" | "unchanged" | "unknown_salon"> {
  const a = await channelStore.availability(s.db, salonId);
  if (!a) return "unknown_salon";
  // Never told since install: the install declared the channel available.
  if ((a.reported ?? true) === a.wanted) return "unchanged";
  await s.yclients.updateChannel(salonId, "whatsapp", a.wanted);
  await channelStore.availabilityReported(s.db, s.clock, salonId, a.wanted);
  s.log.info({ salonId, available: a.wanted }, "YClients told the WhatsApp channel's availability");
  return "changed";
}
