-- A process registering replaces the registrations of its own lineage: one lineage runs one process at a time (the
-- same DATA_DIR), so such a row is its dead predecessor, which would otherwise count as live for a lease TTL and take
-- half the sessions a restart resumes at once (20261130030000_durable_sends.sql, wa_lease_acquire).
create or replace function gateway_register(p_id text, p_address text, p_capacity integer, p_now timestamptz,
                                            p_ttl_sec integer default 30)
returns void language plpgsql as $$
begin
  if p_capacity is null or p_capacity < 1 then
    raise exception 'gateway capacity must be at least 1' using errcode = '22023';
  end if;
  delete from gateway_instances
  where heartbeat_at < p_now - interval '1 day'
     or (id <> p_id and split_part(id, '/', 1) = split_part(p_id, '/', 1));
  insert into gateway_instances (id, address, capacity, started_at, heartbeat_at, draining, ttl_sec)
  values (p_id, p_address, p_capacity, p_now, p_now, false, p_ttl_sec)
  on conflict (id) do update
    set address = excluded.address, capacity = excluded.capacity, heartbeat_at = excluded.heartbeat_at,
        ttl_sec = excluded.ttl_sec;
end $$;
