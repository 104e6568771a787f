import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { systemClock } from "../../lib/clock.js";
import type { Config } from "../../lib/config/index.js";
import type { Db } from "../../lib/db/client.js";
import type { Dispatcher, JobMessage } from "../../lib/dispatch/dispatcher.js";
import { createGatewayClient } from "../../lib/gateway/client.js";
import type { GatewayOptions } from "../../whatsapp-gateway/config.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import { EmulatorWorld } from "../../whatsapp-gateway/transport/emulator.js";
import type { Transport, TransportSession } from "../../whatsapp-gateway/transport/types.js";
import { gatewayDetails, nextSalonId, openTestDatabase, silentLog, testConfig, type TestDatabase } from "../support/harness.js";

/**
 * Several gateways on one database share the salons' sessions (issue 20, ownership): balanced on scaling out, taken
 * over when one dies, handed over when one drains. One emulated WhatsApp serves them all and notes a salon connected
 * through two gateways at once; a "killed" gateway loses its sockets and its database at the same instant.
 */

const FLEET: Partial<GatewayOptions> = {
  sendGapMs: [0, 0],
  sendAckWaitMs: 0,
  backoffBaseMs: 1,
  backoffMaxMs: 20,
  restoreJitterMs: [0, 5],
  restoreConcurrency: 5,
  leaseTtlSec: 2,
  leaseRenewMs: 300,
  fleetScanMs: 150,
  rebalanceBatch: 5,
  outboxPollMs: 3_600_000,
};

let database: TestDatabase;
let config: Config;
/** What the gateways told the functions. */
const published: JobMessage[] = [];
const dispatcher: Dispatcher = {
  kind: "local",
  publish: (m) => {
    published.push(m);
    return Promise.resolve({ messageId: String(published.length), deduplicated: false });
  },
};
/** The outcomes the functions heard for a message id. */
const outcomes = (messageId: string) => published
  .map((m) => m.body as { type?: string; messageId?: string; status?: string })
  .filter((b) => b.type === "message.status" && b.messageId === messageId).map((b) => b.status);

/** WhatsApp as every gateway of a test sees it. */
class SharedWhatsApp {
  readonly world = new EmulatorWorld(systemClock);
  /** Salon → the gateway with an open connection to it. */
  private readonly openThrough = new Map<number, string>();
  /** Salons a gateway connected while another gateway's connection to them was still open. */
  readonly doubled: number[] = [];

  /** Of these salons, how many have no connection open through any gateway now (offline, as their clients see it). */
  offline(salonIds: number[]): number {
    return salonIds.filter((id) => !this.openThrough.has(id)).length;
  }

  transport(gateway: string): Transport & { kill(): void } {
    let dead = false;
    const ended = (salonId: number) => {
      if (this.openThrough.get(salonId) === gateway) this.openThrough.delete(salonId);
    };
    const conns = new Map<number, TransportSession>();
    return {
      kind: "emulator",
      open: async (o) => {
        if (dead) throw new Error("killed");
        const other = this.openThrough.get(o.salonId);
        if (other !== undefined && other !== gateway) this.doubled.push(o.salonId);
        const conn = await this.world.open({
          ...o,
          events: {
            ...o.events,
            open: (phone) => {
              if (dead) return;
              this.openThrough.set(o.salonId, gateway);
              o.events.open(phone);
            },
            close: (code, message) => {
              ended(o.salonId);
              if (!dead) o.events.close(code, message);
            },
          },
        });
        conns.set(o.salonId, conn);
        return {
          requestPairingCode: (p) => conn.requestPairingCode(p),
          sendText: (to, text, id) => conn.sendText(to, text, id),
          react: (to, target, emoji, id) => conn.react(to, target, emoji, id),
          presence: (to, state) => conn.presence(to, state),
          watchPresence: (jid) => conn.watchPresence(jid),
          setAvailable: (a) => conn.setAvailable(a),
          logout: async () => {
            ended(o.salonId);
            await conn.logout();
          },
          end: async () => {
            ended(o.salonId);
            await conn.end();
          },
        };
      },
      /** kill -9: every socket of this gateway drops, and it hears nothing more. */
      kill: () => {
        dead = true;
        for (const [salonId, conn] of conns) {
          ended(salonId);
          void conn.end();
        }
      },
    };
  }
}

interface Member {
  name: string;
  gw: RunningGateway;
  kill(): void;
  /** Its database calls hang (a stuck connection or a stalled process) until the returned function is called. */
  stall(): () => void;
}

