-- Booking notices and reminders: the one decision point for record changes and the claim-then-send life of a
-- notification row. Every client-visible message is a row in `notifications`, unique per salon, record, kind and
-- occasion; a row is claimed (status 'sending') before the gateway is called and ends sent, skipped or failed.

-- A record's notable state (time, master, services, cancelled) bumps its version; a change notice's occasion is
-- that version, so the same change seen by a webhook and a poll is one row, and a later real change is another.
alter table records add column version integer not null default 0;
alter table records add column api_id text;

alter table notifications add column data jsonb not null default '{}'::jsonb;
alter table notifications add column error text;
alter table notifications add column reply_at timestamptz;
alter table notifications add column reply_kind text check (reply_kind in ('confirmed', 'other'));
create index notifications_record_idx on notifications (salon_id, record_id, kind, status);

-- Per-salon notification settings: salons.settings->'notifications' over these defaults. The confirmation delay
-- defaults to BOOKING_CONFIRMATION_DELAY_SECONDS, which the caller passes in.
create function notification_settings(p_settings jsonb, p_default_delay_sec integer) returns jsonb
language sql immutable as $$
  select jsonb_build_object(
    'delaySec', p_default_delay_sec,
    'bookingCreated', true,
    'bookingChanged', true,
    'bookingCancelled', true,
    'reminderDayBefore', true,
    'dayBeforeFrom', '19:00',
    'dayBeforeTo', '21:00',
    'reminderHoursBefore', true,
    'hoursBefore', 2,
    'replyWindowHours', 12
  ) || coalesce(case when jsonb_typeof(p_settings -> 'notifications') = 'object' then p_settings -> 'notifications' end,
                '{}'::jsonb)
$$;

-- Which setting switches a kind on.
create function notification_kind_enabled(p_settings jsonb, p_kind text) returns boolean
language sql immutable as $$
  select coalesce((p_settings ->> case p_kind
    when 'booking_created' then 'bookingCreated'
    when 'booking_changed' then 'bookingChanged'
    when 'booking_cancelled' then 'bookingCancelled'
    when 'reminder_day_before' then 'reminderDayBefore'
    when 'reminder_hours_before' then 'reminderHoursBefore' end)::boolean, false)
$$;

-- The state a notice quotes when it says what changed ("Время изменено: … → …").
create function record_snapshot(r records) returns jsonb language sql immutable as $$
  select jsonb_build_object('starts_at', r.starts_at, 'staff_id', r.staff_id, 'staff_name', r.staff_name,
                            'services', r.services, 'service_ids', to_jsonb(r.service_ids))
$$;

/*
 * Applies normalised YClients records to `records` and decides the notices, in one transaction per call.
 * p_records: JSON array of {record_id, client_id, client_phone, client_name, staff_id, staff_name, service_ids,
 * services, starts_at, duration_sec, attendance, deleted, yc_created_at, yc_changed_at, api_id, raw, ours}.
 * p_source: 'sync' | 'poll' | 'webhook' | 'recheck' decide; 'assistant' only stores (the client already knows).
 * Each record row is locked while compared, so two callers with the same change see it once between them.
 * Returns {results: [{record_id, outcome, changes}], notifications: [{id, record_id, kind, due_at}]}.
 */
create function records_apply(p_salon_id bigint, p_records jsonb, p_source text, p_now timestamptz,
                              p_default_delay_sec integer default 30)
returns jsonb language plpgsql as $$
declare
  v_salon salons;
  v_settings jsonb;
  v_delay interval;
  n record;
  o records;
  v_row records;
  v_found boolean;
  v_changes text[];
  v_outcome text;
  v_cancelled boolean;
  v_was_cancelled boolean;
  v_notable boolean;
  v_results jsonb := '[]'::jsonb;
  v_notes jsonb := '[]'::jsonb;
  v_id bigint;
  v_due timestamptz;
  v_created timestamptz;
  v_phone text;
  v_pending_changed notifications;
