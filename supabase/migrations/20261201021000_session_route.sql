-- Where a salon's service-API calls go in a fleet (issue 20, routing): the gateway holding the session, only while
-- its lease is live and its heartbeat recent (gateway_instances, 20261201010000_gateway_fleet.sql); null otherwise,
-- and the caller uses GATEWAY_URL (the load balancer). The functions cache it a few seconds per salon
-- (lib/gateway/route.ts); a gateway uses it to tell a caller that reached it by mistake where to go.
create function gateway_session_route(p_salon_id bigint, p_now timestamptz)
returns jsonb language sql stable as $$
  select jsonb_build_object('holder', l.holder, 'address', g.address)
  from wa_leases l join gateway_instances g on g.id = l.holder
  where l.salon_id = p_salon_id and l.expires_at > p_now
    and g.heartbeat_at > p_now - make_interval(secs => g.ttl_sec)
$$;
