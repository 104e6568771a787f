/**
 * The channel's advertising (`dispatch_type: adds`): never sent by the channel itself but offered as a proactive
 * message (lib/outreach), so the opt-outs, the daily cap, the spacing and the 463 stop apply to it as to every
 * campaign. A client who opted out (or a salon that switched proactive messages off) gets it refused, and YClients
 * hears "rejected" (16) so it may use another channel. What WhatsApp makes of a sent ad reaches YClients through the
 * channel's own outcome handling, as if it had been sent under the channel's key.
 *
 * Public API: `offerChannelAd(services, salonId, message)`, `channelAdOutcome(services, event, dedupeKey)`,
 * `CHANNEL_AD_PREFIX`.
 */
import type { MessageStatus } from "../contract/events.js";
import { DELIVERY_STATUS, publishChannelStatus } from "../jobs/channel.js";
import { offerProactive } from "../outreach/offer.js";
import type { Services } from "../services.js";
import { recordChannelOutcome } from "./send.js";
import { channelStore } from "./store.js";

/** The outreach dedupe key of a channel message: `channel:<yc id>`. */
export const CHANNEL_AD_PREFIX = "channel:";

/** An ad YClients handed us a day ago no longer makes sense: YClients has long fallen back to another channel. */
const AD_VALID_MS = 24 * 3600_000;

export async function offerChannelAd(s: Services, salonId: number, m: { ycId: string; phone: string; text: string }): Promise<void> {
  const result = await offerProactive(s, {
    salonId, chat: m.phone, kind: "channel_ad", text: m.text, dedupeKey: `${CHANNEL_AD_PREFIX}${m.ycId}`, advertising: true,
    notAfter: new Date(s.clock.now().getTime() + AD_VALID_MS),
  });
  if (result === "queued" || result === "duplicate") {
    await publishChannelStatus(s.dispatcher, salonId, m.ycId, DELIVERY_STATUS.passedToOperator);
    return;
  }
  const error = result === "opted_out" ? "opted_out" : "advertising_off";
  if (await channelStore.advance(s.db, s.clock, salonId, m.ycId, "failed", { error })) {
    await publishChannelStatus(s.dispatcher, salonId, m.ycId, DELIVERY_STATUS.rejected);
  }
}

/** A sent, refused, delivered or read ad: the channel's row and YClients' statuses follow, as for a service message. */
export async function channelAdOutcome(s: Services, e: MessageStatus, dedupeKey: string): Promise<void> {
  const ycId = dedupeKey.slice(CHANNEL_AD_PREFIX.length);
  await recordChannelOutcome(s, { ...e, idempotencyKey: `channel:${e.salonId}:${ycId}` });
}
