-- Where a salon's service-API calls go in a fleet (issue 20, routing): {holder, address} of the gateway holding the
-- session, only while its lease is live and its heartbeat recent (gateway_session_holder,
-- 20261201010000_gateway_fleet.sql); null otherwise, and the caller uses GATEWAY_URL (the load balancer). The
-- functions cache it a few seconds per salon (lib/gateway/route.ts); a gateway uses it to tell a caller that reached
-- it by mistake where to go (409 session_elsewhere).
create function gateway_session_route(p_salon_id bigint, p_now timestamptz)
returns jsonb language sql stable as $$
  select jsonb_build_object('holder', h->>'holder', 'address', h->>'address')
  from gateway_session_holder(p_salon_id, p_now) h
  where (h->>'live')::boolean and h->>'address' is not null
$$;
