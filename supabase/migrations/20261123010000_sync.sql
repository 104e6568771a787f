-- Per-salon sync from YClients: bulk saves (one call per page), run bookkeeping, the due-parts schedule and the
-- salons YClients refuses (403/402). lib/sync/store.ts is the only caller.

-- A salon whose YClients access is refused is not synced again until retry_at (or until a sync of it succeeds).
create table sync_blocks (
  salon_id    bigint primary key,
  status      integer not null,
  reason      text not null,
  blocked_at  timestamptz not null,
  retry_at    timestamptz not null
);
alter table sync_blocks enable row level security;
revoke all on sync_blocks from anon, authenticated;

-- What a sync needs of a salon: its zone and status. Null when there is no such salon.
create function sync_salon(p_salon_id bigint) returns jsonb language sql stable as $$
  select jsonb_build_object('salon_id', salon_id, 'timezone', timezone, 'status', status)
  from salons where salon_id = p_salon_id
$$;

-- Company fields YClients owns. Returns false when the salon row does not exist (sync never creates salons).
create function sync_company_save(p_salon_id bigint, p_title text, p_address text, p_phone text, p_timezone text,
                                  p_company jsonb, p_now timestamptz)
returns boolean language plpgsql as $$
begin
  update salons set title = coalesce(p_title, title), address = coalesce(p_address, address),
         phone = coalesce(p_phone, phone), timezone = coalesce(p_timezone, timezone), company = p_company,
         updated_at = p_now
  where salon_id = p_salon_id;
  return found;
end $$;

-- The whole category list: upserted, and categories YClients no longer has are removed.
create function sync_categories_save(p_salon_id bigint, p_rows jsonb, p_now timestamptz) returns jsonb
language plpgsql as $$
declare v_saved integer; v_removed integer;
begin
  insert into service_categories (salon_id, category_id, title, weight)
  select p_salon_id, r.category_id, r.title, coalesce(r.weight, 0)
  from jsonb_to_recordset(p_rows) as r(category_id bigint, title text, weight integer)
  on conflict (salon_id, category_id) do update set title = excluded.title, weight = excluded.weight;
  get diagnostics v_saved = row_count;
  delete from service_categories c
  where c.salon_id = p_salon_id
    and c.category_id not in (select (e->>'category_id')::bigint from jsonb_array_elements(p_rows) e);
  get diagnostics v_removed = row_count;
  return jsonb_build_object('saved', v_saved, 'removed', v_removed);
end $$;

-- The whole service list (YClients does not page it): upserted, services no longer listed are removed.
create function sync_services_save(p_salon_id bigint, p_rows jsonb, p_now timestamptz) returns jsonb
language plpgsql as $$
declare v_saved integer; v_removed integer;
begin
  insert into services (salon_id, service_id, category_id, title, price_min, price_max, duration_sec, bookable, weight,
                        staff_ids, raw, synced_at)
  select p_salon_id, r.service_id, r.category_id, r.title, r.price_min, r.price_max, r.duration_sec,
         coalesce(r.bookable, true), coalesce(r.weight, 0), coalesce(r.staff_ids, '{}'), r.raw, p_now
  from jsonb_to_recordset(p_rows) as r(service_id bigint, category_id bigint, title text, price_min numeric,
       price_max numeric, duration_sec integer, bookable boolean, weight integer, staff_ids bigint[], raw jsonb)
  on conflict (salon_id, service_id) do update set
    category_id = excluded.category_id, title = excluded.title, price_min = excluded.price_min,
    price_max = excluded.price_max, duration_sec = excluded.duration_sec, bookable = excluded.bookable,
    weight = excluded.weight, staff_ids = excluded.staff_ids, raw = excluded.raw, synced_at = excluded.synced_at;
  get diagnostics v_saved = row_count;
  delete from services s
  where s.salon_id = p_salon_id
    and s.service_id not in (select (e->>'service_id')::bigint from jsonb_array_elements(p_rows) e);
  get diagnostics v_removed = row_count;
  return jsonb_build_object('saved', v_saved, 'removed', v_removed);
end $$;

