/**
 * Three gateway processes share the salons' sessions on a real PostgreSQL (run by `npm run test:real-pg`; skipped
 * without TEST_DATABASE_URL, since the embedded database serves one process). Under a steady stream of sends and
 * inbound messages: kill -9 one gateway, then restart all three one by one with SIGTERM. Nothing accepted is lost or
 * delivered twice, no salon is connected through two gateways at once, and every session comes back. How long the
 * moves take is bench/fleet.ts's business (no timed assertions here).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet, Stream } from "./fleet.js";

const SALONS = Array.from({ length: 30 }, (_, i) => 7_700_001 + i);
// Longer than a loaded machine's event-loop stalls: a holder stalled past its lease stays connected until its next
// renewal finds the lease gone (seen at 3 s under load 20: 167 ms connected twice), which this test would count.
const LEASE_TTL_SEC = 10;

describe.skipIf(!process.env.TEST_DATABASE_URL)("a fleet of three gateways", () => {
  let fleet: Fleet;
  let stream: Stream;

  beforeAll(async () => {
    fleet = await Fleet.open({ leaseTtlSec: LEASE_TTL_SEC, capacity: 100 });
    await Promise.all([0, 1, 2].map((slot) => fleet.start(slot)));
    await fleet.pair(SALONS);
    await fleet.allHeld(SALONS, 60_000);
    stream = new Stream(fleet, SALONS, 150);
    stream.start();
  }, 180_000);

  afterAll(async () => {
    await stream?.stop();
    await fleet?.close();
  }, 60_000);

  it("kill -9 of one gateway: its sessions come back on the others, nothing lost, nothing twice", async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const victim = fleet.live()[0]!;
    const before = await fleet.held();
    expect(before[victim.lineage] ?? 0, "the victim held sessions").toBeGreaterThan(0);
    await fleet.kill(victim);
    await fleet.allHeld(SALONS, 90_000);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await fleet.held();
    expect(after[victim.lineage]).toBeUndefined();
    expect(stream.failures).toEqual([]);
    const counts = await fleet.count(stream, 0);
    expect(counts.overlaps).toEqual([]);
    console.log(`kill -9: held before ${JSON.stringify(before)}, after ${JSON.stringify(after)}, longest gap ${stream.takeLongestGap().toFixed(0)} ms`);
  }, 180_000);

  it("a rolling restart of all three, one by one: nothing lost, nothing twice, never connected twice", async () => {
    await fleet.start(0);
    await fleet.allHeld(SALONS, 90_000);
    // As ECS rolls a deployment at 100 % minimum healthy: a new task first, then SIGTERM to an old one.
    for (const old of fleet.live().slice(0, 3)) {
      await fleet.start(old.slot);
      await fleet.terminate(old);
      await fleet.allHeld(SALONS, 90_000);
    }
    await fleet.allHeld(SALONS, 90_000);
    await new Promise((r) => setTimeout(r, 1500));
    await stream.stop();
    const gap = stream.takeLongestGap();
    const counts = await fleet.count(stream, 60_000);
    console.log(`rolling restart: ${JSON.stringify(counts)}, held ${JSON.stringify(await fleet.held())}, longest gap ${gap.toFixed(0)} ms`);
    expect(stream.failures).toEqual([]);
    expect(counts.sendsAccepted).toBeGreaterThan(SALONS.length * 4);
    expect(counts.sendsLost).toBe(0);
    expect(counts.sendsDuplicated).toBe(0);
    expect(counts.inboundLost).toBe(0);
    expect(counts.overlaps).toEqual([]);
  }, 300_000);
});