/** A database a killed gateway can no longer reach, or one that stops answering it for a while. */
function cuttable(db: Db): Db & { cut(): void; stall(): () => void } {
  let cut = false;
  let stalled: Promise<void> | null = null;
  return {
    rpc: async (fn, args) => {
      if (stalled) await stalled;
      return cut ? Promise.reject(new Error("killed")) : db.rpc(fn, args);
    },
    cut: () => {
      cut = true;
    },
    stall: () => {
      let resume = () => {};
      stalled = new Promise<void>((r) => (resume = r));
      return () => {
        stalled = null;
        resume();
      };
    },
  };
}

async function member(wa: SharedWhatsApp, name: string, options: Partial<GatewayOptions> = {}): Promise<Member> {
  const transport = wa.transport(name);
  const db = cuttable(database.db);
  const gw = await startGateway({
    config, db, dispatcher, log: silentLog, port: 0, transport, options: { ...FLEET, holderId: `${name}-${nextSalonId()}/1`, ...options },
  });
  return { name, gw, kill: () => { db.cut(); transport.kill(); }, stall: () => db.stall() };
}

/** Pairs `n` salons through `m`, each connected. */
async function pairSalons(wa: SharedWhatsApp, m: Member, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const salonId = nextSalonId();
    await m.gw.sessions.start(salonId);
    await wa.world.session(salonId)!.scan(`7912${String(salonId).slice(-7)}`);
    expect((await m.gw.sessions.waitForState(salonId, ["connected"], 5000)).state).toBe("connected");
    ids.push(salonId);
  }
  return ids;
}

/** Sessions connected through each gateway. */
const connected = (members: Member[]) => members.map((m) => m.gw.sessions.counts().connected ?? 0);