begin
  if p_source not in ('sync', 'poll', 'webhook', 'recheck', 'assistant') then
    raise exception 'unknown source %', p_source using errcode = '22023';
  end if;
  if jsonb_typeof(p_records) <> 'array' then
    raise exception 'p_records must be a JSON array' using errcode = '22023';
  end if;
  select * into v_salon from salons where salon_id = p_salon_id;
  if not found then
    return jsonb_build_object('results', '[]'::jsonb, 'notifications', '[]'::jsonb, 'salon', 'unknown');
  end if;
  v_settings := notification_settings(v_salon.settings, p_default_delay_sec);
  v_delay := make_interval(secs => greatest(0, coalesce((v_settings ->> 'delaySec')::integer, p_default_delay_sec)));

  for n in
    select * from jsonb_to_recordset(p_records) as x(
      record_id bigint, client_id bigint, client_phone text, client_name text, staff_id bigint, staff_name text,
      service_ids bigint[], services jsonb, starts_at timestamptz, duration_sec integer, attendance integer,
      deleted boolean, yc_created_at timestamptz, yc_changed_at timestamptz, api_id text, raw jsonb, ours boolean)
  loop
    v_changes := '{}';
    v_cancelled := coalesce(n.deleted, false) or coalesce(n.attendance, 0) = -1;
    v_phone := n.client_phone;

    select * into o from records where salon_id = p_salon_id and record_id = n.record_id for update;
    v_found := found;
    if not v_found then
      insert into records (salon_id, record_id, client_id, client_phone, client_name, staff_id, staff_name,
                           service_ids, services, starts_at, duration_sec, attendance, deleted, created_by_us,
                           yc_created_at, yc_changed_at, first_seen_at, last_change_at, gone_at, raw, api_id)
      values (p_salon_id, n.record_id, n.client_id, n.client_phone, n.client_name, n.staff_id, n.staff_name,
              coalesce(n.service_ids, '{}'), coalesce(n.services, '[]'::jsonb), n.starts_at,
              coalesce(n.duration_sec, 0), coalesce(n.attendance, 0), coalesce(n.deleted, false),
              coalesce(n.ours, false), n.yc_created_at, n.yc_changed_at, p_now, p_now,
              case when n.deleted then p_now end, n.raw, n.api_id)
      on conflict (salon_id, record_id) do nothing
      returning * into v_row;
      if v_row.record_id is null then
        -- Another caller inserted it between our select and insert: compare against what it stored.
        select * into o from records where salon_id = p_salon_id and record_id = n.record_id for update;
        v_found := true;
      end if;
    end if;

    if not v_found then
      v_outcome := 'new';
      v_created := coalesce(n.yc_created_at, case when p_source = 'webhook' then p_now end);
      if p_source <> 'assistant'
         and v_salon.status = 'active'
         and notification_kind_enabled(v_settings, 'booking_created')
         and not v_row.created_by_us
         and not v_cancelled
         and v_phone is not null
         and n.starts_at > p_now
         and v_created is not null and v_created >= p_now - interval '30 minutes' then
        v_due := p_now + v_delay;
        insert into notifications (salon_id, record_id, kind, occasion, phone, due_at, created_at, updated_at)
        values (p_salon_id, n.record_id, 'booking_created', 'created', v_phone, v_due, p_now, p_now)
        on conflict (salon_id, record_id, kind, occasion) do nothing
        returning id into v_id;
        if v_id is not null then
          v_notes := v_notes || jsonb_build_object('id', v_id, 'record_id', n.record_id, 'kind', 'booking_created',
                                                   'due_at', v_due);
        end if;
      end if;
    elsif n.yc_changed_at is not null and o.yc_changed_at is not null and n.yc_changed_at < o.yc_changed_at then
      -- An older copy (a slow poll page after a webhook): the stored state is newer, keep it.
      v_outcome := 'stale';
    else
      v_was_cancelled := o.deleted or o.attendance = -1;
      if o.starts_at is distinct from n.starts_at then v_changes := array_append(v_changes, 'time'); end if;
      if o.staff_id is distinct from n.staff_id then v_changes := array_append(v_changes, 'staff'); end if;
      if array(select distinct unnest(o.service_ids) order by 1)
         is distinct from array(select distinct unnest(coalesce(n.service_ids, '{}')) order by 1) then
        v_changes := array_append(v_changes, 'services');
      end if;
      if v_cancelled and not v_was_cancelled then v_changes := array_append(v_changes, 'cancelled'); end if;
      if v_was_cancelled and not v_cancelled then v_changes := array_append(v_changes, 'restored'); end if;
      v_notable := cardinality(v_changes) > 0;
      v_outcome := case when v_notable then 'changed'
                        when row(o.client_phone, o.client_name, o.attendance, o.staff_name, o.services, o.duration_sec)
                             is distinct from row(n.client_phone, n.client_name, coalesce(n.attendance, 0), n.staff_name,
                                                  coalesce(n.services, '[]'::jsonb), coalesce(n.duration_sec, 0))
                          then 'updated'
                        else 'same' end;

      update records set
        client_id = n.client_id, client_phone = n.client_phone, client_name = n.client_name,
        staff_id = n.staff_id, staff_name = n.staff_name, service_ids = coalesce(n.service_ids, '{}'),
        services = coalesce(n.services, '[]'::jsonb), starts_at = n.starts_at,
        duration_sec = coalesce(n.duration_sec, 0), attendance = coalesce(n.attendance, 0),
        deleted = coalesce(n.deleted, false),
        created_by_us = records.created_by_us or coalesce(n.ours, false),
        yc_created_at = coalesce(n.yc_created_at, records.yc_created_at),
        yc_changed_at = coalesce(n.yc_changed_at, records.yc_changed_at),
        last_change_at = case when v_outcome = 'same' then records.last_change_at else p_now end,
        gone_at = case when n.deleted then coalesce(records.gone_at, p_now) end,
        raw = coalesce(n.raw, records.raw), api_id = coalesce(n.api_id, records.api_id),
        version = records.version + case when v_notable then 1 else 0 end
      where salon_id = p_salon_id and record_id = n.record_id
      returning * into v_row;

      v_phone := coalesce(n.client_phone, o.client_phone);
      if p_source = 'assistant' then
        -- The client made this change in the chat: a notice about it, still waiting, would tell them what they did.
        update notifications set status = 'skipped', reason = 'changed_by_assistant', updated_at = p_now
        where salon_id = p_salon_id and record_id = n.record_id and kind in ('booking_changed', 'booking_cancelled')
          and status = 'pending';
      end if;
      if v_notable and p_source <> 'assistant' and v_salon.status = 'active' and v_phone is not null then
        if 'cancelled' = any (v_changes) then
          -- Never told about it (the confirmation is still waiting)? Then there is nothing to take back.
          update notifications set status = 'skipped', reason = 'cancelled_before_send', updated_at = p_now
          where salon_id = p_salon_id and record_id = n.record_id and kind = 'booking_created' and status = 'pending';
          if not found then
            update notifications set status = 'skipped', reason = 'superseded_by_cancellation', updated_at = p_now
            where salon_id = p_salon_id and record_id = n.record_id and kind = 'booking_changed' and status = 'pending';
            if o.starts_at > p_now and notification_kind_enabled(v_settings, 'booking_cancelled') then
              -- Delayed like the confirmation: a deletion undone within the delay is skipped as 'restored'.
              v_due := p_now + v_delay;
              insert into notifications (salon_id, record_id, kind, occasion, phone, due_at, data, created_at, updated_at)
              values (p_salon_id, n.record_id, 'booking_cancelled', 'v' || v_row.version, v_phone, v_due,
                      jsonb_build_object('old', record_snapshot(o)), p_now, p_now)
              on conflict (salon_id, record_id, kind, occasion) do nothing
              returning id into v_id;
              if v_id is not null then
                v_notes := v_notes || jsonb_build_object('id', v_id, 'record_id', n.record_id,
                                                         'kind', 'booking_cancelled', 'due_at', v_due);
              end if;
            end if;
          end if;
        elsif not v_cancelled and (v_changes && array['time', 'staff', 'services'])
              and n.starts_at > p_now and notification_kind_enabled(v_settings, 'booking_changed')
              and not exists (select 1 from notifications where salon_id = p_salon_id and record_id = n.record_id
                              and kind = 'booking_created' and status in ('pending', 'sending')) then
          -- A notice still waiting absorbs the new change: the client hears once, from the first old state to now.
          select * into v_pending_changed from notifications
          where salon_id = p_salon_id and record_id = n.record_id and kind = 'booking_changed' and status = 'pending'
          order by id desc limit 1 for update;
          if found then
            update notifications
            set data = jsonb_set(data, '{changes}', to_jsonb(array(
                         select distinct c from jsonb_array_elements_text(data -> 'changes') c
                         union select unnest(v_changes) order by 1))),
                phone = v_phone, updated_at = p_now
            where id = v_pending_changed.id;
          else
            v_due := p_now + v_delay;
            insert into notifications (salon_id, record_id, kind, occasion, phone, due_at, data, created_at, updated_at)
            values (p_salon_id, n.record_id, 'booking_changed', 'v' || v_row.version, v_phone, v_due,
                    jsonb_build_object('old', record_snapshot(o), 'changes', to_jsonb(v_changes)), p_now, p_now)
            on conflict (salon_id, record_id, kind, occasion) do nothing
            returning id into v_id;
            if v_id is not null then
              v_notes := v_notes || jsonb_build_object('id', v_id, 'record_id', n.record_id,
                                                       'kind', 'booking_changed', 'due_at', v_due);
            end if;
          end if;
        end if;
      end if;
    end if;
    v_id := null;
    v_row := null;
    v_results := v_results || jsonb_build_object('record_id', n.record_id, 'outcome', v_outcome,
                                                 'changes', to_jsonb(v_changes));
  end loop;
  return jsonb_build_object('results', v_results, 'notifications', v_notes);
