/**
 * Migrations run at every start: the second run must change nothing, and a database kept in DATA_DIR must come
 * back with its data after a restart.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connectDatabase } from "../../lib/db/client.js";
import { DataDirInUseError, lockDataDir, migrate } from "../../lib/db/embedded.js";
import { readMigrations } from "../../lib/db/migrations.js";
import { openTestDatabase } from "../support/harness.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("migrations", () => {
  it("apply every file once, in name order, and a second run is a no-op", async () => {
    const files = (await readMigrations()).map((m) => m.name);
    expect(files.length).toBeGreaterThanOrEqual(3);
    const database = await openTestDatabase();
    try {
      const sql = database.sql;
      const recorded = (await sql.query<{ name: string }>("select name from schema_migrations order by name")).rows.map((r) => r.name);
      expect(recorded).toEqual(files);
      const schema = async () =>
        (
          await sql.query<{ n: number }>(
            `select (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public')
                  + (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public') as n`,
          )
        ).rows[0]!.n;
      const before = await schema();
      expect(await migrate(sql)).toEqual([]);
      expect(await schema()).toBe(before);
    } finally {
      await database.close();
    }
  });

  // The embedded engine's own files: nothing to learn from it in the real-Postgres run (test/db/real-postgres/).
  it.skipIf(Boolean(process.env.TEST_DATABASE_URL))("keep the data of a database in DATA_DIR across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ai-admin-migrations-"));
    dirs.push(dataDir);
    const first = await connectDatabase({ kind: "embedded", dataDir, localDbPort: 1 });
    expect(await first.db.rpc("event_claim", { p_key: "kept-across-restart" })).toBe(true);
    await first.pg!.query("insert into salons (salon_id, title) values (4242, 'Kept')");
    await first.close();

    const second = await connectDatabase({ kind: "embedded", dataDir, localDbPort: 1 });
    // While it is open, nobody else may open the same directory (PGlite would let both write).
    await expect(connectDatabase({ kind: "embedded", dataDir, localDbPort: 1 })).rejects.toBeInstanceOf(DataDirInUseError);
    try {
      expect(await second.db.rpc("event_claim", { p_key: "kept-across-restart" })).toBe(false);
      expect(await second.db.rpc("salon_get", { p_salon_id: 4242 })).toMatchObject({ title: "Kept" });
      const runs = await second.pg!.query<{ n: number }>("select count(*)::int as n from schema_migrations");
      expect(runs.rows[0]!.n).toBe((await readMigrations()).length);
    } finally {
      await second.close();
    }
  });

  it("refuse a misnamed migration file instead of skipping it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ai-admin-migrations-"));
    dirs.push(dir);
    writeFileSync(join(dir, "20261123000000_ok.sql"), "select 1;");
    writeFileSync(join(dir, "notes.txt"), "not a migration");
    expect((await readMigrations(`${dir}/`)).map((m) => m.name)).toEqual(["20261123000000_ok.sql"]);
    writeFileSync(join(dir, "20261123000001_add-thing.sql"), "select 1;");
    await expect(readMigrations(`${dir}/`)).rejects.toThrow(/20261123000001_add-thing\.sql/);
  });

  it("take over the lock of a process that is gone", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ai-admin-migrations-"));
    dirs.push(dataDir);
    // A pid that cannot be running: above the kernel's pid_max.
    writeFileSync(join(dataDir, "pg.lock"), "99999999");
    const release = lockDataDir(dataDir);
    expect(readFileSync(join(dataDir, "pg.lock"), "utf8")).toBe(String(process.pid));
    expect(() => lockDataDir(dataDir)).toThrow(DataDirInUseError);
    release();
    expect(existsSync(join(dataDir, "pg.lock"))).toBe(false);
    // Our own pid in a lock we do not hold: a previous process with the same pid (a restarted container).
    writeFileSync(join(dataDir, "pg.lock"), String(process.pid));
    lockDataDir(dataDir)();
  });
});
