/**
 * Postgres can store neither a NUL (text refuses it, jsonb refuses "\u0000") nor a lone UTF-16 surrogate (jsonb
 * refuses an unpaired "\ud83d"), and both arrive from outside: WhatsApp texts and names, YClients data. Every value
 * bound for the database passes here once, in `lib/db/client.ts`, so the message is kept: NUL removed, a lone
 * surrogate replaced by U+FFFD, as a UTF-8 decoder would.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Cheap first look: most text has neither a NUL nor any surrogate (emoji are surrogate pairs, and are kept). */
const SUSPECT = /[\u0000\ud800-\udfff]/;

export function storableText(text: string): string {
  return SUSPECT.test(text) ? text.replace(UNSTORABLE, (bad) => (bad === "\u0000" ? "" : "\ufffd")) : text;
}

/**
 * Cleans every string of a JSON-shaped value, object keys included; anything else (numbers, Dates, Buffers) passes
 * as it is. Copies only what changes, so a bulk write of clean rows (a sync's thousands) costs one walk.
 */
export function storable<T>(value: T): T {
  if (typeof value === "string") return storableText(value) as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, i) => {
      const clean = storable(item);
      if (clean !== item) (copy ??= [...value])[i] = clean;
    });
    return (copy ?? value) as T;
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const cleanKey = storableText(key);
      const clean = storable(item);
      if (cleanKey === key && clean === item) continue;
      copy ??= { ...value };
      delete copy[key];
      copy[cleanKey] = clean;
    }
    return (copy ?? value) as T;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
