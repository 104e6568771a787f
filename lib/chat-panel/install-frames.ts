import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import { FRAME_INSTALL } from "../jobs/chat-panel.js";
import { publishJob } from "../jobs/job.js";
import type { Logger } from "../log.js";
import { acceptsWork, getSalon } from "../salons/store.js";
import type { YClientsClient } from "../yclients/client.js";
import { panelEnabled } from "./enabled.js";
import { chatPanelUrl } from "./frame-hash.js";
import { frameInstalled } from "./store.js";

type FrameDeps = { db: Db; clock: Clock; log: Logger; yclients: YClientsClient; config: { publicUrl: string } };

/**
 * Salons activated before the panel shipped (their activation callback carried no `chat_url`) get the frame once
 * through `POST /marketplace/application/install_frame`. Salons activated since the given release time are skipped:
 * their callback installed it. A refusal is logged and retried on the next run; a success is recorded.
 */
export const PANEL_RELEASED_AT = "2026-12-01T00:00:00Z";
const BATCH = 50;

export async function installMissingFrames(d: FrameDeps): Promise<{ installed: number; failed: number }> {
  if (!d.yclients.configured) return { installed: 0, failed: 0 };
  const ids = (await d.db.rpc<Array<number | string>>("chat_panel_frames_missing", { p_activated_before: PANEL_RELEASED_AT, p_limit: BATCH })).map(Number);
  let installed = 0;
  let failed = 0;
  for (const salonId of ids) {
    try {
      await installFrame(d, salonId);
      installed++;
    } catch (err) {
      failed++;
      d.log.warn({ salonId, err: (err as Error).message }, "chat frame install failed; next run retries");
    }
  }
  return { installed, failed };
}

async function installFrame(d: FrameDeps, salonId: number): Promise<void> {
  const url = chatPanelUrl(d.config.publicUrl);
  await d.yclients.installFrame({ salonId, url });
  await frameInstalled(d.db, d.clock, salonId, url);
}

/**
 * The owner switched the panel back on: install the frame again, once per switch (the job's dedupe id is the
 * switch's history row). YClients offers no way to ask which app holds the salon's one chat slot, so the frame is
 * installed whether or not another app took it meanwhile: the owner switching ours on is asking for the slot.
 */
export async function publishFrameReinstall(dispatcher: Dispatcher, salonId: number, changeId: number): Promise<void> {
  await publishJob(dispatcher, FRAME_INSTALL, { salonId, changeId });
}

/** The job's verb: nothing for a salon that is not active or whose owner has switched the panel off again. */
export async function reinstallFrame(d: FrameDeps, salonId: number): Promise<string> {
  if (!d.yclients.configured) return "yclients_not_configured";
  const salon = await getSalon(d.db, salonId);
  if (!acceptsWork(salon, "send")) return "salon_not_active";
  if (!panelEnabled(salon?.settings)) return "panel_off";
  await installFrame(d, salonId);
  return "installed";
}
