import makeWASocket, { Browsers, initAuthCreds, isLidUser, makeCacheableSignalKeyStore, WAMessageStatus } from "@whiskeysockets/baileys";
import type { AuthenticationCreds, CacheStore, proto, UserFacingSocketConfig, WAMessageKey, WASocket } from "@whiskeysockets/baileys";
import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/log.js";
import { SharedKeyCache } from "../auth-state.js";
import type { GatewayOptions } from "../config.js";
import { ignoredChat, lidMappingOf, toInbound } from "./baileys-messages.js";
import { phoneFromJid, SendRefused, type OpenOptions, type Transport, type TransportSession } from "./types.js";
import { handleCompanionRegRefresh, withAdvSecret } from "./upstream-fixes/companion-reg-refresh.js";
import { guardEmptyLinkCodeCompanionReg } from "./upstream-fixes/empty-link-code-guard.js";
import { WebVersion, type WebVersionStatus } from "./web-version.js";

/** The part of a Baileys socket the gateway uses; tests pass a stand-in object with these members. */
export type BaileysSocket = Pick<
  WASocket,
  "ev" | "ws" | "authState" | "requestPairingCode" | "sendMessage" | "sendPresenceUpdate" | "presenceSubscribe" | "onWhatsApp" | "logout" | "end" | "signalRepository" | "sendNode"
>;

export interface BaileysTransportDeps {
  log: Logger;
  clock: Clock;
  options: GatewayOptions;
  keyCache: SharedKeyCache;
  /** Builds the socket; makeWASocket unless a test passes a stand-in. */
  makeSocket?: (config: UserFacingSocketConfig) => BaileysSocket;
  /** The WhatsApp Web version to present (server.ts learns it at start); the bundled one when absent. */
  webVersion?: WebVersion;
}

/** A small insertion-ordered set/map with a cap. */
class Bounded<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  has(k: string): boolean {
    return this.map.has(k);
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

const RESTRICTED = "463";
/** WhatsApp's answer to a Web version it no longer accepts ("Connection Failure"). */
const OUTDATED_VERSION = 405;

/**
 * Baileys 7 sessions. Socket options follow the practice notes: a standard browser tuple (WhatsApp rejects code
 * pairing from a custom one), markOnlineOnConnect off (the salon's phone keeps its notifications), no full history
 * sync (the default partial sync still seeds LID mappings and tctokens), groups/broadcasts/newsletters ignored,
 * the Signal keys behind one shared bounded cache, the retry counter outside the socket.
 */
export class BaileysTransport implements Transport {
  readonly kind = "baileys" as const;
  private readonly retryCaches = new Map<number, CacheStore>();
  private readonly version: WebVersion;

  constructor(private readonly deps: BaileysTransportDeps) {
    this.version = deps.webVersion ?? new WebVersion({ override: null, fetch: null, timeoutMs: 0, clock: deps.clock, log: deps.log });
  }

  webVersion(): WebVersionStatus {
    return this.version.status();
  }

