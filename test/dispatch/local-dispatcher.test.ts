/**
 * The local dispatcher is QStash for `npm start` and the tests: deliveries are signed so the real SDK Receiver
 * accepts them, failures are retried with backoff, Retry-After and 489 are obeyed, delays wait for the clock.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/clock.js";
import { LocalDispatcher } from "../../lib/dispatch/local.js";
import { createReceiver, verifyQStash } from "../../lib/dispatch/signature.js";
import { openTestDatabase, silentLog, type TestDatabase } from "../support/harness.js";

const PUBLIC_URL = "http://functions.test";
const KEYS = { currentSigningKey: "sig_current_local_key_for_tests", nextSigningKey: "sig_next_local_key_for_tests" };

let database: TestDatabase;

interface Received {
  body: unknown;
  messageId: string | undefined;
  retried: string | undefined;
}

/** A job route behind the real verification, answering whatever the test scripts. */
function jobApp(answer: (n: number) => Response | Promise<Response>) {
  const received: Received[] = [];
  const app = new Hono();
  app.use("/jobs/*", verifyQStash(createReceiver(KEYS), PUBLIC_URL));
  app.post("/jobs/test", async (c) => {
    received.push({ body: await c.req.json(), messageId: c.req.header("upstash-message-id"), retried: c.req.header("upstash-retried") });
    return answer(received.length);
  });
  return { app, received };
}

function dispatcher(
  app: Hono,
  clock: ManualClock,
  opts: { signingKey?: string; tamper?: boolean } = {},
): LocalDispatcher {
  return new LocalDispatcher({
    db: database.db,
    clock,
    log: silentLog,
    publicUrl: PUBLIC_URL,
    signingKey: opts.signingKey ?? KEYS.currentSigningKey,
    deliver: async (url, init) => {
      const body = opts.tamper ? String(init.body).replace("1", "2") : init.body;
      return app.request(url, { ...init, body });
    },
  });
}

async function jobRow(messageId: string) {
  const id = Number(messageId.replace("local_", ""));
  const { rows } = await database.sql.query<{ attempts: number; last_status: number | null; done_at: Date | null }>(
    "select attempts, last_status, done_at from local_dispatch where id = $1",
    [id],
  );
  return rows[0]!;
}

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database.close();
});

beforeEach(async () => {
  // One queue per database: start every test from an empty one.
  await database.sql.exec("delete from local_dispatch");
});

