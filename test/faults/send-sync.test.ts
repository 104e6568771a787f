/**
 * SIGKILL while a send is on the socket (marked `sending`, not yet written: at most one per salon, which stays
 * unknown and is never repeated), and in the middle of a salon's sync (no send involved: nothing unknown).
 */
import { describe, expect, it } from "vitest";
import { crashAt } from "./scenario.js";

describe("a crash mid-send and mid-sync", () => {
  it("mid-send: nothing lost, nothing twice, at most the one send on the socket unknown", async () => {
    const c = await crashAt("mid-send:4", [962431, 962432]);
    expect(c).toMatchObject({ lost: 0, duplicated: 0 });
    expect(c.unknown).toBeLessThanOrEqual(1);
    for (const n of Object.values(c.unknownPerSalon)) expect(n).toBeLessThanOrEqual(1);
  });

  it("mid-sync: every client answered and confirmed, once", async () => {
    const c = await crashAt("mid-sync:2", [962441, 962442], 962443);
    expect(c).toMatchObject({ lost: 0, duplicated: 0, unknown: 0 });
    expect(c.told).toBe(c.received);
  });
});
