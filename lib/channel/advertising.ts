/**
 * The channel's advertising (`dispatch_type: adds`): never sent by the channel itself but offered as a proactive
 * message (lib/outreach), so the opt-outs, the daily cap, the spacing and the 463 stop apply to it as to every
 * campaign. Every ad ends at YClients with one final status, so that it may use another channel when we did not
 * deliver: refused at the offer (opted out, proactive messages off) → 16; dropped while it waited (past its day,
 * opted out, switched off or stopped by a 463) or refused by the gateway at once → 16 or 2 by the channel's own
 * mapping (statuses.ts); what WhatsApp makes of a sent ad goes through the channel's own outcome handling, as if it
 * had been sent under the channel's key.
 *
 * Public API: `offerChannelAd(services, salonId, message)`, `channelAdOutcome(services, event, dedupeKey)`,
 * `channelAdEnded(services, salonId, ended)`, `CHANNEL_AD_PREFIX`.
 */
import type { MessageStatus } from "../contract/events.js";
import { DELIVERY_STATUS, publishChannelStatus } from "../jobs/channel.js";
import { offerProactive } from "../outreach/offer.js";
import type { OutreachEnded } from "../outreach/store.js";
import type { Services } from "../services.js";
import { channelIdempotencyKey, failChannelMessage, recordChannelOutcome } from "./send.js";

/** The outreach dedupe key of a channel message: `channel:<yc id>`. */
export const CHANNEL_AD_PREFIX = "channel:";

/** An ad YClients handed us a day ago no longer makes sense: YClients has long fallen back to another channel. */
const AD_VALID_MS = 24 * 3600_000;

const ycIdOf = (dedupeKey: string) => dedupeKey.slice(CHANNEL_AD_PREFIX.length);

/** Outreach's word for "proactive messages are off" is the channel's `advertising_off`; its other causes keep their name. */
const channelError = (cause: string) => (cause === "off" ? "advertising_off" : cause);

export async function offerChannelAd(s: Services, salonId: number, m: { ycId: string; phone: string; text: string }): Promise<void> {
  const result = await offerProactive(s, {
    salonId, chat: m.phone, kind: "channel_ad", text: m.text, dedupeKey: `${CHANNEL_AD_PREFIX}${m.ycId}`, advertising: true,
    notAfter: new Date(s.clock.now().getTime() + AD_VALID_MS),
  });
  if (result === "queued" || result === "duplicate") {
    await publishChannelStatus(s.dispatcher, salonId, m.ycId, DELIVERY_STATUS.passedToOperator);
    return;
  }
  await failChannelMessage(s, salonId, m.ycId, channelError(result));
}

/** A sent, refused, delivered or read ad: the channel's row and YClients' statuses follow, as for a service message. */
export async function channelAdOutcome(s: Services, e: MessageStatus, dedupeKey: string): Promise<void> {
  await recordChannelOutcome(s, { ...e, idempotencyKey: channelIdempotencyKey(e.salonId, ycIdOf(dedupeKey)) });
}

/**
 * An ad the outreach sender dropped or the gateway refused at once: failed with its cause, YClients told once. The
 * sender records a 463 itself, so nothing here does.
 */
export async function channelAdEnded(s: Services, salonId: number, ended: Pick<OutreachEnded, "dedupe_key" | "reason" | "error">): Promise<void> {
  await failChannelMessage(s, salonId, ycIdOf(ended.dedupe_key), channelError(ended.reason ?? ended.error ?? "failed"));
}
