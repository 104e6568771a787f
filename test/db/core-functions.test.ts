/**
 * The core SQL functions (supabase/migrations/20261123000100_core_functions.sql) through the same Db the code uses:
 * happy paths, conflicts and bad arguments.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbError, type Db } from "../../lib/db/client.js";
import { nextSalonId, openTestDatabase, type TestDatabase } from "../support/harness.js";

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});

afterAll(async () => {
  await database.close();
});

async function failure(p: Promise<unknown>): Promise<DbError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DbError);
  return err as DbError;
}

async function insertSalon(salonId: number, fields: Record<string, unknown> = {}): Promise<void> {
  const row = { salon_id: salonId, title: `Salon ${salonId}`, api_key: `secret-api-key-${salonId}`, webhook_secret: `wh-${salonId}`, ...fields };
  const cols = Object.keys(row);
  await database.sql.query(
    `insert into salons (${cols.join(", ")}) values (${cols.map((_, i) => `$${i + 1}`).join(", ")})`,
    Object.values(row),
  );
}

describe("health_ping", () => {
  it("answers ok", async () => {
    expect(await db.rpc("health_ping")).toBe("ok");
  });
});

describe("event_claim", () => {
  it("claims a key once", async () => {
    const key = `claim:${nextSalonId()}:m1`;
    expect(await db.rpc("event_claim", { p_key: key, p_salon_id: 1 })).toBe(true);
    expect(await db.rpc("event_claim", { p_key: key, p_salon_id: 1 })).toBe(false);
  });

  it("refuses an empty or missing key with 22023", async () => {
    for (const key of ["", null]) {
      const err = await failure(db.rpc("event_claim", { p_key: key }));
      expect(err.code).toBe("22023");
      expect(err.status).toBe(400);
    }
  });
});

describe("salon_get / salons_list", () => {
  it("returns a salon without its api key or webhook secret", async () => {
    const id = nextSalonId();
    await insertSalon(id, { timezone: "Asia/Yekaterinburg" });
    const salon = await db.rpc<Record<string, unknown>>("salon_get", { p_salon_id: id });
    expect(salon).toMatchObject({ salon_id: id, title: `Salon ${id}`, status: "pending_whatsapp", timezone: "Asia/Yekaterinburg" });
    expect(salon).not.toHaveProperty("api_key");
    expect(salon).not.toHaveProperty("webhook_secret");
  });

  it("returns null for a salon that does not exist", async () => {
    expect(await db.rpc("salon_get", { p_salon_id: 999_999_999 })).toBeNull();
  });

  it("refuses a salon id that is not a number", async () => {
    const err = await failure(db.rpc("salon_get", { p_salon_id: "abc" }));
    expect(err.status).toBe(400);
  });

  it("lists salons by status, in id order, and all of them without a filter", async () => {
    const [a, b, c] = [nextSalonId(), nextSalonId(), nextSalonId()];
    await insertSalon(a, { status: "active" });
    await insertSalon(b, { status: "frozen" });
    await insertSalon(c, { status: "active" });
    const active = await db.rpc<Array<{ salon_id: number; api_key?: string }>>("salons_list", { p_statuses: ["active"] });
    const ids = active.map((s) => s.salon_id);
    expect(ids).toEqual(expect.arrayContaining([a, c]));
    expect(ids).not.toContain(b);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(active.every((s) => s.api_key === undefined)).toBe(true);
    const all = (await db.rpc<Array<{ salon_id: number }>>("salons_list")).map((s) => s.salon_id);
    expect(all).toEqual(expect.arrayContaining([a, b, c]));
    expect(await db.rpc("salons_list", { p_statuses: ["uninstalled"] })).toEqual([]);
  });

  it("keeps one row per salon id", async () => {
    const id = nextSalonId();
    await insertSalon(id);
    await expect(insertSalon(id)).rejects.toMatchObject({ code: "23505" });
  });
});

describe("marketplace_event_add / marketplace_events_list", () => {
  it("records events per salon in order, with data defaulting to {}", async () => {
    const id = nextSalonId();
    const other = nextSalonId();
    const first = await db.rpc<number>("marketplace_event_add", { p_salon_id: id, p_event: "install", p_data: { user: 7 } });
    const second = await db.rpc<number>("marketplace_event_add", { p_salon_id: id, p_event: "uninstall" });
    await db.rpc("marketplace_event_add", { p_salon_id: other, p_event: "install", p_data: null });
    expect(second).toBeGreaterThan(first);
    const events = await db.rpc<Array<{ id: number; salon_id: number; event: string; data: unknown }>>("marketplace_events_list", {
      p_salon_id: id,
    });
    expect(events.map((e) => [e.id, e.event, e.data])).toEqual([
      [first, "install", { user: 7 }],
      [second, "uninstall", {}],
    ]);
    const others = await db.rpc<Array<{ data: unknown }>>("marketplace_events_list", { p_salon_id: other });
    expect(others.map((e) => e.data)).toEqual([{}]);
  });

  it("refuses an empty event name and a missing salon", async () => {
    expect((await failure(db.rpc("marketplace_event_add", { p_salon_id: 1, p_event: "" }))).code).toBe("23514");
    expect((await failure(db.rpc("marketplace_event_add", { p_salon_id: null, p_event: "install" }))).code).toBe("23502");
    expect((await failure(db.rpc("marketplace_event_add", { p_event: "install" }))).code).toBe("PGRST202");
  });
});

describe("the local dispatcher queue", () => {
  const t0 = new Date("2026-11-23T10:00:00Z");
  const at = (sec: number) => new Date(t0.getTime() + sec * 1000).toISOString();
  type Job = { id: number; url: string; body: string; attempts: number; retries: number; dedupe_id: string | null };

  // Each test works in its own stretch of time, far from the others, so jobs of one test are never due in another.
  let base = 0;
  function window(): (sec: number) => string {
    base += 1_000_000;
    const start = base;
    return (sec) => at(start + sec);
  }

  async function takeAll(now: string, limit = 50): Promise<Job[]> {
    return db.rpc<Job[]>("dispatch_take_due", { p_limit: limit, p_now: now });
  }

  it("enqueues, deduplicates by id, and hands a due job to one taker only", async () => {
    const w = window();
    // Drain anything older than this window first.
    await takeAll(w(0));
    const a = await db.rpc<{ id: number; deduplicated: boolean }>("dispatch_enqueue", {
      p_url: "http://x/jobs/a", p_body: '{"n":1}', p_dedupe_id: `d-${base}`, p_now: w(0),
    });
    const again = await db.rpc<{ id: number; deduplicated: boolean }>("dispatch_enqueue", {
      p_url: "http://x/jobs/a", p_body: '{"n":2}', p_dedupe_id: `d-${base}`, p_now: w(1),
    });
    expect(a.deduplicated).toBe(false);
    expect(again).toEqual({ id: a.id, deduplicated: true });
    const noDedupe1 = await db.rpc<{ id: number }>("dispatch_enqueue", { p_url: "http://x/jobs/b", p_body: "{}", p_now: w(0) });
    const noDedupe2 = await db.rpc<{ id: number }>("dispatch_enqueue", { p_url: "http://x/jobs/b", p_body: "{}", p_now: w(0) });
    expect(noDedupe2.id).not.toBe(noDedupe1.id);

    const taken = await takeAll(w(2));
    expect(taken.map((j) => j.id).sort()).toEqual([a.id, noDedupe1.id, noDedupe2.id].sort());
    expect(taken.find((j) => j.id === a.id)).toMatchObject({ body: '{"n":1}', attempts: 1, retries: 3 });
    // Leased: a second taker within the lease gets nothing.
    expect(await takeAll(w(3))).toEqual([]);
    for (const j of taken) expect(await db.rpc("dispatch_finish", { p_id: j.id, p_status: 200, p_now: w(3) })).toBe("done");
    // Done: never handed out again, even after the lease would have run out.
    expect(await takeAll(w(1000))).toEqual([]);
  });

  it("holds a delayed job until it is due, and reports the next due time", async () => {
    const w = window();
    await takeAll(w(0));
    const job = await db.rpc<{ id: number }>("dispatch_enqueue", { p_url: "http://x/jobs/later", p_body: "{}", p_delay_sec: 30, p_now: w(0) });
    expect(await takeAll(w(29))).toEqual([]);
    expect(new Date((await db.rpc<string>("dispatch_next_due_at"))!).toISOString()).toBe(w(30));
    const due = await takeAll(w(30));
    expect(due.map((j) => j.id)).toEqual([job.id]);
    await db.rpc("dispatch_finish", { p_id: job.id, p_status: 200, p_now: w(30) });
  });

  it("retries after the given delay, gives up when retries run out, and a crashed lease runs out", async () => {
    const w = window();
    await takeAll(w(0));
    const job = await db.rpc<{ id: number }>("dispatch_enqueue", { p_url: "http://x/jobs/r", p_body: "{}", p_retries: 1, p_now: w(0) });
    const [first] = await takeAll(w(0));
    expect(first?.id).toBe(job.id);
    expect(await db.rpc("dispatch_finish", { p_id: job.id, p_status: 500, p_error: "boom", p_retry_in_sec: 10, p_now: w(0) })).toBe("retry");
    expect(await takeAll(w(9))).toEqual([]);
    const [second] = await takeAll(w(10), 1);
    expect(second).toMatchObject({ id: job.id, attempts: 2 });
    // The worker "crashes": no finish. After the 60 s lease the job is handed out again.
    expect(await takeAll(w(69))).toEqual([]);
    const [third] = await takeAll(w(71));
    expect(third).toMatchObject({ id: job.id, attempts: 3 });
    expect(await db.rpc("dispatch_finish", { p_id: job.id, p_status: 503, p_retry_in_sec: 1, p_now: w(71) })).toBe("dead");
    expect(await takeAll(w(10_000))).toEqual([]);
    const { rows } = await database.sql.query<{ last_status: number; done_at: Date | null }>(
      "select last_status, done_at from local_dispatch where id = $1",
      [job.id],
    );
    expect(rows[0]?.last_status).toBe(503);
    expect(rows[0]?.done_at).not.toBeNull();
  });

  it("refuses negative delays or retries, a missing url, and finishing an unknown job", async () => {
    expect((await failure(db.rpc("dispatch_enqueue", { p_url: "http://x", p_body: "{}", p_delay_sec: -1 }))).code).toBe("22023");
    expect((await failure(db.rpc("dispatch_enqueue", { p_url: "http://x", p_body: "{}", p_retries: -1 }))).code).toBe("22023");
    expect((await failure(db.rpc("dispatch_enqueue", { p_url: null, p_body: "{}" }))).code).toBe("23502");
    expect((await failure(db.rpc("dispatch_enqueue", { p_url: "http://x", p_body: "{}", p_delay_sec: "soon" }))).status).toBe(400);
    const unknown = await failure(db.rpc("dispatch_finish", { p_id: 987654321, p_status: 200 }));
    expect(unknown.code).toBe("P0002");
  });
});
