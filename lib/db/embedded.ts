import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { keepPrivate } from "../config/private-dir.js";
import { readMigrations, type SqlConnection } from "./migrations.js";

/** Supabase's roles, which the migrations grant and revoke against; a plain Postgres does not have them. */
const SUPABASE_ROLES = ["anon", "authenticated", "service_role"];

/** A second process opening the same data directory is refused: PGlite itself would let both write and corrupt it. */
export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`the database in ${dataDir} is in use by process ${pid} (another npm start?); stop it or set another DATA_DIR`);
    this.name = "DataDirInUseError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Data directories this process holds; a lock file naming our own pid but not listed here is a previous life's. */
const held = new Set<string>();

/**
 * Takes DATA_DIR/pg.lock for this process; a lock left by a process that is gone (or by an earlier process that had
 * our pid, as after a container restart) is taken over. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const dir = resolve(dataDir);
  if (held.has(dir)) throw new DataDirInUseError(dir, process.pid);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, "pg.lock");
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      held.add(dir);
      return () => {
        held.delete(dir);
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number(readFileSync(file, "utf8").trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) throw new DataDirInUseError(dir, holder);
    rmSync(file, { force: true });
  }
  throw new Error(`could not take the lock ${file}`);
}

/**
 * Opens the embedded Postgres (in memory when dataDir is undefined) and applies every migration not yet applied,
 * each in its own transaction, so a restart keeps the data and a failed migration leaves no half-applied schema.
 * `seed`, a data directory from `dumpDataDir`, starts an in-memory database from it instead of from initdb (the test
 * suite's migrated database, which is seconds faster per test file than initdb plus every migration).
 */
export async function openEmbeddedDatabase(dataDir?: string, seed?: Blob): Promise<PGlite> {
  let pg: PGlite;
  if (dataDir) {
    const dir = join(dataDir, "pg");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    pg = await PGlite.create(dir);
  } else {
    pg = await PGlite.create(seed ? { loadDataDir: seed } : {});
  }
  await migrate(pg);
  // A new database's files and the migrations' were just written with the default mode.
  if (dataDir) keepPrivate(dataDir);
  return pg;
}

export async function migrate(pg: SqlConnection): Promise<string[]> {
  for (const role of SUPABASE_ROLES) {
    await pg.exec(`do $$ begin if not exists (select from pg_roles where rolname = '${role}') then create role ${role} nologin; end if; end $$;`);
  }
  await pg.exec(`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`);
  const done = new Set((await pg.query<{ name: string }>("select name from schema_migrations")).rows.map((r) => r.name));
  const applied: string[] = [];
  for (const m of await readMigrations()) {
    if (done.has(m.name)) continue;
    await pg.transaction(async (tx) => {
      await tx.exec(m.sql);
      await tx.query("insert into schema_migrations (name) values ($1)", [m.name]);
    });
    applied.push(m.name);
  }
  return applied;
}
