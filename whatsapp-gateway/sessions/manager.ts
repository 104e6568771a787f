import { generateMessageIDV2 } from "@whiskeysockets/baileys";
import type { Clock } from "../../lib/clock.js";
import { faultPoint } from "../../lib/faults.js";
import type { SessionState, SessionStatus } from "../../lib/contract/service-api.js";
import type { WhatsAppEvent } from "../../lib/contract/events.js";
import type { Logger } from "../../lib/log.js";
import { SalonAuthState, SharedKeyCache, type Lease } from "../auth-state.js";
import { jitter, type GatewayOptions } from "../config.js";
import { GatewayApiError, sessionDown, sessionLoggedOut, sessionRestoring } from "../errors.js";
import type { EventOutbox } from "../outbox.js";
import { LeaseLostError, type GatewayStore } from "../store.js";
import { jidForRecipient, type InboundMessage, type Transport, type TransportSession } from "../transport/types.js";
import { DurableSends, type SendTarget } from "./durable-sends.js";
import { decideOnClose } from "./policy.js";
import { SendQueue } from "./send-queue.js";

/** What the onboarding page hears about its salon's session. */
export type SessionNotice =
  | { type: "qr"; qr: string; expiresInSec: number }
  | { type: "pairing_code"; code: string; expiresInSec: number }
  | { type: "status"; status: SessionState }
  | { type: "connected"; phone: string }
  | { type: "error"; code: string; message: string };

export type SessionListener = (notice: SessionNotice) => void;

/** Baileys' QR cadence: the first ref lives 60 s, each next one 20 s. */
const FIRST_QR_SEC = 60;
const NEXT_QR_SEC = 20;
const PAIRING_CODE_SEC = 60;

/** What the page is told when a session stops for a reason other than a failed pairing. */
const STOP_NOTICES = {
  qr_expired: { type: "error", code: "qr_expired", message: "The QR code expired. Ask for a new one." },
  outdated_version: { type: "error", code: "outdated_version", message: "WhatsApp does not accept this connection right now (outdated version). Try again later." },
} as const satisfies Record<string, SessionNotice>;

interface Live {
  salonId: number;
  state: SessionState;
  phone: string | null;
  lease: Lease;
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
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** States a session is left in by a gateway that went away while it was up (a graceful stop keeps the state too). */
const ORPHAN_STATES = new Set<string>(["connected", "connecting"]);

/**
 * Every salon session this process holds: one lease each (fenced auth writes), the connection policy, restore in
 * waves after a restart, the per-session send queue, and the notices the onboarding page listens to.
 */
export class SessionManager {
  private readonly live = new Map<number, Live>();
  private readonly starting = new Map<number, Promise<Live>>();
  private readonly sends: DurableSends;
  private readonly listeners = new Map<number, Set<SessionListener>>();
  private readonly pairingRequests = new Map<string, number>();
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** A restore (at start or of orphans) is running; another waits for the next renewal. */
  private restoring = false;

  constructor(private readonly deps: SessionManagerDeps) {
    this.sends = new DurableSends(deps);
  }

  get holderId(): string {
    return this.deps.options.holderId;
  }

  /**
   * Renews this process's leases, then adopts orphaned sessions: a restart sooner than the lease TTL after a crash
   * finds sessions whose leases the dead process still holds, and the start-up restore skips them; without this
   * nobody would ever connect them again, and their salons would go silent.
   */
  startLeaseRenewal(): void {
    const loop = () => {
      this.renewTimer = setTimeout(() => {
        void this.renewLeases()
          .then(() => {
            // Not awaited: a long adoption must not hold up the next renewal of the leases this process has.
            void this.adoptOrphans().catch((err) => this.deps.log.error({ err }, "adopting orphaned sessions failed"));
          })
          .catch((err) => this.deps.log.error({ err }, "lease renewal failed"))
          .finally(() => {
            if (!this.stopped) loop();
          });
      }, this.deps.options.leaseRenewMs);
      this.renewTimer.unref();
    };
    loop();
  }

  // ---- reading -----------------------------------------------------------------------------------------------

