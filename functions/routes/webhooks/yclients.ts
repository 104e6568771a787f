import { timingSafeEqual } from "node:crypto";
import type { Hono } from "hono";
import { z } from "zod";
import { publishJob } from "../../../lib/jobs/job.js";
import { LIFECYCLE, LifecycleEvent } from "../../../lib/jobs/marketplace.js";
import { ApiError } from "../../../lib/http/api-error.js";
import { readJson } from "../../http/json-body.js";
import type { Services } from "../../../lib/services.js";

const id = z.union([z.number().int().positive(), z.string().regex(/^\d{1,15}$/).transform(Number)]);

/**
 * When a `payment` was made: ISO with an offset, or salon-local `Y-m-d H:i:s` as YClients writes marketplace payment
 * dates. The job gets UTC ISO for the first and the local text for the second (the salon's time zone decides).
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const PaymentDate = z
  .string()
  .refine((v) => {
    const m = DATE_TIME.exec(v);
    if (!m) return false;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi;
  }, "must be a date and time like 2026-11-23 10:10:00")
  .transform((v) => (DATE_TIME.exec(v)![7] ? new Date(v.replace(" ", "T")).toISOString() : v.replace("T", " ")));

/**
 * YClients' lifecycle body (yclients-api.md §11.4); the original also saw `event_type` for `event`, and a `payment`
 * event's date may come at the top level or in `data` (Altegio).
 */
const Body = z
  .object({
    salon_id: id,
    application_id: id,
    event: z.string().min(1).optional(),
    event_type: z.string().min(1).optional(),
    partner_token: z.string(),
    payment_date: PaymentDate.optional(),
    data: z.unknown().optional(),
  })
  .refine((b) => b.event !== undefined || b.event_type !== undefined, { message: "event is required", path: ["event"] });

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * POST /webhook/yclients: uninstall / freeze / payment. Authenticated by the partner token YClients puts in the body. The
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
    const paymentDate = known.data === "payment" ? (body.payment_date ?? paymentDateIn(body.data)) : undefined;
    await publishJob(s.dispatcher, LIFECYCLE, {
      salonId: body.salon_id, event: known.data, receivedAt: now.toISOString(),
      ...(paymentDate ? { paymentDate } : {}),
    });
    s.log.info({ salonId: body.salon_id, event }, "lifecycle webhook accepted");
    return c.json({ status: "accepted", event: known.data });
  });
}

/** `data.payment_date` of a payment event, checked like the top-level one (a bad one is a 400 naming it). */
function paymentDateIn(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null || !("payment_date" in data)) return undefined;
  return z.object({ data: z.object({ payment_date: PaymentDate }) }).parse({ data }).data.payment_date;
}
