import type { Hono } from "hono";
import { z } from "zod";
import { chatPanelState, switchChatPanel } from "../../../lib/cabinet/chat-panel.js";
import { settingsHistory } from "../../../lib/cabinet/settings.js";
import type { Services } from "../../../lib/services.js";
import { readJson } from "../../http/json-body.js";
import { cabinetAccess } from "./access.js";

const Switch = z.object({ enabled: z.boolean({ error: "Чаты в журнале: включены или выключены" }) });

/**
 * The cabinet's switch for the chat panel in the YClients journal (lib/cabinet/chat-panel.ts):
 * GET /cabinet/api/:salonId/chat-panel → {enabled}; POST {enabled} (session + CSRF) → {enabled, changed, history}.
 */
export function registerCabinetChatPanel(app: Hono, s: Services): void {
  const path = "/cabinet/api/:salonId{[0-9]+}/chat-panel";
  app.get(path, async (c) => {
    const { salon } = await cabinetAccess(c, s, false);
    return c.json(chatPanelState(salon), 200, { "cache-control": "no-store" });
  });

  app.post(path, async (c) => {
    const { salonId, session } = await cabinetAccess(c, s, true);
    const body = await readJson(c, Switch);
    const r = await switchChatPanel(s, { salonId, userId: session.userId }, body.enabled);
    if (r.changed) s.log.info({ salonId, userId: session.userId, enabled: r.enabled }, "cabinet: chat panel switched");
    return c.json({ ...r, history: await settingsHistory(s.db, salonId) }, 200, { "cache-control": "no-store" });
  });
}
