import type { Hono } from "hono";
import { ENTITY_WEBHOOK } from "../../../lib/jobs/marketplace.js";
import { takeEntityEvent } from "../../../lib/marketplace/entity-updates.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** One YClients entity event, queued by the entity webhook route (lib/marketplace/entity-updates.ts). */
export function registerEntityWebhookJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, ENTITY_WEBHOOK, (job) => takeEntityEvent(s, job));
}
