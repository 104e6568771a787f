import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { PGlite } from "@electric-sql/pglite";
import WebSocket from "ws";
import type { DatabaseConfig } from "../config/index.js";
import { storable } from "../text/storable.js";
import { createPostgrestFetch, type SqlQuery } from "./postgrest-fetch.js";

/** A failed RPC: PostgREST's error object plus the HTTP status (409 unique violation, 400 bad argument, …). */
export class DbError extends Error {
  constructor(
    readonly fn: string,
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | null = null,
    readonly hint: string | null = null,
  ) {
    super(`${fn}: ${message}`);
    this.name = "DbError";
  }
  get isUniqueViolation(): boolean {
    return this.code === "23505";
  }
}

/**
 * The only way code reaches data: one SQL function per call. Each area keeps its typed calls in its own
 * `store.ts` (for example lib/salons/store.ts), which is what the rest of the code imports.
 */
export interface Db {
  rpc<T = unknown>(fn: string, args?: Record<string, unknown>): Promise<T>;
}

export function dbFromSupabase(supabase: SupabaseClient): Db {
  return {
    async rpc<T>(fn: string, args: Record<string, unknown> = {}): Promise<T> {
      // The one door to the database, so the one place text is made storable (NUL, lone surrogates).
      const { data, error, status } = await supabase.rpc(fn, storable(args));
      if (error) {
        throw new DbError(fn, status, error.code ?? "", error.message, error.details ?? null, error.hint ?? null);
      }
      return data as T;
    },
  };
}

export interface Database {
  db: Db;
  /** The embedded engine, when there is one (to serve it to psql and to close it). */
  pg?: PGlite;
  close(): Promise<void>;
}

const EMBEDDED_URL = "http://embedded.local";
const EMBEDDED_KEY = "embedded-service-role";

function supabaseClient(url: string, key: string, fetchImpl?: typeof fetch): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // supabase-js refuses to start on Node < 22 without a WebSocket class, even though we never use realtime.
    realtime: { transport: WebSocket as never },
    global: fetchImpl ? { fetch: fetchImpl } : {},
  });
}

/** The Db over a database reached directly (PGlite, or a pg pool): supabase-js through the PostgREST adapter. */
export function dbFromSql(sql: SqlQuery): Db {
  return dbFromSupabase(supabaseClient(EMBEDDED_URL, EMBEDDED_KEY, createPostgrestFetch(sql, EMBEDDED_KEY)));
}

/**
 * Opens the configured database: Supabase over HTTPS, or the embedded Postgres (in memory when dataDir is null;
 * in memory from `seed`, a dumped data directory, when given: see openEmbeddedDatabase).
 */
export async function connectDatabase(config: DatabaseConfig | { kind: "memory"; seed?: Blob }): Promise<Database> {
  if (config.kind === "supabase") {
    return { db: dbFromSupabase(supabaseClient(config.url, config.serviceRoleKey)), close: async () => {} };
  }
  // Imported here, not at the top: a Lambda on Supabase never evaluates PGlite and its WebAssembly loader.
  const { lockDataDir, openEmbeddedDatabase } = await import("./embedded.js");
  const unlock = config.kind === "embedded" ? lockDataDir(config.dataDir) : () => {};
  let pg: PGlite;
  try {
    pg = await (config.kind === "embedded" ? openEmbeddedDatabase(config.dataDir) : openEmbeddedDatabase(undefined, config.seed));
  } catch (err) {
    unlock();
    throw err;
  }
  return {
    db: dbFromSql(pg),
    pg,
    close: async () => {
      await pg.close();
      unlock();
    },
  };
}
