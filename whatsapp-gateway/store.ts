import { DbError, type Db } from "../lib/db/client.js";
import type { SessionState } from "../lib/contract/service-api.js";

/** The gateway's typed calls to its SQL functions (supabase/migrations/20261123020000_gateway.sql). */

/** Another gateway took the salon's lease: this process must stop writing that session. */
export class LeaseLostError extends Error {
  constructor(readonly salonId: number) {
    super(`salon ${salonId}: lease held by another gateway`);
    this.name = "LeaseLostError";
  }
}

function fenced(salonId: number, err: unknown): never {
  if (err instanceof DbError && err.code === "PT409") throw new LeaseLostError(salonId);
  throw err;
}

export interface AuthRow {
  type: string;
  id: string;
  value: unknown;
}

export interface SessionRow {
  salon_id: number;
  state: SessionState;
  phone: string | null;
  paired_at: string | null;
  last_code: number | null;
  last_reason: string | null;
}

export interface OutboxRow {
  id: number;
  dedupe_id: string;
  salon_id: number;
  path: string;
  body: unknown;
  attempts: number;
}

/** A send as the first call with its key left it (see wa_sends in 20261130030000_durable_sends.sql). */
export interface SendRow {
  status: SendState;
  /** Null only for a row the gateway version before durable sends claimed. */
  message_id: string | null;
  error: string | null;
}

export type SendState = "queued" | "sending" | "sent" | "failed" | "unknown";

/** A send waiting to leave. */
export interface QueuedSend {
  key: string;
  jid: string;
  /** The text, or the emoji of a reaction. */
  body: string;
  message_id: string;
  /** A reaction: the id of the client's message it goes on. */
  react_to: string | null;
}

/** A send as accepted: a text, or (with `reactTo`) a reaction whose emoji is `text`. */
export interface OutgoingSend {
  jid: string;
  text: string;
  messageId: string;
  reactTo?: string;
}

/** The gateway holding a session: its lease holder id and internal base URL. */
export interface SessionRoute {
  holder: string;
  address: string;
}

export interface PageNoticePoll {
  notices: Array<{ id: number; salon_id: number; notice: unknown; age_ms: number }>;
  /** Per salon id: the `after` of the next poll. */
  cursors: Record<string, number>;
}

/**
 * What the fleet registry tells one gateway (gateway_claimable in 20261201010000_gateway_fleet.sql): whether it
 * counts as live and accepting, the sessions it holds, its share of them, which free sessions it may claim now and
 * how many it should hand over to gateways with room.
 */
export interface FleetPlan {
  live: boolean;
  held: number;
  target: number;
  capacity: number;
  excess: number;
  claim: number[];
  gateways: number;
}

/** Another gateway that takes sessions now (gateway_peers). */
export interface Peer {
  id: string;
  address: string;
  held: number;
  capacity: number;
}

export class GatewayStore {
  constructor(private readonly db: Db) {}

  /** The latest presence of a chat with a reply pending (sessions/typing-watch.ts). */
  async presenceNote(salonId: number, phone: string, state: string, at: Date): Promise<void> {
    await this.db.rpc("chat_presence_note", { p_salon_id: salonId, p_phone: phone, p_state: state, p_at: at.toISOString() });
  }

  leaseAcquire(salonId: number, holder: string, ttlSec: number, now: Date): Promise<number | null> {
    return this.db.rpc<number | null>("wa_lease_acquire", { p_salon_id: salonId, p_holder: holder, p_ttl_sec: ttlSec, p_now: now.toISOString() });
  }

  /** wa_lease_acquire, and when the lease taken had run out under another holder (it waits a margin: leases.ts). */
  async leaseTake(salonId: number, holder: string, ttlSec: number, now: Date): Promise<{ fence: number | null; lapsedAt: Date | null }> {
    const r = await this.db.rpc<{ fence: number | string | null; lapsed_at: string | null }>("wa_lease_take", {
      p_salon_id: salonId, p_holder: holder, p_ttl_sec: ttlSec, p_now: now.toISOString(),
    });
    return { fence: r.fence === null ? null : Number(r.fence), lapsedAt: r.lapsed_at ? new Date(r.lapsed_at) : null };
  }

