/**
 * Issue 21: the answer to a review request ("Как вам визит? Оцените от 1 до 5") during crashes. A "2" is killed right
 * after the gateway accepted the apology, before the chat was handed over (paused, the salon's number told) and
 * before the apology was in the history; a "5" is killed after its rating was kept and before its thanks reached the
 * gateway. Each rerun of the inbound job keeps the same rating and answers under the review request's keys: every
 * client is answered once, the salon told once, the history holds each answer once, each rating is kept once.
 */
import { describe, expect, it } from "vitest";
import { highRatingReply, LOW_RATING_REPLY } from "../../lib/campaigns/texts.js";
import { FaultWorld, until } from "./world.js";

describe("a visit rating during crashes", () => {
  it("low and high ratings answered once each, the low one handed to the salon once", async () => {
    const w = await FaultWorld.open();
    const salonId = 962461;
    const owner = "79005556100";
    const [low, high] = ["79155556101", "79155556102"];
    const sent = async (to: string) => (await w.sent(salonId)).filter((m) => m.to === `${to}@s.whatsapp.net`).map((m) => m.text);
    try {
      // The salon's welcome is this run's first send, the apology its second: the kill lands after the gateway took
      // the apology, before the handover.
      await w.start("after-accept:2");
      await w.install(salonId, owner);
      await until("the salon's welcome", async () => ((await sent(owner)).length > 0 ? true : undefined));
      // Review requests went out after yesterday's visits (their sending is the outreach chain's, test/faults/outreach).
      for (const chat of [low, high]) {
        await w.sql("insert into campaign_offers (salon_id, kind, chat, ref, client_name, status, planned_at, offered_at) values ($1, 'review_request', $2, $3, null, 'queued', now(), now())",
          [salonId, chat, `visit-${chat}`]);
      }
      await w.clientWrites(salonId, low, "2");
      expect(await w.killed(60_000), "never reached the apology's acceptance").toBe(-9);

      // The rerun sends the apology (same key: no second message) and the salon's notice, sends 1 and 2 of this run;
      // the "5" written after that is send 3: killed with its rating kept and nothing sent.
      await w.start("before-accept:3");
      await w.redeliver();
      await until("the salon told of the low rating", async () => ((await sent(owner)).some((t) => t.includes("оценил визит на 2 из 5")) ? true : undefined));
      await w.clientWrites(salonId, high, "5");
      expect(await w.killed(60_000), "never reached the thanks' send").toBe(-9);

      await w.start();
      await w.redeliver();
      await until("the thanks on the client's phone", async () => ((await sent(high)).length > 0 ? true : undefined), 120_000);
      // A duplicate would come after the first copy: give late deliveries a moment to show.
      await new Promise((r) => setTimeout(r, 3000));

      expect(await sent(low)).toEqual([LOW_RATING_REPLY]);
      expect(await sent(high)).toEqual([highRatingReply(null)]);
      expect((await sent(owner)).filter((t) => t.includes("оценил визит"))).toHaveLength(1);
      const history = await w.sql<{ phone: string; n: number }>(
        "select phone, count(*)::int as n from messages where salon_id = $1 and direction = 'out' and data->>'key' like 'campaign-rating%' group by phone order by phone", [salonId]);
      expect(history).toEqual([owner, low, high].sort().map((phone) => ({ phone, n: 1 })));
      const ratings = await w.sql<{ chat: string; rating: number }>("select chat, rating from campaign_offers where salon_id = $1 order by chat", [salonId]);
      expect(ratings).toEqual([{ chat: low, rating: 2 }, { chat: high, rating: 5 }]);
      const [chat] = await w.sql<{ paused_reason: string }>("select paused_reason from conversations where salon_id = $1 and phone = $2 and paused_until > now()", [salonId, low]);
      expect(chat?.paused_reason).toBe("handover");
      const unknown = await w.sql("select 1 from wa_sends where salon_id = $1 and status = 'unknown'", [salonId]);
      expect(unknown).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
