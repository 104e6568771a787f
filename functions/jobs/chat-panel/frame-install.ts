import type { Hono } from "hono";
import { reinstallFrame } from "../../../lib/chat-panel/install-frames.js";
import { FRAME_INSTALL } from "../../../lib/jobs/chat-panel.js";
import { done } from "../../../lib/jobs/outcome.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** The panel's frame installed again after the owner switched it back on (lib/chat-panel/install-frames.ts). */
export function registerFrameInstallJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, FRAME_INSTALL, async (j) => done({ status: await reinstallFrame(s, j.salonId) }));
}
