/**
 * vitest globalSetup: the embedded Postgres with every migration applied, built once per run and saved as a data
 * directory tarball, so each test file's `openTestDatabase()` loads it instead of running initdb and every migration
 * (seconds of CPU per file on the 2-core machine). Loaded, it still goes through `migrate`, which finds nothing left;
 * the migrations from an empty database are tested in test/db/migrations.test.ts. Not built on a real PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { migrate } from "../../lib/db/embedded.js";

/** The tarball's path, for the test processes (forked after this ran, they inherit the environment). */
export const SNAPSHOT_ENV = "TEST_PGLITE_SNAPSHOT";

export default async function buildMigratedSnapshot(): Promise<(() => void) | undefined> {
  // Set already (empty: `TEST_PGLITE_SNAPSHOT= npx vitest run …` opens each database from initdb, to compare).
  if (process.env.TEST_DATABASE_URL || process.env[SNAPSHOT_ENV] !== undefined) return undefined;
  const pg = await PGlite.create();
  try {
    await migrate(pg);
    const dir = mkdtempSync(join(tmpdir(), "ai-admin-pg-snapshot-"));
    const file = join(dir, "migrated.tar");
    writeFileSync(file, new Uint8Array(await (await pg.dumpDataDir("none")).arrayBuffer()));
    process.env[SNAPSHOT_ENV] = file;
    return () => {
      delete process.env[SNAPSHOT_ENV];
      rmSync(dir, { recursive: true, force: true });
    };
  } finally {
    await pg.close();
  }
}