end $$;

-- Records of a window that a complete listing no longer shows are treated as deleted (same decisions as above).
create function records_mark_gone(p_salon_id bigint, p_from timestamptz, p_to timestamptz, p_seen bigint[],
                                  p_now timestamptz, p_default_delay_sec integer default 30)
returns jsonb language plpgsql as $$
declare v_gone jsonb;
begin
  select coalesce(jsonb_agg(to_jsonb(r) - 'yc_changed_at' - 'created_by_us' || jsonb_build_object('deleted', true)),
                  '[]'::jsonb)
  into v_gone
  from records r
  where r.salon_id = p_salon_id and r.starts_at >= p_from and r.starts_at < p_to and not r.deleted
    and not (r.record_id = any (coalesce(p_seen, '{}')));
  return records_apply(p_salon_id, v_gone, 'sync', p_now, p_default_delay_sec);
end $$;

create function record_get(p_salon_id bigint, p_record_id bigint) returns jsonb language sql stable as $$
  select to_jsonb(r) - 'raw' from records r where r.salon_id = p_salon_id and r.record_id = p_record_id
$$;

/*
 * Claims a notification for sending, deciding at that moment whether it is still worth sending. Returns
 * {action: 'send', notification, record, salon, settings} with the row now 'sending' (attempts + 1), or
 * {action: 'done' | 'busy' | 'skipped', status, reason}. A 'sending' row whose lease ran out (a crash mid-send) may
 * be claimed again: the gateway's idempotency key makes the second attempt return the first message.
 */
