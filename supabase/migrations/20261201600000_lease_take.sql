-- Never connected twice (issue 20): a holder whose renewals stop closes its sessions itself a safety margin before
-- its lease runs out (whatsapp-gateway/sessions/leases.ts); the gateway taking over a lease that ran out (rather than
-- one given back) waits that margin out before it connects, so the old holder's last moment on the socket and the new
-- holder's first one never overlap. wa_lease_take is wa_lease_acquire (unchanged) plus when the lease it took had
-- run out under another holder: {fence, lapsed_at}, fence null when another gateway holds it, lapsed_at null when the
-- lease was free, released, or the caller's own.
create function wa_lease_take(p_salon_id bigint, p_holder text, p_ttl_sec integer, p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_prev wa_leases%rowtype;
  v_fence bigint;
begin
  select * into v_prev from wa_leases where salon_id = p_salon_id for update;
  v_fence := wa_lease_acquire(p_salon_id, p_holder, p_ttl_sec, p_now);
  return jsonb_build_object(
    'fence', v_fence,
    'lapsed_at', case when v_fence is not null and v_prev.holder is not null and v_prev.holder <> p_holder
                           and v_prev.expires_at <= p_now and v_prev.expires_at > '-infinity'
                      then v_prev.expires_at end);
end $$;
