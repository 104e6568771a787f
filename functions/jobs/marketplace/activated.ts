import type { Hono } from "hono";
import { ACTIVATED } from "../../../lib/jobs/marketplace.js";
import { welcomeActivatedSalon } from "../../../lib/marketplace/welcome.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** After activation: the first full sync and the welcome message (lib/marketplace/welcome.ts). */
export function registerActivatedJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, ACTIVATED, (job) => welcomeActivatedSalon(s, job.salonId));
}
