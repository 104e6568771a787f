import type { Hono } from "hono";
import { RELINKED } from "../../../lib/jobs/marketplace.js";
import { welcomeRelinkedSalon } from "../../../lib/marketplace/welcome.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** After a re-link of the salon's WhatsApp: the welcome again, once per new link (lib/marketplace/welcome.ts). */
export function registerRelinkedJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, RELINKED, (job) => welcomeRelinkedSalon(s, job));
}