create function notification_claim(p_id bigint, p_now timestamptz, p_lease_sec integer default 120,
                                   p_default_delay_sec integer default 30)
returns jsonb language plpgsql as $$
declare
  v notifications;
  r records;
  s salons;
  v_settings jsonb;
  v_reason text;
  v_local text;
begin
  select * into v from notifications where id = p_id for update;
  if not found then
    return jsonb_build_object('action', 'done', 'status', 'missing');
  end if;
  if v.status in ('sent', 'skipped', 'failed') then
    return jsonb_build_object('action', 'done', 'status', v.status, 'reason', v.reason);
  end if;
  if v.status = 'sending' and v.claimed_at > p_now - make_interval(secs => p_lease_sec) then
    return jsonb_build_object('action', 'busy', 'status', v.status);
  end if;
  select * into s from salons where salon_id = v.salon_id;
  select * into r from records where salon_id = v.salon_id and record_id = v.record_id;
  v_settings := notification_settings(s.settings, p_default_delay_sec);
  v_local := to_char(r.starts_at at time zone s.timezone, 'YYYY-MM-DD"T"HH24:MI');

  v_reason := case
    when s.status is distinct from 'active' then 'salon_' || coalesce(s.status, 'missing')
    when r.record_id is null then 'record_missing'
    when not notification_kind_enabled(v_settings, v.kind) then 'disabled'
    when v.kind = 'booking_cancelled' then case when not (r.deleted or r.attendance = -1) then 'restored' end
    when r.deleted or r.attendance = -1 then 'cancelled'
    when r.starts_at <= p_now then 'in_past'
    when v.kind = 'booking_created' and r.created_by_us then 'created_by_assistant'
    when v.kind like 'reminder_%' and r.attendance = 1 then 'client_arrived'
    when v.kind like 'reminder_%' and v.occasion <> v_local then 'rescheduled'
  end;
  if v_reason is not null then
    update notifications set status = 'skipped', reason = v_reason, updated_at = p_now where id = p_id;
    return jsonb_build_object('action', 'skipped', 'status', 'skipped', 'reason', v_reason);
  end if;

  update notifications
  set status = 'sending', attempts = attempts + 1, claimed_at = p_now, updated_at = p_now,
      phone = coalesce(r.client_phone, phone)
  where id = p_id
  returning * into v;
  return jsonb_build_object(
    'action', 'send',
    'notification', to_jsonb(v),
    'record', to_jsonb(r) - 'raw',
    'salon', jsonb_build_object('salon_id', s.salon_id, 'title', s.title, 'address', s.address,
                                'timezone', s.timezone, 'company', s.company),
    'settings', v_settings);
