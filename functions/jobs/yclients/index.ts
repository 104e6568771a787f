import type { Hono } from "hono";
import type { Services } from "../../../lib/services.js";
import { registerEntityWebhookJob } from "./entity-webhook.js";

/** /jobs/yclients/*: work queued by YClients' entity webhooks. */
export function registerYClientsJobs(jobs: Hono, s: Services): void {
  registerEntityWebhookJob(jobs, s);
}