  async leaseRenew(holder: string, leases: Array<{ salon_id: number; fence: number }>, ttlSec: number, now: Date): Promise<number[]> {
    if (leases.length === 0) return [];
    const lost = await this.db.rpc<Array<number | string>>("wa_lease_renew", {
      p_holder: holder, p_leases: leases, p_ttl_sec: ttlSec, p_now: now.toISOString(),
    });
    return lost.map(Number);
  }

  leaseRelease(salonId: number, holder: string, fence: number): Promise<void> {
    return this.db.rpc("wa_lease_release", { p_salon_id: salonId, p_holder: holder, p_fence: fence });
  }

  /** The other live gateways that take sessions, with their address and room, the emptiest first. */
  gatewayPeers(id: string, now: Date): Promise<Peer[]> {
    return this.db.rpc<Peer[]>("gateway_peers", { p_id: id, p_now: now.toISOString() });
  }

  gatewayRegister(id: string, address: string, capacity: number, ttlSec: number, now: Date): Promise<void> {
    return this.db.rpc("gateway_register", { p_id: id, p_address: address, p_capacity: capacity, p_now: now.toISOString(), p_ttl_sec: ttlSec });
  }

  /** Null when the registration is gone (register again). */
  gatewayHeartbeat(id: string, draining: boolean, now: Date): Promise<FleetPlan | null> {
    return this.db.rpc("gateway_heartbeat", { p_id: id, p_now: now.toISOString(), p_draining: draining });
  }

  /** The plan without a heartbeat; `atStart` counts every paired session as free to claim, as a restart restores. */
  gatewayClaimable(id: string, atStart: boolean, now: Date): Promise<FleetPlan> {
    return this.db.rpc("gateway_claimable", { p_id: id, p_now: now.toISOString(), p_at_start: atStart });
  }

  gatewayDeregister(id: string): Promise<void> {
    return this.db.rpc("gateway_deregister", { p_id: id });
  }

  authGet(salonId: number, type: string, ids: string[]): Promise<Record<string, unknown>> {
    return this.db.rpc("wa_auth_get", { p_salon_id: salonId, p_key_type: type, p_key_ids: ids });
  }

  async authWrite(salonId: number, holder: string, fence: number, upserts: AuthRow[], deletes: Array<{ type: string; id: string }>, now: Date): Promise<void> {
    try {
      await this.db.rpc("wa_auth_write", {
        p_salon_id: salonId, p_holder: holder, p_fence: fence, p_upserts: upserts, p_deletes: deletes, p_now: now.toISOString(),
      });
    } catch (err) {
      fenced(salonId, err);
    }
  }

  async authClear(salonId: number, holder: string, fence: number): Promise<void> {
    try {
      await this.db.rpc("wa_auth_clear", { p_salon_id: salonId, p_holder: holder, p_fence: fence });
    } catch (err) {
      fenced(salonId, err);
    }
  }

  sessionGet(salonId: number): Promise<SessionRow | null> {
    return this.db.rpc("wa_session_get", { p_salon_id: salonId });
  }

  sessionMark(salonId: number, state: SessionState, now: Date, extra: { code?: number; reason?: string; unpair?: boolean } = {}): Promise<void> {
    return this.db.rpc("wa_session_mark", {
      p_salon_id: salonId, p_state: state, p_now: now.toISOString(),
      p_code: extra.code ?? null, p_reason: extra.reason ?? null, p_unpair: extra.unpair ?? false,
    });
  }

  /** True when this open is a new pairing (first time, or another phone number). */
  sessionConnected(salonId: number, phone: string, now: Date): Promise<boolean> {
    return this.db.rpc("wa_session_connected", { p_salon_id: salonId, p_phone: phone, p_now: now.toISOString() });
  }

