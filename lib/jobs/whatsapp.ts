import type { z } from "zod";
import {
  LidMapping, MessageFromAdmin, MessageReceived, MessageStatus, SessionConnected, SessionLoggedOut, WHATSAPP_EVENT_PATHS, eventDedupeId,
  type WhatsAppEvent,
} from "../contract/events.js";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";
import { defineJob } from "./job.js";

/**
 * The gateway's events as jobs: path, body and deduplication id are the contract's (lib/contract/events.ts); the
 * gateway publishes them through its outbox, functions/jobs/whatsapp/ handles them.
 */
const event = <S extends z.ZodType<WhatsAppEvent>>(type: WhatsAppEvent["type"], body: S) =>
  defineJob({ path: WHATSAPP_EVENT_PATHS[type], body, dedupeId: (e: z.infer<S>) => eventDedupeId(e), retries: SESSION_WAIT_RETRIES });

export const MESSAGE_RECEIVED = event("message.received", MessageReceived);
export const MESSAGE_FROM_ADMIN = event("message.from_admin", MessageFromAdmin);
export const MESSAGE_STATUS = event("message.status", MessageStatus);
export const SESSION_CONNECTED = event("session.connected", SessionConnected);
export const SESSION_LOGGED_OUT = event("session.logged_out", SessionLoggedOut);
export const LID_MAPPING = event("lid.mapping", LidMapping);
