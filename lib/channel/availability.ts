/**
 * Whether YClients may route the salon's notifications to our WhatsApp (`update_channel`). The channel is declared
 * at install (`channels: ["whatsapp"]`); it goes off when the session stays down (logged out or forbidden) past
 * `CHANNEL_DOWN_GRACE_SEC`, so YClients falls back to its other channels, and on again when the session connects.
 * A session that is only restoring (a gateway restart or deploy) raises no logout event, so it never switches off.
 * A send WhatsApp refuses with 463 (the number restricted) switches it off at once, with no grace: that is WhatsApp's
 * decision, not a restart to ride out; the next send WhatsApp takes switches it on again (`noteSendOutcome`).
 * The check reads the salon's state when it runs and tells YClients only a change, so it is safe to repeat.
 */
import type { Services } from "../services.js";
import { publishAvailabilityCheck } from "../jobs/channel.js";
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

/** The check after a 463 (or a send taken again) WhatsApp answered at `at`: one job per answer, whichever path publishes it. */
const checkAfter = (s: Services, salonId: number, restricted: boolean, at: Date) =>
  publishAvailabilityCheck(s.dispatcher, salonId, `${restricted ? "restricted" : "sends"}:${at.toISOString()}`, 0);

/**
 * What WhatsApp made of any send of the salon (a notification, a reply, a channel message), as of `at`: a 463
 * notes the restriction, a sent message clears it; either change publishes the availability check.
 */
export async function noteSendOutcome(s: Services, salonId: number, outcome: { status: string; error?: string | null }, at: Date): Promise<void> {
  const restricted = outcome.status === "failed" && outcome.error === "restricted_463";
  if (!restricted && outcome.status !== "sent") return;
  if (await channelStore.restrictionSet(s.db, salonId, restricted, at)) {
    s.log.warn({ salonId, restricted }, restricted ? "WhatsApp restricted the salon's number (463): channel off" : "the salon's number sends again: channel on");
    await checkAfter(s, salonId, restricted, at);
  }
}

/**
 * What a send WhatsApp refused with 463 leaves, whichever path met it (a channel message, a proactive message, a
 * notification; at the gateway's answer or in its later `message.status`): the salon's `whatsapp_restricted` event
 * (the owner sees it in the cabinet, proactive messages stop until acknowledged) and the restriction that switches
 * YClients' channel off. Called before the message is failed, so a failed message always has them: a crash or a
 * redelivery before the failure runs this again, which writes only what is missing (keyed by the message's
 * idempotency key) and publishes the check again (the same job as noteSendOutcome's for a refusal reported at `at`,
 * so two checks never race to tell YClients; a repeated check tells YClients a change only).
 */
export async function noteRestricted(s: Services, salonId: number, message: string, data: Record<string, unknown>, at: Date): Promise<void> {
  if (await channelStore.restrictedNote(s.db, salonId, message, data, at)) {
    s.log.error({ salonId, message }, "WhatsApp restricted the salon's number (463): the owner is told, proactive messages stop, channel off");
  }
  await checkAfter(s, salonId, true, at);
}
