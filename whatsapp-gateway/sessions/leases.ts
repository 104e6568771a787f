/**
 * Holding a session: one lease each (fenced auth writes), taken when a session starts, renewed while it runs, given
 * back when it closes or is handed over, and given up when another gateway took it; restore in waves, after a restart
 * and of the free sessions the fleet registry gives this process to claim (fleet.ts).
 */
import type { SessionState } from "../../lib/contract/service-api.js";
import { SalonAuthState, type Lease } from "../auth-state.js";
import { jitter } from "../config.js";
import { GatewayApiError } from "../errors.js";
import { leaseLapsing, leaseMarginMs, monotonicMs, repeatAfter, setState, sleep, type Live, type Sessions } from "./live.js";
import { SendQueue } from "./send-queue.js";

/** Takes the salon's lease and sets up its state; one claim at a time per salon. */
export function claim(s: Sessions, salonId: number): Promise<Live> {
  const pending = s.starting.get(salonId);
  if (pending) return pending;
  const { deps } = s;
  const holder = deps.options.holderId;
  const p = (async () => {
    if (s.stopped || s.draining) throw new GatewayApiError(503, "stopping", "the gateway is stopping");
    const at = monotonicMs();
    const { fence, lapsedAt } = await deps.store.leaseTake(salonId, holder, deps.options.leaseTtlSec, deps.clock.now());
    if (fence === null) throw new GatewayApiError(409, "session_elsewhere", `salon ${salonId}: another gateway holds this session`);
    // The lease ran out under another holder rather than being given back: that one may be on the socket up to the
    // margin past it (a late timer); connecting after the margin keeps the two apart.
    if (lapsedAt) await sleep(lapsedAt.getTime() + leaseMarginMs(deps.options) - deps.clock.now().getTime());
    const lease: Lease = { holder, fence };
    // Whatever a previous holder left on the socket is settled (unknown, never resent) before this one sends.
    await s.sends.recover(salonId);
    const row = await deps.store.sessionGet(salonId);
    const auth = new SalonAuthState(deps.store, salonId, lease, deps.clock);
    const live: Live = {
      salonId, state: "none", phone: null, lease, leaseUntil: at + deps.options.leaseTtlSec * 1000, auth, conn: null, generation: 0, attempt: 0, conflicts: [],
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

/**
 * Another gateway holds the session now, or may take it any moment (`lapsing`: this one's renewals stopped
 * succeeding): stop touching it, keep its auth. Nothing is written, so a lease already taken over is never disturbed.
 */
export async function yieldSession(s: Sessions, live: Live, lapsing = false): Promise<void> {
  if (live.closing) return;
  live.closing = true;
  clearTimeout(live.reconnectTimer);
  live.generation += 1;
  s.deps.log.warn({ salonId: live.salonId }, lapsing
    ? "lease about to run out unrenewed; closing this copy of the session"
    : "lease lost to another gateway; closing this copy of the session");
  await live.conn?.end().catch(() => {});
  live.conn = null;
  s.live.delete(live.salonId);
  s.sends.forget(live.salonId);
  s.deps.keyCache.dropSalon(live.salonId);
  s.notices.notify(live.salonId, { type: "status", status: "stopped" });
}

/**
 * Hands the session on: no new sends are taken, the one on the socket finishes, the socket closes, auth writes are
 * flushed and the lease given back with the session's state left as it was, so the next holder (a gateway's claim,
 * or this one's restart) connects it with the stored credentials and sends what is still queued.
 */
export async function handOver(s: Sessions, live: Live): Promise<void> {
  live.closing = true;
  clearTimeout(live.reconnectTimer);
  await live.sends.idle();
  await live.conn?.end().catch(() => {});
  live.conn = null;
  await release(s, live, null);
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
  const { store, options, clock } = s.deps;
  const held = [...s.live.values()];
  const at = monotonicMs();
  const lost = new Set(await store.leaseRenew(options.holderId, held.map((l) => ({ salon_id: l.salonId, fence: l.lease.fence })), options.leaseTtlSec, clock.now()));
  for (const live of held) {
    if (!lost.has(live.salonId)) live.leaseUntil = Math.max(live.leaseUntil, at + options.leaseTtlSec * 1000);
    else if (s.live.get(live.salonId) === live) await yieldSession(s, live);
  }
}

/** Closes (without writing) every session whose lease may run out before a renewal succeeds; see leaseMarginMs. */
export async function yieldLapsing(s: Sessions): Promise<void> {
  const lapsing = [...s.live.values()].filter((live) => !live.closing && leaseLapsing(s, live));
  await Promise.all(lapsing.map((live) => yieldSession(s, live, true)));
}

/** Renews this process's leases on a timer, and connects the sessions it is to hold, in waves. */
export class SessionRestore {
  private stopRenewal = (): void => {};
  private lapseTimer: NodeJS.Timeout | undefined;
  /** The start-up restore is running; claims wait for the next scan after it. */
  private restoring = false;
  /** Claims not yet started, as the latest scan's plan listed them (each scan replaces the list). */
  private toClaim: number[] = [];
  /** The claim workers running, if any: they take from `toClaim` until it is empty. */
  private claiming: Promise<number> | null = null;

  constructor(
    private readonly s: Sessions,
    private readonly start: (salonId: number) => Promise<unknown>,
  ) {}

  startLeaseRenewal(): void {
    const { log, options } = this.s.deps;
    this.stopRenewal = repeatAfter(options.leaseRenewMs, () => renewLeases(this.s), (err) => log.error({ err }, "lease renewal failed"), () => !this.s.stopped);
    // Apart from the renewals, so a renewal stuck on the database cannot hold a session past its lease.
    this.lapseTimer = setInterval(() => {
      void yieldLapsing(this.s).catch((err) => log.error({ err }, "closing sessions with lapsing leases failed"));
    }, Math.max(100, leaseMarginMs(options) / 3));
    this.lapseTimer.unref();
  }

  stopLeaseRenewal(): void {
    this.stopRenewal();
    clearInterval(this.lapseTimer);
  }

  /**
   * After a start: every paired session this process may take (its share of the fleet's, see
   * gateway_claimable), `restoreConcurrency` at a time with jittered starts.
   */
  async restoreAll(): Promise<number> {
    const { store, options, clock } = this.s.deps;
    this.restoring = true;
    try {
      const plan = await store.gatewayClaimable(options.holderId, true, clock.now());
      const ids = plan.claim.map(Number);
      return await this.restoreIds(() => ids.shift());
    } finally {
      this.restoring = false;
    }
  }

  /**
   * Connects sessions the fleet registry gave this process to claim: ones a dead or draining gateway let go, or
   * whose gateway stopped while this one was starting. Each scan's plan replaces the list still to claim, and the
   * claims already running (`restoreConcurrency` at most) go on: a session let go while a long claim runs is picked
   * up at the next scan, not after the whole batch, and this never turns into a connection storm. Nothing is claimed
   * during the start-up restore. Resolves when the list is done (tests await it through FleetMember.scan).
   */
  adopt(ids: number[]): Promise<number> {
    if (this.restoring || this.s.stopped || this.s.draining) return Promise.resolve(0);
    this.toClaim = ids.filter((id) => !this.s.live.has(id) && !this.s.starting.has(id));
    if (this.claiming || this.toClaim.length === 0) return this.claiming ?? Promise.resolve(0);
    this.s.deps.log.info({ sessions: this.toClaim.length }, "claiming sessions no gateway holds");
    this.claiming = this.restoreIds(() => this.toClaim.shift()).finally(() => {
      this.claiming = null;
    });
    return this.claiming;
  }

  /** Connects at once a session this gateway handed over and nobody took (one session: no wave to wait for). */
  takeBack(salonId: number): Promise<unknown> {
    return this.start(salonId);
  }

  /** Connects the sessions `next` gives until it gives none, `restoreConcurrency` at a time with jittered starts. */
  private async restoreIds(next: () => number | undefined): Promise<number> {
    const { options, log } = this.s.deps;
    const t0 = performance.now();
    let candidates = 0;
    let restored = 0;
    const stopping = () => this.s.stopped || this.s.draining;
    const worker = async () => {
      for (let salonId = next(); salonId !== undefined && !stopping(); salonId = next()) {
        if (this.s.live.has(salonId) || this.s.starting.has(salonId)) continue;
        candidates += 1;
        await sleep(jitter(options.restoreJitterMs));
        if (stopping()) return;
        try {
          await this.start(salonId);
          restored += 1;
        } catch (err) {
          log.warn({ salonId, err: (err as Error).message }, "session not restored");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.restoreConcurrency) }, worker));
    log.info({ restored, candidates, ms: Math.round(performance.now() - t0) }, "sessions restored");
    return restored;
  }
}
