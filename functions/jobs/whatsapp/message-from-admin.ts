import type { Hono } from "hono";
import { takeOverChat } from "../../../lib/conversations/inbound.js";
import { done } from "../../../lib/jobs/outcome.js";
import { MESSAGE_FROM_ADMIN } from "../../../lib/jobs/whatsapp.js";
import type { Services } from "../../../lib/services.js";
import { onJob } from "../handle.js";

/** The salon's administrator wrote to a client from the salon's phone (lib/conversations/inbound.ts). */
export function registerMessageFromAdminJob(jobs: Hono, s: Services): void {
  onJob(jobs, s, MESSAGE_FROM_ADMIN, async (e) => done(await takeOverChat(s, e)));
}
