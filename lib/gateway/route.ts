import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";

/**
 * Where a salon's service-API calls go in a fleet of gateways: the gateway holding its session (its lease live and
 * its heartbeat recent, SQL `gateway_session_route`), remembered for a few seconds per salon; null when nobody holds
 * it (the caller then uses GATEWAY_URL, the load balancer, and whichever gateway answers claims it).
 */
export interface SessionRouter {
  /** The holder's internal base URL, or null. */
  base(salonId: number): Promise<string | null>;
  /** A gateway said where the session is (409 session_elsewhere): believed until the next expiry. */
  learn(salonId: number, address: string): void;
  /** The remembered holder was wrong or did not answer: look again next time. */
  forget(salonId: number): void;
}

/** Enough to spare the database a lookup per call, short enough that a moved session is found again soon. */
const ROUTE_TTL_MS = 3000;
const MAX_REMEMBERED = 10_000;

export function createSessionRouter(opts: { db: Db; clock: Clock; ttlMs?: number }): SessionRouter {
  const ttlMs = opts.ttlMs ?? ROUTE_TTL_MS;
  const known = new Map<number, { address: string | null; until: number }>();
  const remember = (salonId: number, address: string | null) => {
    const now = opts.clock.now().getTime();
    if (known.size >= MAX_REMEMBERED) for (const [id, r] of known) if (r.until <= now) known.delete(id);
    known.set(salonId, { address, until: now + ttlMs });
  };
  return {
    async base(salonId) {
      const hit = known.get(salonId);
      if (hit && hit.until > opts.clock.now().getTime()) return hit.address;
      const route = await opts.db.rpc<{ address: string } | null>("gateway_session_route", {
        p_salon_id: salonId, p_now: opts.clock.now().toISOString(),
      });
      remember(salonId, route?.address ?? null);
      return route?.address ?? null;
    },
    learn: (salonId, address) => remember(salonId, address),
    forget: (salonId) => void known.delete(salonId),
  };
}
