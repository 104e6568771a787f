/**
 * DATA_DIR holds the embedded database (webhook secrets, API keys, WhatsApp logins) and the local keys: after a
 * start nobody but its owner can read anything in it, whether the directory is new or left world-readable before.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config/index.js";
import { connectDatabase } from "../../lib/db/client.js";

const root = mkdtempSync(join(tmpdir(), "ai-admin-data-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Everything under dir (itself included) that its group or others may read, write or enter. */
function exposed(dir: string): string[] {
  const paths = [dir, ...readdirSync(dir, { recursive: true }).map((p) => join(dir, String(p)))];
  return paths.filter((p) => !lstatSync(p).isSymbolicLink() && (lstatSync(p).mode & 0o077) !== 0);
}

async function start(dataDir: string): Promise<number> {
  const config = loadConfig({ DATA_DIR: dataDir });
  const database = await connectDatabase(config.database);
  await database.db.rpc("health_ping");
  await database.close();
  return readdirSync(join(dataDir, "pg"), { recursive: true }).length;
}

describe("DATA_DIR", () => {
  it("is created private, stays private as the database writes, and is made private again when left readable", async () => {
    const dataDir = join(root, "new", "data");
    expect(await start(dataDir)).toBeGreaterThan(100);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(exposed(dataDir)).toEqual([]);

    // As an install from before this rule left it: everything readable by all.
    for (const p of readdirSync(dataDir, { recursive: true }).map((e) => join(dataDir, String(e)))) {
      chmodSync(p, lstatSync(p).isDirectory() ? 0o755 : 0o644);
    }
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, "notes.txt"), "left here", { mode: 0o644 });
    mkdirSync(join(dataDir, "backup"), { mode: 0o777 });
    await start(dataDir);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(exposed(dataDir)).toEqual([]);
    // Two embedded databases opened and migrated from scratch: slow on a loaded machine, so a longer limit.
  }, 90_000);
});
