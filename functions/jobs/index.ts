import { Hono } from "hono";
import { verifyQStash } from "../../lib/dispatch/signature.js";
import type { Services } from "../services.js";

/**
 * Routes QStash (or the local dispatcher) calls. Each is signed; each is idempotent, because delivery is at least
 * once. A job answers 2xx when done, 5xx to be retried, 489 with Upstash-NonRetryable-Error for a permanent failure.
 */
export function jobsRouter(s: Services): Hono {
  const jobs = new Hono();
  jobs.use("*", verifyQStash(s.receiver, s.config.publicUrl));
  return jobs;
}
