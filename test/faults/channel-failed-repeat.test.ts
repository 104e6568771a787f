/**
 * Issue 18: a channel message failed before anything was sent still ends at YClients with its one final status when
 * the process dies between marking it failed and queueing that status (`channel-after-fail`). Two repeats find the
 * message already failed and must queue the status again: YClients retrying the POST of an ad refused at the offer
 * (its client opted out), and the send job of a service message redelivered after it failed the message (the salon's
 * WhatsApp logged out). Neither client gets anything; each message gets its final status once.
 */
import { describe, expect, it } from "vitest";
import { FaultWorld, until } from "./world.js";

describe("a failed channel message's final status across a crash", () => {
  it("an ad refused at the offer gets its 16 from YClients' retry, a service message failed in its send job its 2 from the rerun", async () => {
    const w = await FaultWorld.open();
    const salonId = 962472;
    const [optedOut, reminded] = ["79155557201", "79155557202"];
    try {
      // The client opted out before YClients handed us the ad: refused at the offer, killed after it was failed,
      // before its 16 was queued. YClients got no answer and retries the POST.
      await w.start("channel-after-fail:1");
      await w.install(salonId, "79005557200");
      await w.sql("select outreach_opt_set($1, $2, true, 'stop_word', now())", [salonId, optedOut]);
      const retried = w.postAd(salonId, "9801", optedOut, "Скидка 20% на окрашивание до воскресенья!");
      expect(await w.killed(60_000), "the refused ad was never failed").toBe(-9);

      // The retried POST finds the ad failed and queues its 16. Then the salon's WhatsApp logs out and a reminder
      // comes: its send job fails it (session_logged_out), killed before its 2 was queued.
      await w.start("channel-after-fail:1");
      expect(await retried).toBe(200);
      await until("the refused ad's 16", async () => (w.finalStatusesOf("9801").length > 0 ? true : undefined));
      await w.logout(salonId);
      void w.postService(salonId, "9802", reminded, "Напоминаем о записи завтра в 12:00").catch(() => undefined);
      expect(await w.killed(60_000), "the reminder was never failed").toBe(-9);

      // No kill: the dispatcher takes back the send job it was delivering; the rerun queues the 2.
      await w.start();
      await until("the reminder's 2", async () => (w.finalStatusesOf("9802").length > 0 ? true : undefined));
      // A duplicate would come after the first post: give late deliveries a moment to show.
      await new Promise((r) => setTimeout(r, 3000));

      const clients = [optedOut, reminded].map((p) => `${p}@s.whatsapp.net`);
      expect((await w.sent(salonId)).filter((m) => clients.includes(m.to))).toEqual([]);
      expect(w.finalStatusesOf("9801")).toEqual([16]);
      expect(w.finalStatusesOf("9802")).toEqual([2]);
    } finally {
      await w.close();
    }
  });
});
