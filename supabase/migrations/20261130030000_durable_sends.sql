-- A crash loses no send and repeats none (issue 12, part 3).
--
-- Sends are accepted durably: the row holds the recipient, the text and the WhatsApp message id chosen at
-- acceptance, and a worker per salon drains the queue. The states tell a restart what to do with each row:
--   queued   provably never left (nothing was written to the socket): sent after a restart;
--   sending  marked immediately before the socket write, at most one per salon: after a crash it becomes
--   unknown  (the bytes may have left): logged, never resent;
--   sent, failed (not on WhatsApp, 463): final.

alter table wa_sends drop constraint wa_sends_status_check;
alter table wa_sends add constraint wa_sends_status_check check (status in ('queued', 'sending', 'sent', 'failed', 'unknown'));
alter table wa_sends alter column status set default 'queued';
alter table wa_sends add column jid text;
alter table wa_sends add column body text;
alter table wa_sends add column updated_at timestamptz;
create index wa_sends_queued_idx on wa_sends (salon_id, created_at) where status = 'queued';

-- The gateway of the previous version keeps running for a minute after this migration (README, Upgrading): its
-- claim must still mean 'sending' (no text here to send again), which the new gateway then turns 'unknown'.
-- wa_send_begin and wa_send_finish go in a later migration, once no such gateway runs.
create or replace function wa_send_begin(p_salon_id bigint, p_key text, p_now timestamptz)
returns jsonb language plpgsql as $$
declare v wa_sends;
begin
  insert into wa_sends (salon_id, idempotency_key, status, created_at) values (p_salon_id, p_key, 'sending', p_now)
  on conflict (salon_id, idempotency_key) do nothing;
  if found then
    return jsonb_build_object('fresh', true);
  end if;
  select * into v from wa_sends where salon_id = p_salon_id and idempotency_key = p_key;
  return jsonb_build_object('fresh', false, 'status', v.status, 'message_id', v.message_id, 'error', v.error);
end $$;

-- Accept a send under its idempotency key, or return what the first call with that key became.
create function wa_send_accept(p_salon_id bigint, p_key text, p_jid text, p_body text, p_message_id text,
                               p_now timestamptz)
returns jsonb language plpgsql as $$
declare v wa_sends;
begin
  insert into wa_sends (salon_id, idempotency_key, message_id, status, jid, body, created_at, updated_at)
  values (p_salon_id, p_key, p_message_id, 'queued', p_jid, p_body, p_now, p_now)
  on conflict (salon_id, idempotency_key) do nothing;
  select * into v from wa_sends where salon_id = p_salon_id and idempotency_key = p_key;
  return jsonb_build_object('status', v.status, 'message_id', v.message_id, 'error', v.error);
end $$;

-- What an earlier call with this key became (null: never accepted).
create function wa_send_get(p_salon_id bigint, p_key text)
returns jsonb language sql stable as $$
  select jsonb_build_object('status', status, 'message_id', message_id, 'error', error)
  from wa_sends where salon_id = p_salon_id and idempotency_key = p_key
$$;

-- The salon's oldest send that never left, or null.
create function wa_send_next(p_salon_id bigint)
returns jsonb language sql stable as $$
  select jsonb_build_object('key', idempotency_key, 'jid', jid, 'body', body, 'message_id', message_id)
  from wa_sends where salon_id = p_salon_id and status = 'queued'
  order by created_at, idempotency_key limit 1
$$;

-- Moves a send between states; true when it was in one of p_from (so two workers never both take it).
create function wa_send_mark(p_salon_id bigint, p_key text, p_from text[], p_to text, p_error text, p_now timestamptz)
returns boolean language plpgsql as $$
begin
  if p_to not in ('queued', 'sending', 'sent', 'failed', 'unknown') then
    raise exception 'unknown send state %', p_to using errcode = '22023';
  end if;
  update wa_sends set status = p_to, error = coalesce(p_error, error), updated_at = p_now
  where salon_id = p_salon_id and idempotency_key = p_key and status = any(p_from);
  return found;
end $$;

-- A process that takes a salon's session over: whatever the previous holder left 'sending' may have left.
create function wa_sends_recover(p_salon_id bigint, p_now timestamptz)
returns setof jsonb language sql as $$
  update wa_sends set status = 'unknown', error = 'cut off while on the socket', updated_at = p_now
  where salon_id = p_salon_id and status = 'sending'
  returning jsonb_build_object('key', idempotency_key, 'message_id', message_id, 'jid', jid)
$$;

-- Leases: a holder id is "<lineage>/<instance>". A restarted process of the same lineage (the same DATA_DIR
-- locally, the same deployment in production) takes its own sessions over at once instead of waiting out the dead
-- process's leases; the fence still grows, so a zombie of the same lineage is refused.
create or replace function wa_lease_acquire(p_salon_id bigint, p_holder text, p_ttl_sec integer, p_now timestamptz)
returns bigint language sql as $$
  insert into wa_leases as l (salon_id, holder, fence, expires_at)
  values (p_salon_id, p_holder, 1, p_now + make_interval(secs => p_ttl_sec))
  on conflict (salon_id) do update
    set fence = case when l.holder = excluded.holder and l.expires_at > p_now then l.fence else l.fence + 1 end,
        holder = excluded.holder,
        expires_at = excluded.expires_at
    where l.holder = excluded.holder or l.expires_at <= p_now
       or split_part(l.holder, '/', 1) = split_part(excluded.holder, '/', 1)
  returning fence
$$;

create or replace function wa_sessions_restorable(p_holder text, p_now timestamptz)
returns setof bigint language sql stable as $$
  select s.salon_id from wa_sessions s
  left join wa_leases l on l.salon_id = s.salon_id
  where s.paired_at is not null and s.state not in ('logged_out', 'forbidden')
    and (l.salon_id is null or l.holder = p_holder or l.expires_at <= p_now
         or split_part(l.holder, '/', 1) = split_part(p_holder, '/', 1))
  order by s.salon_id
$$;

-- A send the gateway accepted and then could not make (not on WhatsApp, 463): the notification did not go out.
-- Only a row still waiting for or showing that very send changes.
create function notification_send_failed(p_id bigint, p_message_id text, p_error text, p_now timestamptz)
returns text language plpgsql as $$
declare v_status text;
begin
  update notifications set status = 'failed', error = p_error, updated_at = p_now
  where id = p_id and (status = 'sending' or (status = 'sent' and message_id = p_message_id))
  returning status into v_status;
  return v_status;
end $$;

-- The local dispatcher of an embedded database is the only one delivering from it: at start it takes back the jobs
-- a killed predecessor was delivering (their lease would otherwise hold them for a minute). Returns how many.
create function dispatch_release_locks()
returns integer language sql as $$
  with released as (
    update local_dispatch set locked_until = null
    where done_at is null and locked_until is not null
    returning 1
  )
  select count(*)::integer from released
$$;
