import { randomBytes } from "node:crypto";
import type { BinaryNode } from "@whiskeysockets/baileys";

/**
 * Carries the QR-linking fix Baileys lacks (Baileys#2737; PR #2765 unmerged; rc13, rc14 and master lack it).
 * Since 2026-07-28 WhatsApp sends `<notification type="companion_reg_refresh">` after the scan to retire the
 * advertised adv secret. Baileys acks and drops it, so the QR on screen keeps a dead secret and the phone says
 * "Couldn't link device". WhatsApp Web answers it with a fresh random 32-byte secret and re-renders the *current*
 * QR ref with it; we do the same: update `creds.advSecretKey` in place (pair-success verification reads it),
 * persist it through creds.update, and hand the re-rendered QR to the page. Baileys captured the secret once when
 * pairing began, so every later QR it emits must have its fourth field replaced before it reaches the page.
 * Delete this module (and its wiring in ../baileys.ts) once Baileys ships the fix.
 */

/** Baileys raises raw stanzas as `CB:<tag>,<attr>:<value>` events on its socket. */
export const COMPANION_REG_REFRESH_EVENT = "CB:notification,type:companion_reg_refresh";

/** The QR string is `https://wa.me/settings/linked_devices#<ref>,<noise>,<identity>,<adv>,<platform>`. */
export function withAdvSecret(qr: string, advSecretB64: string): string {
  const hash = qr.indexOf("#");
  if (hash < 0) return qr;
  const fields = qr.slice(hash + 1).split(",");
  if (fields.length < 5) return qr;
  fields[3] = advSecretB64;
  return qr.slice(0, hash + 1) + fields.join(",");
}

export interface RefreshableSocket {
  ws: { on(event: string, listener: (node: BinaryNode) => void): unknown };
  ev: { emit(event: "creds.update", update: { advSecretKey: string }): unknown };
  authState: { creds: { advSecretKey: string; account?: unknown } };
}

/**
 * On each refresh notification: rotate the secret and call `rerender` with the new one (the caller re-renders the
 * QR it last showed). Baileys itself still acks the notification.
 */
export function handleCompanionRegRefresh(sock: RefreshableSocket, rerender: (advSecretB64: string) => void): void {
  sock.ws.on(COMPANION_REG_REFRESH_EVENT, () => {
    // Only an unpaired companion advertises a secret; once pair-success set `account`, there is nothing to rotate.
    if (sock.authState.creds.account) return;
    const secret = randomBytes(32).toString("base64");
    sock.authState.creds.advSecretKey = secret;
    sock.ev.emit("creds.update", { advSecretKey: secret });
    rerender(secret);
  });
}
