/**
 * This process as one gateway of a fleet sharing the salons' sessions (ARCHITECTURE.md, "Fleet"). It registers in
 * gateway_instances under its lease holder id with its address and capacity and heartbeats every scan; each
 * heartbeat answers a plan (gateway_claimable): free sessions to claim up to its share, or sessions to hand over to
 * a gateway with room. The lease and its fence stay the only arbiter of who holds a session: two gateways claiming
 * one salon at once both call wa_lease_acquire, one wins, the other skips it. Draining (SIGTERM) stops the claims,
 * hands every session to another gateway, a few at a time, and leaves the registry.
 */
import type { FleetPlan } from "../store.js";
import { handOver, type SessionRestore } from "./leases.js";
import { repeatAfter, type Live, type Sessions } from "./live.js";
import { Peers } from "./peers.js";

export interface FleetInfo {
  id: string;
  address: string;
  capacity: number;
  held: number;
  registered: boolean;
  draining: boolean;
  /** Live, non-draining gateways the last heartbeat counted (this one included while it accepts). */
  gateways: number | null;
  target: number | null;
}

/**
 * How long the registry counts this gateway live after its last heartbeat: five scans, never past the lease TTL. A
 * killed gateway then stops counting (its share goes to the others) well before its leases run out, so the others
 * claim its sessions the moment those leases expire instead of a TTL after its last heartbeat. Counted dead while
 * alive (heartbeats late under load) costs nothing: its leases stay its own, nobody can claim them.
 */
export function livenessSec(options: { leaseTtlSec: number; fleetScanMs: number }): number {
  return Math.min(options.leaseTtlSec, Math.max(2, Math.ceil((5 * options.fleetScanMs) / 1000)));
}

export class FleetMember {
  private stopScanning = (): void => {};
  private registered = false;
  private last: FleetPlan | null = null;
  /** A hand-over is running: the next plan's waits for it (a hand-over not yet released still counts). */
  private acting = false;
  /** Where the others reach this process (set when it registers, once it listens). */
  private address = "";
  /** Gateways that did not take a session handed to them, and until when (monotonic ms) none is handed to them. */
  private readonly unanswered = new Map<string, number>();

  constructor(
    private readonly s: Sessions,
    private readonly restore: SessionRestore,
  ) {}

  async register(address = this.address): Promise<void> {
    const { store, options, clock } = this.s.deps;
    this.address = address;
    await store.gatewayRegister(options.holderId, address, options.capacity, livenessSec(options), clock.now());
    this.registered = true;
  }

  /** What `GET /health` answers: up means this gateway takes sessions. */
  accepting(): boolean {
    return this.registered && !this.s.draining && !this.s.stopped;
  }

  info(): FleetInfo {
    const { options } = this.s.deps;
    return {
      id: options.holderId, address: this.address, capacity: options.capacity, held: this.s.live.size,
      registered: this.registered, draining: this.s.draining, gateways: this.last?.gateways ?? null, target: this.last?.target ?? null,
    };
  }

  /** Heartbeats every `fleetScanMs`; the claims and hand-overs a plan asks for run beside the next heartbeats. */
  startScanning(): void {
    const { log, options } = this.s.deps;
    this.stopScanning = repeatAfter(options.fleetScanMs, async () => {
      const plan = await this.heartbeat();
      if (plan) void this.act(plan).catch((err) => log.error({ err }, "fleet claim or hand-over failed"));
    }, (err) => log.error({ err }, "fleet heartbeat failed"), () => !this.s.stopped);
  }

  /** One scan, awaited to the end (tests): heartbeat, then claim or hand over as the plan says. */
  async scan(): Promise<FleetPlan | null> {
    const plan = await this.heartbeat();
    if (plan) await this.act(plan);
    return plan;
  }