-- The whole staff list. A master YClients no longer lists is kept (records name them) but marked fired.
create function sync_staff_save(p_salon_id bigint, p_rows jsonb, p_now timestamptz) returns jsonb
language plpgsql as $$
declare v_saved integer; v_gone integer;
begin
  insert into staff (salon_id, staff_id, name, specialization, rating, bookable, fired, hidden, raw, synced_at)
  select p_salon_id, r.staff_id, r.name, r.specialization, r.rating, coalesce(r.bookable, false),
         coalesce(r.fired, false), coalesce(r.hidden, false), r.raw, p_now
  from jsonb_to_recordset(p_rows) as r(staff_id bigint, name text, specialization text, rating numeric,
       bookable boolean, fired boolean, hidden boolean, raw jsonb)
  on conflict (salon_id, staff_id) do update set
    name = excluded.name, specialization = excluded.specialization, rating = excluded.rating,
    bookable = excluded.bookable, fired = excluded.fired, hidden = excluded.hidden, raw = excluded.raw,
    synced_at = excluded.synced_at;
  get diagnostics v_saved = row_count;
  update staff st set fired = true, bookable = false, synced_at = p_now
  where st.salon_id = p_salon_id and not st.fired
    and st.staff_id not in (select (e->>'staff_id')::bigint from jsonb_array_elements(p_rows) e);
  get diagnostics v_gone = row_count;
  return jsonb_build_object('saved', v_saved, 'gone', v_gone);
end $$;

-- One page of clients.
create function sync_clients_save(p_salon_id bigint, p_rows jsonb, p_now timestamptz) returns integer
language plpgsql as $$
declare v_saved integer;
begin
  insert into clients (salon_id, client_id, name, phone, email, sold_amount, visits_count, first_visit_at,
                       last_visit_at, raw, synced_at)
  select p_salon_id, r.client_id, r.name, r.phone, r.email, coalesce(r.sold_amount, 0), coalesce(r.visits_count, 0),
         r.first_visit_at, r.last_visit_at, r.raw, p_now
  from jsonb_to_recordset(p_rows) as r(client_id bigint, name text, phone text, email text, sold_amount numeric,
       visits_count integer, first_visit_at timestamptz, last_visit_at timestamptz, raw jsonb)
  on conflict (salon_id, client_id) do update set
    name = excluded.name, phone = excluded.phone, email = excluded.email, sold_amount = excluded.sold_amount,
    visits_count = excluded.visits_count, first_visit_at = excluded.first_visit_at,
    last_visit_at = excluded.last_visit_at, raw = excluded.raw, synced_at = excluded.synced_at;
  get diagnostics v_saved = row_count;
  return v_saved;
end $$;

-- After every page of a complete listing was saved: clients the listing no longer has are removed.
create function sync_clients_prune(p_salon_id bigint, p_before timestamptz) returns integer
language plpgsql as $$
declare v_removed integer;
begin
  delete from clients where salon_id = p_salon_id and synced_at < p_before;
  get diagnostics v_removed = row_count;
  return v_removed;
end $$;

-- Schedules of [p_from, p_to] replaced as a whole (a day off is the absence of a row); days older than a week go.
create function sync_schedules_save(p_salon_id bigint, p_from date, p_to date, p_rows jsonb, p_now timestamptz)
returns integer language plpgsql as $$
declare v_saved integer;
begin
  if p_to < p_from then
    raise exception 'schedule range is empty' using errcode = '22023';
  end if;
  delete from staff_schedules where salon_id = p_salon_id and date between p_from and p_to;
  insert into staff_schedules (salon_id, staff_id, date, slots, synced_at)
  select p_salon_id, r.staff_id, r.date, coalesce(r.slots, '[]'::jsonb), p_now
  from jsonb_to_recordset(p_rows) as r(staff_id bigint, date date, slots jsonb)
  where r.date between p_from and p_to
  on conflict (salon_id, staff_id, date) do update set slots = excluded.slots, synced_at = excluded.synced_at;
  get diagnostics v_saved = row_count;
  delete from staff_schedules where salon_id = p_salon_id and date < p_from - 7;
  return v_saved;
end $$;

-- Opens a run, unless one of this salon is still running (started under 30 minutes ago): then null.
create function sync_run_start(p_salon_id bigint, p_parts text[], p_now timestamptz) returns bigint
language plpgsql as $$
declare v_id bigint;
begin
  perform pg_advisory_xact_lock(7301, hashtext(p_salon_id::text));
  if exists (select 1 from sync_runs where salon_id = p_salon_id and status = 'running'
             and started_at > p_now - interval '30 minutes') then
    return null;
  end if;
  update sync_runs set status = 'failed', error = 'abandoned', finished_at = p_now
  where salon_id = p_salon_id and status = 'running';
  insert into sync_runs (salon_id, parts, started_at) values (p_salon_id, p_parts, p_now) returning id into v_id;
  return v_id;
end $$;

-- Closes a run; each part that succeeded gets last_ok_at, each attempted part last_run_at. A run that succeeded
-- lifts a block: YClients let us in again.
create function sync_run_finish(p_run_id bigint, p_status text, p_counts jsonb, p_requests integer, p_error text,
                                p_ok_parts text[], p_now timestamptz)
