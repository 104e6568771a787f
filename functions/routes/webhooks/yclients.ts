import { timingSafeEqual } from "node:crypto";
import type { Hono } from "hono";
import { z } from "zod";
import { LifecycleEvent, MARKETPLACE_JOB_PATHS } from "../../../lib/marketplace/jobs.js";
import { ApiError } from "../../http/errors.js";
import { readJson } from "../../http/json-body.js";
import type { Services } from "../../services.js";

const id = z.union([z.number().int().positive(), z.string().regex(/^\d{1,15}$/).transform(Number)]);

/** YClients' lifecycle body (yclients-api.md §11.4); the original also saw `event_type` for `event`. */
const Body = z
  .object({
    salon_id: id,
    application_id: id,
    event: z.string().min(1).optional(),
    event_type: z.string().min(1).optional(),
    partner_token: z.string(),
  })
  .refine((b) => b.event !== undefined || b.event_type !== undefined, { message: "event is required", path: ["event"] });

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * POST /webhook/yclients: uninstall / freeze. Authenticated by the partner token YClients puts in the body. The
 * work runs as a job; the deduplication id folds repeats of one event within a minute into one job, and the job is
 * a no-op for a salon already in that state, so any repeat is harmless.
 */
export function registerLifecycleWebhook(app: Hono, s: Services): void {
  app.post("/webhook/yclients", async (c) => {
    const body = await readJson(c, Body);
    const partnerToken = s.config.yclients.partnerToken;
    const applicationId = s.config.yclients.applicationId;
    if (!partnerToken || applicationId === undefined) {
      throw new ApiError(503, "not_configured", "The marketplace partner token is not configured");
    }
    const event = (body.event ?? body.event_type)!;
    if (!sameSecret(body.partner_token, partnerToken)) {
      s.log.warn({ salonId: body.salon_id, event }, "lifecycle webhook rejected: wrong partner token");
      throw new ApiError(403, "bad_partner_token", "partner_token does not match");
    }
    if (body.application_id !== applicationId) {
      s.log.warn({ salonId: body.salon_id, event, applicationId: body.application_id }, "lifecycle webhook rejected: wrong application id");
      throw new ApiError(403, "bad_application_id", "application_id is not this application");
    }
    const known = LifecycleEvent.safeParse(event);
    if (!known.success) {
      s.log.info({ salonId: body.salon_id, event }, "lifecycle webhook: event not handled");
      return c.json({ status: "ignored", event });
    }
    const now = s.clock.now();
    await s.dispatcher.publish({
      path: MARKETPLACE_JOB_PATHS.lifecycle,
      body: { salonId: body.salon_id, event: known.data, receivedAt: now.toISOString() },
      deduplicationId: `${body.salon_id}:lifecycle:${known.data}:${Math.floor(now.getTime() / 60_000)}`,
    });
    s.log.info({ salonId: body.salon_id, event }, "lifecycle webhook accepted");
    return c.json({ status: "accepted", event: known.data });
  });
}
