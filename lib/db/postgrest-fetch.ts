/**
 * A `fetch` that answers supabase-js `rpc()` calls the way PostgREST does, from the embedded Postgres (or, in the
 * real-Postgres tests, a pg pool that runs each call as service_role: lib/db/pg-executor.ts).
 * It serves exactly one thing: POST /rest/v1/rpc/<fn> with named JSON arguments. Anything else PostgREST could do
 * (GET rpc, filters, count, tables) is refused with PostgREST's own error, never approximated.
 */

interface Param {
  name: string;
  type: string;
  /** 'A' array, 'json' json/jsonb, 'scalar' anything cast from its JSON text. */
  shape: "array" | "json" | "scalar";
}

interface FunctionInfo {
  name: string;
  params: Param[];
  required: number;
  returns: "void" | "scalar" | "row" | "set-of-rows" | "set-of-scalars";
}

interface PgError extends Error {
  code?: string;
  detail?: string;
  hint?: string;
}

/** What the adapter needs of a database: one statement with positional parameters. PGlite is one. */
export interface SqlQuery {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

const RPC_PATH = /^\/rest\/v1\/rpc\/([A-Za-z_][A-Za-z0-9_]*)$/;

export function createPostgrestFetch(pg: SqlQuery, apiKey: string): typeof fetch {
  const cache = new Map<string, FunctionInfo[]>();

  async function lookup(name: string): Promise<FunctionInfo[]> {
    const hit = cache.get(name);
    if (hit) return hit;
    const { rows } = await pg.query<{
      argnames: string[] | null;
      argmodes: string[] | null;
      argtypes: string[];
      argcats: string[];
      nargs: number;
      ndefaults: number;
      retset: boolean;
      rettype: string;
      rettyptype: string;
    }>(
      `select p.proargnames as argnames, p.proargmodes::text[] as argmodes,
              array(select format_type(t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(t, i) order by i) as argtypes,
              array(select ty.typcategory::text from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(t, i)
                    join pg_type ty on ty.oid = u.t order by i) as argcats,
              p.pronargs as nargs, p.pronargdefaults as ndefaults, p.proretset as retset,
              format_type(p.prorettype, null) as rettype, rt.typtype::text as rettyptype
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_type rt on rt.oid = p.prorettype
       where n.nspname = 'public' and p.proname = $1 and p.prokind = 'f'`,
      [name],
    );
    const infos = rows.map((r): FunctionInfo => {
      const modes = r.argmodes ?? r.argtypes.map(() => "i");
      const params: Param[] = [];
      let hasOut = false;
      modes.forEach((mode, i) => {
        if (mode === "o" || mode === "t") {
          hasOut = true;
          return;
        }
        const type = r.argtypes[i]!;
        params.push({
          name: r.argnames?.[i] ?? "",
          type,
          shape: r.argcats[i] === "A" ? "array" : type === "json" || type === "jsonb" ? "json" : "scalar",
        });
      });
      const composite = r.rettyptype === "c" || hasOut || r.rettype === "record";
      const returns: FunctionInfo["returns"] =
        r.rettype === "void" ? "void" : r.retset ? (composite ? "set-of-rows" : "set-of-scalars") : composite ? "row" : "scalar";
      return { name, params, required: r.nargs - r.ndefaults, returns };
    });
    cache.set(name, infos);
    return infos;
  }

  return async function postgrestFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (request.headers.get("apikey") !== apiKey) {
      return error(401, "PGRST301", "No suitable key or wrong key type", null, null);
    }
    const match = RPC_PATH.exec(url.pathname);
    if (!match) {
      return error(404, "PGRST125", `Invalid path ${url.pathname}: the embedded database serves only POST /rest/v1/rpc/<function>`, null, null);
    }
    if (request.method !== "POST") {
      return error(405, "PGRST101", `Only POST is supported for rpc by the embedded database, got ${request.method}`, null, null);
    }
    if (url.search !== "") {
      return error(400, "PGRST100", `Query parameters are not supported by the embedded database: ${url.search}`, null, null);
    }
    const profile = request.headers.get("content-profile");
    if (profile !== null && profile !== "public") {
      return error(406, "PGRST106", "The schema must be one of the following: public", null, null);
    }
    const prefer = request.headers.get("prefer");
    if (prefer !== null && prefer.trim() !== "") {
      return error(400, "PGRST100", `Prefer: ${prefer} is not supported by the embedded database`, null, null);
    }
    const text = await request.text();
    let args: unknown;
    try {
      args = text.trim() === "" ? {} : JSON.parse(text);
    } catch (e) {
      return error(400, "PGRST102", `Empty or invalid json: ${(e as Error).message}`, null, null);
    }
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      return error(400, "PGRST102", "The rpc body must be a JSON object of named arguments", null, null);
    }
    const fnName = match[1]!;
    const named = args as Record<string, unknown>;
    const keys = Object.keys(named).sort();
    const candidates = (await lookup(fnName)).filter((f) => {
      const names = new Set(f.params.map((p) => p.name));
      const present = new Set(keys);
      return keys.every((k) => names.has(k)) && f.params.slice(0, f.required).every((p) => present.has(p.name));
    });
    if (candidates.length === 0) {
      return error(404, "PGRST202", `Could not find the function public.${fnName}(${keys.join(", ")}) in the schema cache`, null, null);
    }
    if (candidates.length > 1) {
      return error(300, "PGRST203", `Could not choose the best candidate function between overloads of public.${fnName}`, null, null);
    }
    const fn = candidates[0]!;
    const values: Array<string | null> = [];
    const callArgs = keys.map((k) => {
      const p = fn.params.find((x) => x.name === k)!;
      const v = named[k];
      if (v === null || v === undefined) return `${quoteIdent(k)} => null::${p.type}`;
      values.push(JSON.stringify(v));
      const ref = `$${values.length}::jsonb`;
      const expr =
        p.shape === "json" ? `${ref}::${p.type}`
        : p.shape === "array" ? `array(select jsonb_array_elements_text(${ref}))::${p.type}`
        : `(${ref} #>> '{}')::${p.type}`;
      return `${quoteIdent(k)} => ${expr}`;
    });
    const call = `public.${quoteIdent(fnName)}(${callArgs.join(", ")})`;
    const sql =
      fn.returns === "void" ? `select ${call}`
      : fn.returns === "scalar" ? `select to_jsonb(${call})::text as body`
      : fn.returns === "row" ? `select case when r is null then 'null' else to_jsonb(r)::text end as body from ${call} r`
      : fn.returns === "set-of-rows" ? `select coalesce(jsonb_agg(to_jsonb(r)), '[]'::jsonb)::text as body from ${call} r`
      : `select coalesce(jsonb_agg(to_jsonb(r.v)), '[]'::jsonb)::text as body from ${call} as r(v)`;
    try {
      const { rows } = await pg.query<{ body: string | null }>(sql, values);
      if (fn.returns === "void") return new Response(null, { status: 204 });
      const body = rows[0]?.body ?? "null";
      return new Response(body, { status: 200, headers: { "content-type": "application/json; charset=utf-8" } });
    } catch (e) {
      const err = e as PgError;
      if (typeof err.code !== "string") throw e;
      return error(statusForSqlState(err.code), err.code, err.message, err.detail ?? null, err.hint ?? null);
    }
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function error(status: number, code: string, message: string, details: string | null, hint: string | null): Response {
  return new Response(JSON.stringify({ code, message, details, hint }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/** PostgREST's SQLSTATE → HTTP table (docs/references/errors.rst). */
export function statusForSqlState(code: string): number {
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  if (code === "23505" || code === "23503") return 409;
  if (code === "42883" || code === "42P01") return 404;
  if (code === "P0001") return 400;
  if (code === "42501") return 401;
  if (code === "25006") return 405;
  if (code === "53400" || code === "42P17") return 500;
  const cls = code.slice(0, 2);
  if (cls === "08" || cls === "53") return 503;
  if (["28", "0L", "0P"].includes(cls)) return 403;
  if (["09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "P0", "XX"].includes(cls)) return 500;
  return 400;
}
