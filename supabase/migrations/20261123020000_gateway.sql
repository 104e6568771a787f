-- WhatsApp gateway: session registry, leases with fencing, auth state, send idempotency, event outbox.

-- What the gateway knows about each salon's WhatsApp session; restore after a restart reads it.
create table wa_sessions (
  salon_id     bigint primary key check (salon_id > 0),
  state        text not null default 'none'
               check (state in ('none', 'connecting', 'qr', 'pairing', 'connected', 'logged_out', 'forbidden', 'stopped')),
  phone        text check (phone ~ '^[0-9]{7,15}$'),
  -- Set on the first open after a pairing; a half-finished pairing code never sets it.
  paired_at    timestamptz,
  last_code    integer,
  last_reason  text,
  updated_at   timestamptz not null default now()
);
alter table wa_sessions enable row level security;
revoke all on wa_sessions from anon, authenticated;

create index gateway_outbox_due_idx on gateway_outbox (next_at);

-- Leases ----------------------------------------------------------------------------------------------------------

-- Take (or keep) the lease of a salon's session. Returns the fence, or null while another holder's lease runs.
-- The fence only grows when the holder changes, so a zombie's writes carry a stale fence and are refused.
create function wa_lease_acquire(p_salon_id bigint, p_holder text, p_ttl_sec integer, p_now timestamptz)
returns bigint language sql as $$
  insert into wa_leases as l (salon_id, holder, fence, expires_at)
  values (p_salon_id, p_holder, 1, p_now + make_interval(secs => p_ttl_sec))
  on conflict (salon_id) do update
    set fence = case when l.holder = excluded.holder and l.expires_at > p_now then l.fence else l.fence + 1 end,
        holder = excluded.holder,
        expires_at = excluded.expires_at
    where l.holder = excluded.holder or l.expires_at <= p_now
  returning fence
$$;

-- Renew every lease a holder believes it has (p_leases: [{salon_id, fence}]); returns the salon ids it lost.
create function wa_lease_renew(p_holder text, p_leases jsonb, p_ttl_sec integer, p_now timestamptz)
returns setof bigint language plpgsql as $$
begin
  return query
  with wanted as (
    select x.salon_id, x.fence from jsonb_to_recordset(coalesce(p_leases, '[]'::jsonb)) as x(salon_id bigint, fence bigint)
  ), renewed as (
    update wa_leases l set expires_at = p_now + make_interval(secs => p_ttl_sec)
    from wanted w
    where l.salon_id = w.salon_id and l.fence = w.fence and l.holder = p_holder
    returning l.salon_id
  )
  select w.salon_id from wanted w where w.salon_id not in (select salon_id from renewed);
end $$;

-- Give a lease back at once (graceful stop), keeping the fence so the next holder's is higher.
create function wa_lease_release(p_salon_id bigint, p_holder text, p_fence bigint)
returns void language sql as $$
  update wa_leases set expires_at = '-infinity'
  where salon_id = p_salon_id and holder = p_holder and fence = p_fence
$$;

-- Raises PT409 (HTTP 409 through PostgREST) unless the caller still holds the salon's lease with this fence.
create function wa_lease_check(p_salon_id bigint, p_holder text, p_fence bigint)
returns void language plpgsql as $$
begin
  perform 1 from wa_leases where salon_id = p_salon_id and holder = p_holder and fence = p_fence for share;
  if not found then
    raise exception 'lease_fenced: salon % is held by another gateway', p_salon_id using errcode = 'PT409';
  end if;
end $$;

-- Auth state ------------------------------------------------------------------------------------------------------

-- {key_id: value} for the ids present.
create function wa_auth_get(p_salon_id bigint, p_key_type text, p_key_ids text[])
returns jsonb language sql stable as $$
  select coalesce(jsonb_object_agg(key_id, value), '{}'::jsonb)
  from wa_auth where salon_id = p_salon_id and key_type = p_key_type and key_id = any (p_key_ids)
$$;

-- One keys.set() batch (or a creds save) as one transaction, only for the lease holder.
-- p_upserts: [{type, id, value}], p_deletes: [{type, id}].
create function wa_auth_write(p_salon_id bigint, p_holder text, p_fence bigint, p_upserts jsonb, p_deletes jsonb,
                              p_now timestamptz)
returns void language plpgsql as $$
begin
  perform wa_lease_check(p_salon_id, p_holder, p_fence);
  delete from wa_auth a
  using jsonb_to_recordset(coalesce(p_deletes, '[]'::jsonb)) as d(type text, id text)
  where a.salon_id = p_salon_id and a.key_type = d.type and a.key_id = d.id;
  insert into wa_auth (salon_id, key_type, key_id, value, updated_at)
  select p_salon_id, u.type, u.id, u.value, p_now
  from jsonb_to_recordset(coalesce(p_upserts, '[]'::jsonb)) as u(type text, id text, value jsonb)
  on conflict (salon_id, key_type, key_id) do update set value = excluded.value, updated_at = excluded.updated_at;
end $$;

-- Wipe a salon's auth state (logged out, failed pairing), only for the lease holder.
create function wa_auth_clear(p_salon_id bigint, p_holder text, p_fence bigint)
returns void language plpgsql as $$
begin
  perform wa_lease_check(p_salon_id, p_holder, p_fence);
  delete from wa_auth where salon_id = p_salon_id;
