import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { ApiError } from "../../lib/http/api-error.js";
import type { Logger } from "../../lib/log.js";

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
