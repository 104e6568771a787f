import type { MessageFromAdmin, MessageReceived } from "../../lib/contract/events.js";
import type { SalonAuthState } from "../auth-state.js";
import type { WebVersionStatus } from "./web-version.js";

/**
 * What a WhatsApp connection does for the session manager, whichever implementation (Baileys or the emulator) is
 * behind it. The manager owns the policy (reconnects, wipes, events); a transport session only reports.
 */

/** A refused send, with the code the service API answers (lib/contract/service-api.ts). */
export class SendRefused extends Error {
  constructor(readonly code: "not_on_whatsapp" | "restricted_463" | "session_down" | "bad_request", message: string) {
    super(message);
    this.name = "SendRefused";
  }
}

/** A message as the transport reports it; the manager adds the salon id. */
export type InboundMessage =
  | Omit<MessageReceived, "salonId">
  | Omit<MessageFromAdmin, "salonId">;

export interface TransportEvents {
  /** A QR to show (Baileys' raw string); a re-rendered QR for the same ref comes again with `refreshed`. */
  qr(qr: string, info: { refreshed: boolean }): void;
  /** Connected as this phone (E.164 digits, no device suffix). */
  open(phone: string): void;
  /** The connection ended with a Baileys disconnect code; the session object is dead after this. */
  close(code: number, message: string): void;
  /** Resolves once the event is with the dispatcher or in the durable outbox. */
  message(msg: InboundMessage): Promise<void>;
  /** WhatsApp says which phone a LID stands for; resolves once the event is with the dispatcher or the outbox. */
  lidMapping(lid: string, phone: string): Promise<void>;
  /** WhatsApp's receipt for a message we sent (repeats are the manager's to drop). */
  receipt(messageId: string, status: "delivered" | "read"): void;
  /** A contact's presence in a chat we subscribed to (sessions/typing-watch.ts); WhatsApp sends it only while we are available. */
  presence?(jid: string, state: ChatPresence): void;
}

export type ChatPresence = "composing" | "recording" | "paused" | "available" | "unavailable";

export interface TransportSession {
  /** Ask for a pairing code once the socket is ready for it (after its first QR). */
  requestPairingCode(phone: string): Promise<string>;
  /** Sends under the WhatsApp message id the gateway chose when it accepted the send. */
  sendText(to: string, text: string, messageId: string): Promise<{ messageId: string }>;
  /** Puts `emoji` ("" takes it back) on the client's message `target` in the chat `to`, as message `messageId`. */
  react(to: string, target: string, emoji: string, messageId: string): Promise<void>;
  presence(to: string, state: "composing" | "paused"): Promise<void>;
  /** Asks WhatsApp for this contact's presence (Baileys' presenceSubscribe). */
  watchPresence(jid: string): Promise<void>;
  /** Shows the linked device online (needed to receive presence; silences the phone's notifications) or not. */
  setAvailable(available: boolean): Promise<void>;
  /** Unlinks the device on WhatsApp's side (best effort) and closes. */
  logout(): Promise<void>;
  /** Closes the connection without logging out; no close event follows. */
  end(): Promise<void>;
}

export interface OpenOptions {
  salonId: number;
  auth: SalonAuthState;
  events: TransportEvents;
}

export interface Transport {
  readonly kind: "baileys" | "emulator";
  open(opts: OpenOptions): Promise<TransportSession>;
  /** The WhatsApp Web version presented (Baileys only: the emulator has none). */
  webVersion?(): WebVersionStatus;
}

/** JID → phone digits when the JID is a phone-number JID ("79001234567:12@s.whatsapp.net" → "79001234567"). */
export function phoneFromJid(jid: string | null | undefined): string | null {
  if (!jid) return null;
  const m = /^(\d{7,15})(?::\d+)?@s\.whatsapp\.net$/.exec(jid);
  return m ? m[1]! : null;
}

/** What `to` means on the service API: E.164 digits, or a JID as received (a LID is replied to as is). */
export function jidForRecipient(to: string): string | null {
  const digits = to.replace(/^\+/, "");
  if (/^\d{7,15}$/.test(digits)) return `${digits}@s.whatsapp.net`;
  if (/^\d{5,20}(:\d+)?@(s\.whatsapp\.net|lid)$/.test(to)) return to;
  return null;
}
