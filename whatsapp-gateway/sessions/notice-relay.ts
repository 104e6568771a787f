/**
 * Page notices across gateways: a load balancer may land the onboarding page's socket on a gateway that does not
 * hold the salon's session. The holder writes its notices to the database (wa_page_notice_add; kept only while
 * another gateway watches the salon, and every QR or pairing code); a gateway with a page open polls them
 * (wa_page_notices_poll), both through db.rpc like every other read and write.
 */
import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/log.js";
import type { GatewayStore } from "../store.js";
import type { SessionListener, SessionNotice } from "./notices.js";

/** A watch not renewed for this long is over: the holder stops writing the salon's status for this gateway. */
const WATCH_TTL_SEC = 30;

export interface NoticeRelayDeps {
  store: GatewayStore;
  clock: Clock;
  log: Logger;
  /** This gateway's lease holder id: notices it wrote itself reached its own pages directly. */
  holderId: string;
  pollMs: number;
}

export class NoticeRelay {
  private readonly writes = new Map<number, Promise<void>>();
  private readonly watched = new Map<number, { listeners: Set<SessionListener>; after: number | null }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: NoticeRelayDeps) {}

  /** A notice of a session held here, for pages on other gateways; one salon's notices are written in order. */
  publish(salonId: number, notice: SessionNotice): void {
    const { store, clock, log, holderId } = this.deps;
    const next = (this.writes.get(salonId) ?? Promise.resolve())
      .then(() => store.pageNoticeAdd(salonId, holderId, notice, clock.now()))
      .catch((err) => log.warn({ salonId, err }, "page notice not written for other gateways"));
    this.writes.set(salonId, next);
    void next.finally(() => {
      if (this.writes.get(salonId) === next) this.writes.delete(salonId);
    });
  }

  /** Hears what other gateways say about the salon's session, until the returned function is called. */
  watch(salonId: number, listener: SessionListener): () => void {
    let w = this.watched.get(salonId);
    if (!w) this.watched.set(salonId, (w = { listeners: new Set(), after: null }));
    w.listeners.add(listener);
    this.schedule(0);
    return () => {
      w!.listeners.delete(listener);
      if (w!.listeners.size === 0 && this.watched.get(salonId) === w) this.watched.delete(salonId);
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.writes.values()]);
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer || this.watched.size === 0) return;
    this.timer = setTimeout(() => void this.poll().finally(() => {
      this.timer = undefined;
      this.schedule(this.deps.pollMs);
    }), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const { store, clock, log, holderId } = this.deps;
    const salons = [...this.watched].map(([salon_id, w]) => ({ salon_id, after: w.after }));
    if (salons.length === 0) return;
    try {
      const { notices, cursors } = await store.pageNoticesPoll(holderId, salons, WATCH_TTL_SEC, clock.now());
      for (const n of notices) {
        const notice = aged(n.notice as SessionNotice, n.age_ms);
        if (!notice) continue;
        for (const l of this.watched.get(Number(n.salon_id))?.listeners ?? []) l(notice);
      }
      for (const { salon_id } of salons) {
        const w = this.watched.get(salon_id);
        if (w) w.after = Number(cursors[String(salon_id)] ?? 0);
      }
    } catch (err) {
      log.warn({ err }, "page notices of other gateways not read");
    }
  }
}

/** A QR or pairing code read some time after it was written has that much less to live; an expired one is dropped. */
function aged(notice: SessionNotice, ageMs: number): SessionNotice | null {
  if (notice.type !== "qr" && notice.type !== "pairing_code") return notice;
  const left = notice.expiresInSec - Math.floor(ageMs / 1000);
  return left > 0 ? { ...notice, expiresInSec: left } : null;
}