end $$;

/*
 * Ends an attempt that notification_claim started. p_outcome: 'sent', 'retry' (back to pending for the next
 * delivery), 'failed' (given up), 'skipped'. Only a row still 'sending' changes; returns its status after.
 */
create function notification_finish(p_id bigint, p_outcome text, p_now timestamptz, p_message_id text default null,
                                    p_text text default null, p_error text default null, p_reason text default null)
returns text language plpgsql as $$
declare v_status text;
begin
  if p_outcome not in ('sent', 'retry', 'failed', 'skipped') then
    raise exception 'unknown outcome %', p_outcome using errcode = '22023';
  end if;
  update notifications set
    status = case p_outcome when 'retry' then 'pending' else p_outcome end,
    message_id = coalesce(p_message_id, message_id),
    text = coalesce(p_text, text),
    error = case when p_outcome in ('retry', 'failed') then p_error else error end,
    reason = case when p_outcome = 'skipped' then p_reason else reason end,
    sent_at = case when p_outcome = 'sent' then p_now else sent_at end,
    claimed_at = case when p_outcome = 'retry' then null else claimed_at end,
    updated_at = p_now
  where id = p_id and status = 'sending'
  returning status into v_status;
  if v_status is null then
    select status into v_status from notifications where id = p_id;
  end if;
  return v_status;
end $$;

-- Rows nobody is working on although they should be: a publish lost after the decision, a crash mid-send, a job
-- whose deliveries ran out. The sweeper publishes them again; the claim keeps that harmless.
create function notifications_stuck(p_now timestamptz, p_grace_sec integer default 120, p_limit integer default 500)
returns setof jsonb language sql stable as $$
  select jsonb_build_object('id', n.id, 'salon_id', n.salon_id, 'attempts', n.attempts, 'status', n.status)
  from notifications n
  where (n.status = 'pending' and n.due_at < p_now - make_interval(secs => p_grace_sec)
         and n.updated_at < p_now - make_interval(secs => p_grace_sec))
     or (n.status = 'sending' and n.claimed_at < p_now - make_interval(secs => p_grace_sec))
  order by n.due_at
  limit p_limit
$$;

create function notifications_for_record(p_salon_id bigint, p_record_id bigint) returns setof notifications
language sql stable as $$
  select * from notifications where salon_id = p_salon_id and record_id = p_record_id order by id
$$;

/*
 * Decides the reminders due now across all active salons, in each salon's own time zone:
 * - day before: the salon's local clock is inside [dayBeforeFrom, dayBeforeTo), the visit is tomorrow there, and the
 *   record was not created in the last 6 hours (a booking made this evening has just been confirmed: a reminder
 *   minutes after the confirmation reads as the bot repeating itself);
 * - hours before: the visit starts in (hoursBefore − 30 min, hoursBefore + 10 min] from now, and the record was not
 *   created in the last hour (its confirmation has just said it all).
 * Never for cancelled, past or already-attended records, or a client who already came today or tomorrow.
 * Occasion = the visit's local start, so a rescheduled visit is reminded again and a repeated run is not.
 */
create function reminders_plan(p_now timestamptz, p_default_delay_sec integer default 30,
                               p_spacing_sec integer default 15)
