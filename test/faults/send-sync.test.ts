/**
 * SIGKILL while a send is on the socket (marked `sending`, not yet written: it stays unknown and is never
 * repeated, one per salon at most) and in the middle of a salon's first sync.
 */
import { describe, expect, it } from "vitest";
import { crashChain } from "./scenario.js";

describe("crashes mid-send and mid-sync", () => {
  it("nothing lost, nothing twice; unknown only the one send the mid-send kill cut off", async () => {
    const c = await crashChain([962431, 962432], [{ fault: "mid-send:5" }, { fault: "mid-sync:2", installs: 962433 }]);
    expect(c).toMatchObject({ lost: 0, duplicated: 0 });
    // Written to the socket or not: only the mid-send kill can leave a send that never reached its client.
    expect(c.unknown - c.unknownDelivered).toBe(1);
    for (const n of Object.values(c.unknownPerSalon)) expect(n).toBeLessThanOrEqual(2);
  });
});
