import { done, permanent, type JobOutcome } from "../jobs/outcome.js";
import { acceptsWork, activationTime, addMarketplaceEvent, claimSalonEvent, getSalon } from "../salons/store.js";
import type { MarketplaceDeps } from "./deps.js";
import { requestFullSync } from "./full-sync.js";
import { DEFAULT_TEMPLATES, fillTemplate, welcomeValues } from "../notifications/templates.js";

/**
 * The first message the salon sees from the product, sent to its own WhatsApp number after activation: the salon's
 * own `welcome` text when the owner wrote one in the cabinet, else the original's (original-system.md §1.2, kept
 * word for word, lib/notifications/templates.ts). Sent once per activation: the idempotency key is fixed per salon
 * and activation (a repeated activation of an active salon keeps its activation time), and the gateway returns the
 * first send's message id for a repeated key. A reinstall after an uninstall is a new activation and is welcomed.
 */
export function welcomeText(phoneDigits: string, salon: { title: string | null; settings?: Record<string, unknown> } = { title: null }): string {
  const own = (salon.settings?.texts as { welcome?: unknown } | undefined)?.welcome;
  return fillTemplate(typeof own === "string" ? own : DEFAULT_TEMPLATES.welcome, welcomeValues(salon.title, phoneDigits));
}

export const welcomeIdempotencyKey = (salonId: number, activatedAtMs: number) => `welcome:${salonId}:${activatedAtMs}`;

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

  if (!salon.whatsapp_phone) return permanent("no_phone", "the salon's WhatsApp number is not known");
  const sent = await d.gateway.sendText(salonId, {
    to: salon.whatsapp_phone,
    text: welcomeText(salon.whatsapp_phone, salon),
    idempotencyKey: welcomeIdempotencyKey(salonId, activatedAtMs),
  });
  if (await claimSalonEvent(d.db, salonId, `welcome_sent:${activatedAtMs}`)) {
    await addMarketplaceEvent(d.db, salonId, "welcome_sent", { message_id: sent.messageId });
  }
  return done({ status: "done", messageId: sent.messageId });
}
