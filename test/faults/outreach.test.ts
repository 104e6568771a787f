/**
 * Issue 21: the stack is killed right after the gateway accepted a proactive message and before the outbox marked it
 * sent. After the restart the row's lease runs out, the paced sender resumes it under the same idempotency key, and
 * the gateway answers with the first message: every client gets their message once, and the chat history holds it once.
 */
import { describe, expect, it } from "vitest";
import { FaultWorld, until } from "./world.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a proactive message during a crash", () => {
  it("is sent once, recorded once, and the rest of the outbox follows", async () => {
    const w = await FaultWorld.open();
    const salonId = 962451;
    const clients = ["79155554101", "79155554102", "79155554103"];
    try {
      await w.start("outreach-after-accept:1");
      await w.install(salonId, "79005554100");
      await w.sql(`update salons set settings = jsonb_set(settings, '{outreach}', '{"spacingMinSec": 2, "spacingMaxSec": 2}') where salon_id = $1`, [salonId]);
      for (const chat of clients) {
        const [r] = await w.sql<{ result: string }>("select outreach_offer($1, $2, 'winback', $3, $4, null, false, now()) as result",
          [salonId, chat, `Давно вас не видели! (${chat})`, `winback:${chat}`]);
        expect(r!.result).toBe("queued");
      }
      expect(await w.killed(120_000)).toBe(-9);

      await w.start();
      const got = async () => (await w.sent(salonId)).filter((m) => clients.some((c) => m.to === `${c}@s.whatsapp.net`));
      const statuses = () => w.sql<{ status: string; n: number }>(
        "select status, count(*)::int as n from outreach_messages where salon_id = $1 group by status", [salonId]);
      // The message cut by the kill is resumed once its row's lease (30 s) runs out, after the other two went out.
      await until("all three sent", async () => (JSON.stringify(await statuses()) === JSON.stringify([{ status: "sent", n: 3 }]) ? true : undefined), 240_000);
      await sleep(3000);
      expect((await got()).map((m) => m.to).sort()).toEqual(clients.map((c) => `${c}@s.whatsapp.net`));
      expect(await statuses()).toEqual([{ status: "sent", n: 3 }]);
      const history = await w.sql<{ phone: string; n: number }>(
        "select phone, count(*)::int as n from messages where salon_id = $1 and direction = 'out' and data ? 'outreach' group by phone order by phone", [salonId]);
      expect(history).toEqual(clients.map((phone) => ({ phone, n: 1 })));
    } finally {
      await w.close();
    }
  });
});
