/**
 * Whether a client is still typing, for chats with a reply pending (issue 19). WhatsApp tells a linked device a
 * contact's presence only when the device subscribed to it and is itself "available", and an available linked device
 * silences notifications on the salon's phone. So a salon's session is available only while one of its chats has a
 * client message not yet answered (from that message until our reply is accepted, or `watchMs`), never otherwise.
 *
 * Presence is kept, not forwarded: the latest state of a watched chat is written to `chat_presence`, at most once per
 * `coalesceMs` per chat (a storm of toggles becomes a few writes, and no job at all); the reply job reads it.
 * Presence of a chat not being watched is dropped.
 */
import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/log.js";
import type { GatewayStore } from "../store.js";
import type { ChatPresence, TransportSession } from "../transport/types.js";

interface Watch {
  salonId: number;
  phone: string;
  expire: NodeJS.Timeout;
  latest: { state: ChatPresence; at: Date } | null;
  flushTimer: NodeJS.Timeout | undefined;
  writing: boolean;
  lastWrite: number;
}

export interface TypingWatchDeps {
  store: Pick<GatewayStore, "presenceNote">;
  clock: Clock;
  log: Logger;
  /** The salon's connection now, if it is up. */
  conn(salonId: number): TransportSession | null;
  /** Longest a chat is watched after a client's message when no reply comes (the chat paused, the salon frozen). */
  watchMs: number;
  /** Least time between two presence writes of one chat. */
  coalesceMs: number;
}

const key = (salonId: number, jid: string) => `${salonId}|${jid}`;

export class TypingWatch {
  private readonly chats = new Map<string, Watch>();
  /** Salons whose session we made "available" and must make unavailable again. */
  private readonly available = new Set<number>();

  constructor(private readonly deps: TypingWatchDeps) {}

  /** A client's message came in: watch the chat until our reply (or `watchMs`). */
  async inbound(salonId: number, jid: string, phone: string): Promise<void> {
    const k = key(salonId, jid);
    const expire = setTimeout(() => void this.end(salonId, jid), this.deps.watchMs);
    expire.unref();
    const w = this.chats.get(k);
    if (w) {
      clearTimeout(w.expire);
      w.expire = expire;
    } else {
      this.chats.set(k, { salonId, phone, expire, latest: null, flushTimer: undefined, writing: false, lastWrite: 0 });
    }
    const conn = this.deps.conn(salonId);
    if (!conn) return;
    if (!this.available.has(salonId)) {
      this.available.add(salonId);
      await conn.setAvailable(true);
    }
    await conn.watchPresence(jid);
  }

  /** WhatsApp reported a contact's presence. */
  presence(salonId: number, jid: string, state: ChatPresence): void {
    const w = this.chats.get(key(salonId, jid));
    if (!w) return;
    w.latest = { state, at: this.deps.clock.now() };
    this.flush(w);
  }

  /** Our reply to the chat was accepted: nothing is pending there any more. */
  replied(salonId: number, jid: string): void {
    if (this.chats.has(key(salonId, jid))) void this.end(salonId, jid);
  }

  /** Chats watched now (health, tests). */
  watching(salonId: number): number {
    return [...this.chats.values()].filter((w) => w.salonId === salonId).length;
  }

  stop(): void {
    for (const w of this.chats.values()) {
      clearTimeout(w.expire);
      clearTimeout(w.flushTimer);
    }
    this.chats.clear();
    this.available.clear();
  }

  private flush(w: Watch): void {
    if (w.flushTimer || w.writing) return;
    const wait = Math.max(0, w.lastWrite + this.deps.coalesceMs - performance.now());
    w.flushTimer = setTimeout(() => {
      w.flushTimer = undefined;
      const latest = w.latest;
      w.latest = null;
      if (!latest) return;
      w.writing = true;
      w.lastWrite = performance.now();
      this.deps.store
        .presenceNote(w.salonId, w.phone, latest.state, latest.at)
        .catch((err: unknown) => this.deps.log.warn({ salonId: w.salonId, err: (err as Error).message }, "presence not recorded"))
        .finally(() => {
          w.writing = false;
          if (w.latest) this.flush(w);
        });
    }, wait);
    w.flushTimer.unref();
  }

  private async end(salonId: number, jid: string): Promise<void> {
    const w = this.chats.get(key(salonId, jid));
    if (!w) return;
    clearTimeout(w.expire);
    clearTimeout(w.flushTimer);
    this.chats.delete(key(salonId, jid));
    if (this.watching(salonId) > 0 || !this.available.delete(salonId)) return;
    await this.deps.conn(salonId)?.setAvailable(false).catch((err: unknown) => {
      this.deps.log.warn({ salonId, err: (err as Error).message }, "could not go unavailable");
    });
  }
}
