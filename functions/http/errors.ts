import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import type { Logger } from "../../lib/log.js";

/** The one error a route throws for a client-visible refusal; onError turns it into `{error:{code,message}}`. */
export class ApiError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 503, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** Maps every thrown error once; only unexpected ones are logged, with the request path, never the body. */
export function handleError(log: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status);
    if (err instanceof ZodError) {
      const issue = err.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      return c.json(errorBody("invalid_body", `${where}${issue?.message ?? "invalid"}`), 400);
    }
    if (err instanceof HTTPException) return c.json(errorBody("http_error", err.message), err.status);
    log.error({ err, path: c.req.path, method: c.req.method }, "unhandled error");
    return c.json(errorBody("internal", "Internal error"), 500);
  };
}
