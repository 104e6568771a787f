import { createHash } from "node:crypto";
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError, z } from "zod";
import { publishJob } from "../../../lib/jobs/job.js";
import { ENTITY_WEBHOOK, EntityResource } from "../../../lib/jobs/marketplace.js";
import { acceptsWork, salonByWebhookSecret } from "../../../lib/salons/store.js";
import { ApiError } from "../../../lib/http/api-error.js";
import { readJson } from "../../http/json-body.js";
import type { Services } from "../../../lib/services.js";

/** The per-salon URL registered in `webhook_urls` at activation; the last segment is the salon's secret. */
export const ENTITY_WEBHOOK_ROUTE = "/webhook/yclients/entity/:secret";

/** Activation issues base64url secrets; a segment of any other character cannot be one, and is not looked up. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{1,128}$/;

/** Service and staff events within this many seconds share one list refresh. */
export const LIST_REFRESH_WINDOW_SEC = 30;

const Body = z.object({
  company_id: z.union([z.number().int().positive(), z.string().regex(/^\d{1,15}$/).transform(Number)]),
  resource: z.string().min(1),
  resource_id: z.union([z.number().int(), z.string().regex(/^-?\d{1,18}$/).transform(Number)]),
  status: z.enum(["create", "update", "delete"]),
  // PHP sends an empty object as []; a delete may carry nothing.
  data: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()).transform(() => ({})), z.null().transform(() => ({}))]).default({}),
});

/**
 * POST /webhook/yclients/entity/:secret: records, clients, services and staff as they change. Answers after one
 * lookup and one publish; the job does the work. The secret is the credential, so it is never logged: unexpected
 * errors are logged here without the path, before the app-wide handler (which logs paths) sees them.
 */
export function registerEntityWebhook(app: Hono, s: Services): void {
  app.post(ENTITY_WEBHOOK_ROUTE, async (c) => {
    try {
      const secret = c.req.param("secret");
      if (!SECRET_SHAPE.test(secret)) throw new ApiError(404, "unknown_webhook", "No salon has this webhook URL");
      const body = await readJson(c, Body);
      const owner = await salonByWebhookSecret(s.db, secret);
      if (!owner) throw new ApiError(404, "unknown_webhook", "No salon has this webhook URL");
      if (owner.salon_id !== body.company_id) {
        s.log.warn({ salonId: owner.salon_id, companyId: body.company_id }, "entity webhook rejected: company_id is not the URL's salon");
        throw new ApiError(403, "company_mismatch", "company_id does not belong to this webhook URL");
      }
      const resource = EntityResource.safeParse(body.resource);
      if (!resource.success) return c.json({ status: "ignored", reason: "resource_not_handled" });
      if (!acceptsWork(owner, "entity-webhook")) {
        // Frozen: paused; the sync on unfreeze catches up with whatever changed meanwhile.
        return c.json({ status: "ignored", reason: `salon_${owner.status}` });
      }
      const job = { salonId: owner.salon_id, resource: resource.data, resourceId: body.resource_id, status: body.status, data: body.data };
      if (resource.data === "service" || resource.data === "staff") {
        // These re-read the whole list: one job per salon and list per window, run after the window closes, so a
        // burst of edits costs one YClients call and the last edit of the burst is still seen.
        const nowMs = s.clock.now().getTime();
        const bucket = Math.floor(nowMs / (LIST_REFRESH_WINDOW_SEC * 1000));
        await publishJob(s.dispatcher, ENTITY_WEBHOOK, job, {
          key: { refreshWindow: bucket },
          delaySec: Math.ceil(((bucket + 1) * LIST_REFRESH_WINDOW_SEC * 1000 - nowMs) / 1000),
        });
      } else {
        const digest = createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 24);
        await publishJob(s.dispatcher, ENTITY_WEBHOOK, job, { key: { digest } });
      }
      return c.json({ status: "accepted" });
    } catch (err) {
      if (err instanceof ApiError || err instanceof ZodError || err instanceof HTTPException) throw err;
      s.log.error({ err, route: "entity webhook" }, "entity webhook failed");
      throw new ApiError(503, "unavailable", "The webhook could not be accepted; try again");
    }
  });
}
