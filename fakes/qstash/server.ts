/**
 * A QStash stand-in that speaks the publish API the real `@upstash/qstash` Client uses
 * (POST /v2/publish/<destination URL>, Authorization: Bearer, Upstash-* headers → {messageId}) and records what it
 * was given. It delivers only when a test asks (`deliver`), signed the way QStash signs, so the real Receiver on
 * the other side verifies it. Retries and delays are recorded, not scheduled: the test decides when time passes.
 */
import { randomUUID } from "node:crypto";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
// The same signing the local dispatcher uses; both are checked against the SDK's own Receiver in the tests.
import { signDelivery } from "../../lib/dispatch/signature.js";

export interface PublishedMessage {
  messageId: string;
  /** The destination, exactly as the Client appended it to /v2/publish/. */
  url: string;
  body: string;
  contentType: string | null;
  method: string;
  deduplicationId: string | null;
  /** Seconds from Upstash-Delay ("30s", "5m", "1h", "1d"); 0 when absent. */
  delaySec: number;
  /** Upstash-Retries, or null when the publisher left it to the plan default. */
  retries: number | null;
  /** Every Upstash-* header as sent, lower-cased. */
  upstashHeaders: Record<string, string>;
  /** Delivery attempts made so far through `deliver`. */
  attempts: number;
}

export interface QStashFake {
  url: string;
  published: PublishedMessage[];
  /** Deduplicated publishes (same id again): counted, not stored twice. */
  deduplicatedCount: number;
  /** One delivery attempt of a published message to its destination; returns the destination's status. */
  deliver(messageId: string): Promise<number>;
  close(): Promise<void>;
}

export interface QStashFakeOptions {
  token: string;
  currentSigningKey: string;
  /** Bind port; 0 (the default) takes a free one. */
  port?: number;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function parseDelay(value: string | undefined): number | "bad" {
  if (value === undefined) return 0;
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : "bad";
}

export async function startQStashFake(opts: QStashFakeOptions): Promise<QStashFake> {
  const published: PublishedMessage[] = [];
  const byDedupe = new Map<string, PublishedMessage>();
  const state = { deduplicatedCount: 0 };
  const app = new Hono();

  app.post("/v2/publish/*", async (c) => {
    if (c.req.header("authorization") !== `Bearer ${opts.token}`) {
      return c.json({ error: "Unauthorized" }, 401);
    }
    // The destination is everything after /v2/publish/, taken from the raw URL so "https://" stays intact.
    const raw = c.req.url;
    const destination = decodeURIComponent(raw.slice(raw.indexOf("/v2/publish/") + "/v2/publish/".length));
    if (!/^https?:\/\/[^/]+/.test(destination)) {
      return c.json({ error: `invalid destination url: ${destination}` }, 400);
    }
    const upstashHeaders: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      if (name.toLowerCase().startsWith("upstash-")) upstashHeaders[name.toLowerCase()] = value;
    });
    const delaySec = parseDelay(upstashHeaders["upstash-delay"]);
    if (delaySec === "bad") return c.json({ error: `invalid Upstash-Delay: ${upstashHeaders["upstash-delay"]}` }, 400);
    const retriesHeader = upstashHeaders["upstash-retries"];
    const retries = retriesHeader === undefined ? null : Number(retriesHeader);
    if (retries !== null && (!Number.isInteger(retries) || retries < 0)) {
      return c.json({ error: `invalid Upstash-Retries: ${retriesHeader}` }, 400);
    }
    const deduplicationId = upstashHeaders["upstash-deduplication-id"] ?? null;
    if (deduplicationId !== null) {
      const existing = byDedupe.get(deduplicationId);
      if (existing) {
        state.deduplicatedCount += 1;
        return c.json({ messageId: existing.messageId, url: existing.url, deduplicated: true }, 202);
      }
    }
    const message: PublishedMessage = {
      messageId: `msg_${randomUUID().replace(/-/g, "")}`,
      url: destination,
      body: await c.req.text(),
      contentType: c.req.header("content-type") ?? null,
      method: upstashHeaders["upstash-method"] ?? "POST",
      deduplicationId,
      delaySec,
      retries,
      upstashHeaders,
      attempts: 0,
    };
    published.push(message);
    if (deduplicationId !== null) byDedupe.set(deduplicationId, message);
    return c.json({ messageId: message.messageId, url: message.url });
  });

  app.all("*", (c) => c.json({ error: `the QStash fake does not serve ${c.req.method} ${c.req.path}` }, 404));

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    published,
    get deduplicatedCount() {
      return state.deduplicatedCount;
    },
    async deliver(messageId: string): Promise<number> {
      const m = published.find((p) => p.messageId === messageId);
      if (!m) throw new Error(`the QStash fake has no message ${messageId}`);
      const headers: Record<string, string> = {
        "upstash-signature": await signDelivery(opts.currentSigningKey, m.url, m.body, Math.floor(Date.now() / 1000)),
        "upstash-message-id": m.messageId,
        "upstash-retried": String(m.attempts),
        "user-agent": "Upstash-QStash",
      };
      if (m.contentType) headers["content-type"] = m.contentType;
      m.attempts += 1;
      const res = await fetch(m.url, { method: m.method, headers, body: m.body });
      await res.body?.cancel();
      return res.status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
