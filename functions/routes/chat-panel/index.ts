import type { Hono } from "hono";
import type { Services } from "../../../lib/services.js";
import { registerChatPanelApi } from "./api.js";
import { registerChatPanelFrame } from "./frame.js";

/** The salon's WhatsApp chats inside YClients' chat frame: the page and its API. */
export function registerChatPanel(app: Hono, s: Services): void {
  registerChatPanelFrame(app, s);
  registerChatPanelApi(app, s);
}
