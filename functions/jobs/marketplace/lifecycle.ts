import type { Hono } from "hono";
import { LIFECYCLE } from "../../../lib/jobs/marketplace.js";
import { done } from "../../../lib/jobs/outcome.js";
import { requestFullSync } from "../../../lib/marketplace/full-sync.js";
import { applyLifecycle } from "../../../lib/marketplace/lifecycle.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/**
 * uninstall / freeze / payment from the lifecycle webhook. A gateway or database failure throws and is retried. A
 * salon a payment unfroze is resynced, as the daily check does (its webhooks were ignored while frozen).
 */
export function registerLifecycleJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, LIFECYCLE, async (job) => {
    const outcome = await applyLifecycle(s, job);
    if (outcome === "unfrozen") await requestFullSync(s, job.salonId, `unfrozen:payment:${job.receivedAt}`);
    s.log.info({ salonId: job.salonId, event: job.event, outcome }, "lifecycle event applied");
    return done({ outcome });
  });
}
