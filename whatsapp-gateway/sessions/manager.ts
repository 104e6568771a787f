import { generateMessageIDV2 } from "@whiskeysockets/baileys";
import type { SessionState, SessionStatus } from "../../lib/contract/service-api.js";
import { faultPoint } from "../../lib/faults.js";
import type { SessionRoute } from "../store.js";
import { GatewayApiError, sessionDown, sessionLoggedOut, sessionRestoring } from "../errors.js";
import { jidForRecipient } from "../transport/types.js";
import { connect, restart } from "./connection.js";
import { DurableSends } from "./durable-sends.js";
import { FleetMember } from "./fleet.js";
import { claim, handOver, release, renewLeases, SessionRestore } from "./leases.js";
import { leaseLapsing, sendTarget, type Live, type SessionManagerDeps, type Sessions } from "./live.js";
import { NoticeRelay } from "./notice-relay.js";
import { PageNotices, type SessionListener } from "./notices.js";
import { PairingThrottle, qrNotice } from "./pairing.js";
import { TypingWatch } from "./typing-watch.js";

export type { SessionManagerDeps } from "./live.js";

/** A chat is watched for typing from a client's message until our reply, at most this long (the cap is ≤ 30 s). */
const TYPING_WATCH_MS = 35_000;
/** One presence write per chat per this long, whatever the client's phone sends. */
const PRESENCE_COALESCE_MS = 250;
export type { SessionListener, SessionNotice } from "./notices.js";

/**
 * Every salon session this process holds, and the commands the service API and the onboarding page give them.
 * Holding (leases.ts), connecting (connection.ts), pairing (pairing.ts), notices to the page (notices.ts) and durable
 * sends (durable-sends.ts) live beside it.
 */
export class SessionManager {
  private readonly s: Sessions;
  private readonly restore: SessionRestore;
  private readonly pairingRequests: PairingThrottle;
  private readonly relay: NoticeRelay;
  /** This process in the gateway fleet: registration, heartbeat, claims, hand-overs (fleet.ts). */
  readonly fleet: FleetMember;

  constructor(private readonly deps: SessionManagerDeps) {
    this.relay = new NoticeRelay({
      store: deps.store, clock: deps.clock, log: deps.log, holderId: deps.options.holderId, pollMs: deps.options.noticePollMs,
    });
    this.s = {
      deps,
      live: new Map<number, Live>(),
      starting: new Map<number, Promise<Live>>(),
      sends: new DurableSends(deps),
      notices: new PageNotices(deps.log, (salonId, notice) => this.relay.publish(salonId, notice)),
      typing: new TypingWatch({
        store: deps.store, clock: deps.clock, log: deps.log, watchMs: TYPING_WATCH_MS, coalesceMs: PRESENCE_COALESCE_MS,
        conn: (salonId) => {
          const live = this.s.live.get(salonId);
          return live?.state === "connected" && !live.closing && !leaseLapsing(this.s, live) ? live.conn : null;
        },
      }),
      stopped: false,
      draining: false,
    };
    this.restore = new SessionRestore(this.s, (salonId) => this.start(salonId));
    this.fleet = new FleetMember(this.s, this.restore);
    this.pairingRequests = new PairingThrottle(deps.options.pairingCodeIntervalMs);
  }

  get holderId(): string {
    return this.deps.options.holderId;
  }

  startLeaseRenewal(): void {
    this.restore.startLeaseRenewal();
  }

  // ---- reading -----------------------------------------------------------------------------------------------

  async status(salonId: number): Promise<SessionStatus> {
    const live = this.s.live.get(salonId);
    if (live) return { salonId, state: live.state, phone: live.phone };
    const row = await this.deps.store.sessionGet(salonId);
    if (!row) return { salonId, state: "none", phone: null };
    const running = row.state === "connected" || row.state === "connecting" || row.state === "qr" || row.state === "pairing";
    // A running session nobody holds (not yet restored) is not connected; one another gateway holds is as it recorded.
    const state: SessionState = running && !(await this.heldElsewhere(salonId)) ? "stopped" : row.state;
    return { salonId, state, phone: row.phone };
  }

