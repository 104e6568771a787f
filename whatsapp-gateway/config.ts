import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Tunables of the gateway. Production values are the defaults; tests and the emulator set the waits to ~0 through
 * `startGateway({ options })`. Nothing here is a secret: secrets come from lib/config.
 */
export interface GatewayOptions {
  /**
   * Who this process is in wa_leases: "<lineage>/<instance>", unique per process. A process of the same lineage
   * (see `lineageHolderId`) takes the leases over at once; without a "/" the id is its own lineage.
   */
  holderId: string;
  leaseTtlSec: number;
  leaseRenewMs: number;
  /** Fleet (sessions/fleet.ts): sessions this process takes at most (GATEWAY_MAX_SESSIONS). */
  capacity: number;
  /** Heartbeat in gateway_instances, claim free sessions and shed excess this often. */
  fleetScanMs: number;
  /** Sessions an over-loaded gateway hands over per scan when another has room (scaling out, gradually). */
  rebalanceBatch: number;
  /**
   * Restore after a restart: this many sessions at a time, each start after a random pause in the range. A drain
   * hands this many at a time to each other gateway (sessions/fleet.ts), which connects them without the pause.
   */
  restoreConcurrency: number;
  restoreJitterMs: [number, number];
  /** Gap between two sends of one session, random in the range, so a burst never looks like a bot. */
  sendGapMs: [number, number];
  /** How long a Baileys send waits for WhatsApp's 463 refusal before it counts as accepted. */
  sendAckWaitMs: number;
  /** Reconnect backoff: full jitter between 0 and min(max, base·2^attempt); after maxAttempts, every slowRetryMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  backoffMaxAttempts: number;
  slowRetryMs: number;
  /** 440 (replaced) this many times within the window means a fight over the session: wait loopBackoffMs. */
  conflictLoopCount: number;
  conflictLoopWindowMs: number;
  conflictLoopBackoffMs: number;
  /** Onboarding WebSocket: connections per IP per minute, seconds to send the auth message. */
  wsConnectionsPerMinute: number;
  wsAuthTimeoutMs: number;
  /** Trust X-Forwarded-For for the rate limit (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** One pairing-code request per phone within this window (WhatsApp answers 429 to more). */
  pairingCodeIntervalMs: number;
  /** Outbox retry loop. */
  outboxPollMs: number;
  /** How often a gateway with an onboarding page open reads what other gateways said to it (sessions/notice-relay.ts). */
  noticePollMs: number;
  /** Shared Signal-key cache across all sessions, in entries. */
  keyCacheEntries: number;
  /** Baileys' own log level (its info level is very chatty). */
  baileysLogLevel: string;
  /** The start-up lookup of WhatsApp's current Web version: a connect waits at most this long for it. */
  webVersionTimeoutMs: number;
  /** After a 405 (WhatsApp refuses the Web version) a paired session tries again this much later, not sooner. */
  outdatedVersionRetryMs: number;
}

export function defaultGatewayOptions(): GatewayOptions {
  return {
    holderId: `gw-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
    leaseTtlSec: 30,
    leaseRenewMs: 10_000,
    capacity: 500,
    fleetScanMs: 2000,
    rebalanceBatch: 5,
    restoreConcurrency: 5,
    restoreJitterMs: [500, 2000],
    sendGapMs: [800, 2500],
    sendAckWaitMs: 1500,
    backoffBaseMs: 1000,
    backoffMaxMs: 60_000,
    backoffMaxAttempts: 10,
    slowRetryMs: 5 * 60_000,
    conflictLoopCount: 5,
    conflictLoopWindowMs: 30_000,
    conflictLoopBackoffMs: 30_000,
    wsConnectionsPerMinute: 10,
    wsAuthTimeoutMs: 10_000,
    trustProxy: false,
    pairingCodeIntervalMs: 60_000,
    outboxPollMs: 2000,
    noticePollMs: 1000,
    keyCacheEntries: 100_000,
    baileysLogLevel: "warn",
    webVersionTimeoutMs: 1500,
    outdatedVersionRetryMs: 15 * 60_000,
  };
}

/** A random whole number of milliseconds in [min, max]. */
export function jitter([min, max]: [number, number]): number {
  return max <= min ? min : Math.floor(min + Math.random() * (max - min));
}

/**
 * A holder id whose lineage survives restarts, so a restarted gateway resumes its own sessions at once instead of
 * waiting out the dead process's leases. With a data directory (the embedded database lives there, so every holder
 * in it is ours) the lineage is kept in `gateway-id`. On a shared database (a fleet of gateway tasks) every process
 * is its own lineage: a shared one would let each gateway take the others' sessions at once (wa_lease_acquire).
 */
export function lineageHolderId(dataDir: string | null): string {
  let lineage = `gw-${randomBytes(6).toString("hex")}`;
  if (dataDir) {
    const file = join(dataDir, "gateway-id");
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, `local-${randomBytes(6).toString("hex")}\n`, { flag: "wx" });
    }
    lineage = readFileSync(file, "utf8").trim();
  }
  return `${lineage}/${process.pid}-${randomBytes(4).toString("hex")}`;
}
