import { z } from "zod";

/**
 * What the gateway tells the functions, one job route per event type, published through the dispatcher with the
 * deduplication id `eventDedupeId` gives it. The functions' side of these jobs is lib/jobs/whatsapp.ts.
 */
export const WHATSAPP_EVENT_PATHS = {
  "message.received": "/jobs/whatsapp/message-received",
  "message.from_admin": "/jobs/whatsapp/message-from-admin",
  "session.connected": "/jobs/whatsapp/session-connected",
  "session.logged_out": "/jobs/whatsapp/session-logged-out",
  "message.status": "/jobs/whatsapp/message-status",
  "lid.mapping": "/jobs/whatsapp/lid-mapping",
} as const;

const salonId = z.number().int().positive();
const digits = z.string().regex(/^[0-9]{7,15}$/);

/** A chat peer: phone digits when WhatsApp revealed them, plus the raw JID and its LID/PN alternate. */
export const Peer = z.object({
  phone: digits.nullable(),
  jid: z.string().min(1),
  altJid: z.string().min(1).nullable(),
});

export type Peer = z.infer<typeof Peer>;

export const MessageReceived = z.object({
  type: z.literal("message.received"),
  salonId,
  messageId: z.string().min(1),
  from: Peer,
  pushName: z.string().nullable(),
  timestamp: z.string().datetime({ offset: true }),
  /** "text" for conversation/extendedTextMessage; otherwise the kind of what arrived, with text a placeholder. */
  kind: z.enum(["text", "reaction", "image", "audio", "video", "document", "sticker", "location", "contact", "other"]),
  text: z.string(),
  /** For a reaction: the id of the message reacted to. For a reply: the quoted message id. */
  refMessageId: z.string().nullable(),
});

export const MessageFromAdmin = z.object({
  type: z.literal("message.from_admin"),
  salonId,
  messageId: z.string().min(1),
  to: Peer,
  timestamp: z.string().datetime({ offset: true }),
  text: z.string(),
});

export const SessionConnected = z.object({
  type: z.literal("session.connected"),
  salonId,
  phone: digits,
  timestamp: z.string().datetime({ offset: true }),
});

export const SessionLoggedOut = z.object({
  type: z.literal("session.logged_out"),
  salonId,
  /** Baileys disconnect code: 401 logged out, 403 forbidden. */
  code: z.number().int(),
  timestamp: z.string().datetime({ offset: true }),
});

/**
 * What became of a send the gateway accepted (the service API answers `{messageId}` at acceptance, before it
 * leaves): "sent"; "failed" with error "not_on_whatsapp" or "restricted_463"; "unknown" when a crash cut it off
 * while its bytes may have been on the socket (never resent); then WhatsApp's receipts "delivered" and "read", each
 * published once per message ("read" may come without "delivered": it implies it).
 */
export const MessageStatus = z.object({
  type: z.literal("message.status"),
  salonId,
  messageId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  status: z.enum(["sent", "failed", "unknown", "delivered", "read"]),
  error: z.string().nullable(),
  timestamp: z.string().datetime({ offset: true }),
});

/** A LID as a chat key: its user part only ("123456789:7@lid" → "123456789@lid"). */
export const lidJid = z.string().regex(/^[0-9]{1,20}@lid$/);

/**
 * WhatsApp told the salon's session which phone a LID stands for (Baileys' `lid-mapping.update`). Only this and the
 * phone WhatsApp puts on a message (`Peer.phone` beside a LID) confirm a number; what a client types never does.
 */
export const LidMapping = z.object({
  type: z.literal("lid.mapping"),
  salonId,
  lid: lidJid,
  phone: digits,
  timestamp: z.string().datetime({ offset: true }),
});

export type MessageReceived = z.infer<typeof MessageReceived>;
export type MessageFromAdmin = z.infer<typeof MessageFromAdmin>;
export type SessionConnected = z.infer<typeof SessionConnected>;
export type SessionLoggedOut = z.infer<typeof SessionLoggedOut>;
export type MessageStatus = z.infer<typeof MessageStatus>;
export type LidMapping = z.infer<typeof LidMapping>;
export type WhatsAppEvent = MessageReceived | MessageFromAdmin | SessionConnected | SessionLoggedOut | MessageStatus | LidMapping;

/**
 * `<salonId>:<message id>` for messages, `<salonId>:status:<message id>:<status>` for the outcome of a send,
 * `<salonId>:lid:<LID digits>:<phone>` for a LID mapping (QStash refuses `@` in an id), and
 * `<salonId>:<event>:<time in ms>` for session events: an event published again (the outbox) is one job.
 */
export function eventDedupeId(e: WhatsAppEvent): string {
  switch (e.type) {
    case "message.received":
    case "message.from_admin":
      return `${e.salonId}:${e.messageId}`;
    case "message.status":
      return `${e.salonId}:status:${e.messageId}:${e.status}`;
    case "lid.mapping":
      return `${e.salonId}:lid:${e.lid.replace(/@lid$/, "")}:${e.phone}`;
    default:
      return `${e.salonId}:${e.type}:${Date.parse(e.timestamp)}`;
  }
}

/** A LID JID as a chat key, device suffix dropped ("123:7@lid" → "123@lid"); null for anything else. */
export function lidKey(jid: string | null | undefined): string | null {
  const m = jid ? /^([0-9]{1,20})(?::[0-9]+)?@lid$/.exec(jid) : null;
  return m ? `${m[1]}@lid` : null;
}

/** The LID of a peer: its JID's or its alternate's. */
export const peerLid = (peer: Peer): string | null => lidKey(peer.jid) ?? lidKey(peer.altJid);
