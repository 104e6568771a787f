import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { JsonTextError, parseJsonText } from "../../lib/http/json-text.js";
import { verifyServiceToken } from "../../lib/contract/service-token.js";
import { GatewayApiError } from "../errors.js";

/** Bearer JWT from the functions (lib/contract/service-token.ts). */
export function requireServiceToken(secret: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
    if (!token || !(await verifyServiceToken(secret, token))) {
      throw new GatewayApiError(401, "unauthorized", "a valid service token is required");
    }
    await next();
  };
}

export function salonIdParam(c: Context): number {
  const raw = c.req.param("salonId") ?? "";
  const id = Number(raw);
  if (!/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(id) || id <= 0) {
    throw new GatewayApiError(400, "bad_request", "salonId must be a positive integer");
  }
  return id;
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Bodies over 64 KB are refused before they are read. The unread rest makes the connection unusable, so the 413
 * closes it (`Connection: close`) rather than promising keep-alive and resetting the client's next request.
 */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json(errorBody(new GatewayApiError(413, "bad_request", "body too large")), 413, { connection: "close" }),
});

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new GatewayApiError(415, "bad_request", "send application/json");
  }
  const text = await c.req.text();
  let json: unknown;
  try {
    json = text === "" ? {} : parseJsonText(text);
  } catch (err) {
    if (!(err instanceof JsonTextError)) throw err;
    throw new GatewayApiError(400, "bad_request", err.reason === "too_deep" ? err.message : "malformed JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GatewayApiError(400, "bad_request", `${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  return parsed.data;
}

export function errorBody(err: GatewayApiError) {
  return { error: { code: err.code, message: err.message, ...(err.address ? { address: err.address } : {}) } };
}
