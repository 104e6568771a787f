/**
 * The owner's switch for the chat panel in the YClients journal. Off: the frame stays (YClients documents no call
 * that removes it) but says the owner switched it off, shows no chats, sends nothing, and the journal is no longer
 * told about new messages. On again: everything resumes, and the frame is installed again (it may have lost the
 * salon's one chat slot to another app meanwhile). Each change is a settings-history row like any other setting.
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import { panelEnabled } from "../chat-panel/enabled.js";
import { publishFrameReinstall } from "../chat-panel/install-frames.js";
import { switchPanel } from "../chat-panel/store.js";
import type { Salon } from "../salons/store.js";

export const chatPanelState = (salon: Salon) => ({ enabled: panelEnabled(salon.settings) });

export async function switchChatPanel(
  d: { db: Db; clock: Clock; dispatcher: Dispatcher },
  who: { salonId: number; userId: number },
  enabled: boolean,
): Promise<{ enabled: boolean; changed: boolean }> {
  const r = await switchPanel(d.db, d.clock, { ...who, enabled });
  if (r.changed && r.enabled && r.change_id !== null) await publishFrameReinstall(d.dispatcher, who.salonId, Number(r.change_id));
  return { enabled: r.enabled, changed: r.changed };
}
