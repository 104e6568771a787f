import { buildAckStanza, getBinaryNodeChild, getBinaryNodeChildBuffer } from "@whiskeysockets/baileys";
import type { BinaryNode } from "@whiskeysockets/baileys";

/**
 * Guards the pairing-code flow against Baileys#2600 (fix in PR #2602, not in rc14): WhatsApp may first send an
 * empty `link_code_companion_reg` notification, and Baileys decodes its keys unconditionally ("Invalid buffer" at
 * primary_identity_pub), which breaks the code pairing. Such a notification is acked here and never reaches
 * Baileys; the complete one that follows is handled by Baileys as usual. Delete once Baileys ships the fix.
 */

const REQUIRED = ["link_code_pairing_ref", "primary_identity_pub", "link_code_pairing_wrapped_primary_ephemeral_pub"];

export function isIncompleteLinkCodeReg(node: unknown): node is BinaryNode {
  const n = node as BinaryNode | undefined;
  if (!n || n.tag !== "notification" || n.attrs?.type !== "link_code_companion_reg") return false;
  const reg = getBinaryNodeChild(n, "link_code_companion_reg");
  return !reg || REQUIRED.some((tag) => {
    const buf = getBinaryNodeChildBuffer(reg, tag);
    return !buf || buf.length === 0;
  });
}

export interface GuardableSocket {
  ws: { emit(event: string | symbol, ...args: unknown[]): boolean };
  sendNode(node: BinaryNode): Promise<void>;
  authState: { creds: { me?: { id: string } } };
}

export function guardEmptyLinkCodeCompanionReg(sock: GuardableSocket, onDropped?: (node: BinaryNode) => void): void {
  const emit = sock.ws.emit.bind(sock.ws);
  sock.ws.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (typeof event === "string" && event.startsWith("CB:notification") && isIncompleteLinkCodeReg(args[0])) {
      // The same frame is raised under several event names; ack it once, on the plain one.
      if (event === "CB:notification") {
        const node = args[0] as BinaryNode;
        onDropped?.(node);
        void sock.sendNode(buildAckStanza(node, undefined, sock.authState.creds.me?.id)).catch(() => {});
      }
      return true;
    }
    return emit(event, ...args);
  };
}
