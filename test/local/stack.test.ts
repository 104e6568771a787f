/**
 * `npm start`'s stack on free ports and a temporary DATA_DIR: both parts answer /health, the embedded database
 * answers a real Postgres client, a restart keeps the data, and /health says 503 when a dependency is down.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type Config } from "../../lib/config/index.js";
import { startStack, type Stack } from "../../local/stack.js";
import { freePort, silentLog } from "../support/harness.js";

let dataDir: string;
let config: Config;
let stack: Stack | undefined;

async function health(url: string): Promise<{ status: number; body: { status: string; checks: Record<string, { ok: boolean }> } }> {
  const res = await fetch(`${url}/health`);
  return { status: res.status, body: (await res.json()) as never };
}

async function psqlQuery<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ host: "127.0.0.1", port: config.database.kind === "embedded" ? config.database.localDbPort : 0, user: "postgres", database: "postgres" });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "ai-admin-stack-"));
  const [port, gatewayPort, dbPort] = [await freePort(), await freePort(), await freePort()];
  config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    GATEWAY_PORT: String(gatewayPort),
    LOCAL_DB_PORT: String(dbPort),
    WHATSAPP_TRANSPORT: "emulator",
    LOG_LEVEL: "silent",
  });
  stack = await startStack(config, silentLog);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the local stack", () => {
  it("answers /health 200 on both ports, naming each dependency", async () => {
    const functions = await health(stack!.urls.functions);
    expect(functions.status).toBe(200);
    expect(functions.body.checks).toMatchObject({ database: { ok: true }, gateway: { ok: true }, dispatcher: { ok: true } });
    expect(stack!.urls.functions).toBe(`http://localhost:${config.port}`);
    const gateway = await health(stack!.urls.gateway);
    expect(gateway.status).toBe(200);
    expect(gateway.body.checks).toMatchObject({ database: { ok: true } });
  });

  it("serves the embedded database to a Postgres client on LOCAL_DB_PORT", async () => {
    expect(stack!.urls.psql).toContain(`-p ${config.database.kind === "embedded" ? config.database.localDbPort : ""}`);
    const tables = (await psqlQuery<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public' order by 1")).map(
      (r) => r.tablename,
    );
    expect(tables).toEqual(expect.arrayContaining(["salons", "records", "notifications", "schema_migrations"]));
  });

  it("keeps the data across stop and start", async () => {
    await stack!.services.db.rpc("marketplace_event_add", { p_salon_id: 77, p_event: "install", p_data: { kept: true } });
    await stack!.stop();
    stack = undefined;
    stack = await startStack(config, silentLog);
    const events = await stack.services.db.rpc<Array<{ event: string; data: unknown }>>("marketplace_events_list", { p_salon_id: 77 });
    expect(events.map((e) => [e.event, e.data])).toEqual([["install", { kept: true }]]);
    const rows = await psqlQuery<{ n: number }>("select count(*)::int as n from marketplace_events where salon_id = 77");
    expect(rows[0]?.n).toBe(1);
  });

  it("answers /health 503 on the functions when the gateway is down", async () => {
    await stack!.gateway.close();
    const res = await health(stack!.urls.functions);
    expect(res.status).toBe(503);
    expect(res.body.status).toBe("degraded");
    expect(res.body.checks).toMatchObject({ database: { ok: true }, gateway: { ok: false } });
  });
});

describe("npm start", () => {
  it("prints what it runs on and its URLs, answers /health, and stops cleanly on SIGINT", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), "ai-admin-start-"));
    const [port, gatewayPort, dbPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(join(root, "node_modules/.bin/tsx"), ["local/start.ts"], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dir,
        PORT: String(port),
        GATEWAY_PORT: String(gatewayPort),
        LOCAL_DB_PORT: String(dbPort),
        WHATSAPP_TRANSPORT: "emulator",
        LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", () => stdout.includes("Ctrl-C") && resolve());
        void exited.then((code) => reject(new Error(`npm start exited ${code} before it was up:\n${stdout}`)));
      });
      expect(stdout).toContain("embedded Postgres");
      expect(stdout).toContain("local dispatcher");
      expect(stdout).toContain(`http://localhost:${port}`);
      expect(stdout).toContain(`http://localhost:${gatewayPort}`);
      expect(stdout).toContain(`psql -h 127.0.0.1 -p ${dbPort}`);
      expect((await fetch(`http://localhost:${port}/health`)).status).toBe(200);
      expect((await fetch(`http://localhost:${gatewayPort}/health`)).status).toBe(200);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(stdout).toContain("stopped cleanly");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
