/** What the onboarding page hears about its salon's session, and who is listening. */
import type { SessionState } from "../../lib/contract/service-api.js";
import type { Logger } from "../../lib/log.js";

export type SessionNotice =
  | { type: "qr"; qr: string; expiresInSec: number }
  | { type: "pairing_code"; code: string; expiresInSec: number }
  | { type: "status"; status: SessionState }
  | { type: "connected"; phone: string }
  | { type: "error"; code: string; message: string };

export type SessionListener = (notice: SessionNotice) => void;

/** What the page is told when a session stops for a reason other than a failed pairing. */
export const STOP_NOTICES = {
  qr_expired: { type: "error", code: "qr_expired", message: "The QR code expired. Ask for a new one." },
  outdated_version: { type: "error", code: "outdated_version", message: "WhatsApp does not accept this connection right now (outdated version). Try again later." },
} as const satisfies Record<string, SessionNotice>;

export class PageNotices {
  private readonly listeners = new Map<number, Set<SessionListener>>();

  /** `relay`: where a notice also goes for pages on other gateways (notice-relay.ts). */
  constructor(private readonly log: Logger, private readonly relay: (salonId: number, notice: SessionNotice) => void = () => {}) {}

  /** `current`: where things stand, told at once to a page that joins late. */
  subscribe(salonId: number, listener: SessionListener, current: SessionNotice | null): () => void {
    let set = this.listeners.get(salonId);
    if (!set) this.listeners.set(salonId, (set = new Set()));
    set.add(listener);
    if (current) listener(current);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(salonId);
    };
  }

  notify(salonId: number, notice: SessionNotice): void {
    this.relay(salonId, notice);
    for (const l of this.listeners.get(salonId) ?? []) {
      try {
        l(notice);
      } catch (err) {
        this.log.warn({ salonId, err }, "session listener failed");
      }
    }
  }
}