returns void language plpgsql as $$
declare v sync_runs;
begin
  update sync_runs set status = p_status, counts = coalesce(p_counts, '{}'::jsonb), requests = p_requests,
         error = p_error, finished_at = p_now
  where id = p_run_id returning * into v;
  if not found then
    raise exception 'no sync run %', p_run_id using errcode = 'P0002';
  end if;
  insert into sync_cursors (salon_id, part, last_run_at, last_ok_at)
  select v.salon_id, part, p_now, case when part = any (p_ok_parts) then p_now end
  from unnest(v.parts) as part
  on conflict (salon_id, part) do update
  set last_run_at = excluded.last_run_at, last_ok_at = coalesce(excluded.last_ok_at, sync_cursors.last_ok_at);
  if p_status = 'ok' then
    delete from sync_blocks where salon_id = v.salon_id;
  end if;
end $$;

create function sync_block(p_salon_id bigint, p_status integer, p_reason text, p_now timestamptz,
                           p_retry_sec integer default 86400)
returns void language sql as $$
  insert into sync_blocks (salon_id, status, reason, blocked_at, retry_at)
  values (p_salon_id, p_status, p_reason, p_now, p_now + make_interval(secs => p_retry_sec))
  on conflict (salon_id) do update
  set status = excluded.status, reason = excluded.reason, retry_at = excluded.retry_at
$$;

create function sync_blocked_list() returns setof sync_blocks language sql stable as $$
  select * from sync_blocks order by salon_id
$$;

create function sync_runs_list(p_salon_id bigint, p_limit integer default 20) returns setof sync_runs
language sql stable as $$
  select * from sync_runs where salon_id = p_salon_id order by started_at desc, id desc limit p_limit
$$;

-- A zone Postgres knows, else Moscow: one salon with a zone Postgres does not know must not stop every salon's tick.
create function sync_zone(p_tz text) returns text language plpgsql stable as $$
begin
  perform now() at time zone p_tz;
  return p_tz;
exception when others then
  return 'Europe/Moscow';
end $$;

-- The schedule, in each salon's own time zone. A part is due when its last success is older than its latest
-- boundary (company: Monday 04:00 weekly; services 01:00, staff 02:00, clients 03:00, schedules 05:00 nightly;
-- schedules_today hourly; records every quarter hour), unless it was tried since that boundary within the last hour
-- (a failing part waits an hour, not a tick). Blocked salons are left out until their retry time.
create function sync_due(p_now timestamptz) returns setof jsonb language sql stable as $$
  with s as (
    select sa.salon_id, z.tz as timezone, (p_now at time zone z.tz) as lt
    from salons sa cross join lateral (select sync_zone(sa.timezone) as tz) z
    where sa.status = 'active'
      and not exists (select 1 from sync_blocks b where b.salon_id = sa.salon_id and b.retry_at > p_now)
  ),
  b as (
    select s.salon_id, s.timezone, p.part,
           case p.part
             when 'company' then date_trunc('week', s.lt) + interval '4 hours'
             when 'services' then date_trunc('day', s.lt) + interval '1 hour'
             when 'staff' then date_trunc('day', s.lt) + interval '2 hours'
             when 'clients' then date_trunc('day', s.lt) + interval '3 hours'
             when 'schedules' then date_trunc('day', s.lt) + interval '5 hours'
             when 'schedules_today' then date_trunc('hour', s.lt)
             else date_trunc('hour', s.lt) + floor(extract(minute from s.lt) / 15) * interval '15 minutes'
           end as local_boundary,
           case p.part when 'company' then interval '7 days' else interval '1 day' end as period,
           s.lt
    from s cross join (values ('company'), ('services'), ('staff'), ('clients'), ('schedules'),
                              ('schedules_today'), ('records')) as p(part)
  ),
  due as (
    select b.salon_id, b.timezone, b.part,
           (case when b.local_boundary > b.lt then b.local_boundary - b.period else b.local_boundary end)
             at time zone b.timezone as boundary
    from b
  )
  select jsonb_build_object('salon_id', d.salon_id, 'timezone', d.timezone,
                            'parts', jsonb_agg(d.part order by d.part))
  from due d
  left join sync_cursors c on c.salon_id = d.salon_id and c.part = d.part
  where (c.last_ok_at is null or c.last_ok_at < d.boundary)
    and (c.last_run_at is null or c.last_run_at < d.boundary or c.last_run_at <= p_now - interval '1 hour')
  group by d.salon_id, d.timezone
  order by d.salon_id
$$;
