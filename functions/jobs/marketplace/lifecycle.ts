import type { Hono } from "hono";
import { LifecycleJob, MARKETPLACE_JOB_PATHS } from "../../../lib/marketplace/jobs.js";
import { requestFullSync } from "../../../lib/marketplace/full-sync.js";
import { applyLifecycle } from "../../../lib/marketplace/lifecycle.js";
import type { Services } from "../../../lib/services.js";
import { jobBody } from "../job-body.js";

/**
 * uninstall / freeze / payment from the lifecycle webhook. A gateway or database failure throws: 500, QStash
 * retries. A salon a payment unfroze is resynced, as the daily check does (its webhooks were ignored while frozen).
 */
export function registerLifecycleJob(jobs: Hono, s: Services): void {
  jobs.post(MARKETPLACE_JOB_PATHS.lifecycle.replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, LifecycleJob);
    if (!parsed.ok) return parsed.res;
    const outcome = await applyLifecycle(s, parsed.body);
    if (outcome === "unfrozen") await requestFullSync(s, parsed.body.salonId, `unfrozen:payment:${parsed.body.receivedAt}`);
    s.log.info({ salonId: parsed.body.salonId, event: parsed.body.event, outcome }, "lifecycle event applied");
    return c.json({ outcome });
  });
}
