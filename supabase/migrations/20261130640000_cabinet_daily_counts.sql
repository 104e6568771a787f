-- The cabinet's results at 100,000 notifications (issue 17, limit: p95 < 200 ms). Counting messages and notifications
-- row by row on every page view grows with the salon; instead their writes keep daily counters (statement triggers,
-- so every writer counts, now and later) and the results read at most 30 rows per series. The rarer sources (the
-- assistant's bookings, turns, visits) are still read by index ranges.

-- How many of a series (key) a salon had on a day in its time zone. A salon that changes its time zone keeps its
-- past days as they were counted.
create table cabinet_daily (
  salon_id  bigint not null references salons on delete cascade,
  day       date not null,
  key       text not null,
  n         bigint not null,
  primary key (salon_id, day, key)
);
alter table cabinet_daily enable row level security;
revoke all on cabinet_daily from anon, authenticated;
grant all on cabinet_daily to service_role;

-- The assistant's own bookings by salon and first sight.
create index records_salon_ours_seen_idx on records (salon_id, first_seen_at) where created_by_us;

-- What a message counts for: the client's and the bot's messages; the owner's test chat never.
create function message_daily_keys(m messages) returns table (at timestamptz, key text) language sql immutable as $$
  select m.created_at, 'messages_' || m.direction where m.direction in ('in', 'out') and m.phone not like 'test:%'
$$;

-- What a notification counts for, each on its own day: sent, delivered, read, and the client's confirmation.
create function notification_daily_keys(n notifications) returns table (at timestamptz, key text) language sql immutable as $$
  select x.at, case when n.kind = 'booking_created' then 'confirmations_' else 'reminders_' end || x.what
  from (values (n.sent_at, 'sent'), (n.delivered_at, 'delivered'), (n.read_at, 'read'),
               (case when n.reply_kind = 'confirmed' and n.kind like 'reminder_%' then n.reply_at end, 'confirmed')) x(at, what)
  where n.status = 'sent' and (n.kind = 'booking_created' or n.kind like 'reminder_%') and x.at is not null
$$;

-- A statement's rows leave their old days and keys and come to their new ones, in one upsert per salon, day and key
-- (a bulk insert is a write per day, not per row); a status turning 'failed' after 'sent' (not on WhatsApp) or a
-- delete is counted right. tg_argv[0] names the table's keys function.
create function cabinet_daily_count() returns trigger language plpgsql as $$
begin
  execute format($f$
    insert into cabinet_daily (salon_id, day, key, n)
    select x.salon_id, (x.at at time zone s.timezone)::date, x.key, sum(x.n)
    from (%s) x join salons s on s.salon_id = x.salon_id
    group by 1, 2, 3
    having sum(x.n) <> 0
    on conflict (salon_id, day, key) do update set n = cabinet_daily.n + excluded.n$f$,
    concat_ws(' union all ',
      case when tg_op <> 'INSERT' then format('select r.salon_id, k.at, k.key, -1 as n from old_rows r, %I(r) k', tg_argv[0]) end,
      case when tg_op <> 'DELETE' then format('select r.salon_id, k.at, k.key, 1 as n from new_rows r, %I(r) k', tg_argv[0]) end));
  return null;
end $$;

create trigger messages_count_daily_insert after insert on messages referencing new table as new_rows
  for each statement execute function cabinet_daily_count('message_daily_keys');
create trigger messages_count_daily_delete after delete on messages referencing old table as old_rows
  for each statement execute function cabinet_daily_count('message_daily_keys');
create trigger messages_count_daily_update after update on messages referencing old table as old_rows new table as new_rows
  for each statement execute function cabinet_daily_count('message_daily_keys');
create trigger notifications_count_daily_insert after insert on notifications referencing new table as new_rows
  for each statement execute function cabinet_daily_count('notification_daily_keys');
create trigger notifications_count_daily_delete after delete on notifications referencing old table as old_rows
  for each statement execute function cabinet_daily_count('notification_daily_keys');
create trigger notifications_count_daily_update after update on notifications referencing old table as old_rows new table as new_rows
  for each statement execute function cabinet_daily_count('notification_daily_keys');

-- What was there before the counters.
insert into cabinet_daily (salon_id, day, key, n)
select salon_id, day, key, sum(c) from (
  select m.salon_id, (k.at at time zone s.timezone)::date as day, k.key, 1 as c
  from messages m join salons s on s.salon_id = m.salon_id, message_daily_keys(m) k
  union all
  select n.salon_id, (k.at at time zone s.timezone)::date, k.key, 1
  from notifications n join salons s on s.salon_id = n.salon_id, notification_daily_keys(n) k
) x
group by salon_id, day, key;

/*
 * Daily counts for the last p_days days (today included) in the salon's time zone, one array per series, aligned with
 * 'days'. Messages and notifications come from the daily counters; the assistant's bookings, moves, cancellations
 * and handovers and the visits after a reminder from index ranges of their tables. Test chats are never counted.
 */
create or replace function cabinet_results(p_salon_id bigint, p_now timestamptz, p_days integer default 30)
returns jsonb language plpgsql stable as $$
declare
  v_tz text;
  v_first date;
  v_last date;
  v_from timestamptz;
  v_out jsonb;
begin
  select timezone into v_tz from salons where salon_id = p_salon_id;
  if v_tz is null then
    return null;
  end if;
  v_last := (p_now at time zone v_tz)::date;
  v_first := v_last - (p_days - 1);
  v_from := v_first::timestamp at time zone v_tz;

  with days as (
    select d::date as day from generate_series(v_first, v_last, interval '1 day') d
  ),
  ev as (
    select c.day, c.key, c.n::numeric as n
    from cabinet_daily c
    where c.salon_id = p_salon_id and c.day between v_first and v_last
    union all
    select (r.first_seen_at at time zone v_tz)::date, k.key,
           case when k.key = 'booked_sum' then coalesce((select sum((s ->> 'cost')::numeric) from jsonb_array_elements(r.services) s
                                                         where jsonb_typeof(s -> 'cost') = 'number'), 0) else 1 end
    from records r, (values ('booked'), ('booked_sum')) k(key)
    where r.salon_id = p_salon_id and r.created_by_us and r.first_seen_at >= v_from and r.first_seen_at <= p_now
    union all
    select (t.created_at at time zone v_tz)::date,
           case when c ->> 'name' = 'reschedule_visit' then 'moved' else 'cancelled' end, 1
    from assistant_turns t, jsonb_array_elements(t.tool_calls) c
    where t.salon_id = p_salon_id and t.created_at >= v_from and t.created_at <= p_now and t.phone not like 'test:%'
      and c ->> 'name' in ('reschedule_visit', 'cancel_visit') and (c ->> 'ok')::boolean
    union all
    select (t.created_at at time zone v_tz)::date, 'handovers', 1
    from assistant_turns t
    where t.salon_id = p_salon_id and t.created_at >= v_from and t.created_at <= p_now and t.phone not like 'test:%'
      and t.status = 'handover'
    union all
    -- Visits of these days that got a reminder: the client came (attendance 1) or did not (-1).
    select (r.starts_at at time zone v_tz)::date, case when r.attendance = 1 then 'came_after_reminder' else 'missed_after_reminder' end, 1
    from records r
    where r.salon_id = p_salon_id and r.starts_at >= v_from and r.starts_at <= p_now and r.attendance in (1, -1)
      and exists (select 1 from notifications n where n.salon_id = r.salon_id and n.record_id = r.record_id
                  and n.kind like 'reminder_%' and n.status = 'sent')
  ),
  counted as (
    select key, day, sum(n) as n from ev group by key, day
  ),
  keys(key) as (
    values ('messages_in'), ('messages_out'), ('booked'), ('booked_sum'), ('moved'), ('cancelled'),
           ('confirmations_sent'), ('confirmations_delivered'), ('confirmations_read'),
           ('reminders_sent'), ('reminders_delivered'), ('reminders_read'), ('reminders_confirmed'),
           ('came_after_reminder'), ('missed_after_reminder'), ('handovers')
  )
  select jsonb_build_object(
    'timezone', v_tz,
    'days', (select jsonb_agg(to_char(day, 'YYYY-MM-DD') order by day) from days),
    'series', (select jsonb_object_agg(k.key, (select jsonb_agg(coalesce(c.n, 0) order by d.day)
                                               from days d left join counted c on c.key = k.key and c.day = d.day))
               from keys k))
  into v_out;
  return v_out;
end $$;

-- The notification defaults with every key: the channel's redefinition (20261130400000_channel.sql, bookingTexts) was
-- written beside the cabinet's (20261130200000_cabinet.sql, quiet hours) and dropped the quiet-hours keys, so the
-- cabinet's form showed empty quiet hours.
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
    'quietTo', '09:00',
    'bookingTexts', 'ai_admin'
  ) || coalesce(case when jsonb_typeof(p_settings -> 'notifications') = 'object' then p_settings -> 'notifications' end,
                '{}'::jsonb)
$$;

grant execute on all functions in schema public to service_role;
