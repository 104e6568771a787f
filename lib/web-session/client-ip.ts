import type { Context } from "hono";

/**
 * The caller's address, from what the platform itself saw, never from a header the caller could write: the Lambda
 * Function URL's `requestContext.http.sourceIp` (hono/aws-lambda), or the socket's peer (@hono/node-server).
 */
export function clientIp(c: Context): string {
  const env = c.env as { requestContext?: { http?: { sourceIp?: string } }; incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.requestContext?.http?.sourceIp ?? env?.incoming?.socket?.remoteAddress ?? "unknown";
}
