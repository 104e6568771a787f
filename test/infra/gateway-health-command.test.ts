/**
 * The gateway's ECS container health check, as sst.config.ts declares it, run against a stand-in /health: ECS runs
 * the command in the container and counts a non-zero exit as a failed check. Apart from config.test.ts because it
 * starts a server and a process (the unit project has neither).
 */
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { GATEWAY_PORT } from "../../infra/gateway-constants.js";
import { loadSstConfig } from "./sst-stand-ins.js";

it("passes only while /health answers 200 (503 while the gateway drains, nothing when it is down)", async () => {
  const sst = await loadSstConfig(resolve(import.meta.dirname, "../../sst.config.ts"));
  const { records } = await sst.evaluate("production", {
    SUPABASE_URL: "https://abcdefgh.supabase.co", YCLIENTS_APPLICATION_ID: "4242", GATEWAY_DOMAIN: "wa.example.com",
  });
  const gateway = records.find((r) => r.type === "sst.aws.Service")!;
  const command = (gateway.args.health as { command: string[] }).command;
  expect(command.slice(0, 3)).toEqual(["CMD", "node", "-e"]);

  let status = 200;
  const server = createServer((_req, res) => res.writeHead(status).end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  // The script as ECS runs it in the container, pointed at this stand-in instead of the gateway's port.
  const script = command[3]!.replace(`:${GATEWAY_PORT}/`, `:${(server.address() as AddressInfo).port}/`);
  expect(script).not.toBe(command[3]);
  const exitCode = () => new Promise<number | null>((r) => execFile(process.execPath, ["-e", script]).on("exit", r));
  try {
    expect(await exitCode()).toBe(0);
    status = 503;
    expect(await exitCode()).toBe(1);
  } finally {
    await new Promise((r) => server.close(r));
  }
  expect(await exitCode()).toBe(1);
});
