/**
 * Event-driven waiting: poll a condition until it holds or a deadline passes. The deadline is a failure bound, never
 * an assertion about speed; on the deadline the error says what was awaited and what was last seen. A probe that
 * throws is retried (the thing may not exist yet); its last error is part of the timeout's message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; everyMs?: number; describe?: () => unknown } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = opts.describe ? `\nlast seen: ${JSON.stringify(await opts.describe(), null, 2)}` : "";
      const err = lastError ? `\nlast error: ${String((lastError as Error)?.stack ?? lastError)}` : "";
      throw new Error(`timed out waiting for ${what}${seen}${err}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}
