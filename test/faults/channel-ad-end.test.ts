/**
 * Issue 18: every channel ad ends at YClients with one final status, crashes included. The kills land where an ad
 * that will not reach its client was marked failed but its status not yet queued (`channel-after-fail`: an ad dropped
 * because its client opted out while it waited, then one WhatsApp refused), and where YClients took the final status
 * but we had not marked it posted (`channel-status-after-post`). The ads that may not go out never reach their clients,
 * the one that may reaches its client once, and each ad gets its one final status. The one repeat is the status
 * YClients took at the second kill: nothing can tell it was taken, so it is posted again, the same status.
 */
import { describe, expect, it } from "vitest";
import { FaultWorld, until } from "./world.js";

describe("a channel ad's end during crashes", () => {
  it("opted-out and refused ads end with one final status each, a sendable one reaches its client once", async () => {
    const w = await FaultWorld.open();
    const salonId = 962471;
    const [optedOut, refused, client] = ["79155557101", "79155557102", "79155557103"];
    const ad = (phone: string) => `Скидка 20% на окрашивание до воскресенья! (${phone})`;
    const got = async (phone: string) => (await w.sent(salonId)).filter((m) => m.to === `${phone}@s.whatsapp.net`).map((m) => m.text);
    const posted = (ycId: string, status: number) => until(`status ${status} of ${ycId}`, async () => (w.statusesOf(ycId).includes(status) ? true : undefined));
    try {
      // An ad waits in the outbox; its client opts out; the sender drops it: killed after it was failed, before its
      // 16 was queued.
      await w.start("channel-after-fail:1");
      await w.install(salonId, "79005557100");
      expect(await w.postAd(salonId, "9701", optedOut, ad(optedOut))).toBe(200);
      await posted("9701", 8);
      await w.sql("select outreach_opt_set($1, $2, true, 'stop_word', now())", [salonId, optedOut]);
      await w.wakeSender(salonId);
      expect(await w.killed(60_000), "the opted-out ad was never dropped").toBe(-9);

      // The cron's first run hands the dropped ad over again: its 16 is queued and posted, killed before it was
      // marked posted.
      await w.start("channel-status-after-post:1");
      expect(await w.killed(60_000), "the dropped ad's 16 was never posted").toBe(-9);
      expect(w.finalStatusesOf("9701")).toEqual([16]);

      // WhatsApp refuses the next ad at the socket: killed after it was failed, before its 2 was queued.
      await w.start("channel-after-fail:1");
      await w.refuse(salonId, refused, "not_on_whatsapp");
      expect(await w.postAd(salonId, "9702", refused, ad(refused))).toBe(200);
      await posted("9702", 8);
      await w.wakeSender(salonId);
      expect(await w.killed(60_000), "the refused ad was never failed").toBe(-9);

      // No kill: the redelivered outcome queues the 2, the 16 is posted again once its post's lease (30 s) ran out,
      // and an ad to a client on WhatsApp goes out once the pause after the last one is over.
      await w.start();
      await w.sql("update outreach_salons set next_at = now() where salon_id = $1", [salonId]);
      expect(await w.postAd(salonId, "9703", client, ad(client))).toBe(200);
      await w.wakeSender(salonId);
      await until("every ad's end", async () => {
        const ended = w.finalStatusesOf("9701").length === 2 && w.finalStatusesOf("9702").length === 1 && w.statusesOf("9703").includes(4);
        return ended && (await got(client)).length > 0 ? true : undefined;
      }, 150_000);
      // A duplicate would come after the first copy: give late deliveries a moment to show.
      await new Promise((r) => setTimeout(r, 3000));

      expect(await got(optedOut)).toEqual([]);
      expect(await got(refused)).toEqual([]);
      expect(await got(client)).toEqual([ad(client)]);
      expect(w.finalStatusesOf("9701")).toEqual([16, 16]);
      expect(w.finalStatusesOf("9702")).toEqual([2]);
      expect(w.finalStatusesOf("9703")).toEqual([]);
      expect(w.statusesOf("9703").filter((s) => s === 4)).toEqual([4]);
      for (const id of ["9701", "9702", "9703"]) expect(w.statusesOf(id).filter((s) => s === 8)).toEqual([8]);
    } finally {
      await w.close();
    }
  });
});