returns setof jsonb language plpgsql as $$
declare
  v_c record;
  v_id bigint;
  v_due timestamptz;
begin
  for v_c in
    with active as (
      select s.salon_id, s.timezone, notification_settings(s.settings, p_default_delay_sec) as st
      from salons s where s.status = 'active'
    ), candidates as (
      select r.salon_id, r.record_id, r.client_phone, r.starts_at, a.timezone, a.st,
             coalesce(r.yc_created_at, r.first_seen_at) as created_at,
             (p_now at time zone a.timezone) as local_now,
             (r.starts_at at time zone a.timezone) as local_start
      from active a
      join records r on r.salon_id = a.salon_id
      where r.starts_at > p_now and r.starts_at < p_now + interval '2 days'
        and not r.deleted and r.attendance not in (-1, 1) and r.client_phone is not null
    )
    select k.*, row_number() over (partition by k.salon_id order by k.starts_at, k.record_id) - 1 as seq from (
      select c.*, 'reminder_day_before'::text as kind
      from candidates c
      where (c.st ->> 'reminderDayBefore')::boolean
        and c.local_start::date = c.local_now::date + 1
        and c.local_now::time >= (c.st ->> 'dayBeforeFrom')::time
        and c.local_now::time < (c.st ->> 'dayBeforeTo')::time
        and c.created_at < p_now - interval '6 hours'
      union all
      select c.*, 'reminder_hours_before'
      from candidates c
      where (c.st ->> 'reminderHoursBefore')::boolean
        and c.starts_at - p_now <= make_interval(mins => ((c.st ->> 'hoursBefore')::numeric * 60)::integer + 10)
        and c.starts_at - p_now > make_interval(mins => ((c.st ->> 'hoursBefore')::numeric * 60)::integer - 30)
        and c.created_at < p_now - interval '1 hour'
    ) k
    where not exists (
      select 1 from records x
      where x.salon_id = k.salon_id and x.client_phone = k.client_phone and x.attendance = 1 and not x.deleted
        and (x.starts_at at time zone k.timezone)::date between k.local_now::date and k.local_now::date + 1)
  loop
    -- A salon's reminders leave spaced out: a burst of messages from one number is what WhatsApp restricts (463).
    v_due := p_now + make_interval(secs => v_c.seq * p_spacing_sec);
    insert into notifications (salon_id, record_id, kind, occasion, phone, due_at, created_at, updated_at)
    values (v_c.salon_id, v_c.record_id, v_c.kind, to_char(v_c.local_start, 'YYYY-MM-DD"T"HH24:MI'), v_c.client_phone, v_due,
            p_now, p_now)
    on conflict (salon_id, record_id, kind, occasion) do nothing
    returning id into v_id;
    if v_id is not null then
      return next jsonb_build_object('id', v_id, 'salon_id', v_c.salon_id, 'record_id', v_c.record_id, 'kind', v_c.kind,
                                     'due_at', v_due);
    end if;
  end loop;
end $$;

/*
 * The reminder a client's message may be answering: the latest reminder sent to this phone whose reply window
 * (replyWindowHours after sending, and never past the visit's start) is still open, or the one reacted to.
 */
create function reminder_for_reply(p_salon_id bigint, p_phone text, p_ref_message_id text, p_now timestamptz)
returns jsonb language sql stable as $$
  select jsonb_build_object('notification', to_jsonb(n), 'record', to_jsonb(r) - 'raw',
                            'salon', jsonb_build_object('salon_id', s.salon_id, 'title', s.title,
                                                        'address', s.address, 'timezone', s.timezone,
                                                        'company', s.company))
  from notifications n
  join records r on r.salon_id = n.salon_id and r.record_id = n.record_id
  join salons s on s.salon_id = n.salon_id
  where n.salon_id = p_salon_id and n.phone = p_phone and n.status = 'sent'
    and n.kind in ('reminder_day_before', 'reminder_hours_before')
    and (p_ref_message_id is null or n.message_id = p_ref_message_id)
    and n.sent_at > p_now - make_interval(hours => coalesce((notification_settings(s.settings, 30) ->> 'replyWindowHours')::integer, 12))
    and r.starts_at > p_now
  order by n.sent_at desc
  limit 1
$$;

