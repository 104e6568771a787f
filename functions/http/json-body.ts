import type { Context } from "hono";
import type { z } from "zod";
import { JsonTextError, parseJsonText } from "../../lib/http/json-text.js";
import { ApiError } from "../../lib/http/api-error.js";

/** Reads a JSON body strictly: right content type, valid JSON nested at most MAX_JSON_DEPTH deep, then the schema. Nothing is written before this. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  let raw: unknown;
  try {
    raw = parseJsonText(await c.req.text());
  } catch (err) {
    if (!(err instanceof JsonTextError)) throw err;
    throw new ApiError(400, err.reason === "too_deep" ? "json_too_deep" : "malformed_json", err.message);
  }
  return schema.parse(raw);
}
