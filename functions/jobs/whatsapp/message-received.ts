import type { Hono } from "hono";
import { receiveMessage } from "../../../lib/conversations/inbound.js";
import { done } from "../../../lib/jobs/outcome.js";
import { MESSAGE_RECEIVED } from "../../../lib/jobs/whatsapp.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** A client wrote to the salon (lib/conversations/inbound.ts). */
export function registerMessageReceivedJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, MESSAGE_RECEIVED, async (e) => done({ status: await receiveMessage(s, e) }));
}
