import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import QRCode from "qrcode";
import { WebSocketServer, type WebSocket } from "ws";
import type { Clock } from "../../lib/clock.js";
import type { Db } from "../../lib/db/client.js";
import type { Logger } from "../../lib/log.js";
import { onboardingLinkEpoch, verifyOnboardingToken, type OnboardingGrant } from "../../lib/contract/onboarding-token.js";
import { normalisePhone } from "../../lib/phone/index.js";
import type { GatewayOptions } from "../config.js";
import { GatewayApiError } from "../errors.js";
import type { SessionManager, SessionNotice } from "../sessions/manager.js";

/**
 * The onboarding page's WebSocket: `GET /v1/onboarding` upgraded, from an allowed Origin only, a few connections
 * per IP per minute. The first message must be `{type:"auth", token}` (the onboarding JWT; never in the URL);
 * the socket then belongs to that token's salon and hears only its session. The token must belong to the salon's
 * current onboarding link (its `epoch`), checked at auth and again before every QR or pairing code, as is its expiry:
 * once the owner's own redirect starts a new link, a socket opened with an older token can neither read nor link.
 *   browser → server: {type:"auth", token}, {type:"request_qr"}, {type:"request_pairing_code", phone}
 *   server → browser: {type:"qr", qr, dataUrl, expiresInSec}, {type:"pairing_code", code, expiresInSec},
 *                     {type:"connected", phone}, {type:"status", status}, {type:"error", code, message}
 * Close codes: 4401 auth refused (or the link replaced / the token expired later), 4400 malformed first message,
 * 4408 no auth in time.
 */

export const ONBOARDING_PATH = "/v1/onboarding";

const LAPSED = {
  token_expired: "the onboarding link expired; open it again from YClients",
  link_replaced: "a newer onboarding link was opened for this salon",
} as const;

export interface OnboardingSocketDeps {
  sessions: SessionManager;
  db: Db;
  jwtSecret: string;
  allowedOrigins: string[];
  options: GatewayOptions;
  clock: Clock;
  log: Logger;
}

/**
 * The page sends the salon's number with "+" (web/phone.js read it by the salon's country), which lib/phone takes as
 * international; a bare number from another client is read as Russian, the fallback of lib/phone.
 */
