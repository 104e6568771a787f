-- Campaigns (issue 21): the review request after a visit, "we miss you", birthdays. This file decides WHO is due and
-- keeps what each offer became (and the rating a review request got); sending, pacing and opt-outs are lib/outreach's.
-- Settings: salons.settings -> 'campaigns' (lib/campaigns/settings.ts; every campaign off unless switched on).

-- YClients' birth date of a client (the deprecated client listing carries it; clients/search does not).
alter table clients add column birth_date date;

-- One row per campaign message decided: unique per salon, kind, chat and occasion (the visit for a review request,
-- the local day for the others), so repeated ticks decide each once. 'planned' rows are handed to lib/outreach's
-- offerProactive (its dedupe key is derived from this row, so handing one over twice queues one message).
create table campaign_offers (
  id          bigint generated always as identity primary key,
  salon_id    bigint not null references salons on delete cascade,
  kind        text not null check (kind in ('review_request', 'winback', 'birthday')),
  chat        text not null check (chat <> ''),
  ref         text not null check (ref <> ''),
  record_id   bigint,
  client_name text,
  not_after   timestamptz,
  status      text not null default 'planned' check (status in ('planned', 'queued', 'opted_out', 'duplicate', 'off')),
  rating      smallint check (rating between 1 and 5),
  rated_at    timestamptz,
  planned_at  timestamptz not null,
  offered_at  timestamptz,
  unique (salon_id, kind, chat, ref)
);
create index campaign_offers_chat_idx on campaign_offers (salon_id, chat, kind, planned_at);
create index campaign_offers_planned_idx on campaign_offers (planned_at) where status = 'planned';
create index campaign_offers_rated_idx on campaign_offers (salon_id, rated_at) where rating is not null;
create index records_attended_idx on records (starts_at) where attendance = 1 and not deleted;
alter table campaign_offers enable row level security;
revoke all on campaign_offers from anon, authenticated;
grant all on campaign_offers to service_role;

create function campaign_birth_dates_save(p_salon_id bigint, p_rows jsonb) returns integer
language sql as $$
  with rows as (select * from jsonb_to_recordset(p_rows) as x(client_id bigint, birth_date date)),
  changed as (
    update clients c set birth_date = r.birth_date
    from rows r
    where c.salon_id = p_salon_id and c.client_id = r.client_id and c.birth_date is distinct from r.birth_date
    returning 1
  )
  select count(*)::integer from changed
$$;

-- A salon's campaign settings with their defaults (kept in step with lib/campaigns/settings.ts).
create function campaign_settings(p_settings jsonb) returns jsonb language sql immutable as $$
  select jsonb_build_object(
    'reviewEnabled', false, 'reviewAfterHours', 3,
    'winbackEnabled', false, 'winbackDays', 60,
    'birthdayEnabled', false, 'birthdayAt', '10:00'
  ) || coalesce(case when jsonb_typeof(p_settings -> 'campaigns') = 'object' then p_settings -> 'campaigns' end, '{}'::jsonb)
$$;

-- Whether the sync should read birth dates for this salon (an extra listing, worth it only for birthday greetings).
create function campaign_birthdays_on(p_salon_id bigint) returns boolean language sql stable as $$
  select coalesce((campaign_settings(settings) ->> 'birthdayEnabled')::boolean, false) from salons where salon_id = p_salon_id
$$;

/*
 * Decides what is due now in every active salon and returns every offer still 'planned' (new ones and any a crash
 * left between this decision and the hand-over to lib/outreach), with what their texts need.
 * - review_request: a visit the client attended (attendance 1), its end + reviewAfterHours passed less than a day
 *   ago; once per visit (YClients' visit id, else the record) and at most one a day per chat; never when the
 *   assistant handed the chat to a person since the visit started (a complaint, a request for a human).
 * - winback: a client whose last visit (YClients' last_visit_date, and no attended record since) is more than
 *   winbackDays ago, with no upcoming visit, whose chat with the salon exists (a message either way), and who got no
 *   winback in the last 30 days; decided between 11:00 and 19:00 salon time.
 * - birthday: a client whose birthday is today in the salon's time zone (29 February on the 28th in other years),
 *   from birthdayAt until 20:00; not_after is the end of that day.
 */