describe("LocalDispatcher", () => {
  it("delivers a signed job that the QStash Receiver accepts, with QStash's headers", async () => {
    const { app, received } = jobApp(() => new Response("ok"));
    const d = dispatcher(app, new ManualClock());
    const { messageId, deduplicated } = await d.publish({ path: "/jobs/test", body: { salon_id: 1, n: 1 } });
    expect(deduplicated).toBe(false);
    expect(await d.drain()).toBe(1);
    expect(received).toEqual([{ body: { salon_id: 1, n: 1 }, messageId, retried: "0" }]);
    expect(await jobRow(messageId)).toMatchObject({ attempts: 1, last_status: 200 });
    expect(await d.drain()).toBe(0);
    // The signature names the whole URL, query string included.
    await d.publish({ path: "/jobs/test?salon_id=1", body: { n: 2 } });
    await d.drain();
    expect(received.map((r) => r.body)).toEqual([{ salon_id: 1, n: 1 }, { n: 2 }]);
  });

  it("is refused with 401 when the body was changed or the key is wrong, and the handler never runs", async () => {
    const { app, received } = jobApp(() => new Response("ok"));
    const tampered = dispatcher(app, new ManualClock(), { tamper: true });
    const a = await tampered.publish({ path: "/jobs/test", body: { n: 1 }, retries: 0 });
    await tampered.drain();
    const wrongKey = dispatcher(app, new ManualClock(), { signingKey: "sig_someone_else" });
    const b = await wrongKey.publish({ path: "/jobs/test", body: { n: 1 }, retries: 0 });
    await wrongKey.drain();
    expect(received).toEqual([]);
    for (const m of [a, b]) expect(await jobRow(m.messageId)).toMatchObject({ last_status: 401, done_at: expect.any(Date) });
    const direct = await app.request(`${PUBLIC_URL}/jobs/test`, { method: "POST", body: "{}" });
    expect(direct.status).toBe(401);
  });

  it("retries a 500 with growing backoff until it succeeds", async () => {
    const { app, received } = jobApp((n) => new Response(n < 3 ? "down" : "ok", { status: n < 3 ? 500 : 200 }));
    const clock = new ManualClock("2026-11-23T10:00:00Z");
    const d = dispatcher(app, clock);
    const { messageId } = await d.publish({ path: "/jobs/test", body: { n: 1 } });
    await d.drain();
    expect(received).toHaveLength(1);
    expect(await d.drain()).toBe(0); // not before the backoff
    clock.advance(1_000);
    await d.drain();
    expect(received).toHaveLength(2);
    clock.advance(1_000);
    expect(await d.drain()).toBe(0); // the second backoff is longer
    clock.advance(1_000);
    await d.drain();
    expect(received.map((r) => r.retried)).toEqual(["0", "1", "2"]);
    expect(await jobRow(messageId)).toMatchObject({ attempts: 3, last_status: 200, done_at: expect.any(Date) });
  });

  it("gives up after the allowed retries", async () => {
    const { app, received } = jobApp(() => new Response("down", { status: 500 }));
    const clock = new ManualClock("2026-11-23T10:00:00Z");
    const d = dispatcher(app, clock);
    const { messageId } = await d.publish({ path: "/jobs/test", body: {}, retries: 2 });
    for (let i = 0; i < 5; i++) {
      await d.drain();
      clock.advance(60_000);
    }
    expect(received).toHaveLength(3);
    expect(await jobRow(messageId)).toMatchObject({ attempts: 3, last_status: 500, done_at: expect.any(Date) });
  });

  it("waits as long as Retry-After says", async () => {
    const { app, received } = jobApp((n) =>
      n === 1 ? new Response("busy", { status: 503, headers: { "retry-after": "30" } }) : new Response("ok"),
    );
    const clock = new ManualClock("2026-11-23T10:00:00Z");
    const d = dispatcher(app, clock);
    await d.publish({ path: "/jobs/test", body: {} });
    await d.drain();
    clock.advance(29_000);
    expect(await d.drain()).toBe(0);
    clock.advance(1_000);
    expect(await d.drain()).toBe(1);
    expect(received).toHaveLength(2);
  });

  it("stops retrying on 489 with Upstash-NonRetryable-Error", async () => {
    const { app, received } = jobApp(
      () => new Response(JSON.stringify({ error: "salon unknown" }), { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } }),
    );
    const clock = new ManualClock("2026-11-23T10:00:00Z");
    const d = dispatcher(app, clock);
    const { messageId } = await d.publish({ path: "/jobs/test", body: {} });
    await d.drain();
    clock.advance(3_600_000);
    expect(await d.drain()).toBe(0);
    expect(received).toHaveLength(1);
    expect(await jobRow(messageId)).toMatchObject({ attempts: 1, last_status: 489, done_at: expect.any(Date) });
  });

  it("holds a delayed job until the clock reaches it", async () => {
    const { app, received } = jobApp(() => new Response("ok"));
    const clock = new ManualClock("2026-11-23T10:00:00Z");
    const d = dispatcher(app, clock);
    await d.publish({ path: "/jobs/test", body: { later: true }, delaySec: 60 });
    expect(await d.drain()).toBe(0);
    clock.advance(59_000);
    expect(await d.drain()).toBe(0);
    clock.advance(1_000);
    expect(await d.drain()).toBe(1);
    expect(received.map((r) => r.body)).toEqual([{ later: true }]);
  });

  it("publishes a deduplication id once", async () => {
    const { app, received } = jobApp(() => new Response("ok"));
    const d = dispatcher(app, new ManualClock());
    const first = await d.publish({ path: "/jobs/test", body: { n: 1 }, deduplicationId: "42:wamid.ABC" });
    const second = await d.publish({ path: "/jobs/test", body: { n: 2 }, deduplicationId: "42:wamid.ABC" });
    expect(second).toEqual({ messageId: first.messageId, deduplicated: true });
    await d.drain();
    expect(received.map((r) => r.body)).toEqual([{ n: 1 }]);
    await expect(d.publish({ path: "/jobs/test", body: {}, deduplicationId: "bad id/with slash" })).rejects.toThrow(/deduplication id/);
  });

  it("delivers on its own once started, and stop() waits for the delivery in flight", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const { app, received } = jobApp(async () => {
      entered();
      await gate;
      return new Response("ok");
    });
    const d = dispatcher(app, new ManualClock());
    d.start();
    const { messageId } = await d.publish({ path: "/jobs/test", body: { slow: true } });
    await inHandler;
    let stopped = false;
    const stopping = d.stop().then(() => (stopped = true));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(received).toHaveLength(1);
    expect(await jobRow(messageId)).toMatchObject({ last_status: 200, done_at: expect.any(Date) });
    // Stopped: a new job waits in the queue.
    await d.publish({ path: "/jobs/test", body: { after: true } });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(received).toHaveLength(1);
  });
});
