-- Core functions: health, idempotency keys, salons, marketplace events, the local dispatcher queue.

create function health_ping() returns text language sql stable as $$ select 'ok'::text $$;

-- True the first time a key is seen, false after: the one guard every idempotent consumer uses.
create function event_claim(p_key text, p_salon_id bigint default null) returns boolean
language plpgsql as $$
begin
  if p_key is null or p_key = '' then
    raise exception 'event key is required' using errcode = '22023';
  end if;
  insert into processed_events (key, salon_id) values (p_key, p_salon_id) on conflict (key) do nothing;
  return found;
end $$;

-- Forget a claimed key so a failed attempt can be retried by the next delivery.
create function event_release(p_key text) returns void language sql as $$
  delete from processed_events where key = p_key
$$;

create function salon_get(p_salon_id bigint) returns jsonb language sql stable as $$
  select to_jsonb(s) - 'api_key' - 'webhook_secret' from salons s where s.salon_id = p_salon_id
$$;

create function salons_list(p_statuses text[] default null) returns setof jsonb language sql stable as $$
  select to_jsonb(s) - 'api_key' - 'webhook_secret' from salons s
  where p_statuses is null or s.status = any (p_statuses)
  order by s.salon_id
$$;

create function marketplace_event_add(p_salon_id bigint, p_event text, p_data jsonb default '{}'::jsonb)
returns bigint language sql as $$
  insert into marketplace_events (salon_id, event, data) values (p_salon_id, p_event, coalesce(p_data, '{}'::jsonb))
  returning id
$$;

create function marketplace_events_list(p_salon_id bigint) returns setof marketplace_events language sql stable as $$
  select * from marketplace_events where salon_id = p_salon_id order by id
$$;

-- Local dispatcher (QStash's stand-in). A duplicate dedupe id returns the existing job, as QStash does.
create function dispatch_enqueue(p_url text, p_body text, p_dedupe_id text default null, p_delay_sec integer default 0,
                                 p_retries integer default 3, p_now timestamptz default now())
returns jsonb language plpgsql as $$
declare v_id bigint;
begin
  if p_delay_sec < 0 or p_retries < 0 then
    raise exception 'delay and retries must not be negative' using errcode = '22023';
  end if;
  insert into local_dispatch (dedupe_id, url, body, retries, not_before)
  values (p_dedupe_id, p_url, p_body, p_retries, p_now + make_interval(secs => p_delay_sec))
  on conflict (dedupe_id) do nothing
  returning id into v_id;
  if v_id is not null then
    return jsonb_build_object('id', v_id, 'deduplicated', false);
  end if;
  select id into v_id from local_dispatch where dedupe_id = p_dedupe_id;
  return jsonb_build_object('id', v_id, 'deduplicated', true);
end $$;

-- Lease up to p_limit due jobs for p_lease_sec; a crashed worker's lease simply runs out.
create function dispatch_take_due(p_limit integer, p_lease_sec integer default 60, p_now timestamptz default now())
returns setof local_dispatch language sql as $$
  update local_dispatch d set locked_until = p_now + make_interval(secs => p_lease_sec), attempts = d.attempts + 1
  where d.id in (
    select id from local_dispatch
    where done_at is null and not_before <= p_now and (locked_until is null or locked_until < p_now)
    order by not_before, id limit p_limit
    for update skip locked)
  returning d.*
$$;

-- Record an attempt: done, or back to the queue after p_retry_in_sec, or given up when retries ran out.
create function dispatch_finish(p_id bigint, p_status integer, p_error text default null, p_retry_in_sec integer default null,
                                p_now timestamptz default now())
returns text language plpgsql as $$
declare v local_dispatch;
begin
  select * into v from local_dispatch where id = p_id for update;
  if not found then
    raise exception 'no dispatch job %', p_id using errcode = 'P0002';
  end if;
  if p_retry_in_sec is null or v.attempts > v.retries then
    update local_dispatch set done_at = p_now, locked_until = null, last_status = p_status, last_error = p_error
    where id = p_id;
    return case when p_retry_in_sec is null then 'done' else 'dead' end;
  end if;
  update local_dispatch set locked_until = null, last_status = p_status, last_error = p_error,
         not_before = p_now + make_interval(secs => p_retry_in_sec)
  where id = p_id;
  return 'retry';
end $$;

create function dispatch_next_due_at() returns timestamptz language sql stable as $$
  select min(not_before) from local_dispatch where done_at is null
$$;
