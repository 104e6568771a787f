/**
 * SIGKILL around the moment a send is accepted: before the gateway wrote it, and right after (written, not yet
 * answered). Nothing may be lost, nothing sent twice, and no outcome is unknown (nothing was on the socket).
 */
import { describe, expect, it } from "vitest";
import { crashAt } from "./scenario.js";

describe("a crash around a send's acceptance", () => {
  it("before the send is accepted: every client answered and confirmed, once", async () => {
    const c = await crashAt("before-accept:5", [962411, 962412]);
    expect(c).toMatchObject({ lost: 0, duplicated: 0, unknown: 0 });
    expect(c.told).toBe(c.received);
  });

  it("after the send is accepted, before the answer: every client answered and confirmed, once", async () => {
    const c = await crashAt("after-accept:5", [962421, 962422]);
    expect(c).toMatchObject({ lost: 0, duplicated: 0, unknown: 0 });
    expect(c.told).toBe(c.received);
  });
});
