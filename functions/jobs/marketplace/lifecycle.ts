import type { Hono } from "hono";
import { LifecycleJob, MARKETPLACE_JOB_PATHS } from "../../../lib/marketplace/jobs.js";
import { applyLifecycle } from "../../../lib/marketplace/lifecycle.js";
import type { Services } from "../../services.js";
import { jobBody } from "../job-body.js";

/** uninstall / freeze from the lifecycle webhook. A gateway or database failure throws: 500, QStash retries. */
export function registerLifecycleJob(jobs: Hono, s: Services): void {
  jobs.post(MARKETPLACE_JOB_PATHS.lifecycle.replace(/^\/jobs/, ""), async (c) => {
    const parsed = await jobBody(c, LifecycleJob);
    if (!parsed.ok) return parsed.res;
    const outcome = await applyLifecycle(s, parsed.body);
    s.log.info({ salonId: parsed.body.salonId, event: parsed.body.event, outcome }, "lifecycle event applied");
    return c.json({ outcome });
  });
}
