-- The evening-before reminder skips a booking made in the last 6 hours: its confirmation has just gone out.

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
create or replace function reminders_plan(p_now timestamptz, p_default_delay_sec integer default 30,
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
