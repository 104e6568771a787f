-- The salon's cabinet (issue 17): settings with their change history, quiet hours in the one notification decision
-- point, the salon's own texts for the claim to hand to the sender, the overview and the 30-day results.

-- Who changed which setting, when, from what to what (effective values: a default counts as the old value).
create table salon_settings_history (
  id          bigint generated always as identity primary key,
  salon_id    bigint not null references salons on delete cascade,
  user_id     bigint not null,
  section     text not null check (section in ('notifications', 'assistant', 'texts')),
  key         text not null,
  old_value   jsonb,
  new_value   jsonb,
  changed_at  timestamptz not null
);
create index salon_settings_history_salon_idx on salon_settings_history (salon_id, changed_at desc);
alter table salon_settings_history enable row level security;
revoke all on salon_settings_history from anon, authenticated;

-- The statistics read notifications and messages by salon and day; these keep that an index range scan.
create index notifications_salon_created_idx on notifications (salon_id, created_at);
create index messages_salon_created_idx on messages (salon_id, created_at);
create index records_salon_changed_idx on records (salon_id, last_change_at);

-- The quiet-hours keys join the notification defaults: off until the owner turns them on, so nothing changes for a
-- salon that never opened the cabinet.
create or replace function notification_settings(p_settings jsonb, p_default_delay_sec integer) returns jsonb
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
    'replyWindowHours', 12,
    'quietHours', false,
    'quietFrom', '22:00',
    'quietTo', '09:00'
  ) || coalesce(case when jsonb_typeof(p_settings -> 'notifications') = 'object' then p_settings -> 'notifications' end,
                '{}'::jsonb)
$$;

-- When the salon's quiet hours around p_now end (an instant), or null when p_now is not inside them. [from, to) in
-- the salon's local time; from > to spans midnight.
create function quiet_hours_end(p_settings jsonb, p_tz text, p_now timestamptz) returns timestamptz
language sql stable as $$
  with v as (
    select (p_now at time zone p_tz) as l, (p_settings ->> 'quietFrom')::time as f, (p_settings ->> 'quietTo')::time as t
    where coalesce((p_settings ->> 'quietHours')::boolean, false)
  )
  select case
    when f = t then null
    when f < t then case when l::time >= f and l::time < t then (l::date + t) at time zone p_tz end
    when l::time >= f then ((l::date + 1) + t) at time zone p_tz
    when l::time < t then (l::date + t) at time zone p_tz
  end
  from v
$$;

/*
 * The claim of 20261123040000_bookings_notifications.sql, now also deciding quiet hours, so everything the bot sends
 * on its own waits for the morning in one place: inside the salon's quiet hours a notice is not sent but moved to
 * their end ({action: 'deferred', due_at}; the caller publishes its job for then, and the sweeper would find it
 * anyway), or skipped ('quiet_hours') when it would no longer make sense then: a reminder of a visit that starts
 * before the quiet hours end. A send also gets the salon's own texts (settings.texts).
 */
create or replace function notification_claim(p_id bigint, p_now timestamptz, p_lease_sec integer default 120,
                                              p_default_delay_sec integer default 30)
returns jsonb language plpgsql as $$
declare
  v notifications;
  r records;
  s salons;
  v_settings jsonb;
  v_reason text;
  v_local text;
  v_until timestamptz;
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
  v_until := quiet_hours_end(v_settings, s.timezone, p_now);

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
    when v.kind like 'reminder_%' and v_until is not null and r.starts_at <= v_until then 'quiet_hours'
  end;
  if v_reason is not null then
    update notifications set status = 'skipped', reason = v_reason, updated_at = p_now where id = p_id;
    return jsonb_build_object('action', 'skipped', 'status', 'skipped', 'reason', v_reason);
  end if;
  if v_until is not null then
    update notifications set status = 'pending', due_at = v_until, claimed_at = null, updated_at = p_now
    where id = p_id;
    return jsonb_build_object('action', 'deferred', 'status', 'pending', 'due_at', v_until);
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
    'settings', v_settings,
    'texts', coalesce(case when jsonb_typeof(s.settings -> 'texts') = 'object' then s.settings -> 'texts' end, '{}'::jsonb));
end $$;

/*
 * Changes one section of a salon's settings (salons.settings -> p_section) by p_patch: a key set to JSON null goes
 * back to its default. Each key whose effective value changes gets a history row (old and new as in force, the
 * section's defaults p_defaults filling in what is unset). Returns the section as stored now.
 */