  /**
   * Leaves the fleet without a gap for the salons: the registry stops counting this gateway (its /health answers
   * 503, its share goes to the others), then each session is handed to the gateway with the most room, which connects
   * it at once (peers.ts); `restoreConcurrency` hand-overs per other gateway at a time, each waiting for the other's
   * answer, so a salon is offline for one hand-over and no gateway gets a connection storm.
   * Alone in the fleet there is nobody to hand over to: the caller's stop closes them all at once.
   */
  async drain(): Promise<void> {
    const { log, options } = this.s.deps;
    this.s.draining = true;
    const plan = await this.heartbeat().catch((err) => {
      log.error({ err }, "announcing the drain failed");
      return null;
    });
    if (!plan || plan.gateways === 0) return;
    log.info({ sessions: this.s.live.size, gateways: plan.gateways }, "draining: handing sessions over");
    const peers = new Peers(this.s.deps, this.unanswered);
    const queue = [...this.s.live.values()];
    const lanes = Math.max(1, options.restoreConcurrency) * plan.gateways;
    const lane = async () => {
      for (let live = queue.shift(); live; live = queue.shift()) {
        if (this.s.live.get(live.salonId) === live && !live.closing) await this.pass(live, peers);
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  /** Stops heartbeating and removes the registration (after every session was handed over or closed). */
  async leave(): Promise<void> {
    this.stopScanning();
    if (!this.registered) return;
    this.registered = false;
    await this.s.deps.store.gatewayDeregister(this.s.deps.options.holderId)
      .catch((err) => this.s.deps.log.warn({ err }, "leaving the gateway registry failed; the registration expires"));
  }

  private async heartbeat(): Promise<FleetPlan | null> {
    if (!this.registered) return null;
    const { store, options, clock } = this.s.deps;
    let plan = await store.gatewayHeartbeat(options.holderId, this.s.draining, clock.now());
    if (plan === null) {
      // Removed as long dead (a process paused for a day): the leases tell what it still holds; join again.
      await this.register();
      plan = await store.gatewayHeartbeat(options.holderId, this.s.draining, clock.now());
    }
    this.last = plan;
    return plan;
  }

  private async act(plan: FleetPlan): Promise<void> {
    if (!plan.live || this.s.draining || this.s.stopped) return;
    // Every plan replaces what is left to claim (claims already running go on, see adopt), an empty one included.
    const claiming = this.restore.adopt(plan.claim.map(Number));
    if (plan.claim.length > 0) {
      await claiming;
      return;
    }
    if (this.acting) return;
    this.acting = true;
    try {
      if (plan.excess > 0) await this.shed(Math.min(plan.excess, this.s.deps.options.rebalanceBatch));
    } finally {
      this.acting = false;
    }
  }

  /**
   * Hands over up to `n` connected sessions, one at a time, so a gateway with room (a new one, scaling out) takes
   * them gradually. One that no gateway took comes back here at once, and the rebalancing stops until the next scan.
   */
  private async shed(n: number): Promise<void> {
    const movable = [...this.s.live.values()].filter(
      (l: Live) => l.state === "connected" && l.paired && !l.pairing && !l.closing,
    ).slice(0, n);
    if (movable.length === 0) return;
    this.s.deps.log.info({ sessions: movable.length }, "rebalancing: handing sessions over to a gateway with room");
    const peers = new Peers(this.s.deps, this.unanswered);
    for (const live of movable) {
      if (this.s.draining || this.s.stopped || live.closing || !(await peers.any())) return;
      if (await this.pass(live, peers)) continue;
      await this.restore.takeBack(live.salonId)
        .catch((err) => this.s.deps.log.warn({ salonId: live.salonId, err }, "taking back a session no gateway took failed; the scans claim it"));
      return;
    }
  }

  /**
   * Gives the session up here and hands it to another gateway; false when none took it (it is free, and the scans
   * claim it). One nobody would claim (unpaired, or stopped) is only given back.
   */
  private async pass(live: Live, peers: Peers): Promise<boolean> {
    const wanted = live.paired && (live.state === "connected" || live.state === "connecting");
    await handOver(this.s, live);
    if (!wanted || (await peers.give(live.salonId))) return true;
    this.s.deps.log.warn({ salonId: live.salonId }, "no gateway took the session");
    return false;
  }
}