  async open({ salonId, auth, events }: OpenOptions): Promise<TransportSession> {
    const { log, options, clock } = this.deps;
    const slog = log.child({ salonId });
    const creds = (await auth.readCreds<AuthenticationCreds>()) ?? initAuthCreds();
    let retryCache = this.retryCaches.get(salonId);
    if (!retryCache) this.retryCaches.set(salonId, (retryCache = new SharedKeyCache(1000).view(salonId)));
    const sent = new Bounded<proto.IMessage>(256);
    const onWhatsApp = new Bounded<boolean>(5000);
    const refused = new Bounded<true>(256);
    const waiters = new Map<string, () => void>();
    const inFlight = new Set<string>();
    let restricted = false;
    let endedByUs = false;
    let lastQr: string | null = null;

    const baileysLog = log.child({ part: "baileys", salonId }, { level: options.baileysLogLevel });
    const make = this.deps.makeSocket ?? ((c: UserFacingSocketConfig) => makeWASocket(c));
    const version = await this.version.current();
    const sock = make({
      version,
      auth: { creds, keys: makeCacheableSignalKeyStore(auth.keys, baileysLog as never, this.deps.keyCache.view(salonId)) },
      browser: Browsers.windows("Chrome"),
      markOnlineOnConnect: false,
      syncFullHistory: false,
      logger: baileysLog as never,
      msgRetryCounterCache: retryCache,
      shouldIgnoreJid: (jid) => ignoredChat(jid),
      getMessage: async (key: WAMessageKey) => (key.id ? sent.get(key.id) : undefined),
    });

    guardEmptyLinkCodeCompanionReg(sock, () => slog.warn("dropped an empty link_code_companion_reg notification"));
    handleCompanionRegRefresh(sock, (secret) => {
      slog.info("companion_reg_refresh: adv secret rotated, QR re-rendered");
      if (lastQr) events.qr(withAdvSecret(lastQr, secret), { refreshed: true });
    });

    sock.ev.on("creds.update", () => {
      auth.saveCreds(sock.authState.creds).catch((err) => slog.error({ err: (err as Error).message }, "creds save failed"));
    });

    sock.ev.on("connection.update", (u) => {
      if (u.qr) {
        lastQr = u.qr;
        events.qr(withAdvSecret(u.qr, sock.authState.creds.advSecretKey), { refreshed: false });
      }
      if (u.reachoutTimeLock) restricted = u.reachoutTimeLock.isActive === true;
      if (u.connection === "open") {
        const me = sock.authState.creds.me;
        const phone = phoneFromJid(me?.id) ?? phoneFromJid(me?.phoneNumber);
        if (!phone) {
          slog.error({ me: me?.id }, "connected without a phone-number JID");
          return;
        }
        this.version.accepted();
        events.open(phone);
      }
      if (u.connection === "close" && !endedByUs) {
        endedByUs = true;
        const error = u.lastDisconnect?.error as (Error & { output?: { statusCode?: number } }) | undefined;
        const code = error?.output?.statusCode ?? 500;
        if (code === OUTDATED_VERSION) this.version.rejected();
        events.close(code, error?.message ?? "connection closed");
      }
    });

    // A 1:1 chat's presence comes keyed by the chat; a group's is not ours to watch.
    sock.ev.on("presence.update", ({ id, presences }) => {
      const state = (presences[id] ?? Object.values(presences)[0])?.lastKnownPresence;
      if (state && !id.endsWith("@g.us")) events.presence?.(id, state);
    });

    // One batch after another, so a chat's messages reach the functions in the order WhatsApp delivered them.
    let inbound: Promise<void> = Promise.resolve();
    sock.ev.on("messages.upsert", ({ messages, type }) => {
      if (type !== "notify" && type !== "append") return;
      inbound = inbound.then(async () => {
        for (const m of messages) {
          try {
            const event = await toInbound(m, {
              now: clock.now(),
              sentByUs: (id) => sent.has(id),
              pnForLid: (lid) => sock.signalRepository.lidMapping.getPNForLID(lid),
            });
            if (event) await events.message(event);
          } catch (err) {
            slog.error({ messageId: m.key?.id, err: (err as Error).message }, "inbound message not delivered");
          }
        }
      });
    });

    // Kept by Baileys in its LID store too; told to the functions, which key the client's chat by it.
    sock.ev.on("lid-mapping.update", ({ lid, pn }) => {
      const mapping = lidMappingOf(lid, pn);
      if (!mapping) return;
      inbound = inbound.then(() =>
        events.lidMapping(mapping.lid, mapping.phone).catch((err) => slog.error({ err: (err as Error).message }, "LID mapping not delivered")),
      );
    });

    sock.ev.on("messages.update", (updates) => {
      for (const { key, update } of updates) {
        const receipt = key.fromMe && key.id ? receiptOf(update.status) : null;
        if (receipt) events.receipt(key.id!, receipt);
        if (!key.id || update.status !== WAMessageStatus.ERROR) continue;
        if (String(update.messageStubParameters?.[0] ?? "") !== RESTRICTED) continue;
        refused.set(key.id, true);
        waiters.get(key.id)?.();
        if (!inFlight.has(key.id)) slog.warn({ messageId: key.id, to: key.remoteJid }, "WhatsApp refused a message with 463 after it was reported sent");
      }
    });

    const relay = async (jid: string, text: string, id: string): Promise<{ messageId: string }> => {
      let msg;
      try {
        msg = await sock.sendMessage(jid, { text }, { messageId: id });
      } catch (err) {
        throw new SendRefused("session_down", `send failed: ${(err as Error).message}`);
      }
      if (!msg) throw new SendRefused("session_down", "send produced no message");
      if (msg.message) sent.set(id, msg.message);
      // WhatsApp refuses with a 463 nack shortly after the relay; wait a moment for it before calling it sent.
      if (!refused.has(id) && options.sendAckWaitMs > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, options.sendAckWaitMs);
          waiters.set(id, () => {
            clearTimeout(t);
            resolve();
          });
        });
        waiters.delete(id);
      }
      if (refused.has(id)) throw new SendRefused("restricted_463", "WhatsApp refused the message (463): do not retry");
      return { messageId: id };
    };

    const session: TransportSession = {
      requestPairingCode: (phone) => sock.requestPairingCode(phone),

      async sendText(jid, text, id) {
        if (restricted) throw new SendRefused("restricted_463", "WhatsApp has restricted this number from starting chats (463)");
        if (!isLidUser(jid)) {
          let exists = onWhatsApp.get(jid);
          if (exists === undefined) {
            let found;
            try {
              [found] = (await sock.onWhatsApp(jid)) ?? [];
            } catch (err) {
              // A failed lookup says nothing about the number: retryable, never "not on WhatsApp".
              throw new SendRefused("session_down", `number lookup failed: ${(err as Error).message}`);
            }
            exists = found?.exists === true;
            if (exists) onWhatsApp.set(jid, true);
          }
          if (!exists) throw new SendRefused("not_on_whatsapp", `${jid.split("@")[0]} is not on WhatsApp`);
        }
        // The id was ours before the send (chosen at acceptance): Baileys echoes the message through
        // messages.upsert while sending, and the echo must be recognised as the bot's own, not as the salon typing.
        sent.set(id, { conversation: text });
        inFlight.add(id);
        try {
          return await relay(jid, text, id);
        } finally {
          inFlight.delete(id);
        }
      },

      async react(jid, target, emoji, id) {
        const react = { text: emoji, key: { remoteJid: jid, fromMe: false, id: target } };
        // Ours before it leaves, like a text: its echo through messages.upsert is not the salon typing.
        sent.set(id, { reactionMessage: react });
        try {
          await sock.sendMessage(jid, { react }, { messageId: id });
        } catch (err) {
          throw new SendRefused("session_down", `reaction failed: ${(err as Error).message}`);
        }
      },

      async presence(jid, state) {
        await sock.sendPresenceUpdate(state, jid);
      },

      async watchPresence(jid) {
        await sock.presenceSubscribe(jid);
      },

      async setAvailable(available) {
        await sock.sendPresenceUpdate(available ? "available" : "unavailable");
      },

      async logout() {
        endedByUs = true;
        try {
          await sock.logout();
        } finally {
          sock.end(undefined);
        }
      },

      async end() {
        endedByUs = true;
        sock.end(undefined);
      },
    };
    return session;
  }
}

/** Baileys' status of our own message → the receipt the functions keep (server ack and errors are not receipts). */
function receiptOf(status: number | null | undefined): "delivered" | "read" | null {
  if (status === WAMessageStatus.DELIVERY_ACK) return "delivered";
  if (status === WAMessageStatus.READ || status === WAMessageStatus.PLAYED) return "read";
  return null;
}