  /** The live gateway holding the salon's session when that is not this one; null when it is here or nowhere. */
  async heldElsewhere(salonId: number): Promise<SessionRoute | null> {
    if (this.s.live.has(salonId) || this.s.starting.has(salonId)) return null;
    const route = await this.deps.store.sessionRoute(salonId, this.deps.clock.now());
    return route && route.holder !== this.holderId ? route : null;
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const l of this.s.live.values()) out[l.state] = (out[l.state] ?? 0) + 1;
    return out;
  }

  isLive(salonId: number): boolean {
    return this.s.live.has(salonId);
  }

  /** The onboarding page's feed: this gateway's notices of the salon, and those of whichever other gateway holds it. */
  subscribe(salonId: number, listener: SessionListener): () => void {
    const offHere = this.localNotices(salonId, listener);
    const offElsewhere = this.relay.watch(salonId, listener);
    return () => {
      offHere();
      offElsewhere();
    };
  }

  private localNotices(salonId: number, listener: SessionListener): () => void {
    return this.s.notices.subscribe(salonId, listener, qrNotice(this.s.live.get(salonId), this.deps.clock.now().getTime()));
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
      const off = this.localNotices(salonId, (n) => {
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
    if (this.s.stopped) throw new GatewayApiError(503, "stopping", "the gateway is stopping");
    const live = this.s.live.get(salonId) ?? (await claim(this.s, salonId));
    if (live.conn === null && live.reconnectTimer === undefined && live.state !== "connecting") await connect(this.s, live);
    return { salonId, state: live.state, phone: live.phone };
  }

  /** The page asks for a QR: start a session, or restart one that stopped or was pairing by code. */
  async requestQr(salonId: number): Promise<void> {
    const live = this.s.live.get(salonId);
    if (live?.pairing) await restart(this.s, live, null);
    else await this.start(salonId);
  }

  /** The page asks for a pairing code: a fresh session, the code requested once its socket is ready. */
  async requestPairingCode(salonId: number, phone: string): Promise<void> {
    this.pairingRequests.check(phone);
    const live = this.s.live.get(salonId) ?? (await claim(this.s, salonId));
    if (live.state === "connected") throw new GatewayApiError(409, "already_connected", "WhatsApp is already connected");
    this.pairingRequests.record(phone);
    await restart(this.s, live, { phone, requested: false });
  }

  /** Logs the device out (best effort), wipes the auth state and forgets the pairing. */
  async logout(salonId: number): Promise<void> {
    const live = this.s.live.get(salonId) ?? (await claim(this.s, salonId));
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
    await release(this.s, live, "none");
  }

  /**
   * Accepts a send durably and answers its message id at once; the salon's worker sends it at the session's pace
   * (see durable-sends.ts). A paired session held here, connected or reconnecting, accepts; otherwise the answer says
   * whether to wait (session_restoring), give up (session_logged_out) or retry later (session_down).
   */
  async sendText(salonId: number, msg: { to: string; text: string; idempotencyKey: string }): Promise<{ messageId: string }> {
    return this.accept(salonId, msg.to, msg.idempotencyKey, { text: msg.text });
  }

  /** A reaction on a client's message, accepted and answered like a send (its own message id, one per key). */
  async react(salonId: number, msg: { to: string; messageId: string; emoji: string; idempotencyKey: string }): Promise<{ messageId: string }> {
    return this.accept(salonId, msg.to, msg.idempotencyKey, { text: msg.emoji, reactTo: msg.messageId });
  }

  private async accept(salonId: number, to: string, key: string, send: { text: string; reactTo?: string }): Promise<{ messageId: string }> {
    const jid = jidForRecipient(to);
    if (!jid) throw new GatewayApiError(400, "bad_request", "`to` must be E.164 digits or a WhatsApp JID");
    faultPoint("before-accept");
    const live = this.s.live.get(salonId);
    if (live && !live.closing && live.paired && (live.state === "connected" || live.state === "connecting")) {
      const messageId = generateMessageIDV2(live.phone ? `${live.phone}@s.whatsapp.net` : undefined);
      const accepted = await this.s.sends.accept(salonId, key, { jid, messageId, ...send });
      this.s.typing.replied(salonId, jid);
      this.s.sends.wake(salonId, () => sendTarget(this.s, salonId));
      return accepted;
    }
    const earlier = await this.s.sends.earlier(salonId, key);
    if (earlier) return earlier;
    if (live && !live.closing) throw sessionDown(salonId);
    const row = await this.deps.store.sessionGet(salonId);
    if (row?.state === "logged_out" || row?.state === "forbidden") throw sessionLoggedOut(salonId);
    if (row?.paired_at && !this.s.stopped) throw sessionRestoring(salonId);
    throw sessionDown(salonId);
  }

  /** Resolves once the salon's send worker has sent what it can now (tests, graceful stop). */
  sendsIdle(salonId: number): Promise<void> {
    return this.s.sends.idle(salonId);
  }

  async presence(salonId: number, to: string, state: "composing" | "paused"): Promise<void> {
    const jid = jidForRecipient(to);
    if (!jid) throw new GatewayApiError(400, "bad_request", "`to` must be E.164 digits or a WhatsApp JID");
    const live = this.s.live.get(salonId);
    if (!live || live.state !== "connected" || !live.conn || leaseLapsing(this.s, live)) throw sessionDown(salonId);
    await live.conn.presence(jid, state);
  }

  restoreAll(): Promise<number> {
    return this.restore.restoreAll();
  }

  renewLeases(): Promise<void> {
    return renewLeases(this.s);
  }

  /**
   * Graceful stop: hand every session over one by one when other gateways can take them (fleet.ts), then close what
   * is left at once (socket, auth writes flushed, lease released) and leave the fleet registry.
   */
  async stop(): Promise<void> {
    await this.fleet.drain();
    this.s.stopped = true;
    this.s.typing.stop();
    this.restore.stopLeaseRenewal();
    await Promise.allSettled([...this.s.starting.values()]);
    await Promise.allSettled([...this.s.live.values()].map((live) => handOver(this.s, live)));
    await this.fleet.leave();
    await this.relay.stop();
  }
}
