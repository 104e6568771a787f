/**
 * A body over the limit gets 413 on both servers, and a keep-alive client's next request still works: the 413 says
 * `Connection: close` and the server closes cleanly, so the client opens a new connection instead of writing into a
 * socket the server is about to reset.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../lib/db/client.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import { createTestFunctions, openTestDatabase, silentLog, testConfig } from "../support/harness.js";

let database: Database;
let functions: ServerType;
let functionsUrl: string;
let gw: RunningGateway;
const GATEWAY_SECRET = "oversized-bodies-gateway-secret-0123456789";

beforeAll(async () => {
  database = await openTestDatabase();
  const fx = createTestFunctions(database);
  functions = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: fx.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  functionsUrl = `http://127.0.0.1:${(functions.address() as AddressInfo).port}`;
  gw = await startGateway({
    config: testConfig({ WHATSAPP_TRANSPORT: "emulator", GATEWAY_SECRET }), db: database.db, dispatcher: fx.dispatcher, log: silentLog, port: 0, restore: false,
  });
});

afterAll(async () => {
  await gw?.close();
  await new Promise<void>((resolve) => functions?.close(() => resolve()));
  await database?.close();
});

interface Answer {
  status: number;
  connection: string | undefined;
}

/** One request through `agent`, the body sent with a Content-Length or chunked. Rejects on a socket error. */
function post(agent: http.Agent, url: string, body: Buffer, chunked = false, token?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
    if (!chunked) headers["content-length"] = String(body.length);
    const req = http.request(url, { method: "POST", agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
    });
    req.on("error", reject);
    if (chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

const cases = [
  { server: "functions", url: () => `${functionsUrl}/webhook/yclients`, size: 2 * 1024 * 1024, token: async () => undefined },
  { server: "gateway", url: () => `${gw.url}/v1/sessions/1/messages`, size: 256 * 1024, token: () => signServiceToken(GATEWAY_SECRET) },
];

describe.each(cases)("the $server after a 413", ({ url, size, token }) => {
  it.each([false, true])("answers the keep-alive client's next request (chunked: %s)", async (chunked) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const refused = await post(agent, url(), Buffer.alloc(size, 0x20), chunked, await token());
      expect(refused.status).toBe(413);
      for (let i = 0; i < 3; i++) {
        const next = await post(agent, url(), Buffer.from("{}"), false, await token());
        expect(next.status).toBe(400);
      }
      expect(refused.connection).toBe("close");
    } finally {
      agent.destroy();
    }
  });
});
