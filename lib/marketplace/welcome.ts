import { publishJob } from "../jobs/job.js";
import { RELINKED, type RelinkedJob } from "../jobs/marketplace.js";
import { done, permanent, type JobOutcome } from "../jobs/outcome.js";
import { acceptsWork, activationTime, addMarketplaceEvent, claimSalonEvent, getSalon, type Salon } from "../salons/store.js";
import type { MarketplaceDeps } from "./deps.js";
import { requestFullSync } from "./full-sync.js";
import { DEFAULT_TEMPLATES, fillTemplate, welcomeValues } from "../notifications/templates.js";

/**
 * The first message the salon sees from the product, sent to its own WhatsApp number after activation: the salon's
 * own `welcome` text when the owner wrote one in the cabinet, else the original's (original-system.md §1.2, kept
 * word for word, lib/notifications/templates.ts). Sent once per activation: the idempotency key is fixed per salon
 * and activation (a repeated activation of an active salon keeps its activation time), and the gateway returns the
 * first send's message id for a repeated key. A reinstall after an uninstall is a new activation and is welcomed.
 *
 * A re-link (the salon's WhatsApp logged out, then linked again on the onboarding page) is welcomed the same way, as
 * the original did on every link (original-system.md §1.2, "startOnboarding on connect"): the owner sees in their own
 * chat that the bot answers again. Once per new pairing: the job is deduplicated by the pairing's time, and the
 * send's key and `welcome_sent` claim name it (`relink:<ms>`).
 */
export function welcomeText(phoneDigits: string, salon: { title: string | null; settings?: Record<string, unknown> } = { title: null }): string {
  const own = (salon.settings?.texts as { welcome?: unknown } | undefined)?.welcome;
  return fillTemplate(typeof own === "string" ? own : DEFAULT_TEMPLATES.welcome, welcomeValues(salon.title, phoneDigits));
}

export const welcomeIdempotencyKey = (salonId: number, occasion: number | string) => `welcome:${salonId}:${occasion}`;

/**
 * The activated job: the first full sync of the salon, and the welcome message to the salon's own WhatsApp. The sync
 * publish is deduplicated per salon and activation; the welcome is sent once per activation (the gateway keeps the
 * first send under the idempotency key, and `event_claim` keeps the event log to one `welcome_sent`).
 */
export async function welcomeActivatedSalon(d: MarketplaceDeps, salonId: number): Promise<JobOutcome> {
  const salon = await getSalon(d.db, salonId);
  if (!salon || !acceptsWork(salon, "send")) return done({ status: "skipped", reason: `salon ${salon?.status ?? "unknown"}` });

  const activatedAtMs = activationTime(salon);
  await requestFullSync(d, salonId, `activated:${activatedAtMs}`);
  return sendWelcome(d, salon, activatedAtMs);
}

/**
 * Whether a new pairing (`session.connected`) of this salon, as it was before the event, is a re-link: a salon at
 * work whose WhatsApp was not connected. The first link is not one: activation needs it and is welcomed itself, and
 * activation marks the salon connected, so an event handled after it is seen as connected.
 */
export const isRelink = (before: Salon): boolean => acceptsWork(before, "send") && before.whatsapp_state !== "connected";

/** Asked before the event's state is stored, so a redelivery after a crash in between still finds the re-link. */
export async function noteRelink(d: MarketplaceDeps, before: Salon, link: { linkedAt: string; phone: string }): Promise<void> {
  if (isRelink(before)) await publishJob(d.dispatcher, RELINKED, { salonId: before.salon_id, ...link });
}

/** The relinked job: the welcome for this new link, once, to the number just linked (possibly a new one). */
export async function welcomeRelinkedSalon(d: MarketplaceDeps, job: RelinkedJob): Promise<JobOutcome> {
  const salon = await getSalon(d.db, job.salonId);
  if (!salon || !acceptsWork(salon, "send")) return done({ status: "skipped", reason: `salon ${salon?.status ?? "unknown"}` });
  return sendWelcome(d, salon, `relink:${Date.parse(job.linkedAt)}`, job.phone);
}

async function sendWelcome(d: MarketplaceDeps, salon: Salon, occasion: number | string, phone = salon.whatsapp_phone): Promise<JobOutcome> {
  if (!phone) return permanent("no_phone", "the salon's WhatsApp number is not known");
  const sent = await d.gateway.sendText(salon.salon_id, {
    to: phone,
    text: welcomeText(phone, salon),
    idempotencyKey: welcomeIdempotencyKey(salon.salon_id, occasion),
  });
  if (await claimSalonEvent(d.db, salon.salon_id, `welcome_sent:${occasion}`)) {
    await addMarketplaceEvent(d.db, salon.salon_id, "welcome_sent", { message_id: sent.messageId });
  }
  return done({ status: "done", messageId: sent.messageId });
}
