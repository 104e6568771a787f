/**
 * Postgres can store neither a NUL (text refuses it, jsonb refuses "\u0000") nor a lone UTF-16 surrogate (jsonb
 * refuses an unpaired "\ud83d"), and both arrive from outside: WhatsApp texts and names, YClients data. Every value
 * bound for the database passes here once, in `lib/db/client.ts`, so the message is kept: NUL removed, a lone
 * surrogate replaced by U+FFFD, as a UTF-8 decoder would.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storableText(text: string): string {
  return text.replace(UNSTORABLE, (bad) => (bad === "\u0000" ? "" : "\ufffd"));
}

/** Cleans every string of a JSON-shaped value, object keys included; anything else (numbers, Dates, Buffers) passes as it is. */
export function storable<T>(value: T): T {
  if (typeof value === "string") return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[storableText(key)] = storable(v);
    return out as T;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
