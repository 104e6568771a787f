import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { SqlQuery } from "./postgrest-fetch.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../supabase/migrations/", import.meta.url));

/** What applying migrations needs of a database: PGlite has it, and so does lib/db/pg-executor.ts over a pg pool. */
export interface SqlConnection extends SqlQuery {
  /** Runs a script of several statements. */
  exec(sql: string): Promise<unknown>;
  transaction<T>(fn: (tx: SqlQuery & Pick<SqlConnection, "exec">) => Promise<T>): Promise<T>;
}

export interface Migration {
  name: string;
  sql: string;
}

/** The Supabase CLI layout: `<timestamp>_<what>.sql`, applied in name order. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const sql = (await readdir(dir)).filter((n) => n.endsWith(".sql"));
  // A misnamed file would otherwise be skipped in silence, and its schema missing only in production.
  const misnamed = sql.filter((n) => !/^\d{14}_[a-z0-9_]+\.sql$/.test(n));
  if (misnamed.length > 0) throw new Error(`migrations must be named <14-digit timestamp>_<lower_snake>.sql: ${misnamed.join(", ")}`);
  const names = sql.sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(dir + name, "utf8") })));
}
