-- The cabinet's results (30 days by day in the salon's time zone) and its test chat (issue 17).

-- The owner's test chat is a conversation with the reserved pseudo-phone 'test:<user id>': statistics and chat
-- lists leave `phone like 'test:%'` out.
alter table conversations drop constraint conversations_phone_check;
alter table conversations add constraint conversations_phone_check
  check (phone ~ '^[0-9]{7,15}$' or phone ~ '^test:[0-9]{1,15}$');

-- Handovers, moves and cancellations are read from the turns by salon and time.
create index assistant_turns_salon_created_idx on assistant_turns (salon_id, created_at);

/*
 * Daily counts for the last p_days days (today included) in the salon's time zone, one array per series, aligned with
 * 'days'. A series whose source column does not exist yet is null (delivery and read receipts of notifications), so
 * the page shows only what is measured; it appears once the column does. Test chats are never counted.
 */
create function cabinet_results(p_salon_id bigint, p_now timestamptz, p_days integer default 30)
returns jsonb language plpgsql stable as $$
declare
  v_tz text;
  v_first date;
  v_from timestamptz;
  v_receipts boolean;
  v_out jsonb;
begin
  select timezone into v_tz from salons where salon_id = p_salon_id;
  if v_tz is null then
    return null;
  end if;
  v_first := (p_now at time zone v_tz)::date - (p_days - 1);
  v_from := v_first::timestamp at time zone v_tz;
  select count(*) = 2 into v_receipts from pg_attribute
  where attrelid = 'notifications'::regclass and attname in ('delivered_at', 'read_at') and not attisdropped;

  with days as (
    select d::date as day from generate_series(v_first, v_first + (p_days - 1), interval '1 day') d
  ),
  ev as (
    select (m.created_at at time zone v_tz)::date as day, 'messages_' || m.direction as key, 1::numeric as n
    from messages m
    where m.salon_id = p_salon_id and m.created_at >= v_from and m.created_at <= p_now
      and m.direction in ('in', 'out') and m.phone not like 'test:%'
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
    select (x.at at time zone v_tz)::date, x.key, 1
    from notifications n
    cross join lateral (values
      (n.sent_at, case when n.kind = 'booking_created' then 'confirmations_sent' when n.kind like 'reminder_%' then 'reminders_sent' end),
      (case when v_receipts then (to_jsonb(n) ->> 'delivered_at')::timestamptz end,
       case when n.kind = 'booking_created' then 'confirmations_delivered' when n.kind like 'reminder_%' then 'reminders_delivered' end),
      (case when v_receipts then (to_jsonb(n) ->> 'read_at')::timestamptz end,
       case when n.kind = 'booking_created' then 'confirmations_read' when n.kind like 'reminder_%' then 'reminders_read' end),
      (case when n.reply_kind = 'confirmed' then n.reply_at end, 'reminders_confirmed')
    ) x(at, key)
    -- A notice is created at most days before it is sent or answered: the margin keeps this an index range scan.
    where n.salon_id = p_salon_id and n.created_at >= v_from - interval '14 days' and n.created_at <= p_now
      and n.status = 'sent' and x.key is not null and x.at >= v_from and x.at <= p_now
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
    'series', (select jsonb_object_agg(k.key,
                 case when (k.key like '%_delivered' or k.key like '%_read') and not v_receipts then null
                      else (select jsonb_agg(coalesce(c.n, 0) order by d.day)
                            from days d left join counted c on c.key = k.key and c.day = d.day) end)
               from keys k))
  into v_out;
  return v_out;
end $$;

grant execute on all functions in schema public to service_role;
