import type { Context } from "hono";
import type { z } from "zod";

/** A job that can never succeed (bad payload, missing capability): QStash must not retry it. */
export function permanentFailure(c: Context, code: string, message: string): Response {
  return c.json({ error: { code, message } }, 489 as 400, { "Upstash-NonRetryable-Error": "true" });
}

/** Parses a job body; a body that does not match is a permanent failure, not something a retry fixes. */
export async function jobBody<S extends z.ZodType>(c: Context, schema: S): Promise<{ ok: true; body: z.infer<S> } | { ok: false; res: Response }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    return { ok: false, res: permanentFailure(c, "malformed_job", "job body is not JSON") };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, res: permanentFailure(c, "invalid_job", parsed.error.issues[0]?.message ?? "invalid") };
  return { ok: true, body: parsed.data };
}
