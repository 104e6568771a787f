/** A session this process holds, and what the session modules share about all of them. */
import type { Clock } from "../../lib/clock.js";
import type { SessionState } from "../../lib/contract/service-api.js";
import type { Logger } from "../../lib/log.js";
import type { SalonAuthState, SharedKeyCache, Lease } from "../auth-state.js";
import type { GatewayOptions } from "../config.js";
import type { EventOutbox } from "../outbox.js";
import type { GatewayStore } from "../store.js";
import type { Transport, TransportSession } from "../transport/types.js";
import type { DurableSends, SendTarget } from "./durable-sends.js";
import type { PageNotices } from "./notices.js";
import type { SendQueue } from "./send-queue.js";
import type { TypingWatch } from "./typing-watch.js";

export interface Live {
  salonId: number;
  state: SessionState;
  phone: string | null;
  lease: Lease;
  /** When the lease runs out, on `monotonicMs()`, as of this process's last successful acquire or renewal of it. */
  leaseUntil: number;
  auth: SalonAuthState;
  conn: TransportSession | null;
  /** Bumped on every (re)connect: events of an older connection are ignored. */
  generation: number;
  attempt: number;
  conflicts: number[];
  pairing: { phone: string; requested: boolean } | null;
  /** Has a pairing on record (restore candidates, or opened here): worth retrying for as long as it takes. */
  paired: boolean;
  qr: { qr: string; expiresAt: number; count: number } | null;
  reconnectTimer: NodeJS.Timeout | undefined;
  closing: boolean;
  sends: SendQueue;
}

export interface SessionManagerDeps {
  store: GatewayStore;
  transport: Transport;
  outbox: EventOutbox;
  clock: Clock;
  log: Logger;
  options: GatewayOptions;
  keyCache: SharedKeyCache;
  /** Hands a session to another gateway of the fleet (peers.ts). */
  startElsewhere: StartElsewhere;
}

/** Starts the salon's session on the gateway at `address`; rejects with what that gateway answered. */
export type StartElsewhere = (address: string, salonId: number) => Promise<void>;

/** The state every session module works on; the SessionManager owns it. */
export interface Sessions {
  readonly deps: SessionManagerDeps;
  readonly live: Map<number, Live>;
  readonly starting: Map<number, Promise<Live>>;
  readonly sends: DurableSends;
  readonly notices: PageNotices;
  readonly typing: TypingWatch;
  stopped: boolean;
  /** Handing every session over before leaving the fleet (fleet.ts): nothing new is claimed here. */
  draining: boolean;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `task` `ms` after its previous run ended (never two at once) while `goOn()` holds, until the returned stop is
 * called; a failure is reported and the next run still comes. The timer does not keep the process alive.
 */
export function repeatAfter(ms: number, task: () => Promise<unknown>, onError: (err: unknown) => void, goOn: () => boolean): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = () => {
    timer = setTimeout(() => {
      void task().catch(onError).finally(() => {
        if (!stopped && goOn()) loop();
      });
    }, ms);
    timer.unref();
  };
  loop();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export function setState(s: Sessions, live: Live, state: SessionState): void {
  if (live.state === state) return;
  live.state = state;
  s.notices.notify(live.salonId, { type: "status", status: state });
}

/**
 * How long before its lease runs out a holder stops using the session, and how long a gateway taking over a lease
 * that ran out waits before connecting: together they keep a late holder's socket and the next one's apart by twice
 * this, whatever a stalled renewal or event loop did.
 */
export function leaseMarginMs(options: GatewayOptions): number {
  return Math.min(3000, (options.leaseTtlSec * 1000) / 5);
}

/**
 * The holder's own reading of time for its lease deadline (`Live.leaseUntil`): monotonic, because what it guards
 * against is this process stalling, and a moved test clock or a stepped wall clock is not a stall.
 */
export const monotonicMs = (): number => performance.now();

/** The session's lease may be about to run out unnoticed (renewals failing or late): nothing more goes on its socket. */
export function leaseLapsing(s: Sessions, live: Live): boolean {
  return monotonicMs() >= live.leaseUntil - leaseMarginMs(s.deps.options);
}

export function sendTarget(s: Sessions, salonId: number): SendTarget | null {
  const live = s.live.get(salonId);
  if (!live || live.closing) return null;
  return { queue: live.sends, conn: () => (live.state === "connected" && !live.closing && !leaseLapsing(s, live) ? live.conn : null) };
}
