/**
 * Issue 16: an administrator's answer from the chat panel in flight when the stack is killed, right after the
 * gateway accepted it and before it was stored as the administrator's. The page saw the request fail ("not sent"),
 * kept the draft and its key, and sends it again once the stack is back: the client gets it once, and the panel's
 * history shows it once, as the administrator's.
 */
import { describe, expect, it } from "vitest";
import { frameUrl } from "../../lib/chat-panel/frame-hash.js";
import { FaultWorld, until } from "./world.js";

describe("a chat panel answer during a crash", () => {
  it("is reported not sent at the kill, and the resent draft reaches the client once", async () => {
    const w = await FaultWorld.open();
    const salonId = 962431;
    const client = "79155553101";
    const text = "Добрый день! Это администратор, завтра в 12:00 свободно.";
    try {
      await w.start("panel-after-accept:1");
      await w.install(salonId, "79005553100");
      await w.clientWrites(salonId, client, "Здравствуйте, есть время завтра?");
      const page = await (await fetch(frameUrl(w.functionsUrl, "faults-partner-token", { salonId, userId: w.sandbox.owner(salonId).id }))).text();
      const token = (JSON.parse(/id="panel-config">([^<]*)</.exec(page)![1]!) as { token: string }).token;
      const call = (path: string, body?: unknown) => fetch(`${w.functionsUrl}/chat-panel/api/${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      await until("the client's chat in the panel", async () => {
        const r = (await (await call("conversations")).json()) as { chats: Array<{ phone: string }> };
        return r.chats.some((c) => c.phone === client) ? true : undefined;
      });

      const draft = { phone: client, text, key: "fault-draft-000001" };
      const first = await call("send", draft).then((r) => r.status, () => "not sent");
      expect(first).toBe("not sent");
      expect(await w.killed(60_000)).toBe(-9);

      await w.start();
      const again = await call("send", draft);
      expect(again.status).toBe(200);
      const toClient = async () => (await w.sent(salonId)).filter((m) => m.to === `${client}@s.whatsapp.net` && m.text === text);
      await until("the answer on the client's phone", async () => ((await toClient()).length > 0 ? true : undefined));
      const history = (await (await call(`messages?phone=${client}`)).json()) as { messages: Array<{ direction: string; text: string }>; chat: { pausedUntil: string | null } };
      expect(history.messages.filter((m) => m.text === text).map((m) => m.direction)).toEqual(["admin"]);
      expect(history.chat.pausedUntil).not.toBeNull();
      // A third try (a double click after the restart) changes nothing either.
      expect((await call("send", draft)).status).toBe(200);
      expect(await toClient()).toHaveLength(1);
    } finally {
      await w.close();
    }
  });
});
