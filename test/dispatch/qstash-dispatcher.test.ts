/**
 * The production dispatcher: the real @upstash/qstash Client against the QStash fake, and the fake's signed
 * delivery through our verifyQStash on a real HTTP server.
 */
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dispatcher } from "../../lib/dispatch/dispatcher.js";
import { createQStashDispatcher } from "../../lib/dispatch/qstash.js";
import { createReceiver, verifyQStash } from "../../lib/dispatch/signature.js";
import { startQStashFake, type QStashFake } from "../../fakes/qstash/server.js";

const TOKEN = "qstash-test-token";
const KEYS = { currentSigningKey: "sig_fake_current_key", nextSigningKey: "sig_fake_next_key" };

let fake: QStashFake;
let server: ServerType;
let publicUrl: string;
let dispatcher: Dispatcher;
const received: Array<{ body: unknown; messageId: string | undefined }> = [];

beforeAll(async () => {
  fake = await startQStashFake({ token: TOKEN, currentSigningKey: KEYS.currentSigningKey });
  const app = new Hono();
  // The public URL is only known once the server listens; the middleware reads it per request.
  app.use("/jobs/*", async (c, next) => verifyQStash(createReceiver(KEYS), publicUrl)(c, next));
  app.post("/jobs/echo", async (c) => {
    received.push({ body: await c.req.json(), messageId: c.req.header("upstash-message-id") });
    return c.json({ ok: true });
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const address = server.address();
  publicUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  dispatcher = createQStashDispatcher({ baseUrl: fake.url, token: TOKEN, publicUrl });
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await fake.close();
});

describe("the QStash dispatcher", () => {
  it("publishes to PUBLIC_URL + path with the deduplication id, delay, retries and JSON body", async () => {
    const res = await dispatcher.publish({
      path: "/jobs/echo",
      body: { salon_id: 7, text: "привет" },
      deduplicationId: "7:wamid.1",
      delaySec: 90,
      retries: 5,
    });
    expect(res.deduplicated).toBe(false);
    const m = fake.published.find((p) => p.messageId === res.messageId)!;
    expect(m).toMatchObject({
      url: `${publicUrl}/jobs/echo`,
      contentType: "application/json",
      method: "POST",
      deduplicationId: "7:wamid.1",
      delaySec: 90,
      retries: 5,
    });
    expect(JSON.parse(m.body)).toEqual({ salon_id: 7, text: "привет" });
  });

  it("sends no delay for an immediate job, and three retries unless told", async () => {
    const { messageId } = await dispatcher.publish({ path: "/jobs/echo", body: {} });
    const m = fake.published.find((p) => p.messageId === messageId)!;
    expect(m.delaySec).toBe(0);
    expect(m.upstashHeaders).not.toHaveProperty("upstash-delay");
    expect(m.retries).toBe(3);
    expect(m.deduplicationId).toBeNull();
  });

  it("reports a duplicate publish with the first message id, publishing once", async () => {
    const before = fake.published.length;
    const a = await dispatcher.publish({ path: "/jobs/echo", body: { n: 1 }, deduplicationId: "8:wamid.2" });
    const b = await dispatcher.publish({ path: "/jobs/echo", body: { n: 2 }, deduplicationId: "8:wamid.2" });
    expect(b).toEqual({ messageId: a.messageId, deduplicated: true });
    expect(fake.published.length).toBe(before + 1);
  });

  it("refuses an invalid deduplication id before any request", async () => {
    const before = fake.published.length;
    await expect(dispatcher.publish({ path: "/jobs/echo", body: {}, deduplicationId: "has space" })).rejects.toThrow(/deduplication id/);
    expect(fake.published.length).toBe(before);
  });

  it("fails loudly with a wrong token", async () => {
    const wrong = createQStashDispatcher({ baseUrl: fake.url, token: "not-the-token", publicUrl });
    await expect(wrong.publish({ path: "/jobs/echo", body: {} })).rejects.toThrow(/Unauthorized/);
  });

  it("delivers signed: the job route accepts QStash's signature and refuses a forged one", async () => {
    const { messageId } = await dispatcher.publish({ path: "/jobs/echo", body: { hello: "job" } });
    expect(await fake.deliver(messageId)).toBe(200);
    expect(received).toContainEqual({ body: { hello: "job" }, messageId });

    const forger = await startQStashFake({ token: TOKEN, currentSigningKey: "sig_not_ours" });
    try {
      const forged = createQStashDispatcher({ baseUrl: forger.url, token: TOKEN, publicUrl });
      const f = await forged.publish({ path: "/jobs/echo", body: { forged: true } });
      expect(await forger.deliver(f.messageId)).toBe(401);
      expect(received.some((r) => (r.body as { forged?: boolean }).forged)).toBe(false);
    } finally {
      await forger.close();
    }
  });
});