create function campaigns_plan(p_now timestamptz) returns setof jsonb language plpgsql as $$
begin
  with salon as (
    select s.salon_id, s.timezone, campaign_settings(s.settings) as c,
           (p_now at time zone s.timezone) as local_now
    from salons s where s.status = 'active'
  ),
  review as (
    select distinct on (sa.salon_id, r.client_phone)
           sa.salon_id, 'review_request'::text as kind, r.client_phone as chat,
           coalesce(nullif(r.raw ->> 'visit_id', '0'), 'r' || r.record_id) as ref, r.record_id,
           r.client_name as name, null::timestamptz as not_after
    from salon sa
    join records r on r.salon_id = sa.salon_id
    where (sa.c ->> 'reviewEnabled')::boolean
      and r.attendance = 1 and not r.deleted and r.client_phone is not null
      and r.starts_at + make_interval(secs => r.duration_sec) + make_interval(hours => (sa.c ->> 'reviewAfterHours')::int) <= p_now
      and r.starts_at + make_interval(secs => r.duration_sec) + make_interval(hours => (sa.c ->> 'reviewAfterHours')::int) > p_now - interval '1 day'
      and not exists (select 1 from campaign_offers o where o.salon_id = sa.salon_id and o.kind = 'review_request'
                        and o.chat = r.client_phone and o.planned_at > p_now - interval '1 day')
      and not exists (select 1 from assistant_turns t where t.salon_id = sa.salon_id and t.phone = r.client_phone
                        and t.status = 'handover' and t.created_at >= r.starts_at)
    order by sa.salon_id, r.client_phone, r.starts_at desc
  ),
  winback as (
    select sa.salon_id, 'winback'::text, c.phone, (sa.local_now)::date::text, null::bigint, c.name, null::timestamptz
    from salon sa
    join clients c on c.salon_id = sa.salon_id
    where (sa.c ->> 'winbackEnabled')::boolean
      and sa.local_now::time >= '11:00' and sa.local_now::time < '19:00'
      and c.phone is not null and c.last_visit_at < p_now - make_interval(days => (sa.c ->> 'winbackDays')::int)
      and exists (select 1 from messages m where m.salon_id = sa.salon_id and m.phone = c.phone)
      and not exists (select 1 from records r where r.salon_id = sa.salon_id and r.client_phone = c.phone and not r.deleted
                        and (r.starts_at > p_now or (r.attendance = 1
                             and r.starts_at > p_now - make_interval(days => (sa.c ->> 'winbackDays')::int))))
      and not exists (select 1 from campaign_offers o where o.salon_id = sa.salon_id and o.kind = 'winback'
                        and o.chat = c.phone and o.planned_at > p_now - interval '30 days')
  ),
  birthday as (
    select sa.salon_id, 'birthday'::text, c.phone, (sa.local_now)::date::text, null::bigint, c.name,
           ((sa.local_now)::date + 1)::timestamp at time zone sa.timezone
    from salon sa
    join clients c on c.salon_id = sa.salon_id
    where (sa.c ->> 'birthdayEnabled')::boolean
      and sa.local_now::time >= (sa.c ->> 'birthdayAt')::time and sa.local_now::time < '20:00'
      and c.phone is not null and c.birth_date is not null
      and (to_char(c.birth_date, 'MM-DD') = to_char(sa.local_now, 'MM-DD')
           or (to_char(c.birth_date, 'MM-DD') = '02-29' and to_char(sa.local_now, 'MM-DD') = '02-28'
               and extract(day from date_trunc('year', sa.local_now) + interval '1 month 28 days') <> 29))
  )
  insert into campaign_offers (salon_id, kind, chat, ref, record_id, client_name, not_after, planned_at)
  select * , p_now from (select * from review union all select * from winback union all select * from birthday) due
  on conflict (salon_id, kind, chat, ref) do nothing;

  return query
    select jsonb_build_object('id', o.id, 'salon_id', o.salon_id, 'kind', o.kind, 'chat', o.chat, 'ref', o.ref,
                              'record_id', o.record_id, 'client_name', o.client_name, 'not_after', o.not_after,
                              'salon_title', s.title, 'settings', campaign_settings(s.settings))
    from campaign_offers o join salons s using (salon_id)
    where o.status = 'planned' and o.planned_at > p_now - interval '1 day'
    order by o.id;
end $$;

create function campaign_offer_mark(p_id bigint, p_status text, p_now timestamptz) returns void language sql as $$
  update campaign_offers set status = p_status, offered_at = p_now where id = p_id and status = 'planned'
$$;

-- The review request a message from this chat may answer: the newest handed over in the last 3 days, with its rating
-- if it has one (a redelivered answer finds its own rating and completes what a crash interrupted).
create function campaign_review_pending(p_salon_id bigint, p_chat text, p_now timestamptz) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', o.id, 'record_id', o.record_id, 'client_name', o.client_name, 'rating', o.rating,
                            'offered_at', o.offered_at, 'settings', campaign_settings(s.settings))
  from campaign_offers o join salons s using (salon_id)
  where o.salon_id = p_salon_id and o.chat = p_chat and o.kind = 'review_request' and o.status = 'queued'
    and o.offered_at > p_now - interval '3 days'
  order by o.offered_at desc limit 1
$$;

-- Keeps the first rating of a review request; a second answer changes nothing. Returns whether this one was kept.
create function campaign_rating_take(p_id bigint, p_rating integer, p_now timestamptz) returns boolean
language sql as $$
  with kept as (
    update campaign_offers set rating = p_rating, rated_at = p_now where id = p_id and rating is null returning 1
  )
  select exists (select 1 from kept)
$$;

-- Ratings by day (salon time zone) for the last p_days days: how many 4–5 and how many 1–3.
create function campaign_ratings_daily(p_salon_id bigint, p_now timestamptz, p_days integer default 30) returns jsonb
language sql stable as $$
  with tz as (select timezone from salons where salon_id = p_salon_id),
  days as (
    select d::date as day
    from tz, generate_series((p_now at time zone tz.timezone)::date - (p_days - 1), (p_now at time zone tz.timezone)::date, interval '1 day') d
  ),
  rated as (
    select (o.rated_at at time zone tz.timezone)::date as day, o.rating
    from campaign_offers o, tz
    where o.salon_id = p_salon_id and o.rating is not null
      and o.rated_at >= (((p_now at time zone tz.timezone)::date - (p_days - 1))::timestamp at time zone tz.timezone)
  )
  select jsonb_build_object(
    'days', coalesce(jsonb_agg(d.day order by d.day), '[]'::jsonb),
    'high', coalesce(jsonb_agg((select count(*) from rated r where r.day = d.day and r.rating >= 4) order by d.day), '[]'::jsonb),
    'low', coalesce(jsonb_agg((select count(*) from rated r where r.day = d.day and r.rating <= 3) order by d.day), '[]'::jsonb))
  from days d
$$;

-- The 'campaigns' settings section is allowed by 20261201100000_outreach.sql (salon_settings_change, history).

revoke execute on all functions in schema public from public, anon, authenticated;
grant execute on all functions in schema public to service_role;
