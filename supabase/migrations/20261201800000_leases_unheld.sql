-- A draining gateway paces its hand-over (whatsapp-gateway/sessions/fleet.ts): it lets the next sessions go only as
-- the others take the ones it already let go, so a salon is offline for one claim, not for the whole drain. This
-- answers which of the given salons no gateway holds yet (no lease, or one run out or given back).
create function wa_leases_unheld(p_salon_ids bigint[], p_now timestamptz)
returns bigint[] language sql stable as $$
  select coalesce(array_agg(id), '{}')
  from unnest(p_salon_ids) as id
  where not exists (select 1 from wa_leases l where l.salon_id = id and l.expires_at > p_now)
$$;
