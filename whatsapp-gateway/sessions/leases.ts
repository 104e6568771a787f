/**
 * Holding a session: one lease each (fenced auth writes), taken when a session starts, renewed while it runs, given
 * back when it closes, and given up when another gateway took it; restore in waves after a restart, and adoption of
 * sessions a dead gateway left behind.
 */
import type { SessionState } from "../../lib/contract/service-api.js";
import { SalonAuthState, type Lease } from "../auth-state.js";
import { jitter } from "../config.js";
import { GatewayApiError } from "../errors.js";
import { setState, sleep, type Live, type Sessions } from "./live.js";
import { SendQueue } from "./send-queue.js";

/** States a session is left in by a gateway that went away while it was up (a graceful stop keeps the state too). */
const ORPHAN_STATES = new Set<string>(["connected", "connecting"]);

/** Takes the salon's lease and sets up its state; one claim at a time per salon. */
export function claim(s: Sessions, salonId: number): Promise<Live> {
  const pending = s.starting.get(salonId);
  if (pending) return pending;
  const { deps } = s;
  const holder = deps.options.holderId;
  const p = (async () => {
    const fence = await deps.store.leaseAcquire(salonId, holder, deps.options.leaseTtlSec, deps.clock.now());
    if (fence === null) throw new GatewayApiError(409, "session_elsewhere", `salon ${salonId}: another gateway holds this session`);
    const lease: Lease = { holder, fence: Number(fence) };
    // Whatever a previous holder left on the socket is settled (unknown, never resent) before this one sends.
    await s.sends.recover(salonId);
    const row = await deps.store.sessionGet(salonId);
    const auth = new SalonAuthState(deps.store, salonId, lease, deps.clock);
    const live: Live = {
      salonId, state: "none", phone: null, lease, auth, conn: null, generation: 0, attempt: 0, conflicts: [],
      pairing: null, paired: !!row?.paired_at, qr: null, reconnectTimer: undefined, closing: false,
      sends: new SendQueue(deps.options.sendGapMs),
    };
    auth.onLeaseLost = () => void yieldSession(s, live);
    // Fresh creds reuse key ids (pre-key 1, 2, …): a cached key of the wiped pairing must never answer for them.
    auth.onCleared = () => deps.keyCache.dropSalon(salonId);
    s.live.set(salonId, live);
    return live;
  })();
  s.starting.set(salonId, p);
  return p.finally(() => s.starting.delete(salonId));
}

/** Another gateway holds the session now: stop touching it, keep its auth. */
export async function yieldSession(s: Sessions, live: Live): Promise<void> {
  if (live.closing) return;
  live.closing = true;
  clearTimeout(live.reconnectTimer);
  live.generation += 1;
  s.deps.log.warn({ salonId: live.salonId }, "lease lost to another gateway; closing this copy of the session");
  await live.conn?.end().catch(() => {});
  live.conn = null;
  s.live.delete(live.salonId);
  s.sends.forget(live.salonId);
  s.deps.keyCache.dropSalon(live.salonId);
  s.notices.notify(live.salonId, { type: "status", status: "stopped" });
}

/** Closes out a session here: flush auth writes, give the lease back, forget it. */
export async function release(s: Sessions, live: Live, finalState: SessionState | null): Promise<void> {
  live.closing = true;
  clearTimeout(live.reconnectTimer);
  if (finalState) setState(s, live, finalState);
  await live.auth.flush();
  if (s.live.get(live.salonId) === live) s.live.delete(live.salonId);
  s.sends.forget(live.salonId);
  s.deps.keyCache.dropSalon(live.salonId);
  await s.deps.store.leaseRelease(live.salonId, live.lease.holder, live.lease.fence)
    .catch((err) => s.deps.log.warn({ salonId: live.salonId, err }, "lease release failed"));
}

