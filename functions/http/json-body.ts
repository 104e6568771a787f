import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "./errors.js";

/** Reads a JSON body strictly: right content type, valid JSON, then the schema. Nothing is written before this. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError(400, "malformed_json", "Body is not valid JSON");
  }
  return schema.parse(raw);
}