const PAIRING_COUNTRY = null;

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export function attachOnboardingSocket(server: Server, deps: OnboardingSocketDeps): { close(): Promise<void> } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const attempts = new Map<string, number[]>();
  const allowed = new Set(deps.allowedOrigins);

  const clientIp = (req: IncomingMessage): string => {
    const forwarded = deps.options.trustProxy ? req.headers["x-forwarded-for"] : undefined;
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
    return first || req.socket.remoteAddress || "unknown";
  };

  // Wall time, not the injected clock: a test's frozen clock must not turn the window into forever.
  const overLimit = (ip: string): boolean => {
    const now = performance.now();
    const recent = (attempts.get(ip) ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    attempts.set(ip, recent);
    if (attempts.size > 10_000) for (const [k, v] of attempts) if (v.every((t) => now - t >= 60_000)) attempts.delete(k);
    return recent.length > deps.options.wsConnectionsPerMinute;
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== ONBOARDING_PATH) return reject(socket, 404, "Not Found");
    const origin = req.headers.origin;
    if (!origin || !allowed.has(origin)) {
      deps.log.warn({ origin }, "onboarding socket refused: origin not allowed");
      return reject(socket, 403, "Forbidden");
    }
    if (overLimit(clientIp(req))) return reject(socket, 429, "Too Many Requests");
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  };
  server.on("upgrade", onUpgrade);

  function serve(ws: WebSocket): void {
    let salonId: number | null = null;
    let grant: OnboardingGrant | null = null;
    let unsubscribe: (() => void) | null = null;
    let out: Promise<void> = Promise.resolve();

    const send = (msg: object) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    // Notices go out in order, though a QR needs its PNG rendered first. A socket whose grant no longer holds hears
    // nothing more: the owner's new link must not show its QR to a page opened with an older token.
    const push = (n: SessionNotice) => {
      out = out.then(async () => {
        const lapsed = await grantLapsed();
        if (lapsed) return refuse(4401, lapsed, LAPSED[lapsed]);
        if (n.type === "qr") send({ ...n, dataUrl: await QRCode.toDataURL(n.qr, { margin: 1, width: 264 }) });
        else send(n);
      }).catch((err) => deps.log.warn({ err }, "onboarding push failed"));
    };
    const grantLapsed = async (): Promise<keyof typeof LAPSED | null> => {
      if (!grant) return null;
      if (grant.expiresAt <= deps.clock.now()) return "token_expired";
      return (await onboardingLinkEpoch(deps.db, grant.salonId)) === grant.epoch ? null : "link_replaced";
    };
    const fail = (code: string, message: string) => push({ type: "error", code, message });
    const refuse = (closeCode: number, code: string, message: string) => {
      send({ type: "error", code, message });
      ws.close(closeCode, code);
    };

    const authTimer = setTimeout(() => refuse(4408, "unauthorized", "send {type:\"auth\", token} first"), deps.options.wsAuthTimeoutMs);

    const run = (p: Promise<unknown>) =>
      p.catch((err) => {
        if (err instanceof GatewayApiError) fail(err.code, err.message);
        else {
          deps.log.error({ salonId, err }, "onboarding request failed");
          fail("internal", "Something went wrong. Try again.");
        }
      });

    // Messages are handled one at a time, in order: a page that sends auth and request_qr back to back must not
    // have the second judged before the first has made the socket its salon's.
    let inbox: Promise<unknown> = Promise.resolve();
    ws.on("message", (data) => {
      inbox = inbox.then(() => handle(String(data))).catch((err) => deps.log.error({ err }, "onboarding message failed"));
    });

    async function handle(text: string): Promise<unknown> {
      if (ws.readyState !== ws.OPEN) return;
      let msg: { type?: unknown; token?: unknown; phone?: unknown };
      try {
        msg = JSON.parse(text) as typeof msg;
        if (typeof msg !== "object" || msg === null) throw new Error("not an object");
      } catch {
        if (salonId === null) return refuse(4400, "bad_message", "messages are JSON objects");
        return fail("bad_message", "messages are JSON objects");
      }
      if (salonId === null) {
        if (msg.type !== "auth" || typeof msg.token !== "string") return refuse(4400, "unauthorized", "the first message must be {type:\"auth\", token}");
        clearTimeout(authTimer);
        const check = await verifyOnboardingToken(deps.jwtSecret, msg.token, deps.clock.now());
        if (!check.ok) {
          return refuse(4401, check.reason === "expired" ? "token_expired" : "unauthorized",
            check.reason === "expired" ? "the onboarding link expired; open it again from YClients" : "invalid token");
        }
        if ((await onboardingLinkEpoch(deps.db, check.salonId)) !== check.epoch) return refuse(4401, "link_replaced", LAPSED.link_replaced);
        const status = await deps.sessions.status(check.salonId);
        if (ws.readyState !== ws.OPEN) return;
        salonId = check.salonId;
        grant = check;
        push({ type: "status", status: status.state });
        if (status.state === "connected" && status.phone) push({ type: "connected", phone: status.phone });
        unsubscribe = deps.sessions.subscribe(salonId, push);
        return;
      }
      const id = salonId;
      if (msg.type === "auth") return fail("already_authenticated", "this socket already belongs to a salon");
      // Linking changes who speaks for the salon: the grant must still hold right now, not only at auth.
      const lapsed = await grantLapsed();
      if (lapsed) return refuse(4401, lapsed, LAPSED[lapsed]);
      switch (msg.type) {
        case "request_qr":
          return run(deps.sessions.status(id).then(async (s) => {
            if (s.state === "connected" && s.phone) return push({ type: "connected", phone: s.phone });
            // Another gateway runs the session (the page landed here): its QR reaches this socket through the relay.
            if (await deps.sessions.heldElsewhere(id)) return;
            return deps.sessions.requestQr(id);
          }));
        case "request_pairing_code": {
          const phone = typeof msg.phone === "string" ? normalisePhone(msg.phone, PAIRING_COUNTRY) : null;
          if (!phone) return fail("invalid_phone", "enter the phone number with its country code");
          return run(deps.sessions.requestPairingCode(id, phone));
        }
        default:
          return fail("bad_message", "unknown message type");
      }
    }

    ws.on("close", () => {
      clearTimeout(authTimer);
      unsubscribe?.();
    });
    ws.on("error", () => ws.terminate());
  }

  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.off("upgrade", onUpgrade);
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
