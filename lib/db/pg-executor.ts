import type { Pool, PoolClient } from "pg";
import type { SqlConnection } from "./migrations.js";
import { quoteIdent, type SqlQuery } from "./postgrest-fetch.js";

/**
 * A real PostgreSQL server behind the same interface as PGlite, for the PostgREST adapter and the migrations.
 * With `role`, every call is its own transaction under `SET LOCAL ROLE role`, as PostgREST runs each request: the
 * pool should log in as a NOINHERIT role (Supabase's `authenticator`), so a privilege the role lacks fails here as
 * it would in production.
 */
export function pgExecutor(pool: Pool, role?: string): SqlConnection {
  async function inTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(role ? `begin; set local role ${quoteIdent(role)}` : "begin");
      const result = await fn(client);
      await client.query("commit");
      return result;
    } catch (err) {
      await client.query("rollback").catch((e: Error) => (broken = e));
      throw err;
    } finally {
      // A connection that cannot even roll back is not handed to the next call.
      client.release(broken);
    }
  }

  const on = (client: PoolClient): SqlQuery & Pick<SqlConnection, "exec"> => ({
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }),
    exec: (sql: string) => client.query(sql),
  });

  return {
    query: <T>(sql: string, params?: unknown[]) => inTransaction((client) => on(client).query<T>(sql, params)),
    exec: (sql) => inTransaction((client) => on(client).exec(sql)),
    transaction: (fn) => inTransaction((client) => fn(on(client))),
  };
}
