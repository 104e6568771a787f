/**
 * The campaigns tick (every 5 minutes): SQL `campaigns_plan` decides who is due now in every active salon (each
 * salon's own time zone; a row per kind, chat and occasion, so repeated ticks decide each once) and each planned
 * offer is handed to lib/outreach's `offerProactive`, the one door every proactive message goes through (opt-outs,
 * the daily cap, spacing, quiet hours, warm-up, a 463 stop). Its dedupe key is the offer's own, so a crash between
 * the hand-over and the mark hands it over again and still queues one message.
 *
 * Public API: `runCampaignTick(services)` → counts by kind and by outcome.
 */
import { offerProactive } from "../outreach/offer.js";
import type { Services } from "../services.js";
import { campaignsStore, type PlannedOffer } from "./store.js";
import { birthdayText, reviewRequestText, winbackText } from "./texts.js";

function message(o: PlannedOffer): { text: string; advertising: boolean } {
  switch (o.kind) {
    case "review_request":
      return { text: reviewRequestText(o.client_name, o.salon_title), advertising: false };
    case "winback":
      return { text: winbackText(o.client_name, o.salon_title), advertising: false };
    case "birthday":
      // An offer makes a greeting advertising.
      return { text: birthdayText(o.client_name, o.salon_title, o.settings.birthdayOffer), advertising: o.settings.birthdayOffer !== "" };
  }
}

export async function runCampaignTick(s: Services): Promise<Record<string, number>> {
  const planned = await campaignsStore.plan(s.db, s.clock.now());
  const counts: Record<string, number> = {};
  for (const o of planned) {
    const { text, advertising } = message(o);
    const result = await offerProactive(s, {
      salonId: o.salon_id, chat: o.chat, kind: o.kind, text, advertising,
      dedupeKey: `campaign:${o.kind}:${o.chat}:${o.ref}`,
      ...(o.not_after ? { notAfter: new Date(o.not_after) } : {}),
    });
    // The key was offered before: this is the hand-over a crash interrupted, and its message is queued.
    await campaignsStore.mark(s.db, o.id, result === "duplicate" ? "queued" : result, s.clock.now());
    counts[`${o.kind}_${result}`] = (counts[`${o.kind}_${result}`] ?? 0) + 1;
  }
  return counts;
}