-- Notes a reply to a reminder. True the first time the reminder is confirmed: only that reply gets the thanks.
create function reminder_reply_note(p_id bigint, p_kind text, p_now timestamptz) returns boolean
language plpgsql as $$
begin
  if p_kind = 'confirmed' then
    update notifications set reply_at = p_now, reply_kind = 'confirmed', updated_at = p_now
    where id = p_id and reply_kind is distinct from 'confirmed';
    return found;
  end if;
  update notifications set reply_at = p_now, reply_kind = 'other', updated_at = p_now
  where id = p_id and reply_kind is null;
  return false;
end $$;

-- The record's attendance as we set it in YClients, so the next poll sees no change worth a notice.
create function record_set_attendance(p_salon_id bigint, p_record_id bigint, p_attendance integer, p_now timestamptz)
returns void language sql as $$
  update records set attendance = p_attendance, last_change_at = p_now
  where salon_id = p_salon_id and record_id = p_record_id
$$;

-- The per-salon poll cursor (sync_cursors part 'records_poll'): the newest last_change_date seen.
create function records_poll_cursor_get(p_salon_id bigint) returns text language sql stable as $$
  select cursor from sync_cursors where salon_id = p_salon_id and part = 'records_poll'
$$;

create function records_poll_cursor_set(p_salon_id bigint, p_cursor text, p_now timestamptz) returns void
language sql as $$
  insert into sync_cursors (salon_id, part, cursor, last_run_at, last_ok_at)
  values (p_salon_id, 'records_poll', p_cursor, p_now, p_now)
  on conflict (salon_id, part) do update
  set cursor = greatest(coalesce(sync_cursors.cursor, ''), excluded.cursor), last_run_at = p_now, last_ok_at = p_now
$$;

-- Active salon ids and time zones for the poll fan-out.
create function booking_poll_salons() returns setof jsonb language sql stable as $$
  select jsonb_build_object('salon_id', salon_id, 'timezone', timezone) from salons where status = 'active'
  order by salon_id
$$;

-- What the decision point needs of a salon before it normalises records: its zone and whether it is active.
create function booking_salon(p_salon_id bigint) returns jsonb language sql stable as $$
  select jsonb_build_object('salon_id', salon_id, 'timezone', timezone, 'status', status)
  from salons where salon_id = p_salon_id
$$;

create function notification_get(p_id bigint) returns jsonb language sql stable as $$
  select to_jsonb(n) from notifications n where n.id = p_id
$$;

-- YClients answered 404 for a record we hold: it was deleted (the same decisions as a deletion seen by a poll).
create function record_mark_deleted(p_salon_id bigint, p_record_id bigint, p_now timestamptz,
                                    p_default_delay_sec integer default 30)
returns jsonb language plpgsql as $$
declare v jsonb;
begin
  select coalesce(jsonb_agg(to_jsonb(r) - 'yc_changed_at' - 'created_by_us' || jsonb_build_object('deleted', true)),
                  '[]'::jsonb)
  into v from records r where r.salon_id = p_salon_id and r.record_id = p_record_id and not r.deleted;
  return records_apply(p_salon_id, v, 'recheck', p_now, p_default_delay_sec);
end $$;

-- A salon's notification settings: p_patch's keys replace those in salons.settings.notifications; returns the
-- settings now in force (defaults filled in).
create function notification_settings_update(p_salon_id bigint, p_patch jsonb, p_default_delay_sec integer default 30)
returns jsonb language plpgsql as $$
declare v salons;
begin
  if jsonb_typeof(p_patch) <> 'object' then
    raise exception 'settings patch must be an object' using errcode = '22023';
  end if;
  update salons
  set settings = jsonb_set(settings, '{notifications}',
                           coalesce(case when jsonb_typeof(settings -> 'notifications') = 'object'
                                         then settings -> 'notifications' end, '{}'::jsonb) || p_patch),
      updated_at = now()
  where salon_id = p_salon_id
  returning * into v;
  if not found then
    raise exception 'no salon %', p_salon_id using errcode = 'P0002';
  end if;
  return notification_settings(v.settings, p_default_delay_sec);
end $$;

create function notification_settings_get(p_salon_id bigint, p_default_delay_sec integer default 30)
returns jsonb language sql stable as $$
  select notification_settings(settings, p_default_delay_sec) from salons where salon_id = p_salon_id
$$;
