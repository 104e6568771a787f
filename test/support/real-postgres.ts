/**
 * The test database on a real PostgreSQL server, when TEST_DATABASE_URL names one of its superusers
 * (test/db/real-postgres/run.sh starts a throwaway cluster and sets it). Each test file gets a fresh database set up
 * as a Supabase project (test/db/real-postgres/supabase-roles.sql), every migration applied as the superuser, and
 * every RPC made through the PostgREST adapter as service_role via the `authenticator` login, as PostgREST does; a
 * function or table service_role cannot reach fails here, not at the first production call.
 * The server must let `authenticator` log in from here without a password (run.sh's cluster trusts loopback).
 * TEST_SUPABASE_AUTO_EXPOSE=on sets the project up with Supabase's old default grants (see the SQL file).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { dbFromSql, type Database } from "../../lib/db/client.js";
import { migrate } from "../../lib/db/embedded.js";
import type { SqlConnection } from "../../lib/db/migrations.js";
import { pgExecutor } from "../../lib/db/pg-executor.js";

const SUPABASE_SETUP = readFileSync(new URL("../db/real-postgres/supabase-roles.sql", import.meta.url), "utf8");
/** Any constant: test files setting their databases up at once take turns on the cluster-wide roles. */
const SETUP_LOCK = 1_196_001;

let seq = 0;

/** `apiUrl`: how another process reaches the same database as the RPC layer does (`authenticator`, then service_role). */
export async function openRealTestDatabase(url: string, autoExpose: boolean): Promise<Database & { sql: SqlConnection; apiUrl: string }> {
  seq += 1;
  // Unique on a long-lived server too, where a killed run may have left its databases behind.
  const name = `ai_admin_test_${process.pid}_${seq}_${randomBytes(3).toString("hex")}`;
  const urlOf = (user: string | null) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    if (user) {
      u.username = user;
      u.password = "";
    }
    return u.toString();
  };
  await withClient(url, async (server) => {
    await server.query(`create database ${name}`);
    // Held in the database every file connects to first (an advisory lock is per database), until this client ends.
    await server.query("select pg_advisory_lock($1)", [SETUP_LOCK]);
    await withClient(urlOf(null), async (c) => {
      await c.query(`set ai_admin.auto_expose = '${autoExpose ? "on" : "off"}'`);
      await c.query(SUPABASE_SETUP);
    });
  });
  const owner = new pg.Pool({ connectionString: urlOf(null), max: 2 });
  const api = new pg.Pool({ connectionString: urlOf("authenticator"), max: 4 });
  // At close the test's database is dropped with (force): a connection a finished test left busy is terminated
  // then, which is the point, not a failure of the test run.
  for (const pool of [owner, api]) pool.on("error", () => {});
  const sql = pgExecutor(owner);
  const close = async () => {
    await Promise.all([owner.end(), api.end()]);
    await withClient(url, (c) => c.query(`drop database ${name} with (force)`));
  };
  try {
    await migrate(sql);
  } catch (err) {
    await close();
    throw err;
  }
  return { db: dbFromSql(pgExecutor(api, "service_role")), sql, close, apiUrl: urlOf("authenticator") };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
