import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { readMigrations } from "./migrations.js";

/** Supabase's roles, which the migrations grant and revoke against; a plain Postgres does not have them. */
const SUPABASE_ROLES = ["anon", "authenticated", "service_role"];

/**
 * Opens the embedded Postgres (in memory when dataDir is undefined) and applies every migration not yet applied,
 * each in its own transaction, so a restart keeps the data and a failed migration leaves no half-applied schema.
 */
export async function openEmbeddedDatabase(dataDir?: string): Promise<PGlite> {
  let pg: PGlite;
  if (dataDir) {
    const dir = join(dataDir, "pg");
    mkdirSync(dir, { recursive: true });
    pg = await PGlite.create(dir);
  } else {
    pg = await PGlite.create();
  }
  await migrate(pg);
  return pg;
}

export async function migrate(pg: PGlite): Promise<string[]> {
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
