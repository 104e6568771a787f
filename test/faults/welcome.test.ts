/**
 * The welcome in the salon owner's own WhatsApp chat, sent at activation and again when the salon re-links after a
 * logout (lib/marketplace/welcome.ts), during crashes. The kills land after the gateway took the activation's welcome
 * and before the job heard its message id (the rerun asks again under the same key), before the re-link's welcome
 * reached the gateway (its job must come back after the restart), and after the gateway took it on that rerun. The
 * owner's chat ends up with each welcome once.
 */
import { describe, expect, it } from "vitest";
import { welcomeText } from "../../lib/marketplace/welcome.js";
import { FaultWorld, until } from "./world.js";

describe("the owner's welcome during crashes", () => {
  it("the activation's and the re-link's welcomes each reach the owner once", async () => {
    const w = await FaultWorld.open();
    const salonId = 962481;
    const owner = "79005558100";
    const chat = async () => (await w.sent(salonId)).filter((m) => m.to === `${owner}@s.whatsapp.net`).map((m) => m.text);
    const welcomesRecorded = async () =>
      (await w.sql<{ n: number }>("select count(*)::int as n from marketplace_events where salon_id = $1 and event = 'welcome_sent'", [salonId]))[0]!.n;
    try {
      // The activation's welcome is the run's first send. The link's own event activates the salon too, so the kill
      // may land before the page's activation call is answered.
      await w.start("after-accept:1");
      await w.install(salonId, owner).catch(() => undefined);
      expect(await w.killed(60_000), "never reached the activation welcome's acceptance").toBe(-9);

      // The activation job's rerun is this run's first send (answered the first one's message id); the owner then
      // logs out on the phone and scans again: the re-link's welcome, the second, is killed before the gateway took it.
      await w.start("before-accept:2");
      await until("the activation's welcome recorded", async () => ((await welcomesRecorded()) === 1 ? true : undefined));
      await w.relink(salonId);
      expect(await w.killed(60_000), "never reached the re-link welcome's send").toBe(-9);

      // The relinked job comes back; the gateway takes the welcome and dies before answering.
      await w.start("after-accept:1");
      expect(await w.killed(60_000), "the re-link's welcome never came back").toBe(-9);

      await w.start();
      await until("the re-link's welcome recorded", async () => ((await welcomesRecorded()) === 2 ? true : undefined), 120_000);
      await until("both welcomes on the owner's phone", async () => ((await chat()).length >= 2 ? true : undefined));
      // A duplicate would come after the first copy: give late deliveries a moment to show.
      await new Promise((r) => setTimeout(r, 3000));

      const [salon] = await w.sql<{ status: string; title: string | null; settings: Record<string, unknown> }>(
        "select status, title, settings from salons where salon_id = $1", [salonId]);
      expect(salon?.status).toBe("active");
      expect(await chat()).toEqual([welcomeText(owner, salon!), welcomeText(owner, salon!)]);
      expect((await w.sent(salonId)).length).toBe(2);
      expect(await welcomesRecorded()).toBe(2);
      const sends = await w.sql<{ key: string; status: string }>("select idempotency_key as key, status from wa_sends where salon_id = $1 order by idempotency_key", [salonId]);
      expect(sends.map((s) => s.key)).toEqual([expect.stringMatching(/^welcome:962481:\d+$/), expect.stringMatching(/^welcome:962481:relink:\d+$/)]);
      expect(sends.filter((s) => s.status === "unknown")).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
