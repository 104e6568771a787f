/**
 * Only the service role reaches data. This runs over every migration in supabase/migrations/, so a migration
 * that adds a table without RLS, a policy for the browser roles, or a function the browser roles may execute fails
 * here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../support/harness.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database.close();
});

async function rows<T>(sql: string): Promise<T[]> {
  return (await database.sql.query<T>(sql)).rows;
}

describe("the public schema", () => {
  it("has the core tables (so the checks below are not vacuous)", async () => {
    const names = (await rows<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'")).map((r) => r.tablename);
    expect(names).toEqual(expect.arrayContaining(["salons", "notifications", "records", "processed_events", "local_dispatch"]));
  });

  it("has row level security on every table", async () => {
    const open = await rows<{ relname: string }>(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity order by 1`,
    );
    expect(open.map((r) => r.relname)).toEqual([]);
  });

  it("has no policy for anon or authenticated (or for everyone)", async () => {
    const policies = await rows<{ tablename: string; policyname: string; roles: string[] }>(
      `select tablename, policyname, roles::text[] as roles from pg_policies
       where schemaname = 'public' and roles && array['anon', 'authenticated', 'public']::name[]`,
    );
    expect(policies).toEqual([]);
  });

  it("grants anon and authenticated nothing on tables, views or sequences", async () => {
    const grants = await rows<{ relname: string; role: string }>(
      `select c.relname, r.role from pg_class c join pg_namespace n on n.oid = c.relnamespace
       cross join (values ('anon'), ('authenticated')) r(role)
       where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
         and (has_table_privilege(r.role, c.oid, 'select') or has_table_privilege(r.role, c.oid, 'insert')
           or has_table_privilege(r.role, c.oid, 'update') or has_table_privilege(r.role, c.oid, 'delete'))`,
    );
    expect(grants).toEqual([]);
  });

  it("grants anon and authenticated nothing on sequences", async () => {
    const grants = await rows<{ relname: string; role: string }>(
      `select c.relname, r.role from pg_class c join pg_namespace n on n.oid = c.relnamespace
       cross join (values ('anon'), ('authenticated')) r(role)
       where n.nspname = 'public'
         -- a case, so the check never meets a relation that is not a sequence (and errors)
         and case when c.relkind = 'S' then has_sequence_privilege(r.role, c.oid, 'usage, select, update') else false end`,
    );
    expect(grants).toEqual([]);
  });

  // Supabase projects differ in what their default privileges give service_role (nothing, on projects since
  // 2026-05-30): what it needs must be granted by the migrations, or every RPC fails in production.
  it("lets service_role execute every function and read and write every table", async () => {
    const missing = await rows<{ what: string }>(
      `select p.oid::regprocedure::text as what from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and not has_function_privilege('service_role', p.oid, 'execute')
       union all
       select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p')
         and not (has_table_privilege('service_role', c.oid, 'select') and has_table_privilege('service_role', c.oid, 'insert')
           and has_table_privilege('service_role', c.oid, 'update') and has_table_privilege('service_role', c.oid, 'delete'))
       union all
       select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and case when c.relkind = 'S' then not has_sequence_privilege('service_role', c.oid, 'usage') else false end
       order by 1`,
    );
    expect(missing).toEqual([]);
  });

  it("lets neither anon nor authenticated execute any function", async () => {
    const all = await rows<{ fn: string }>(
      `select p.oid::regprocedure::text as fn from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public'`,
    );
    expect(all.map((r) => r.fn)).toEqual(expect.arrayContaining(["event_claim(text,bigint)", "health_ping()"]));
    const callable = await rows<{ fn: string; role: string }>(
      `select p.oid::regprocedure::text as fn, r.role from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       cross join (values ('anon'), ('authenticated')) r(role)
       where n.nspname = 'public' and has_function_privilege(r.role, p.oid, 'execute') order by 1, 2`,
    );
    expect(callable).toEqual([]);
  });

  it("keeps refusing a function created later, as a new migration would", async () => {
    await database.sql.exec("create function t_later() returns int language sql as $$ select 1 $$");
    const { rows: r } = await database.sql.query<{ anon: boolean; auth: boolean }>(
      `select has_function_privilege('anon', 't_later()', 'execute') as anon,
              has_function_privilege('authenticated', 't_later()', 'execute') as auth`,
    );
    expect(r[0]).toEqual({ anon: false, auth: false });
  });
});
