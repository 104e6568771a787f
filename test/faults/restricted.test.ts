/**
 * A send WhatsApp refuses with 463 leaves three things: the message failed (a channel message's final status to
 * YClients), the salon's `whatsapp_restricted` event (the owner sees it in the cabinet; proactive messages stop until
 * acknowledged) and the restriction that switches YClients' channel off. The stack is killed right after the message
 * was marked failed (`channel-after-fail`), where the event and the restriction used to be written next, and after the
 * restart QStash delivers the refusal's job once more (at least once): the owner is told once, YClients switches the
 * channel off once and gets one final status, proactive messages stop, and the client gets nothing.
 */
import { describe, expect, it } from "vitest";
import { FaultWorld, until } from "./world.js";

describe("a 463 across a crash and a redelivery", () => {
  it("tells the owner once, switches the channel off once, stops proactive messages, sends the client nothing", async () => {
    const w = await FaultWorld.open();
    const salonId = 962481;
    const [client, regular] = ["79155558301", "79155558302"];
    const key = `channel:${salonId}:9901`;
    const started = Date.now();
    try {
      // WhatsApp restricts the salon's number for this client; YClients routes a reminder through our channel. The
      // gateway refuses it, the stack marks it failed and dies there.
      await w.start("channel-after-fail:1");
      await w.install(salonId, "79005558300");
      await w.refuse(salonId, client, "restricted_463");
      const posted = w.postService(salonId, "9901", client, "Напоминаем о записи завтра в 12:00");
      expect(await w.killed(60_000), "the refused reminder was never failed").toBe(-9);

      // The restart finishes the refusal's job; then QStash delivers it again.
      await w.start();
      expect(await posted).toBe(200);
      await until("the reminder's final status", async () => (w.finalStatusesOf("9901").length > 0 ? true : undefined));
      const offChannel = () => w.sandbox.channel.channelUpdates.filter((u) => u.salonId === salonId);
      await until("YClients told the channel is off", async () => (offChannel().length > 0 ? true : undefined));
      expect(await w.redeliverFailure(key)).toBe(200);

      // A proactive message offered now stays queued: the sender's claim is stopped by the unacknowledged 463.
      const [offer] = await w.sql<{ result: string }>("select outreach_offer($1, $2, 'winback', 'Давно вас не видели!', 'winback:1', null, false, now()) as result", [salonId, regular]);
      expect(offer!.result).toBe("queued");
      expect(await w.wakeSender(salonId)).toBe(200);
      // A duplicate (a second event, status or channel update) would follow the first: give late jobs a moment to show.
      await new Promise((r) => setTimeout(r, 3000));

      const events = await w.eventsOf(salonId, "whatsapp_restricted");
      expect(events, "the owner is told once").toHaveLength(1);
      expect(events[0]!.data.message).toBe(key);
      expect(offChannel().map((u) => u.available), "YClients switches the channel off once").toEqual([false]);
      expect(w.finalStatusesOf("9901")).toHaveLength(1);
      expect(await w.sql("select status from outreach_messages where salon_id = $1", [salonId])).toEqual([{ status: "queued" }]);
      const phones = [client, regular].map((p) => `${p}@s.whatsapp.net`);
      expect((await w.sent(salonId)).filter((m) => phones.includes(m.to)), "no client got anything").toEqual([]);
      console.log(`restricted chain: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await w.close();
    }
  });
});
