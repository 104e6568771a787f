-- A gateway handing sessions over (draining, or shedding to rebalance: whatsapp-gateway/sessions/fleet.ts) gives each
-- one to a named gateway, which connects it at once, instead of letting it go for whoever scans next. This lists the
-- candidates: the other live gateways that accept sessions, with their address and room, the emptiest first.
create function gateway_peers(p_id text, p_now timestamptz)
returns jsonb language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'address', g.address, 'held', h.n, 'capacity', g.capacity)
                            order by h.n::numeric / g.capacity, g.id), '[]'::jsonb)
  from gateway_instances g
  cross join lateral (select count(*)::integer as n from wa_leases l where l.holder = g.id and l.expires_at > p_now) h
  where g.id <> p_id and not g.draining and g.heartbeat_at > p_now - make_interval(secs => g.ttl_sec)
    and g.address <> '' and h.n < g.capacity
$$;

-- Replaced by gateway_peers: the least-loaded gateway alone, and the drain's poll of which sessions were taken (a
-- session handed to a named gateway is taken when that gateway's start call returns).
drop function gateway_least_loaded(timestamptz);
drop function wa_leases_unheld(bigint[], timestamptz);
