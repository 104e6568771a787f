/** One salon's connection: open it, follow it, and on close decide (policy.ts) between reconnect and stop. */
import type { LidMapping, WhatsAppEvent } from "../../lib/contract/events.js";
import { LeaseLostError } from "../store.js";
import type { InboundMessage } from "../transport/types.js";
import { release, yieldSession } from "./leases.js";
import { monotonicMs, sendTarget, setState, type Live, type Sessions } from "./live.js";
import { STOP_NOTICES } from "./notices.js";
import { failPairing, onQr } from "./pairing.js";
import { decideOnClose } from "./policy.js";

/** Ends the current connection (no policy) and connects again, fresh (wiped) when pairing by code. */
export async function restart(s: Sessions, live: Live, pairing: Live["pairing"]): Promise<void> {
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
  await connect(s, live);
}

export async function connect(s: Sessions, live: Live): Promise<void> {
  if (live.closing || s.stopped) return;
  const { log } = s.deps;
  live.reconnectTimer = undefined;
  const generation = ++live.generation;
  live.qr = null;
  setState(s, live, "connecting");
  const current = () => generation === live.generation && !live.closing;
  try {
    const conn = await s.deps.transport.open({
      salonId: live.salonId,
      auth: live.auth,
      events: {
        qr: (qr, info) => {
          if (current()) onQr(s, live, qr, info.refreshed);
        },
        open: (phone) => {
          if (current()) void onOpen(s, live, phone).catch((err) => log.error({ salonId: live.salonId, err }, "open handling failed"));
        },
        close: (code, message) => {
          if (current()) void onClose(s, live, code, message).catch((err) => log.error({ salonId: live.salonId, err }, "close handling failed"));
        },
        receipt: (messageId, status) => {
          void s.sends.receipt(live.salonId, messageId, status).catch((err) => log.error({ salonId: live.salonId, err }, "receipt not recorded"));
        },
        lidMapping: (lid, phone) => onLidMapping(s, live.salonId, lid, phone),
        presence: (jid, state) => s.typing.presence(live.salonId, jid, state),
        message: (msg) => onMessage(s, live.salonId, msg).catch((err) => {
          log.error({ salonId: live.salonId, err }, "event publish failed");
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
    log.warn({ salonId: live.salonId, err: (err as Error).message }, "connect failed");
    if (current()) await onClose(s, live, 500, (err as Error).message);
  }
}

async function onOpen(s: Sessions, live: Live, phone: string): Promise<void> {
  live.attempt = 0;
  live.pairing = null;
  live.paired = true;
  live.qr = null;
  live.phone = phone;
  const now = s.deps.clock.now();
  const newlyPaired = await s.deps.store.sessionConnected(live.salonId, phone, now);
  // Published before anyone hears "connected", so whoever reacts to it finds the event already queued.
  if (newlyPaired) {
    await s.deps.outbox.publish(
      { type: "session.connected", salonId: live.salonId, phone, timestamp: now.toISOString() },
    );
  }
  setState(s, live, "connected");
  s.notices.notify(live.salonId, { type: "connected", phone });
  s.sends.wake(live.salonId, () => sendTarget(s, live.salonId));
}

async function onClose(s: Sessions, live: Live, code: number, message: string): Promise<void> {
  const { store, clock, log, options, outbox } = s.deps;
  live.conn = null;
  const now = clock.now().getTime();
  const decision = decideOnClose(code, message, {
    attempt: live.attempt, conflicts: live.conflicts, pairing: live.pairing?.requested === true, paired: live.paired, now,
  }, options);
  log.info({ salonId: live.salonId, code, message, decision }, "connection closed");
  if (decision.action === "logged_out") {
    try {
      await live.auth.clear();
    } catch (err) {
      // A zombie (lease taken over) hearing a late 401 must not report the live owner's session as logged out.
      if (err instanceof LeaseLostError) return yieldSession(s, live);
      log.error({ salonId: live.salonId, err }, "auth wipe failed");
    }
    live.closing = true;
    await store.sessionMark(live.salonId, decision.state, clock.now(), { code, reason: message, unpair: true });
    await outbox.publish(
      { type: "session.logged_out", salonId: live.salonId, code, timestamp: clock.now().toISOString() },
    );
    await release(s, live, decision.state);
    return;
  }
  if (decision.action === "stop") {
    if (decision.reason === "pairing_failed") {
      await failPairing(s, live, message);
      return;
    }
    await store.sessionMark(live.salonId, "stopped", clock.now(), { code, reason: decision.reason });
    s.notices.notify(live.salonId, STOP_NOTICES[decision.reason]);
    await release(s, live, "stopped");
    return;
  }
  if (!live.paired && live.attempt >= options.backoffMaxAttempts) {
    // Nothing paired to keep alive: an unpaired socket that cannot connect just holds memory and a lease.
    await store.sessionMark(live.salonId, "stopped", clock.now(), { code, reason: "connect_failed" });
    s.notices.notify(live.salonId, { type: "error", code: "connect_failed", message: "Could not reach WhatsApp. Try again later." });
    await release(s, live, "stopped");
    return;
  }
  if (code === 440) live.conflicts = [...live.conflicts.filter((t) => now - t <= options.conflictLoopWindowMs), now];
  if (code !== 515) live.attempt += 1;
  setState(s, live, "connecting");
  live.reconnectTimer = setTimeout(() => void reconnect(s, live), decision.delayMs);
}

/** Before reconnecting, make sure the lease is still ours: after a 440 another gateway may own the session. */
async function reconnect(s: Sessions, live: Live): Promise<void> {
  if (live.closing || s.stopped) return;
  const { store, clock, log, options } = s.deps;
  try {
    const at = monotonicMs();
    const fence = await store.leaseAcquire(live.salonId, options.holderId, options.leaseTtlSec, clock.now());
    if (fence === null) {
      await yieldSession(s, live);
      return;
    }
    live.lease.fence = Number(fence);
    live.leaseUntil = at + options.leaseTtlSec * 1000;
    await connect(s, live);
  } catch (err) {
    log.error({ salonId: live.salonId, err }, "reconnect failed");
    await onClose(s, live, 500, (err as Error).message);
  }
}

async function onLidMapping(s: Sessions, salonId: number, lid: string, phone: string): Promise<void> {
  const event: LidMapping = { type: "lid.mapping", salonId, lid, phone, timestamp: s.deps.clock.now().toISOString() };
  await s.deps.outbox.publish(event);
}

async function onMessage(s: Sessions, salonId: number, msg: InboundMessage): Promise<void> {
  const event = { ...msg, salonId } as WhatsAppEvent;
  await s.deps.outbox.publish(event);
  // After the publish, so the reply is never later for it: a client's message leaves a reply pending.
  if (msg.type === "message.received" && msg.from.phone) {
    s.typing.inbound(salonId, msg.from.jid, msg.from.phone).catch((err: unknown) => {
      s.deps.log.warn({ salonId, err: (err as Error).message }, "typing watch not started");
    });
  }
}
