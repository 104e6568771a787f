import type { Context, Hono } from "hono";
import type { z } from "zod";
import type { Job } from "../../lib/jobs/job.js";
import { errorOutcome, permanent, type JobOutcome } from "../../lib/jobs/outcome.js";
import type { Services } from "../../lib/services.js";

/**
 * Mounts one job of the catalogue: its body is parsed with the catalogue's schema (a body that does not match is a
 * permanent failure, not something a retry fixes), `run` calls one lib/ verb, and the outcome, or the error it
 * threw, becomes the answer through lib/jobs/outcome.ts.
 */
export function onJob<S extends z.ZodTypeAny, K>(
  jobs: Hono,
  s: Pick<Services, "log">,
  job: Job<S, K>,
  run: (body: z.infer<S>) => Promise<JobOutcome>,
): void {
  jobs.post(job.path.replace(/^\/jobs/, ""), async (c) => {
    const parsed = await parseBody(c, job.body);
    if (!parsed.ok) return answer(c, parsed.outcome);
    let outcome: JobOutcome;
    try {
      outcome = await run(parsed.body);
    } catch (err) {
      outcome = errorOutcome(err);
      const salonId = (parsed.body as { salonId?: number }).salonId;
      if (outcome.kind === "retry" && outcome.code === "internal") {
        s.log.error({ err, path: c.req.path, salonId }, "job failed");
        return c.json({ error: { code: "internal", message: "Internal error" } }, 500);
      }
      s.log.warn({ path: c.req.path, salonId, outcome: outcome.kind, code: (outcome as { code?: string }).code, error: (err as Error).message }, "job not done");
    }
    return answer(c, outcome);
  });
}

function answer(c: Context, o: JobOutcome): Response {
  switch (o.kind) {
    case "done":
      return c.json(o.result);
    case "retry":
      return c.json(o.result ?? { error: { code: o.code, message: o.message } }, 503, o.afterSec ? { "Retry-After": String(o.afterSec) } : {});
    case "permanent":
      return c.json({ error: { code: o.code, message: o.message } }, 489 as 400, { "Upstash-NonRetryable-Error": "true" });
  }
}

async function parseBody<S extends z.ZodTypeAny>(c: Context, schema: S): Promise<{ ok: true; body: z.infer<S> } | { ok: false; outcome: JobOutcome }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    return { ok: false, outcome: permanent("malformed_job", "job body is not JSON") };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, outcome: permanent("invalid_job", parsed.error.issues[0]?.message ?? "invalid") };
  return { ok: true, body: parsed.data };
}
