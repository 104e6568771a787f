import type { Hono } from "hono";
import type { Services } from "../../../lib/services.js";
import { registerActivatedJob } from "./activated.js";
import { registerLifecycleJob } from "./lifecycle.js";

/** /jobs/marketplace/*: activation follow-up and lifecycle events. */
export function registerMarketplaceJobs(jobs: Hono, s: Services): void {
  registerActivatedJob(jobs, s);
  registerLifecycleJob(jobs, s);
}