  async status(salonId: number): Promise<SessionStatus> {
    const live = this.live.get(salonId);
    if (live) return { salonId, state: live.state, phone: live.phone };
    const row = await this.deps.store.sessionGet(salonId);
    if (!row) return { salonId, state: "none", phone: null };
    // A paired session nobody here holds (another gateway, or not yet restored) is not connected through us.
    const state: SessionState = row.state === "connected" || row.state === "connecting" || row.state === "qr" || row.state === "pairing" ? "stopped" : row.state;
    return { salonId, state, phone: row.phone };
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const l of this.live.values()) out[l.state] = (out[l.state] ?? 0) + 1;
    return out;
  }

  isLive(salonId: number): boolean {
    return this.live.has(salonId);
  }

  subscribe(salonId: number, listener: SessionListener): () => void {
    let set = this.listeners.get(salonId);
    if (!set) this.listeners.set(salonId, (set = new Set()));
    set.add(listener);
    // A page that joins late sees where things stand.
    const live = this.live.get(salonId);
    if (live?.state === "qr" && live.qr) {
      listener({ type: "qr", qr: live.qr.qr, expiresInSec: Math.max(1, Math.round((live.qr.expiresAt - this.deps.clock.now().getTime()) / 1000)) });
    }
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(salonId);
    };
  }

  /** Resolves with the status once the session is in one of `states`, or as it stands after `timeoutMs`. */
  async waitForState(salonId: number, states: SessionState[], timeoutMs: number): Promise<SessionStatus> {
    return new Promise<SessionStatus>((resolve, reject) => {
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        off();
        this.status(salonId).then(resolve, reject);
      };
      // Listen first, then look: a change between the two is not missed.
      const off = this.subscribe(salonId, (n) => {
        if (n.type === "status" && states.includes(n.status)) finish();
      });
      const timer = setTimeout(finish, timeoutMs);
      this.status(salonId).then((s) => {
        if (states.includes(s.state)) finish();
      }, reject);
    });
  }

  // ---- commands ----------------------------------------------------------------------------------------------

  /** Starts (or keeps) the salon's session: a paired one connects, an unpaired one shows a QR. */
  async start(salonId: number): Promise<SessionStatus> {
    if (this.stopped) throw new GatewayApiError(503, "stopping", "the gateway is stopping");
    const live = this.live.get(salonId) ?? (await this.claim(salonId));
    if (live.conn === null && live.reconnectTimer === undefined && live.state !== "connecting") await this.connect(live);
    return { salonId, state: live.state, phone: live.phone };
  }

  /** The page asks for a QR: start a session, or restart one that stopped or was pairing by code. */
  async requestQr(salonId: number): Promise<void> {
    const live = this.live.get(salonId);
    if (live?.pairing) await this.restart(live, null);
    else await this.start(salonId);
  }

  /** The page asks for a pairing code: a fresh session, the code requested once its socket is ready. */
  async requestPairingCode(salonId: number, phone: string): Promise<void> {
    const now = performance.now();
    const last = this.pairingRequests.get(phone);
    if (last !== undefined && now - last < this.deps.options.pairingCodeIntervalMs) {
      throw new GatewayApiError(429, "rate_limited", "a pairing code was requested for this number moments ago; wait a minute or use the QR code");
    }
    const live = this.live.get(salonId) ?? (await this.claim(salonId));
    if (live.state === "connected") throw new GatewayApiError(409, "already_connected", "WhatsApp is already connected");
    this.pairingRequests.set(phone, now);
    if (this.pairingRequests.size > 1000) {
      for (const [p, t] of this.pairingRequests) if (now - t >= this.deps.options.pairingCodeIntervalMs) this.pairingRequests.delete(p);
    }
    await this.restart(live, { phone, requested: false });
  }

  /** Logs the device out (best effort), wipes the auth state and forgets the pairing. */
  async logout(salonId: number): Promise<void> {
    const live = this.live.get(salonId) ?? (await this.claim(salonId));
    live.closing = true;
    clearTimeout(live.reconnectTimer);
    live.generation += 1;
    try {
      await live.conn?.logout();
    } catch (err) {
      this.deps.log.warn({ salonId, err }, "logout on WhatsApp failed; wiping anyway");
    }
    live.conn = null;
    await live.auth.clear().catch((err) => this.deps.log.error({ salonId, err }, "auth wipe failed"));
    await this.deps.store.sessionMark(salonId, "none", this.deps.clock.now(), { reason: "logged_out_by_request", unpair: true });
    await this.release(live, "none");
  }

  /**
   * Accepts a send durably and answers its message id at once; the salon's worker sends it at the session's pace
   * (see durable-sends.ts). A paired session held here, connected or reconnecting, accepts; otherwise the answer says
   * whether to wait (session_restoring), give up (session_logged_out) or retry later (session_down).
   */
  async sendText(salonId: number, msg: { to: string; text: string; idempotencyKey: string }): Promise<{ messageId: string }> {
    const jid = jidForRecipient(msg.to);
    if (!jid) throw new GatewayApiError(400, "bad_request", "`to` must be E.164 digits or a WhatsApp JID");
    faultPoint("before-accept");
    const live = this.live.get(salonId);
    if (live && !live.closing && live.paired && (live.state === "connected" || live.state === "connecting")) {
      const messageId = generateMessageIDV2(live.phone ? `${live.phone}@s.whatsapp.net` : undefined);
      const accepted = await this.sends.accept(salonId, msg.idempotencyKey, { jid, text: msg.text, messageId });
      this.sends.wake(salonId, () => this.sendTarget(salonId));
      return accepted;
    }
    const earlier = await this.sends.earlier(salonId, msg.idempotencyKey);
    if (earlier) return earlier;
    if (live && !live.closing) throw sessionDown(salonId);
    const row = await this.deps.store.sessionGet(salonId);
    if (row?.state === "logged_out" || row?.state === "forbidden") throw sessionLoggedOut(salonId);
    if (row?.paired_at && !this.stopped) throw sessionRestoring(salonId);
    throw sessionDown(salonId);
  }

  /** Resolves once the salon's send worker has sent what it can now (tests, graceful stop). */
  sendsIdle(salonId: number): Promise<void> {
    return this.sends.idle(salonId);
  }

  private sendTarget(salonId: number): SendTarget | null {
    const live = this.live.get(salonId);
    if (!live || live.closing) return null;
    return { queue: live.sends, conn: () => (live.state === "connected" && !live.closing ? live.conn : null) };
  }

  async presence(salonId: number, to: string, state: "composing" | "paused"): Promise<void> {
    const jid = jidForRecipient(to);
    if (!jid) throw new GatewayApiError(400, "bad_request", "`to` must be E.164 digits or a WhatsApp JID");
    const live = this.live.get(salonId);
    if (!live || live.state !== "connected" || !live.conn) throw sessionDown(salonId);
    await live.conn.presence(jid, state);
  }

  /** Brings back every paired session after a restart, `restoreConcurrency` at a time with jittered starts. */
  async restoreAll(): Promise<number> {
    this.restoring = true;
    try {
      const ids = await this.deps.store.sessionsRestorable(this.holderId, this.deps.clock.now());
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
    if (this.restoring || this.stopped) return 0;
    this.restoring = true;
    try {
      const candidates = await this.deps.store.sessionsRestorable(this.holderId, this.deps.clock.now());
      const orphans: number[] = [];
      for (const salonId of candidates) {
        if (this.live.has(salonId) || this.starting.has(salonId)) continue;
        const row = await this.deps.store.sessionGet(salonId);
        if (row && ORPHAN_STATES.has(row.state)) orphans.push(salonId);
      }
      if (orphans.length === 0) return 0;
      this.deps.log.info({ orphans: orphans.length }, "adopting sessions no gateway holds");
      return await this.restoreIds(orphans);
    } finally {
      this.restoring = false;
    }
  }

  private async restoreIds(ids: number[]): Promise<number> {
    let next = 0;
    let restored = 0;
    const worker = async () => {
      while (!this.stopped && next < ids.length) {
        const salonId = ids[next++]!;
        await sleep(jitter(this.deps.options.restoreJitterMs));
        if (this.stopped) return;
        try {
          await this.start(salonId);
          restored += 1;
        } catch (err) {
          this.deps.log.warn({ salonId, err: (err as Error).message }, "session not restored");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.deps.options.restoreConcurrency) }, worker));
    this.deps.log.info({ restored, candidates: ids.length }, "sessions restored");
    return restored;
  }

  /** Renews every lease this process holds; a session whose lease another gateway took is dropped, not wiped. */
  async renewLeases(): Promise<void> {
    const leases = [...this.live.values()].map((l) => ({ salon_id: l.salonId, fence: l.lease.fence }));
    const lost = await this.deps.store.leaseRenew(this.holderId, leases, this.deps.options.leaseTtlSec, this.deps.clock.now());
    for (const salonId of lost) {
      const live = this.live.get(salonId);
      if (live) await this.yieldSession(live);
    }
  }

  /** Graceful stop: close every socket, flush auth writes, release every lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    await Promise.allSettled([...this.starting.values()]);
    await Promise.allSettled([...this.live.values()].map(async (live) => {
      live.closing = true;
      clearTimeout(live.reconnectTimer);
      await live.sends.idle();
      await live.conn?.end().catch(() => {});
      live.conn = null;
      await this.release(live, null);
    }));
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  /** Takes the salon's lease and sets up its state; one claim at a time per salon. */
  private claim(salonId: number): Promise<Live> {
    const pending = this.starting.get(salonId);
    if (pending) return pending;
    const p = (async () => {
      const fence = await this.deps.store.leaseAcquire(salonId, this.holderId, this.deps.options.leaseTtlSec, this.deps.clock.now());
      if (fence === null) throw new GatewayApiError(409, "session_elsewhere", `salon ${salonId}: another gateway holds this session`);
      const lease: Lease = { holder: this.holderId, fence: Number(fence) };
      // Whatever a previous holder left on the socket is settled (unknown, never resent) before this one sends.
      await this.sends.recover(salonId);
      const row = await this.deps.store.sessionGet(salonId);
      const auth = new SalonAuthState(this.deps.store, salonId, lease, this.deps.clock);
      const live: Live = {
        salonId, state: "none", phone: null, lease, auth, conn: null, generation: 0, attempt: 0, conflicts: [],
        pairing: null, paired: !!row?.paired_at, qr: null, reconnectTimer: undefined, closing: false,
        sends: new SendQueue(this.deps.options.sendGapMs),
      };
      auth.onLeaseLost = () => void this.yieldSession(live);
      // Fresh creds reuse key ids (pre-key 1, 2, …): a cached key of the wiped pairing must never answer for them.
      auth.onCleared = () => this.deps.keyCache.dropSalon(salonId);
      this.live.set(salonId, live);
      return live;
    })();
    this.starting.set(salonId, p);
    return p.finally(() => this.starting.delete(salonId));
  }

  private setState(live: Live, state: SessionState): void {
    if (live.state === state) return;
    live.state = state;
    this.notify(live.salonId, { type: "status", status: state });
  }

  private notify(salonId: number, notice: SessionNotice): void {
    for (const l of this.listeners.get(salonId) ?? []) {
      try {
        l(notice);
      } catch (err) {
        this.deps.log.warn({ salonId, err }, "session listener failed");
      }
    }
  }

  /** Ends the current connection (no policy) and connects again, fresh (wiped) when pairing by code. */
  private async restart(live: Live, pairing: Live["pairing"]): Promise<void> {
    clearTimeout(live.reconnectTimer);
    live.reconnectTimer = undefined;
    live.generation += 1;
    const conn = live.conn;
    live.conn = null;
    await conn?.end().catch(() => {});
    live.pairing = pairing;
    live.qr = null;
    live.attempt = 0;
    // A pairing code needs fresh creds: requestPairingCode writes creds.me, and stale ones make WhatsApp ignore it.
    if (pairing) await live.auth.clear();
    await this.connect(live);
  }

  private async connect(live: Live): Promise<void> {
    if (live.closing || this.stopped) return;
    live.reconnectTimer = undefined;
    const generation = ++live.generation;
    live.qr = null;
    this.setState(live, "connecting");
    const current = () => generation === live.generation && !live.closing;
    try {
      const conn = await this.deps.transport.open({
        salonId: live.salonId,
        auth: live.auth,
        events: {
          qr: (qr, info) => {
            if (current()) this.onQr(live, qr, info.refreshed);
          },
          open: (phone) => {
            if (current()) void this.onOpen(live, phone).catch((err) => this.deps.log.error({ salonId: live.salonId, err }, "open handling failed"));
          },
          close: (code, message) => {
            if (current()) void this.onClose(live, code, message).catch((err) => this.deps.log.error({ salonId: live.salonId, err }, "close handling failed"));
          },
          message: (msg) => this.onMessage(live.salonId, msg).catch((err) => {
            this.deps.log.error({ salonId: live.salonId, err }, "event publish failed");
            throw err;
          }),
        },
      });
      if (!current()) {
        await conn.end().catch(() => {});
        return;
      }
      live.conn = conn;
    } catch (err) {
      this.deps.log.warn({ salonId: live.salonId, err: (err as Error).message }, "connect failed");
      if (current()) await this.onClose(live, 500, (err as Error).message);
    }
  }

  private onQr(live: Live, qr: string, refreshed: boolean): void {
    const now = this.deps.clock.now().getTime();
    if (live.pairing) {
      if (live.pairing.requested) return;
      live.pairing.requested = true;
      this.setState(live, "pairing");
      const { phone } = live.pairing;
      const generation = live.generation;
      // The socket is ready for a code only once it has produced its first QR (requesting earlier gets 428).
      void this.waitForConn(live, generation)
        .then((conn) => conn.requestPairingCode(phone))
        .then((code) => {
          if (generation !== live.generation) return;
          const pretty = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
          this.notify(live.salonId, { type: "pairing_code", code: pretty, expiresInSec: PAIRING_CODE_SEC });
        })
        .catch(async (err) => {
          if (generation !== live.generation) return;
          this.deps.log.warn({ salonId: live.salonId, err: (err as Error).message }, "pairing code request failed");
          await this.failPairing(live, (err as Error).message);
        });
      return;
    }
    if (refreshed && live.qr) {
      live.qr.qr = qr;
    } else {
      const count = (live.qr?.count ?? 0) + 1;
      live.qr = { qr, count, expiresAt: now + (count === 1 ? FIRST_QR_SEC : NEXT_QR_SEC) * 1000 };
    }
    this.setState(live, "qr");
    this.notify(live.salonId, { type: "qr", qr, expiresInSec: Math.max(1, Math.round((live.qr.expiresAt - now) / 1000)) });
  }

  /** The transport may report its first QR before `open()` has returned the session object. */
  private async waitForConn(live: Live, generation: number): Promise<TransportSession> {
    for (let i = 0; i < 200; i++) {
      if (generation !== live.generation) throw new Error("connection replaced");
      if (live.conn) return live.conn;
      await sleep(5);
    }
    throw new Error("connection did not come up");
  }

  private async failPairing(live: Live, message: string): Promise<void> {
    live.generation += 1;
    const conn = live.conn;
    live.conn = null;
    live.pairing = null;
    await conn?.end().catch(() => {});
    // requestPairingCode already wrote creds.me: left in place, the next start would try to log in as that phone.
    await live.auth.clear().catch((err) => this.deps.log.error({ salonId: live.salonId, err }, "auth wipe failed"));
    await this.deps.store.sessionMark(live.salonId, "none", this.deps.clock.now(), { reason: "pairing_failed", unpair: true });
    this.notify(live.salonId, { type: "error", code: "pairing_failed", message: "Could not get a pairing code. Try the QR code." });
    this.deps.log.info({ salonId: live.salonId, message }, "pairing failed; auth discarded");
    await this.release(live, "none");
  }

  private async onOpen(live: Live, phone: string): Promise<void> {
    live.attempt = 0;
    live.pairing = null;
    live.paired = true;
    live.qr = null;
    live.phone = phone;
    const now = this.deps.clock.now();
    const newlyPaired = await this.deps.store.sessionConnected(live.salonId, phone, now);
    // Published before anyone hears "connected", so whoever reacts to it finds the event already queued.
    if (newlyPaired) {
      await this.deps.outbox.publish(
        { type: "session.connected", salonId: live.salonId, phone, timestamp: now.toISOString() },
        `${live.salonId}:session.connected:${now.getTime()}`,
      );
    }
    this.setState(live, "connected");
    this.notify(live.salonId, { type: "connected", phone });
    this.sends.wake(live.salonId, () => this.sendTarget(live.salonId));
  }

  private async onClose(live: Live, code: number, message: string): Promise<void> {
    live.conn = null;
    const now = this.deps.clock.now().getTime();
    const decision = decideOnClose(code, message, {
      attempt: live.attempt, conflicts: live.conflicts, pairing: live.pairing?.requested === true, paired: live.paired, now,
    }, this.deps.options);
    this.deps.log.info({ salonId: live.salonId, code, message, decision }, "connection closed");
    if (decision.action === "logged_out") {
      try {
        await live.auth.clear();
      } catch (err) {
        // A zombie (lease taken over) hearing a late 401 must not report the live owner's session as logged out.
        if (err instanceof LeaseLostError) return this.yieldSession(live);
        this.deps.log.error({ salonId: live.salonId, err }, "auth wipe failed");
      }
      live.closing = true;
      await this.deps.store.sessionMark(live.salonId, decision.state, this.deps.clock.now(), { code, reason: message, unpair: true });
      await this.deps.outbox.publish(
        { type: "session.logged_out", salonId: live.salonId, code, timestamp: this.deps.clock.now().toISOString() },
        `${live.salonId}:session.logged_out:${now}`,
      );
      await this.release(live, decision.state);
      return;
    }
    if (decision.action === "stop") {
      if (decision.reason === "pairing_failed") {
        await this.failPairing(live, message);
        return;
      }
      await this.deps.store.sessionMark(live.salonId, "stopped", this.deps.clock.now(), { code, reason: decision.reason });
      this.notify(live.salonId, STOP_NOTICES[decision.reason]);
      await this.release(live, "stopped");
      return;
    }
    if (!live.paired && live.attempt >= this.deps.options.backoffMaxAttempts) {
      // Nothing paired to keep alive: an unpaired socket that cannot connect just holds memory and a lease.
      await this.deps.store.sessionMark(live.salonId, "stopped", this.deps.clock.now(), { code, reason: "connect_failed" });
      this.notify(live.salonId, { type: "error", code: "connect_failed", message: "Could not reach WhatsApp. Try again later." });
      await this.release(live, "stopped");
      return;
    }
    if (code === 440) live.conflicts = [...live.conflicts.filter((t) => now - t <= this.deps.options.conflictLoopWindowMs), now];
    if (code !== 515) live.attempt += 1;
    this.setState(live, "connecting");
    live.reconnectTimer = setTimeout(() => void this.reconnect(live), decision.delayMs);
  }

  /** Before reconnecting, make sure the lease is still ours: after a 440 another gateway may own the session. */
  private async reconnect(live: Live): Promise<void> {
    if (live.closing || this.stopped) return;
    try {
      const fence = await this.deps.store.leaseAcquire(live.salonId, this.holderId, this.deps.options.leaseTtlSec, this.deps.clock.now());
      if (fence === null) {
        await this.yieldSession(live);
        return;
      }
      live.lease.fence = Number(fence);
      await this.connect(live);
    } catch (err) {
      this.deps.log.error({ salonId: live.salonId, err }, "reconnect failed");
      await this.onClose(live, 500, (err as Error).message);
    }
  }

  private async onMessage(salonId: number, msg: InboundMessage): Promise<void> {
    const event = { ...msg, salonId } as WhatsAppEvent;
    await this.deps.outbox.publish(event, `${salonId}:${msg.messageId}`);
  }

  /** Another gateway holds the session now: stop touching it, keep its auth. */
  private async yieldSession(live: Live): Promise<void> {
    if (live.closing) return;
    live.closing = true;
    clearTimeout(live.reconnectTimer);
    live.generation += 1;
    this.deps.log.warn({ salonId: live.salonId }, "lease lost to another gateway; closing this copy of the session");
    await live.conn?.end().catch(() => {});
    live.conn = null;
    this.live.delete(live.salonId);
    this.sends.forget(live.salonId);
    this.deps.keyCache.dropSalon(live.salonId);
    this.notify(live.salonId, { type: "status", status: "stopped" });
  }

  /** Closes out a session here: flush auth writes, give the lease back, forget it. */
  private async release(live: Live, finalState: SessionState | null): Promise<void> {
    live.closing = true;
    clearTimeout(live.reconnectTimer);
    if (finalState) this.setState(live, finalState);
    await live.auth.flush();
    if (this.live.get(live.salonId) === live) this.live.delete(live.salonId);
    this.sends.forget(live.salonId);
    this.deps.keyCache.dropSalon(live.salonId);
    await this.deps.store.leaseRelease(live.salonId, live.lease.holder, live.lease.fence)
      .catch((err) => this.deps.log.warn({ salonId: live.salonId, err }, "lease release failed"));
  }
}
