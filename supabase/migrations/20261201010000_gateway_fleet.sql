-- A fleet of gateways shares the WhatsApp sessions (issue 20, ownership). Each gateway process registers here under
-- its lease holder id ("<lineage>/<instance>", the same string it writes into wa_leases.holder) with the address the
-- others and the functions reach it at, and heartbeats. The lease (wa_lease_acquire with its fence) stays the only
-- arbiter of who holds a session; this registry only tells each gateway how many free sessions to claim, how many to
-- give up to rebalance, and tells callers where the holder of a salon's session listens:
--   select i.address from wa_leases l join gateway_instances i on i.id = l.holder
--   where l.salon_id = $1 and l.expires_at > now()          (gateway_session_holder below)

create table gateway_instances (
  id            text primary key,
  address       text not null,
  capacity      integer not null check (capacity > 0),
  started_at    timestamptz,
  heartbeat_at  timestamptz not null,
  draining      boolean not null default false,
  -- The gateway's lease TTL: it is live while heartbeat_at > now - ttl_sec, so a gateway stops counting as live no
  -- later than the leases it stopped renewing run out.
  ttl_sec       integer not null default 30 check (ttl_sec > 0)
);
alter table gateway_instances enable row level security;

create index wa_leases_holder_idx on wa_leases (holder);

-- Starts (or restarts) a gateway's registration. Registrations silent for a day are history and go, and so do those
-- of the caller's own lineage: one lineage runs one process at a time (the same DATA_DIR), so such a row is its dead
-- predecessor, which would otherwise count as live for a lease TTL and halve the share a restart resumes at once.
create function gateway_register(p_id text, p_address text, p_capacity integer, p_now timestamptz,
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

-- What a gateway should do now (see gateway_heartbeat), from the live, non-draining gateways and the sessions that
-- should be running. Demand = sessions held by live gateways + free ones; each live gateway's target is its
-- capacity-weighted share of the demand, rounded up, capped at its capacity. A gateway under target may claim the
-- difference from the free sessions, in an order of its own (a hash of its id and the salon) so two gateways
-- claiming at once mostly pick different salons (the lease decides any overlap; the loser tries again next scan).
-- A gateway over target may shed the excess, but only as much as the others' room exceeds the free sessions.
-- Free: paired, not logged out, in a state a gateway left running (p_at_start: any, as a restart restores), and no
-- live lease, or a lease of the caller's own lineage (its own dead predecessor, wa_lease_acquire takes it at once).
create function gateway_claimable(p_id text, p_now timestamptz, p_at_start boolean default false)
returns jsonb language sql stable as $$
  with live as (
    select g.id, g.capacity from gateway_instances g
    where not g.draining and g.heartbeat_at > p_now - make_interval(secs => g.ttl_sec)
  ), held as (
    select l.holder, count(*)::integer as n from wa_leases l
    where l.expires_at > p_now and l.holder in (select id from live)
    group by l.holder
  ), free as (
    select s.salon_id, (l.salon_id is not null and l.expires_at > p_now) as own_lineage
    from wa_sessions s left join wa_leases l on l.salon_id = s.salon_id
    where s.paired_at is not null and s.state not in ('logged_out', 'forbidden')
      and (p_at_start or s.state in ('connected', 'connecting'))
      and (l.salon_id is null or l.expires_at <= p_now
           or (l.holder <> p_id and split_part(l.holder, '/', 1) = split_part(p_id, '/', 1)))
  ), totals as (
    select (select coalesce(sum(capacity), 0) from live) as cap,
           (select coalesce(sum(n), 0) from held) + (select count(*) from free) as demand,
           (select count(*) from free) as free_count
  ), plan as (
    select live.id, live.capacity, coalesce(held.n, 0) as held,
           least(live.capacity, ceil(totals.demand::numeric * live.capacity / totals.cap))::integer as target
    from live cross join totals left join held on held.holder = live.id
  ), me as (
    select p.*, greatest(0, p.target - p.held) as quota,
           greatest(0, least(p.held - p.target,
                             (select coalesce(sum(greatest(0, o.target - o.held)), 0) from plan o where o.id <> p.id)
                             - (select free_count from totals)))::integer as excess
    from plan p where p.id = p_id
  )
  select case when me.id is null then
           jsonb_build_object('live', false, 'held', 0, 'target', 0, 'capacity', 0, 'excess', 0, 'claim', '[]'::jsonb,
                              'gateways', (select count(*) from live))
         else
           jsonb_build_object('live', true, 'held', me.held, 'target', me.target, 'capacity', me.capacity,
                              'excess', me.excess, 'gateways', (select count(*) from live),
                              'claim', coalesce((
                                select jsonb_agg(c.salon_id order by c.own_lineage desc, c.h)
                                from (select f.salon_id, f.own_lineage, md5(p_id || ':' || f.salon_id) as h from free f
                                      order by f.own_lineage desc, md5(p_id || ':' || f.salon_id) limit me.quota) c),
                                '[]'::jsonb))
         end
  from (select 1) one left join me on true
$$;

-- The gateway is alive (and draining or not); returns gateway_claimable's plan for it, or null when it is not
-- registered (its row was removed): it registers again.
create function gateway_heartbeat(p_id text, p_now timestamptz, p_draining boolean)
returns jsonb language plpgsql as $$
begin
  update gateway_instances set heartbeat_at = greatest(heartbeat_at, p_now), draining = p_draining where id = p_id;
  if not found then
    return null;
  end if;
  return gateway_claimable(p_id, p_now, false);
end $$;

-- A gateway that handed every session over leaves the fleet.
create function gateway_deregister(p_id text)
returns void language sql as $$
  delete from gateway_instances where id = p_id
$$;

-- Who holds the salon's session now, and where it listens: {holder, fence, address, live, draining}, or null when
-- no gateway holds it (start it on any accepting gateway). address is null for a holder that never registered.
create function gateway_session_holder(p_salon_id bigint, p_now timestamptz)
returns jsonb language sql stable as $$
  select jsonb_build_object('holder', l.holder, 'fence', l.fence, 'address', g.address,
                            'live', coalesce(g.heartbeat_at > p_now - make_interval(secs => g.ttl_sec), false),
                            'draining', coalesce(g.draining, false))
  from wa_leases l left join gateway_instances g on g.id = l.holder
  where l.salon_id = p_salon_id and l.expires_at > p_now
$$;

-- The live, non-draining gateway with the most room: {id, address, held, capacity}, or null when none accepts.
create function gateway_least_loaded(p_now timestamptz)
returns jsonb language sql stable as $$
  select jsonb_build_object('id', g.id, 'address', g.address, 'held', h.n, 'capacity', g.capacity)
  from gateway_instances g
  cross join lateral (select count(*)::integer as n from wa_leases l where l.holder = g.id and l.expires_at > p_now) h
  where not g.draining and g.heartbeat_at > p_now - make_interval(secs => g.ttl_sec)
  order by h.n::numeric / g.capacity, g.capacity - h.n desc, g.id
  limit 1
$$;
