/**
 * The embedded database's PostgREST contract, through the real supabase-js: what Supabase would answer, the
 * embedded adapter answers, so code tested here behaves the same against a real Supabase.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError } from "../../lib/db/client.js";
import { createPostgrestFetch } from "../../lib/db/postgrest-fetch.js";
import { openTestDatabase, type TestDatabase } from "../support/harness.js";

const KEY = "test-service-role";
const URL_ = "http://embedded.test";
let database: TestDatabase;
let supabase: SupabaseClient;
let rawFetch: typeof fetch;

function client(key: string): SupabaseClient {
  return createClient(URL_, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
    global: { fetch: rawFetch },
  });
}

beforeAll(async () => {
  database = await openTestDatabase();
  // Temporary table and functions covering each argument and return shape the adapter supports.
  await database.sql.exec(`
    create table t_items (id int primary key, label text not null unique);
    create function t_void(p_x int) returns void language sql as $$ select $$;
    create function t_sum(p_a int, p_b int default 10) returns int language sql as $$ select p_a + p_b $$;
    create function t_json(p_obj jsonb) returns jsonb language sql as $$ select p_obj || '{"seen": true}'::jsonb $$;
    create function t_nothing() returns jsonb language sql as $$ select null::jsonb $$;
    create function t_add(p_id int, p_label text) returns t_items language sql as
      $$ insert into t_items values (p_id, p_label) returning * $$;
    create function t_items_from(p_min int) returns setof t_items language sql as
      $$ select * from t_items where id >= p_min order by id $$;
    create function t_table() returns table(n int, word text) language sql as
      $$ values (1, 'one'), (2, 'two') $$;
    create function t_numbers() returns setof int language sql as $$ select generate_series(1, 3) $$;
    create function t_count(p_ids bigint[], p_tags text[] default '{}') returns int language sql as
      $$ select cardinality(p_ids) + cardinality(p_tags) $$;
    create function t_fail(p_code text) returns void language plpgsql as $$
      begin
        if p_code = 'P0001' then raise exception 'plain failure'; end if;
        raise exception 'bad argument' using errcode = p_code, hint = 'look here';
      end $$;
    -- What the Db wrapper's own call below needs when it runs as service_role (on a real Postgres).
    grant select, insert on t_items to service_role;
    grant execute on function t_add(int, text) to service_role;
  `);
  rawFetch = createPostgrestFetch(database.sql, KEY);
  supabase = client(KEY);
});

afterAll(async () => {
  await database.close();
});

describe("successful calls", () => {
  it("answers 204 with no data for a void function", async () => {
    const res = await supabase.rpc("t_void", { p_x: 1 });
    expect(res.status).toBe(204);
    expect(res.error).toBeNull();
    expect(res.data).toBeNull();
  });

  it("returns a scalar, using the SQL default for an omitted argument", async () => {
    expect((await supabase.rpc("t_sum", { p_a: 1, p_b: 2 })).data).toBe(3);
    const res = await supabase.rpc("t_sum", { p_a: 5 });
    expect(res.status).toBe(200);
    expect(res.data).toBe(15);
  });

  it("passes numbers given as JSON strings the way PostgREST casts them", async () => {
    expect((await supabase.rpc("t_sum", { p_a: "7", p_b: 1 })).data).toBe(8);
  });

  it("round-trips jsonb, and a null jsonb result is null", async () => {
    const res = await supabase.rpc("t_json", { p_obj: { a: [1, { b: "x" }], c: null } });
    expect(res.data).toEqual({ a: [1, { b: "x" }], c: null, seen: true });
    const none = await supabase.rpc("t_nothing");
    expect(none.status).toBe(200);
    expect(none.data).toBeNull();
  });

  it("returns a row as an object and a set of rows as an array", async () => {
    const row = await supabase.rpc("t_add", { p_id: 1, p_label: "first" });
    expect(row.data).toEqual({ id: 1, label: "first" });
    await supabase.rpc("t_add", { p_id: 2, p_label: "second" });
    expect((await supabase.rpc("t_items_from", { p_min: 2 })).data).toEqual([{ id: 2, label: "second" }]);
    expect((await supabase.rpc("t_items_from", { p_min: 99 })).data).toEqual([]);
    expect((await supabase.rpc("t_table")).data).toEqual([{ n: 1, word: "one" }, { n: 2, word: "two" }]);
    expect((await supabase.rpc("t_numbers")).data).toEqual([1, 2, 3]);
  });

  it("passes JSON arrays as Postgres arrays", async () => {
    expect((await supabase.rpc("t_count", { p_ids: [1, 2, 3], p_tags: ["a"] })).data).toBe(4);
    expect((await supabase.rpc("t_count", { p_ids: [] })).data).toBe(0);
  });
});

describe("errors as PostgREST reports them", () => {
  it("answers 409 with code 23505 for a unique violation, and the Db wrapper says so", async () => {
    await supabase.rpc("t_add", { p_id: 10, p_label: "dup" });
    const res = await supabase.rpc("t_add", { p_id: 11, p_label: "dup" });
    expect(res.status).toBe(409);
    expect(res.error?.code).toBe("23505");
    expect(res.error?.details).toMatch(/label/);
    const err = await database.db.rpc("t_add", { p_id: 12, p_label: "dup" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect((err as DbError).isUniqueViolation).toBe(true);
    expect((err as DbError).status).toBe(409);
  });

  it("answers 400 for an argument of the wrong type", async () => {
    const res = await supabase.rpc("t_sum", { p_a: "abc" });
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe("22P02");
  });

  it("answers 400 for raise exception (P0001) and for errcode 22023, with the hint", async () => {
    const plain = await supabase.rpc("t_fail", { p_code: "P0001" });
    expect(plain.status).toBe(400);
    expect(plain.error).toMatchObject({ code: "P0001", message: "plain failure" });
    const bad = await supabase.rpc("t_fail", { p_code: "22023" });
    expect(bad.status).toBe(400);
    expect(bad.error).toMatchObject({ code: "22023", message: "bad argument", hint: "look here" });
    // PostgREST's own escape hatch: SQLSTATE PTxxx sets the HTTP status.
    const custom = await supabase.rpc("t_fail", { p_code: "PT402" });
    expect(custom.status).toBe(402);
    expect(custom.error?.code).toBe("PT402");
  });

  it("answers 404 PGRST202 for an unknown function, an unknown argument or a missing argument", async () => {
    for (const [fn, args] of [
      ["t_missing", {}],
      ["t_sum", { p_a: 1, p_c: 2 }],
      ["t_sum", { p_b: 2 }],
    ] as const) {
      const res = await supabase.rpc(fn, args);
      expect(res.status, `${fn} ${JSON.stringify(args)}`).toBe(404);
      expect(res.error?.code).toBe("PGRST202");
    }
  });

  it("refuses GET rpc with 405", async () => {
    const res = await supabase.rpc("t_sum", { p_a: 1 }, { get: true });
    expect(res.status).toBe(405);
    expect(res.data).toBeNull();
  });

  it("refuses count (a Prefer header) instead of ignoring it", async () => {
    const res = await supabase.rpc("t_numbers", {}, { count: "exact" });
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe("PGRST100");
  });

  it("refuses a body that is not a JSON object, and a query string", async () => {
    const post = (path: string, body: string) =>
      rawFetch(`${URL_}${path}`, { method: "POST", headers: { apikey: KEY, "content-type": "application/json" }, body });
    for (const body of ["[1, 2]", "3", '"text"', "{not json"]) {
      const res = await post("/rest/v1/rpc/t_sum", body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe("PGRST102");
    }
    const filtered = await post("/rest/v1/rpc/t_numbers?select=n", "{}");
    expect(filtered.status).toBe(400);
    const table = await rawFetch(`${URL_}/rest/v1/t_items`, { headers: { apikey: KEY } });
    expect(table.status).toBe(404);
  });

  it("answers 401 for a wrong apikey", async () => {
    const res = await client("someone-else").rpc("t_sum", { p_a: 1 });
    expect(res.status).toBe(401);
    expect(res.data).toBeNull();
  });
});
