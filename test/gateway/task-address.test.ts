import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskInternalUrl } from "../../whatsapp-gateway/task-address.js";

/** A stand-in for the ECS agent's metadata endpoint: the container path answers what `answer` holds. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let server: Server;
let metadataUri: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  metadataUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v4/0123456789abcdef-1234567890`;
});
afterAll(() => new Promise((r) => server.close(r)));

/** The container metadata Fargate answers (trimmed; the shape of AWS's documented example). */
const fargateContainer = (ip: string) => ({
  DockerId: "cd189a933e5849daa93386466019ab50-2495160603",
  Name: "Gateway",
  Networks: [{ NetworkMode: "awsvpc", IPv4Addresses: [ip], PrivateDNSName: `ip-${ip.replaceAll(".", "-")}.eu-central-1.compute.internal` }],
});

describe("the task's internal address", () => {
  it("on Fargate is its private IP from the task metadata endpoint, on the gateway's port", async () => {
    answer = { status: 200, body: fargateContainer("10.0.12.34") };
    expect(await taskInternalUrl({ ECS_CONTAINER_METADATA_URI_V4: metadataUri }, 8788)).toBe("http://10.0.12.34:8788");
  });

  it("is GATEWAY_INTERNAL_URL when that is set, and unknown on a machine that is not an ECS task", async () => {
    answer = { status: 200, body: fargateContainer("10.0.12.34") };
    expect(await taskInternalUrl({ GATEWAY_INTERNAL_URL: "http://gw-2:8788", ECS_CONTAINER_METADATA_URI_V4: metadataUri }, 8788))
      .toBe("http://gw-2:8788");
    expect(await taskInternalUrl({}, 8788)).toBeNull();
  });

  it("stops the start with a reason when the metadata cannot say it, rather than registering a wrong address", async () => {
    answer = { status: 500, body: {} };
    await expect(taskInternalUrl({ ECS_CONTAINER_METADATA_URI_V4: metadataUri }, 8788)).rejects.toThrow(/answered 500/);
    answer = { status: 200, body: { Networks: [{ NetworkMode: "bridge", IPv4Addresses: ["172.17.0.2"] }] } };
    await expect(taskInternalUrl({ ECS_CONTAINER_METADATA_URI_V4: metadataUri }, 8788)).rejects.toThrow(/no awsvpc IPv4/);
  });
});