  sendAccept(salonId: number, key: string, send: OutgoingSend, now: Date): Promise<SendRow> {
    if (send.reactTo !== undefined) {
      return this.db.rpc("wa_reaction_accept", {
        p_salon_id: salonId, p_key: key, p_jid: send.jid, p_emoji: send.text, p_react_to: send.reactTo, p_message_id: send.messageId, p_now: now.toISOString(),
      });
    }
    return this.db.rpc("wa_send_accept", {
      p_salon_id: salonId, p_key: key, p_jid: send.jid, p_body: send.text, p_message_id: send.messageId, p_now: now.toISOString(),
    });
  }

  sendGet(salonId: number, key: string): Promise<SendRow | null> {
    return this.db.rpc("wa_send_get", { p_salon_id: salonId, p_key: key });
  }

  sendNext(salonId: number): Promise<QueuedSend | null> {
    return this.db.rpc("wa_send_next", { p_salon_id: salonId });
  }

  /** True when the send was in one of `from` and is now `to`. */
  sendMark(salonId: number, key: string, from: SendState[], to: SendState, error: string | null, now: Date): Promise<boolean> {
    return this.db.rpc("wa_send_mark", { p_salon_id: salonId, p_key: key, p_from: from, p_to: to, p_error: error, p_now: now.toISOString() });
  }

  /** The send's key the first time this receipt state is seen for `messageId`, else null. */
  sendReceipt(salonId: number, messageId: string, status: "delivered" | "read", now: Date): Promise<string | null> {
    return this.db.rpc("wa_send_receipt", { p_salon_id: salonId, p_message_id: messageId, p_status: status, p_now: now.toISOString() });
  }

  /** Sends a previous holder left on the socket, now `unknown`. */
  sendsRecover(salonId: number, now: Date): Promise<Array<{ key: string; message_id: string | null; jid: string | null }>> {
    return this.db.rpc("wa_sends_recover", { p_salon_id: salonId, p_now: now.toISOString() });
  }

  outboxAdd(row: { dedupeId: string; salonId: number; path: string; body: unknown; error: string; nextAt: Date }): Promise<void> {
    return this.db.rpc("gateway_outbox_add", {
      p_dedupe_id: row.dedupeId, p_salon_id: row.salonId, p_path: row.path, p_body: row.body, p_error: row.error,
      p_next_at: row.nextAt.toISOString(),
    });
  }

  outboxTake(limit: number, now: Date): Promise<OutboxRow[]> {
    return this.db.rpc("gateway_outbox_take", { p_limit: limit, p_now: now.toISOString() });
  }

  outboxDone(id: number): Promise<void> {
    return this.db.rpc("gateway_outbox_done", { p_id: id });
  }

  outboxRetry(id: number, error: string, nextAt: Date): Promise<void> {
    return this.db.rpc("gateway_outbox_retry", { p_id: id, p_error: error, p_next_at: nextAt.toISOString() });
  }

  outboxPending(): Promise<number> {
    return this.db.rpc("gateway_outbox_pending");
  }

  /** The live gateway holding the salon's session (20261201021000_session_route.sql), or null: nobody does. */
  sessionRoute(salonId: number, now: Date): Promise<SessionRoute | null> {
    return this.db.rpc("gateway_session_route", { p_salon_id: salonId, p_now: now.toISOString() });
  }

  /** What the page of a salon must hear, for a gateway where that page's socket may be (20261201020000_page_notices.sql). */
  pageNoticeAdd(salonId: number, holder: string, notice: unknown, now: Date): Promise<void> {
    return this.db.rpc("wa_page_notice_add", { p_salon_id: salonId, p_holder: holder, p_notice: notice, p_now: now.toISOString() });
  }

  pageNoticesPoll(watcher: string, salons: Array<{ salon_id: number; after: number | null }>, ttlSec: number, now: Date): Promise<PageNoticePoll> {
    return this.db.rpc("wa_page_notices_poll", { p_watcher: watcher, p_salons: salons, p_ttl_sec: ttlSec, p_now: now.toISOString() });
  }
}
