import { getContentType, isJidBroadcast, isJidGroup, isJidNewsletter, isLidUser, normalizeMessageContent } from "@whiskeysockets/baileys";
import type { proto, WAMessage } from "@whiskeysockets/baileys";
import { lidKey, type MessageReceived } from "../../lib/contract/events.js";
import { phoneFromJid, type InboundMessage } from "./types.js";

/**
 * Baileys `messages.upsert` entries → our events. Text comes from `conversation` or `extendedTextMessage`; other
 * kinds become a typed placeholder. The peer carries the raw JID, its LID/PN alternate (`remoteJidAlt`), and the
 * phone digits when WhatsApp revealed them (a PN JID, a PN alternate, or the LID mapping store).
 */

type Kind = MessageReceived["kind"];

const PLACEHOLDER_KINDS: Array<[keyof proto.IMessage, Kind]> = [
  ["imageMessage", "image"],
  ["audioMessage", "audio"],
  ["videoMessage", "video"],
  ["ptvMessage", "video"],
  ["documentMessage", "document"],
  ["documentWithCaptionMessage", "document"],
  ["stickerMessage", "sticker"],
  ["locationMessage", "location"],
  ["liveLocationMessage", "location"],
  ["contactMessage", "contact"],
  ["contactsArrayMessage", "contact"],
];

export interface Content {
  kind: Kind;
  text: string;
  refMessageId: string | null;
}

/** What a message says, or null for what is not a chat message (protocol messages, edits, key shares). */
export function readContent(message: proto.IMessage | null | undefined): Content | null {
  const m = normalizeMessageContent(message);
  if (!m) return null;
  if (typeof m.conversation === "string" && m.conversation !== "") return { kind: "text", text: m.conversation, refMessageId: null };
  if (m.extendedTextMessage?.text != null) {
    return { kind: "text", text: m.extendedTextMessage.text, refMessageId: m.extendedTextMessage.contextInfo?.stanzaId ?? null };
  }
  if (m.reactionMessage) {
    return { kind: "reaction", text: m.reactionMessage.text ?? "", refMessageId: m.reactionMessage.key?.id ?? null };
  }
  const type = getContentType(m);
  if (!type || type === "protocolMessage" || type === "senderKeyDistributionMessage" || type === "messageContextInfo") return null;
  const kind = PLACEHOLDER_KINDS.find(([k]) => k === type)?.[1] ?? "other";
  const inner = m[type] as { caption?: string | null; contextInfo?: proto.IContextInfo | null } | undefined;
  const caption = typeof inner?.caption === "string" && inner.caption !== "" ? ` ${inner.caption}` : "";
  return { kind, text: `[${kind}]${caption}`, refMessageId: inner?.contextInfo?.stanzaId ?? null };
}

/** Chats the salon bot has nothing to do with. */
export function ignoredChat(jid: string | null | undefined): boolean {
  return !jid || !!isJidGroup(jid) || !!isJidBroadcast(jid) || !!isJidNewsletter(jid) || jid === "status@broadcast";
}

/** A `lid-mapping.update` pair as our event needs it: the LID as a chat key and the phone digits, or null. */
export function lidMappingOf(lid: string | null | undefined, pn: string | null | undefined): { lid: string; phone: string } | null {
  const key = lidKey(lid);
  const phone = phoneFromJid(pn) ?? (pn && /^\d{7,15}$/.test(pn) ? pn : null);
  return key && phone ? { lid: key, phone } : null;
}

function timestampOf(msg: WAMessage, fallback: Date): string {
  const t = msg.messageTimestamp;
  const sec = typeof t === "number" ? t : t && typeof (t as { toNumber?: () => number }).toNumber === "function" ? (t as { toNumber(): number }).toNumber() : NaN;
  return Number.isFinite(sec) && sec > 0 ? new Date(sec * 1000).toISOString() : fallback.toISOString();
}

/**
 * Maps one upserted message. `sentByUs` tells our own sends (echoed back by Baileys) from what the salon typed on
 * its phone; `pnForLid` resolves a LID through Baileys' lid-mapping store.
 */
export async function toInbound(
  msg: WAMessage,
  ctx: { now: Date; sentByUs: (id: string) => boolean; pnForLid: (lid: string) => Promise<string | null> },
): Promise<InboundMessage | null> {
  const key = msg.key;
  const jid = key?.remoteJid;
  const id = key?.id;
  if (!key || !id || !jid || ignoredChat(jid) || msg.messageStubType) return null;
  const content = readContent(msg.message);
  if (!content) return null;
  const altJid = key.remoteJidAlt ?? null;
  let phone = phoneFromJid(jid) ?? phoneFromJid(altJid);
  if (!phone && isLidUser(jid)) {
    try {
      phone = phoneFromJid(await ctx.pnForLid(jid));
    } catch {
      phone = null;
    }
  }
  const peer = { phone, jid, altJid };
  const timestamp = timestampOf(msg, ctx.now);
  if (key.fromMe) {
    // Anything the salon sends by hand (a photo too) means a human has taken over the chat.
    if (ctx.sentByUs(id)) return null;
    return { type: "message.from_admin", messageId: id, to: peer, timestamp, text: content.text };
  }
  return {
    type: "message.received",
    messageId: id,
    from: peer,
    pushName: msg.pushName ?? null,
    timestamp,
    kind: content.kind,
    text: content.text,
    refMessageId: content.refMessageId,
  };
}
