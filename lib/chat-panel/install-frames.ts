import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import type { YClientsClient } from "../yclients/client.js";
import { chatPanelUrl } from "./frame-hash.js";

/**
 * Salons activated before the panel shipped (their activation callback carried no `chat_url`) get the frame once
 * through `POST /marketplace/application/install_frame`. Salons activated since the given release time are skipped:
 * their callback installed it. A refusal is logged and retried on the next run; a success is recorded.
 */
export const PANEL_RELEASED_AT = "2026-12-01T00:00:00Z";
const BATCH = 50;

export async function installMissingFrames(d: { db: Db; clock: Clock; log: Logger; yclients: YClientsClient; config: { publicUrl: string } }): Promise<{ installed: number; failed: number }> {
  if (!d.yclients.configured) return { installed: 0, failed: 0 };
  const ids = (await d.db.rpc<Array<number | string>>("chat_panel_frames_missing", { p_activated_before: PANEL_RELEASED_AT, p_limit: BATCH })).map(Number);
  const url = chatPanelUrl(d.config.publicUrl);
  let installed = 0;
  let failed = 0;
  for (const salonId of ids) {
    try {
      await d.yclients.installFrame({ salonId, url });
      await d.db.rpc("chat_panel_frame_installed", { p_salon_id: salonId, p_url: url, p_now: d.clock.now().toISOString() });
      installed++;
    } catch (err) {
      failed++;
      d.log.warn({ salonId, err: (err as Error).message }, "chat frame install failed; next run retries");
    }
  }
  return { installed, failed };
}
