import type { Hono } from "hono";
import type { Services } from "../../../lib/services.js";
import { registerActivatedJob } from "./activated.js";
import { registerLifecycleJob } from "./lifecycle.js";
import { registerRelinkedJob } from "./relinked.js";

/** /jobs/marketplace/*: activation and re-link follow-up, lifecycle events. */
export function registerMarketplaceJobs(jobs: Hono, s: Services): void {
  registerActivatedJob(jobs, s);
  registerLifecycleJob(jobs, s);
  registerRelinkedJob(jobs, s);
}
