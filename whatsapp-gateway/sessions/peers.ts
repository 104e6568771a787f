/**
 * The other gateways a session is handed to, and the call that hands it (ARCHITECTURE.md, "Fleet", hand-over).
 * A session only given back waits for whoever scans next: a scan interval, the claimer's restore jitter and, when
 * many are let go together, the claimers' own order. Handed to a named gateway it is connected there as soon as the
 * call arrives: the service API's `POST /v1/sessions/:salonId/start`, the call the functions make to start a
 * session, signed with the same service key. The lease stays the arbiter: a scan that took the session first makes
 * the call answer `session_elsewhere`, which is as good; a call that fails leaves the session free for the scans.
 */
import type { SessionStatus } from "../../lib/contract/service-api.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import type { Peer } from "../store.js";
import { monotonicMs, sleep, type SessionManagerDeps, type StartElsewhere } from "./live.js";

/**
 * How long the other gateway may take to answer the start (its claim and the start of its connect: well under a
 * second when it is well) before the hand-over asks another one, and how long in all it waits for that connect.
 */
const START_ANSWER_MS = 5000;
const CONNECT_WAIT_MS = 20_000;
const CONNECTING_POLL_MS = 200;
/** How long a gateway that did not take a session is left out of hand-overs: past it, a dead one has left the registry. */
const UNANSWERED_SKIP_MS = 60_000;

/**
 * Starts the session there and waits until it is no longer connecting (or the wait is over), so that gateway has
 * at most as many WhatsApp handshakes running as hand-overs reach it at once: waves, never a storm. A gateway that
 * does not answer the start soon (a task just gone: its address swallows the connection) is left for another.
 */
export function startElsewhereWith(secret: string): StartElsewhere {
  const call = async (address: string, method: string, path: string, timeoutMs: number): Promise<Response> => fetch(address + path, {
    method,
    headers: { authorization: `Bearer ${await signServiceToken(secret)}`, ...(method === "POST" ? { "content-type": "application/json" } : {}) },
    body: method === "POST" ? "{}" : undefined,
    signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
  });
  return async (address, salonId) => {
    const deadline = Date.now() + CONNECT_WAIT_MS;
    let res = await call(address, "POST", `/v1/sessions/${salonId}/start`, START_ANSWER_MS);
    // 409 session_elsewhere: another gateway claimed it in the meantime; it is held, which is all a hand-over wants.
    while (res.ok) {
      const status = (await res.json()) as SessionStatus;
      if (status.state !== "connecting" || Date.now() + CONNECTING_POLL_MS >= deadline) return;
      await sleep(CONNECTING_POLL_MS);
      res = await call(address, "GET", `/v1/sessions/${salonId}`, Math.min(START_ANSWER_MS, deadline - Date.now()));
    }
    if (res.status === 409) return;
    throw new Error(`${address} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  };
}

/** The gateways one drain or one rebalancing hands sessions to, spread by room. */
export class Peers {
  private list: Peer[] = [];
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;
  /** Handed to each since the list was read, or still being handed then: its `held` does not count them. */
  private given = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  /**
   * `unanswered` (kept by the fleet member across drains and rebalancings): gateways that refused or did not answer a
   * hand-over, skipped until the time noted (monotonic ms). A gateway that is registered but unreachable (just gone,
   * or cut off from this one) would otherwise cost a salon a timeout at every scan.
   */
  constructor(private readonly deps: SessionManagerDeps, private readonly unanswered: Map<string, number>) {}

  /** Some gateway may take a session now. */
  async any(): Promise<boolean> {
    return (await this.pick()) !== null;
  }

  /**
   * Hands the salon, whose lease this gateway has just given back, to the gateway with the most room; tries a
   * second one if the first refuses. False when none took it: it stays free and a scan claims it.
   */
  async give(salonId: number): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const peer = await this.pick();
      if (!peer) return false;
      const add = (tally: Map<string, number>, n: number) => tally.set(peer.id, (tally.get(peer.id) ?? 0) + n);
      add(this.given, 1);
      add(this.inFlight, 1);
      try {
        await this.deps.startElsewhere(peer.address, salonId);
        return true;
      } catch (err) {
        this.unanswered.set(peer.id, monotonicMs() + UNANSWERED_SKIP_MS);
        this.deps.log.warn({ salonId, peer: peer.id, err: (err as Error).message }, "handing a session over failed; asking another gateway");
      } finally {
        add(this.inFlight, -1);
      }
    }
    return false;
  }

  private async pick(): Promise<Peer | null> {
    if (monotonicMs() - this.readAt > this.deps.options.fleetScanMs) await this.read();
    let best: Peer | null = null;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const p of this.list) {
      const held = p.held + (this.given.get(p.id) ?? 0);
      if ((this.unanswered.get(p.id) ?? 0) > monotonicMs() || held >= p.capacity) continue;
      if (held / p.capacity < bestLoad) {
        best = p;
        bestLoad = held / p.capacity;
      }
    }
    return best;
  }

  /** The registry's list, read again once a scan interval (one read shared by every hand-over waiting for it). */
  private read(): Promise<void> {
    this.reading ??= (async () => {
      const { store, options, clock, log } = this.deps;
      try {
        this.list = await store.gatewayPeers(options.holderId, clock.now());
        this.given = new Map(this.inFlight);
      } catch (err) {
        log.warn({ err }, "reading the other gateways failed; handing over to the ones read before");
      }
      this.readAt = monotonicMs();
    })().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }
}
