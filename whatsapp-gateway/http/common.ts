import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { verifyServiceToken } from "../../lib/gateway/service-token.js";
import { GatewayApiError } from "../errors.js";

/** Bearer JWT from the functions (lib/gateway/service-token.ts). */
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

const MAX_BODY = 64 * 1024;

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new GatewayApiError(415, "bad_request", "send application/json");
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw new GatewayApiError(413, "bad_request", "body too large");
  let json: unknown;
  try {
    json = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new GatewayApiError(400, "bad_request", "malformed JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GatewayApiError(400, "bad_request", `${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  return parsed.data;
}

export function errorBody(err: GatewayApiError) {
  return { error: { code: err.code, message: err.message } };
}