end $$;

-- Sessions --------------------------------------------------------------------------------------------------------

create function wa_session_get(p_salon_id bigint) returns jsonb language sql stable as $$
  select to_jsonb(s) from wa_sessions s where s.salon_id = p_salon_id
$$;

-- Record a state. p_unpair forgets the phone and the pairing (logged out, wiped).
create function wa_session_mark(p_salon_id bigint, p_state text, p_now timestamptz, p_code integer default null,
                                p_reason text default null, p_unpair boolean default false)
returns void language sql as $$
  insert into wa_sessions as s (salon_id, state, last_code, last_reason, updated_at)
  values (p_salon_id, p_state, p_code, p_reason, p_now)
  on conflict (salon_id) do update
    set state = excluded.state,
        last_code = coalesce(excluded.last_code, s.last_code),
        last_reason = coalesce(excluded.last_reason, s.last_reason),
        phone = case when p_unpair then null else s.phone end,
        paired_at = case when p_unpair then null else s.paired_at end,
        updated_at = excluded.updated_at
$$;

-- The session opened with this phone. True when it is a new pairing (never paired, or another number).
create function wa_session_connected(p_salon_id bigint, p_phone text, p_now timestamptz)
returns boolean language plpgsql as $$
declare v_new boolean;
begin
  select paired_at is null or phone is distinct from p_phone into v_new from wa_sessions where salon_id = p_salon_id for update;
  v_new := coalesce(v_new, true);
  insert into wa_sessions as s (salon_id, state, phone, paired_at, last_code, last_reason, updated_at)
  values (p_salon_id, 'connected', p_phone, p_now, null, null, p_now)
  on conflict (salon_id) do update
    set state = 'connected', phone = p_phone,
        paired_at = case when v_new then p_now else s.paired_at end,
        last_code = null, last_reason = null, updated_at = p_now;
  return v_new;
end $$;

-- Paired sessions to bring back after a restart: not logged out, not held by another live gateway.
create function wa_sessions_restorable(p_holder text, p_now timestamptz)
returns setof bigint language sql stable as $$
  select s.salon_id from wa_sessions s
  left join wa_leases l on l.salon_id = s.salon_id
  where s.paired_at is not null and s.state not in ('logged_out', 'forbidden')
    and (l.salon_id is null or l.holder = p_holder or l.expires_at <= p_now)
  order by s.salon_id
$$;

-- Sends -----------------------------------------------------------------------------------------------------------

-- Claim an idempotency key. fresh=true: this call sends. Otherwise the first call's outcome.
create function wa_send_begin(p_salon_id bigint, p_key text, p_now timestamptz)
returns jsonb language plpgsql as $$
declare v wa_sends;
begin
  insert into wa_sends (salon_id, idempotency_key, created_at) values (p_salon_id, p_key, p_now)
  on conflict (salon_id, idempotency_key) do nothing;
  if found then
    return jsonb_build_object('fresh', true);
  end if;
  select * into v from wa_sends where salon_id = p_salon_id and idempotency_key = p_key;
  return jsonb_build_object('fresh', false, 'status', v.status, 'message_id', v.message_id, 'error', v.error);
end $$;

-- 'sent' and 'failed' are final; 'abandoned' (nothing went out, e.g. session down) frees the key for a retry.
create function wa_send_finish(p_salon_id bigint, p_key text, p_status text, p_message_id text default null,
                               p_error text default null)
returns void language plpgsql as $$
begin
  if p_status = 'abandoned' then
    delete from wa_sends where salon_id = p_salon_id and idempotency_key = p_key and status = 'sending';
    return;
  end if;
  update wa_sends set status = p_status, message_id = p_message_id, error = p_error
  where salon_id = p_salon_id and idempotency_key = p_key;
end $$;

-- Outbox ----------------------------------------------------------------------------------------------------------

create function gateway_outbox_add(p_dedupe_id text, p_salon_id bigint, p_path text, p_body jsonb, p_error text,
                                   p_next_at timestamptz)
returns void language sql as $$
  insert into gateway_outbox (dedupe_id, salon_id, path, body, attempts, last_error, next_at)
  values (p_dedupe_id, p_salon_id, p_path, p_body, 1, p_error, p_next_at)
  on conflict (dedupe_id) do nothing
$$;

-- Lease due events for p_lease_sec so two gateways do not publish one event at the same moment.
create function gateway_outbox_take(p_limit integer, p_now timestamptz, p_lease_sec integer default 60)
returns setof gateway_outbox language sql as $$
  update gateway_outbox o set next_at = p_now + make_interval(secs => p_lease_sec), attempts = o.attempts + 1
  where o.id in (
    select id from gateway_outbox where next_at <= p_now order by id limit p_limit for update skip locked)
  returning o.*
$$;

create function gateway_outbox_done(p_id bigint) returns void language sql as $$
  delete from gateway_outbox where id = p_id
$$;

create function gateway_outbox_retry(p_id bigint, p_error text, p_next_at timestamptz) returns void language sql as $$
  update gateway_outbox set last_error = p_error, next_at = p_next_at where id = p_id
$$;

create function gateway_outbox_pending() returns integer language sql stable as $$
  select count(*)::integer from gateway_outbox
$$;
