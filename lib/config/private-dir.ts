import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * DATA_DIR holds the embedded database (webhook secrets, YClients API keys, WhatsApp logins) and the local keys, so
 * only its owner may enter it: created 0700, put back to 0700 on every start, and whatever is inside loses its group
 * and other bits (files written later get the default 0644, but nobody else can reach them through a 0700 directory).
 */
export function keepPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  ownerOnly(dir);
  for (const entry of readdirSync(dir, { recursive: true })) ownerOnly(join(dir, String(entry)));
}

function ownerOnly(path: string): void {
  try {
    const st = lstatSync(path);
    if (!st.isSymbolicLink() && (st.mode & 0o077) !== 0) chmodSync(path, st.mode & 0o700);
  } catch (err) {
    // A running database removes its temporary files while we walk.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
