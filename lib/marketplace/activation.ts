import { randomBytes } from "node:crypto";
import { ACTIVATED } from "../jobs/marketplace.js";
import { publishJob } from "../jobs/job.js";
import { activationTime, beginActivation, finishActivation, getSalon, type Salon } from "../salons/store.js";
import type { MarketplaceDeps } from "./deps.js";
import { chatPanelUrl } from "../chat-panel/frame-hash.js";

/** The registration must be this fresh for activation (the onboarding token lives as long). */
export const ACTIVATION_WINDOW_SEC = 60 * 60;
/** How long one activation may hold the salon while YClients answers; a crashed one frees it after this. */
export const ACTIVATION_LEASE_SEC = 60;

export type ActivationRefusal =
  | "whatsapp_not_connected"
  | "registration_expired"
  | "not_registered"
  | "not_allowed"
  | "activation_failed"
  | "gateway_unavailable";

export type ActivationResult =
  | { ok: true; salon: Salon; alreadyActive: boolean }
  | { ok: false; code: ActivationRefusal; message: string };

/** The per-salon URL YClients posts entity events to; the secret is the only credential, so it never goes to a log. */
export const entityWebhookUrl = (publicUrl: string, secret: string) => `${publicUrl}/webhook/yclients/entity/${secret}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function describe(err: unknown): string {
  const e = err as { status?: number; message?: string };
  return e?.status ? `YClients ${e.status}: ${e.message}` : (e?.message ?? String(err));
}

/** Publishes the follow-up work of an activation; the id makes a repeat (or a healing retry) a no-op. */
async function publishActivated(d: MarketplaceDeps, salon: Salon): Promise<void> {
  await publishJob(d.dispatcher, ACTIVATED, { salonId: salon.salon_id }, { key: activationTime(salon) });
}

/**
 * POST /marketplace/activate for a salon whose onboarding token checked out. The keys are saved before YClients is
 * called, so a crash after YClients accepted them cannot leave the salon with keys we no longer know. A second
 * caller while one activation talks to YClients waits for its outcome instead of sending a second callback.
 */
export async function activateSalon(d: MarketplaceDeps, salonId: number): Promise<ActivationResult> {
  const existing = await getSalon(d.db, salonId);
  if (!existing || !existing.registered_at) {
    return { ok: false, code: "not_registered", message: "This salon has not been registered through the marketplace" };
  }
  if (existing.status === "active") {
    await publishActivated(d, existing);
    return { ok: true, salon: existing, alreadyActive: true };
  }

  // The page calls us right after the gateway said `connected`; the session.connected job may not have run yet,
  // so the gateway itself is asked.
  let phone: string | null;
  try {
    const session = await d.gateway.status(salonId);
    if (session.state !== "connected") {
      return { ok: false, code: "whatsapp_not_connected", message: `WhatsApp is not connected (session state: ${session.state})` };
    }
    phone = session.phone;
  } catch (err) {
    d.log.warn({ salonId, err: (err as Error).message }, "gateway status failed during activation");
    return { ok: false, code: "gateway_unavailable", message: "The WhatsApp gateway did not answer" };
  }

  const begin = await beginActivation(d.db, d.clock, {
    salonId,
    apiKey: randomBytes(32).toString("hex"),
    webhookSecret: randomBytes(24).toString("base64url"),
    whatsappPhone: phone,
    windowSec: ACTIVATION_WINDOW_SEC,
    leaseSec: ACTIVATION_LEASE_SEC,
  });
  switch (begin.outcome) {
    case "not_registered":
      return { ok: false, code: "not_registered", message: "This salon has not been registered through the marketplace" };
    case "already_active":
      await publishActivated(d, begin.salon);
      return { ok: true, salon: begin.salon, alreadyActive: true };
    case "expired":
      return { ok: false, code: "registration_expired", message: "The registration is over an hour old; install again from the marketplace" };
    case "not_allowed":
      return { ok: false, code: "not_allowed", message: `The salon is ${begin.salon.status}` };
    case "in_progress":
      return waitForOutcome(d, salonId);
    case "proceed":
      break;
  }

  const webhookUrls = [entityWebhookUrl(d.config.publicUrl, begin.webhook_secret)];
  let callbackStatus: number;
  try {
    // `channels`: the salon's YClients notifications may go out through this app's WhatsApp (lib/channel/).
    const answer = await d.yclients.partnerCallbackRedirect({ salonId, apiKey: begin.api_key, webhookUrls, channels: ["whatsapp"], chatUrl: chatPanelUrl(d.config.publicUrl) });
    callbackStatus = answer.status;
  } catch (err) {
    const reason = describe(err);
    d.log.warn({ salonId, reason }, "marketplace activation callback failed");
    await finishActivation(d.db, d.clock, salonId, { ok: false, reason });
    return { ok: false, code: "activation_failed", message: reason };
  }
  const done = await finishActivation(d.db, d.clock, salonId, { ok: true, data: { callback_status: callbackStatus, whatsapp_phone: phone } });
  const salon = done.salon ?? (await getSalon(d.db, salonId));
  if (!salon || salon.status !== "active") {
    // Uninstalled or frozen while YClients answered: that later event wins.
    return { ok: false, code: "not_allowed", message: `The salon is ${salon?.status ?? "gone"}` };
  }
  d.log.info({ salonId, callbackStatus }, "salon activated");
  await publishActivated(d, salon);
  return { ok: true, salon, alreadyActive: false };
}

/** Another request holds the activation lease: report its outcome once it has one. */
async function waitForOutcome(d: MarketplaceDeps, salonId: number): Promise<ActivationResult> {
  for (let i = 0; i < ACTIVATION_LEASE_SEC * 10; i++) {
    await sleep(100);
    const salon = await getSalon(d.db, salonId);
    if (!salon) return { ok: false, code: "not_registered", message: "The salon is gone" };
    if (salon.status === "activating") continue;
    if (salon.status === "active") return { ok: true, salon, alreadyActive: true };
    if (salon.status === "activation_failed") {
      return { ok: false, code: "activation_failed", message: salon.status_reason ?? "activation failed" };
    }
    return { ok: false, code: "not_allowed", message: `The salon is ${salon.status}` };
  }
  return { ok: false, code: "activation_failed", message: "Another activation of this salon did not finish in time" };
}