/** Renews every lease this process holds; a session whose lease another gateway took is dropped, not wiped. */
export async function renewLeases(s: Sessions): Promise<void> {
  const leases = [...s.live.values()].map((l) => ({ salon_id: l.salonId, fence: l.lease.fence }));
  const lost = await s.deps.store.leaseRenew(s.deps.options.holderId, leases, s.deps.options.leaseTtlSec, s.deps.clock.now());
  for (const salonId of lost) {
    const live = s.live.get(salonId);
    if (live) await yieldSession(s, live);
  }
}

/** Brings sessions back: all paired ones after a restart, and orphans on every renewal. */
export class SessionRestore {
  private renewTimer: NodeJS.Timeout | undefined;
  /** A restore (at start or of orphans) is running; another waits for the next renewal. */
  private restoring = false;

  constructor(
    private readonly s: Sessions,
    private readonly start: (salonId: number) => Promise<unknown>,
  ) {}

  /**
   * Renews this process's leases, then adopts orphaned sessions: a restart sooner than the lease TTL after a crash
   * finds sessions whose leases the dead process still holds, and the start-up restore skips them; without this
   * nobody would ever connect them again, and their salons would go silent.
   */
  startLeaseRenewal(): void {
    const { log, options } = this.s.deps;
    const loop = () => {
      this.renewTimer = setTimeout(() => {
        void renewLeases(this.s)
          .then(() => {
            // Not awaited: a long adoption must not hold up the next renewal of the leases this process has.
            void this.adoptOrphans().catch((err) => log.error({ err }, "adopting orphaned sessions failed"));
          })
          .catch((err) => log.error({ err }, "lease renewal failed"))
          .finally(() => {
            if (!this.s.stopped) loop();
          });
      }, options.leaseRenewMs);
      this.renewTimer.unref();
    };
    loop();
  }

  stopLeaseRenewal(): void {
    clearTimeout(this.renewTimer);
  }

  /** Brings back every paired session after a restart, `restoreConcurrency` at a time with jittered starts. */
  async restoreAll(): Promise<number> {
    this.restoring = true;
    try {
      const ids = await this.s.deps.store.sessionsRestorable(this.s.deps.options.holderId, this.s.deps.clock.now());
      return await this.restoreIds(ids);
    } finally {
      this.restoring = false;
    }
  }

  /**
   * Connects paired sessions that were connected through a gateway that no longer holds their lease (it died, or
   * was stopped while this one was starting). Sessions stopped on purpose (QR expired, logged out) stay down, and
   * nothing runs while a restore is under way, so this never turns into a connection storm.
   */
  async adoptOrphans(): Promise<number> {
    if (this.restoring || this.s.stopped) return 0;
    this.restoring = true;
    try {
      const { store, options, clock, log } = this.s.deps;
      const candidates = await store.sessionsRestorable(options.holderId, clock.now());
      const orphans: number[] = [];
      for (const salonId of candidates) {
        if (this.s.live.has(salonId) || this.s.starting.has(salonId)) continue;
        const row = await store.sessionGet(salonId);
        if (row && ORPHAN_STATES.has(row.state)) orphans.push(salonId);
      }
      if (orphans.length === 0) return 0;
      log.info({ orphans: orphans.length }, "adopting sessions no gateway holds");
      return await this.restoreIds(orphans);
    } finally {
      this.restoring = false;
    }
  }

  private async restoreIds(ids: number[]): Promise<number> {
    const { options, log } = this.s.deps;
    let next = 0;
    let restored = 0;
    const worker = async () => {
      while (!this.s.stopped && next < ids.length) {
        const salonId = ids[next++]!;
        await sleep(jitter(options.restoreJitterMs));
        if (this.s.stopped) return;
        try {
          await this.start(salonId);
          restored += 1;
        } catch (err) {
          log.warn({ salonId, err: (err as Error).message }, "session not restored");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.restoreConcurrency) }, worker));
    log.info({ restored, candidates: ids.length }, "sessions restored");
    return restored;
  }
}
