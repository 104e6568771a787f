/** Pairing a salon's phone: QR codes as Baileys refreshes them, or a pairing code once the socket is ready. */
import type { TransportSession } from "../transport/types.js";
import { GatewayApiError } from "../errors.js";
import { release } from "./leases.js";
import { setState, sleep, type Live, type Sessions } from "./live.js";
import type { SessionNotice } from "./notices.js";

/** Baileys' QR cadence: the first ref lives 60 s, each next one 20 s. */
const FIRST_QR_SEC = 60;
const NEXT_QR_SEC = 20;
const PAIRING_CODE_SEC = 60;

/** The QR the page should show now, if the session is showing one. */
export function qrNotice(live: Live | undefined, nowMs: number): SessionNotice | null {
  if (live?.state !== "qr" || !live.qr) return null;
  return { type: "qr", qr: live.qr.qr, expiresInSec: Math.max(1, Math.round((live.qr.expiresAt - nowMs) / 1000)) };
}

/** One pairing code per phone per interval: WhatsApp locks a number out that asks too often. */
export class PairingThrottle {
  private readonly requests = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  check(phone: string): void {
    const last = this.requests.get(phone);
    if (last !== undefined && performance.now() - last < this.intervalMs) {
      throw new GatewayApiError(429, "rate_limited", "a pairing code was requested for this number moments ago; wait a minute or use the QR code");
    }
  }

  record(phone: string): void {
    const now = performance.now();
    this.requests.set(phone, now);
    if (this.requests.size > 1000) {
      for (const [p, t] of this.requests) if (now - t >= this.intervalMs) this.requests.delete(p);
    }
  }
}

export function onQr(s: Sessions, live: Live, qr: string, refreshed: boolean): void {
  const now = s.deps.clock.now().getTime();
  if (live.pairing) {
    if (live.pairing.requested) return;
    live.pairing.requested = true;
    setState(s, live, "pairing");
    const { phone } = live.pairing;
    const generation = live.generation;
    // The socket is ready for a code only once it has produced its first QR (requesting earlier gets 428).
    void waitForConn(live, generation)
      .then((conn) => conn.requestPairingCode(phone))
      .then((code) => {
        if (generation !== live.generation) return;
        const pretty = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
        s.notices.notify(live.salonId, { type: "pairing_code", code: pretty, expiresInSec: PAIRING_CODE_SEC });
      })
      .catch(async (err) => {
        if (generation !== live.generation) return;
        s.deps.log.warn({ salonId: live.salonId, err: (err as Error).message }, "pairing code request failed");
        await failPairing(s, live, (err as Error).message);
      });
    return;
  }
  if (refreshed && live.qr) {
    live.qr.qr = qr;
  } else {
    const count = (live.qr?.count ?? 0) + 1;
    live.qr = { qr, count, expiresAt: now + (count === 1 ? FIRST_QR_SEC : NEXT_QR_SEC) * 1000 };
  }
  setState(s, live, "qr");
  s.notices.notify(live.salonId, qrNotice(live, now)!);
}

/** The transport may report its first QR before `open()` has returned the session object. */
async function waitForConn(live: Live, generation: number): Promise<TransportSession> {
  for (let i = 0; i < 200; i++) {
    if (generation !== live.generation) throw new Error("connection replaced");
    if (live.conn) return live.conn;
    await sleep(5);
  }
  throw new Error("connection did not come up");
}

export async function failPairing(s: Sessions, live: Live, message: string): Promise<void> {
  live.generation += 1;
  const conn = live.conn;
  live.conn = null;
  live.pairing = null;
  await conn?.end().catch(() => {});
  // requestPairingCode already wrote creds.me: left in place, the next start would try to log in as that phone.
  await live.auth.clear().catch((err) => s.deps.log.error({ salonId: live.salonId, err }, "auth wipe failed"));
  await s.deps.store.sessionMark(live.salonId, "none", s.deps.clock.now(), { reason: "pairing_failed", unpair: true });
  s.notices.notify(live.salonId, { type: "error", code: "pairing_failed", message: "Could not get a pairing code. Try the QR code." });
  s.deps.log.info({ salonId: live.salonId, message }, "pairing failed; auth discarded");
  await release(s, live, "none");
}
