/**
 * SIGKILL around the moment a send is accepted: before the gateway wrote it, and right after (written, not yet
 * answered). Nothing may be lost, nothing sent twice, and no send may be cut off before the socket (an unknown
 * outcome is possible only for a message already written when the kill landed elsewhere, and it reached its client).
 */
import { describe, expect, it } from "vitest";
import { crashChain } from "./scenario.js";

describe("crashes around a send's acceptance", () => {
  it("before a send is accepted, then after one is: every client answered and confirmed, once", async () => {
    const c = await crashChain([962411, 962412], [{ fault: "before-accept:5" }, { fault: "after-accept:4" }]);
    expect(c).toMatchObject({ lost: 0, duplicated: 0 });
    expect(c.unknown - c.unknownDelivered).toBe(0);
    expect(c.told).toBe(c.received);
  });
});