/** Waits (polling) until `ok` holds; fails with what was last seen. */
async function until<T>(look: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await look();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`not reached: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
    v = await look();
  }
  return v;
}

/** Every salon connected through exactly one of `members`. */
function heldOnce(members: Member[], ids: number[]): boolean {
  return ids.every((id) => members.filter((m) => m.gw.sessions.isLive(id)).length === 1);
}

/** The salons logged out at the end of a test: nobody's to claim in the next. */
async function retire(ids: number[]): Promise<void> {
  for (const id of ids) await database.db.rpc("wa_session_mark", { p_salon_id: id, p_state: "logged_out", p_now: new Date().toISOString(), p_unpair: true });
}

/**
 * The gateways of one test on their own emulated WhatsApp: the first pairs `salons` salons, then the others join
 * (`members`: how many, or each one's options). All of them close and the salons are retired when the test ends.
 */
async function fleetOf(salons: number, members: number | Array<Partial<GatewayOptions>>) {
  const options = typeof members === "number" ? Array.from({ length: members }, () => ({})) : members;
  const wa = new SharedWhatsApp();
  const fleet: Member[] = [];
  let ids: number[] = [];
  onTestFinished(async () => {
    for (const m of fleet) await m.gw.close();
    await retire(ids);
  });
  fleet.push(await member(wa, "a", options[0]));
  ids = await pairSalons(wa, fleet[0]!, salons);
  for (const [i, o] of options.slice(1).entries()) fleet.push(await member(wa, String.fromCharCode(98 + i), o));
  return { wa, ids, fleet };
}

beforeAll(async () => {
  database = await openTestDatabase();
  config = testConfig({ WHATSAPP_TRANSPORT: "emulator" });
});
afterAll(async () => {
  await database?.close();
});

describe("a fleet of gateways", () => {
  it("scaling out from one gateway to three spreads 60 sessions within ±10 %, each connected once", async () => {
    const { wa, ids, fleet } = await fleetOf(60, 3);
    const b = fleet[1]!;
    await until(() => connected(fleet), (n) => n.every((x) => x >= 18 && x <= 22) && n.reduce((s, x) => s + x, 0) === 60);
    // Then it settles: the rebalancing stops at each gateway's share.
    const counts = await until(() => connected(fleet), (n) => n.every((x) => x === 20));
    expect(heldOnce(fleet, ids)).toBe(true);
    expect(wa.doubled).toEqual([]);
    expect((await fetch(`${b.gw.url}/health`)).status).toBe(200);
    expect((await gatewayDetails(b.gw.url, config.gatewaySecret)).fleet).toMatchObject({
      id: b.gw.sessions.holderId, address: b.gw.url, capacity: 500, held: counts[1], registered: true, draining: false, gateways: 3,
    });
  }, 180_000);

  it("a killed gateway's sessions come back on the others with their stored credentials, queued sends sent once", async () => {
    const { wa, ids, fleet } = await fleetOf(12, 3);
    await until(() => connected(fleet), (n) => n.every((x) => x === 4));
    const victim = fleet.find((m) => m.gw.sessions.isLive(ids[0]!))!;
    const theirs = ids.filter((id) => victim.gw.sessions.isLive(id));
    victim.kill();
    // What the kill left: one send accepted and never taken, one on the socket when the process died.
    await database.sql.query(
      `insert into wa_sends (salon_id, idempotency_key, message_id, status, jid, body, created_at) values
       ($1, 'waiting', 'IDQUEUED', 'queued', '79990000001@s.whatsapp.net', 'hello', now()),
       ($1, 'cut', 'IDCUT', 'sending', '79990000002@s.whatsapp.net', 'hi', now())`, [theirs[0]]);

    const survivors = fleet.filter((m) => m !== victim);
    await until(() => heldOnce(survivors, ids), Boolean);
    await until(() => connected(survivors), (n) => n.reduce((s, x) => s + x, 0) === 12);
    expect(wa.doubled).toEqual([]);
    const holder = survivors.find((m) => m.gw.sessions.isLive(theirs[0]!))!;
    await until(() => wa.world.outbox(theirs[0]!).map((m) => m.id), (sent) => sent.includes("IDQUEUED"));
    await holder.gw.sessions.sendsIdle(theirs[0]!);
    expect(wa.world.outbox(theirs[0]!).map((m) => m.id)).toEqual(["IDQUEUED"]);
    const survivor = createGatewayClient({ baseUrl: holder.gw.url, secret: config.gatewaySecret });
    // The send cut off on the dead gateway's socket is never repeated: its key answers the same message id.
    expect(await survivor.sendText(theirs[0]!, { to: "79990000002", text: "hi", idempotencyKey: "cut" })).toEqual({ messageId: "IDCUT" });
    await holder.gw.sessions.sendsIdle(theirs[0]!);
    expect(wa.world.outbox(theirs[0]!).map((m) => m.id)).toEqual(["IDQUEUED"]);
    expect(outcomes("IDCUT")).toEqual(["unknown"]);
    expect(outcomes("IDQUEUED")).toEqual(["sent"]);
  }, 180_000);

  it("a holder whose lease renewals hang lets its sessions go before another gateway connects them: never connected twice", async () => {
    const { wa, ids, fleet } = await fleetOf(4, [{}, { capacity: 4 }]);
    const a = fleet[0]!;
    let resume = () => {};
    try {
      await until(() => connected(fleet), (n) => n[0] === 4);
      // A keeps running with its sockets open while its renewals (and everything else it asks the database) hang
      // past the lease: B sees the leases run out and takes the sessions over.
      resume = a.stall();
      await until(() => connected(fleet), (n) => n[1] === 4);
      resume();
      await until(() => heldOnce(fleet, ids), Boolean);
      expect(connected(fleet)).toEqual([0, 4]);
      expect(wa.doubled).toEqual([]);
    } finally {
      resume();
    }
  }, 120_000);

  it("a draining gateway hands each session to a named gateway, which connects it at once: few salons offline at once", async () => {
    // The leaving gateway never sheds to rebalance, so only its drain moves sessions; b and c would wait a minute
    // before each claim of their own scans, so every session they connect in time was handed to them.
    const slow: Partial<GatewayOptions> = { restoreJitterMs: [60_000, 60_000] };
    const { wa, ids, fleet } = await fleetOf(16, [{ restoreConcurrency: 1, rebalanceBatch: 0 }, slow, slow]);
    const [a, b, c] = fleet as [Member, Member, Member];
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, wa.offline(ids))), 5);
    try {
      await a.gw.sessions.fleet.drain();
      await until(() => connected([b, c]), (n) => n[0]! + n[1]! === 16, 30_000);
      clearInterval(watch);
      // One hand-over at a time per other gateway (2), each connecting as the next one starts (2).
      expect(most).toBeLessThanOrEqual(4);
      // Spread by room: eight each, give or take the one a list read may miss while it is being handed over.
      for (const n of connected([b, c])) expect(n).toBeGreaterThanOrEqual(7);
      expect(heldOnce([b, c], ids)).toBe(true);
      expect(wa.doubled).toEqual([]);
    } finally {
      clearInterval(watch);
    }
  }, 180_000);

  it("a gateway that takes connections and never answers gets no sessions: a drain hands them to another, a rebalancing keeps them", async () => {
    // A task just gone but still registered: its address swallows connections. Emptiest, it is asked first.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    onTestFinished(() => new Promise<void>((r) => {
      for (const socket of sockets) socket.destroy();
      silent.close(() => r());
    }));
    const port = (silent.address() as AddressInfo).port;
    const { wa, ids, fleet } = await fleetOf(6, [{ rebalanceBatch: 0 }, { restoreJitterMs: [60_000, 60_000] }]);
    const [a, b] = fleet as [Member, Member];
    const ghost = `ghost-${nextSalonId()}/1`;
    await database.db.rpc("gateway_register", { p_id: ghost, p_address: `http://127.0.0.1:${port}`, p_capacity: 500, p_now: new Date().toISOString(), p_ttl_sec: 600 });
    onTestFinished(() => database.db.rpc("gateway_deregister", { p_id: ghost }));
    await a.gw.sessions.fleet.drain();
    // b's own scans would wait a minute before each claim: whatever b holds in time was handed to it, or taken back
    // at once after b's own rebalancing toward the silent one found nobody to take it.
    await until(() => connected([b]), (n) => n[0] === 6, 30_000);
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, wa.offline(ids))), 5);
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(watch);
    // Ten scans of b later: the silent one is left out, nothing was handed to it again.
    expect(most).toBe(0);
    expect(heldOnce([b], ids)).toBe(true);
    expect(wa.doubled).toEqual([]);
  }, 120_000);

  it("a draining gateway hands every session over under a stream of sends: none lost, none sent twice", async () => {
    const { wa, ids, fleet } = await fleetOf(9, 3);
    const [a, b, c] = fleet as [Member, Member, Member];
    const sent = new Map<string, { salonId: number; messageId: string }>();
    let streaming = true;
    let stream: Promise<void> = Promise.resolve();
    try {
      await until(() => connected(fleet), (n) => n.every((x) => x === 3));
      const leaving = b;
      const stayers = [a, c];
      // The functions' way: ask the registry who holds the salon, send there, retry what says "try again".
      stream = (async () => {
        for (let i = 0; streaming; i++) {
          const salonId = ids[i % ids.length]!;
          const key = `k${i}`;
          for (let attempt = 0; attempt < 400; attempt++) {
            const holder = await database.db.rpc<{ address: string } | null>("gateway_session_holder", { p_salon_id: salonId, p_now: new Date().toISOString() });
            const res = holder && await createGatewayClient({ baseUrl: holder.address, secret: config.gatewaySecret })
              .sendText(salonId, { to: "79990000009", text: key, idempotencyKey: key }).catch((e: { retryable?: boolean }) => {
                if (e.retryable === false) throw e;
                return null;
              });
            if (res) {
              sent.set(key, { salonId, messageId: res.messageId });
              break;
            }
            await new Promise((r) => setTimeout(r, 25));
          }
          if (!sent.has(key)) throw new Error(`${key} never accepted`);
        }
      })();
      await until(() => sent.size, (n) => n >= 20);
      expect((await fetch(`${leaving.gw.url}/health`)).status).toBe(200);
      await leaving.gw.sessions.fleet.drain();
      // Drained: not accepting (the load balancer stops sending it sockets), holding nothing, then gone.
      expect((await fetch(`${leaving.gw.url}/health`)).status).toBe(503);
      expect(leaving.gw.sessions.counts()).toEqual({});
      await leaving.gw.close();
      await until(() => heldOnce(stayers, ids), Boolean);
      await until(() => connected(stayers), (n) => n.reduce((s, x) => s + x, 0) === 9);
      const more = sent.size + 20;
      await until(() => sent.size, (n) => n >= more);
      streaming = false;
      await stream;
      await until(() => [...sent.values()].every((s) => outcomes(s.messageId).length > 0), Boolean);
      // Every accepted send reached its client once, and was reported sent once.
      for (const [key, { salonId, messageId }] of sent) {
        expect(wa.world.outbox(salonId).filter((m) => m.id === messageId), key).toHaveLength(1);
        expect(outcomes(messageId), key).toEqual(["sent"]);
      }
      expect(wa.doubled).toEqual([]);
      expect((await database.db.rpc("gateway_session_holder", { p_salon_id: ids[0], p_now: new Date().toISOString() }) as { holder: string }).holder)
        .not.toBe(leaving.gw.sessions.holderId);
    } finally {
      streaming = false;
      await stream.catch(() => {});
    }
  }, 180_000);
});
