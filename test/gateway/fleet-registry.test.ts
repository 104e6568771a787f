import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../support/harness.js";

/**
 * The fleet registry's SQL (supabase/migrations/20261201010000_gateway_fleet.sql) on its own: who is live, what each
 * gateway may claim, when it sheds, and where a salon's holder listens. Salon ids here are this file's own range.
 */

let database: TestDatabase;
const T0 = new Date("2026-12-01T10:00:00Z");
const at = (sec: number) => new Date(T0.getTime() + sec * 1000).toISOString();

interface Plan { live: boolean; held: number; target: number; capacity: number; excess: number; claim: number[]; gateways: number }

const rpc = <T>(fn: string, args: Record<string, unknown>) => database.db.rpc<T>(fn, args);
const register = (id: string, capacity = 500, sec = 0) =>
  rpc("gateway_register", { p_id: id, p_address: `http://${id.replace("/", "-")}:8788`, p_capacity: capacity, p_now: at(sec), p_ttl_sec: 30 });
const heartbeat = (id: string, sec: number, draining = false) => rpc<Plan | null>("gateway_heartbeat", { p_id: id, p_now: at(sec), p_draining: draining });
const acquire = (salonId: number, holder: string, sec: number) =>
  rpc<number | null>("wa_lease_acquire", { p_salon_id: salonId, p_holder: holder, p_ttl_sec: 30, p_now: at(sec) });

let base = 9_000_000;
/** `n` paired sessions left connected by a gateway that went away. */
async function pairedSessions(n: number): Promise<number[]> {
  const ids = Array.from({ length: n }, (_, i) => base + i);
  base += n;
  for (const id of ids) await rpc("wa_session_connected", { p_salon_id: id, p_phone: "79990000000", p_now: at(0) });
  return ids;
}

/** Sessions logged out: no longer anyone's to claim (so the next test starts from an empty fleet). */
async function retire(ids: number[]): Promise<void> {
  for (const id of ids) await rpc("wa_session_mark", { p_salon_id: id, p_state: "logged_out", p_now: at(0), p_unpair: true });
}

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe("gateway fleet registry", () => {
  it("splits free sessions between live gateways by capacity, each picking mostly different salons", async () => {
    const ids = await pairedSessions(60);
    await register("a/1", 500);
    await register("b/1", 500);
    await register("c/1", 1000);
    const [a, b, c] = await Promise.all(["a/1", "b/1", "c/1"].map((g) => heartbeat(g, 1)));
    expect([a!.target, b!.target, c!.target]).toEqual([15, 15, 30]);
    expect(a!.claim).toHaveLength(15);
    expect(c!.claim).toHaveLength(30);
    for (const p of [a!, b!, c!]) for (const id of p.claim) expect(ids).toContain(id);
    // Claiming at once: the lease decides every overlap; what each won plus the next round reaches the targets.
    const won: Record<string, number> = { "a/1": 0, "b/1": 0, "c/1": 0 };
    for (let round = 0; round < 5; round++) {
      for (const g of ["a/1", "b/1", "c/1"]) {
        const plan = (await heartbeat(g, 2 + round))!;
        for (const id of plan.claim) if ((await acquire(id, g, 2 + round)) !== null) won[g]! += 1;
      }
    }
    expect(won).toEqual({ "a/1": 15, "b/1": 15, "c/1": 30 });
    expect((await heartbeat("a/1", 10))!.claim).toEqual([]);
    await Promise.all(["a/1", "b/1", "c/1"].map((g) => rpc("gateway_deregister", { p_id: g })));
    await retire(ids);
  });

  it("counts a gateway as gone once its heartbeat is older than its lease TTL, and a draining one as not accepting", async () => {
    await register("d/1", 500, 100);
    await register("e/1", 500, 100);
    expect((await heartbeat("d/1", 110))!.gateways).toBe(2);
    await heartbeat("e/1", 120, true);
    const plan = (await heartbeat("d/1", 125))!;
    expect(plan.gateways).toBe(1);
    expect((await heartbeat("e/1", 126, true))!.live).toBe(false);
    await heartbeat("d/1", 200);
    expect((await rpc<Plan>("gateway_claimable", { p_id: "e/1", p_now: at(200) })).live).toBe(false);
    expect(await heartbeat("nobody/1", 200)).toBeNull();
    await Promise.all(["d/1", "e/1"].map((g) => rpc("gateway_deregister", { p_id: g })));
  });

  it("tells an over-loaded gateway to shed only what a newcomer has room for beyond the free sessions", async () => {
    const ids = await pairedSessions(30);
    await register("f/1", 500, 300);
    for (const id of ids) await acquire(id, "f/1", 300);
    expect((await heartbeat("f/1", 301))!.excess).toBe(0);
    await register("g/1", 500, 302);
    const f = (await heartbeat("f/1", 303))!;
    expect([f.held, f.target, f.excess]).toEqual([30, 15, 15]);
    await Promise.all(["f/1", "g/1"].map((g) => rpc("gateway_deregister", { p_id: g })));
    await retire(ids);
  });

  it("answers where a salon's holder listens, and which other gateways take sessions, the emptiest first", async () => {
    const [salon, other] = await pairedSessions(2);
    await register("h/1", 10, 500);
    await register("i/1", 10, 500);
    await register("j/1", 1, 500);
    await register("k/1", 10, 500);
    await heartbeat("k/1", 500, true);
    await acquire(salon!, "h/1", 500);
    await acquire(other!, "j/1", 500);
    const holder = await rpc<Record<string, unknown>>("gateway_session_holder", { p_salon_id: salon, p_now: at(501) });
    expect(holder).toMatchObject({ holder: "h/1", address: "http://h-1:8788", live: true, draining: false });
    expect(await rpc("gateway_session_holder", { p_salon_id: salon, p_now: at(540) })).toBeNull();
    // Not the asker, not a full one (j/1), not a draining one (k/1); i/1 has the most room.
    expect(await rpc("gateway_peers", { p_id: "x/1", p_now: at(501) })).toEqual([
      { id: "i/1", address: "http://i-1:8788", held: 0, capacity: 10 },
      { id: "h/1", address: "http://h-1:8788", held: 1, capacity: 10 },
    ]);
    expect(await rpc("gateway_peers", { p_id: "i/1", p_now: at(501) })).toEqual([
      { id: "h/1", address: "http://h-1:8788", held: 1, capacity: 10 },
    ]);
    await Promise.all(["h/1", "i/1", "j/1", "k/1"].map((g) => rpc("gateway_deregister", { p_id: g })));
    await retire([salon!, other!]);
  });

  it("lets a restarted process of the same lineage claim its predecessor's sessions at once, first", async () => {
    const [mine] = await pairedSessions(1);
    await register("local-x/1", 500, 600);
    await acquire(mine!, "local-x/1", 600);
    await register("local-x/2", 500, 601);
    const plan = (await heartbeat("local-x/2", 602))!;
    expect(plan.claim).toEqual([mine]);
    expect(await acquire(mine!, "local-x/2", 602)).toBe(2);
    // The predecessor's registration went with it: the restart's share is not halved by a process that is gone.
    expect(plan.gateways).toBe(1);
    await retire([mine!]);
  });
});
