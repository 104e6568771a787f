/**
 * JSON from outside, parsed with a nesting limit. A few kilobytes of `[[[[…` parse fine but later overflow the stack
 * of whatever walks them recursively (JSON.stringify, hashing, the database's jsonb), which would turn a hostile
 * body into a 5xx that the sender retries forever. Our own bodies (YClients events, job payloads, gateway calls)
 * nest fewer than ten levels.
 */
export const MAX_JSON_DEPTH = 64;

export class JsonTextError extends Error {
  constructor(readonly reason: "malformed" | "too_deep", message: string) {
    super(message);
    this.name = "JsonTextError";
  }
}

export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (nestsDeeperThan(text, maxDepth)) throw new JsonTextError("too_deep", `JSON nests deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JsonTextError("malformed", "Body is not valid JSON");
  }
}

/** Counts brackets outside strings; JSON.parse judges the syntax afterwards. */
function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return false;
}