create function salon_settings_change(p_salon_id bigint, p_user_id bigint, p_section text, p_patch jsonb,
                                      p_defaults jsonb, p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_current jsonb;
  v_next jsonb;
  v_key text;
  v_old jsonb;
  v_new jsonb;
begin
  if p_section not in ('notifications', 'assistant', 'texts') or jsonb_typeof(p_patch) <> 'object' then
    raise exception 'bad settings change' using errcode = '22023';
  end if;
  select coalesce(case when jsonb_typeof(settings -> p_section) = 'object' then settings -> p_section end, '{}'::jsonb)
  into v_current from salons where salon_id = p_salon_id for update;
  if not found then
    raise exception 'no salon %', p_salon_id using errcode = 'P0002';
  end if;
  v_next := v_current;
  for v_key in select jsonb_object_keys(p_patch) loop
    v_old := coalesce(v_current -> v_key, p_defaults -> v_key);
    if jsonb_typeof(p_patch -> v_key) = 'null' then
      v_next := v_next - v_key;
      v_new := p_defaults -> v_key;
    else
      v_next := v_next || jsonb_build_object(v_key, p_patch -> v_key);
      v_new := p_patch -> v_key;
    end if;
    if v_old is distinct from v_new then
      insert into salon_settings_history (salon_id, user_id, section, key, old_value, new_value, changed_at)
      values (p_salon_id, p_user_id, p_section, v_key, v_old, v_new, p_now);
    end if;
  end loop;
  update salons set settings = jsonb_set(settings, array[p_section], v_next), updated_at = p_now
  where salon_id = p_salon_id;
  return v_next;
end $$;

create function salon_settings_read(p_salon_id bigint) returns jsonb language sql stable as $$
  select settings from salons where salon_id = p_salon_id
$$;

create function salon_settings_history_list(p_salon_id bigint, p_limit integer default 20) returns setof jsonb
language sql stable as $$
  select jsonb_build_object('user_id', user_id, 'section', section, 'key', key, 'old', old_value, 'new', new_value,
                            'at', changed_at)
  from salon_settings_history where salon_id = p_salon_id order by changed_at desc, id desc limit p_limit
$$;

/*
 * What the overview shows that the database knows: the salon, its last sync and its counts, a YClients block, the
 * chats waiting for a human, the last WhatsApp restriction (463), notices waiting.
 */
create function cabinet_overview(p_salon_id bigint, p_now timestamptz) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'salon', jsonb_build_object('salon_id', s.salon_id, 'title', s.title, 'status', s.status, 'timezone', s.timezone,
                                'whatsapp_phone', s.whatsapp_phone, 'whatsapp_state', s.whatsapp_state),
    'last_sync', (select jsonb_build_object('status', status, 'counts', counts, 'started_at', started_at,
                                            'finished_at', finished_at, 'error', error)
                  from sync_runs where salon_id = s.salon_id order by started_at desc limit 1),
    'sync_block', (select jsonb_build_object('status', status, 'reason', reason, 'retry_at', retry_at)
                   from sync_blocks where salon_id = s.salon_id and retry_at > p_now),
    'waiting_chats', (select count(*) from conversations
                      where salon_id = s.salon_id and paused_until > p_now and paused_reason is distinct from 'admin'),
    'restricted_at', (select max(created_at) from marketplace_events
                      where salon_id = s.salon_id and event = 'whatsapp_restricted'),
    'pending_notifications', (select count(*) from notifications where salon_id = s.salon_id and status = 'pending'))
  from salons s where s.salon_id = p_salon_id
$$;

-- Titles and statuses of the salons a session may switch between.
create function cabinet_salons(p_salon_ids bigint[]) returns setof jsonb language sql stable as $$
  select jsonb_build_object('salon_id', salon_id, 'title', title, 'status', status)
  from salons where salon_id = any(p_salon_ids) order by salon_id
$$;

-- The salon and its next visit, to preview a text with real data.
create function cabinet_preview(p_salon_id bigint, p_now timestamptz) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'salon', jsonb_build_object('salon_id', s.salon_id, 'title', s.title, 'address', s.address, 'timezone', s.timezone,
                                'company', s.company),
    'record', (select to_jsonb(r) - 'raw' from records r
               where r.salon_id = s.salon_id and r.starts_at > p_now and not r.deleted
               order by r.starts_at limit 1))
  from salons s where s.salon_id = p_salon_id
$$;

grant execute on all functions in schema public to service_role;
grant select, insert, update, delete on salon_settings_history to service_role;
