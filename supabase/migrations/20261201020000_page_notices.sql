-- The onboarding page's notices across a fleet of gateways (issue 20). A load balancer may land the page's WebSocket
-- on a gateway that does not hold the salon's session; the holder writes what the page must hear here and the
-- socket's gateway polls it through the same RPC door as every other read (no LISTEN/NOTIFY: that needs a session
-- connection of its own, which supabase.rpc() over PostgREST does not give).
--   wa_page_watchers: which gateway has a page of which salon open, until when (renewed by its poll).
--   wa_page_notices:  what holders said to watched salons (and every QR or pairing code, so a page that joins late
--                     sees the current one); kept five minutes.

create table wa_page_watchers (
  salon_id  bigint not null,
  watcher   text not null,
  until     timestamptz not null,
  primary key (salon_id, watcher)
);
alter table wa_page_watchers enable row level security;

create table wa_page_notices (
  id          bigint generated always as identity primary key,
  salon_id    bigint not null,
  holder      text not null,
  notice      jsonb not null,
  created_at  timestamptz not null
);
alter table wa_page_notices enable row level security;
create index wa_page_notices_salon on wa_page_notices (salon_id, id);

-- The holder's write: kept when another gateway watches the salon, or when it is a QR or pairing code.
create function wa_page_notice_add(p_salon_id bigint, p_holder text, p_notice jsonb, p_now timestamptz)
returns void language sql as $$
  delete from wa_page_notices where salon_id = p_salon_id and created_at < p_now - interval '5 minutes';
  insert into wa_page_notices (salon_id, holder, notice, created_at)
  select p_salon_id, p_holder, p_notice, p_now
  where p_notice->>'type' in ('qr', 'pairing_code')
     or exists (select 1 from wa_page_watchers w
                where w.salon_id = p_salon_id and w.watcher <> p_holder and w.until > p_now);
$$;

-- The watcher's poll: renews its watch of each salon and returns what other gateways said since `after` (the id of
-- the last notice it saw of that salon; null for a salon it starts watching: then only the latest QR or pairing code
-- of the last minute). p_salons: [{salon_id, after}]. Answers {notices: [{id, salon_id, notice, age_ms}] oldest
-- first, cursors: {salon_id: the newest id of that salon}}, the next poll's `after`. A holder writes one salon's
-- notices one after another, so no notice of a salon commits with an id below one already seen.
create function wa_page_notices_poll(p_watcher text, p_salons jsonb, p_ttl_sec integer, p_now timestamptz)
returns jsonb language plpgsql as $$
declare v_notices jsonb;
declare v_cursors jsonb;
begin
  delete from wa_page_watchers where watcher = p_watcher and until <= p_now;
  insert into wa_page_watchers (salon_id, watcher, until)
  select x.salon_id, p_watcher, p_now + make_interval(secs => p_ttl_sec)
  from jsonb_to_recordset(coalesce(p_salons, '[]'::jsonb)) as x(salon_id bigint, after bigint)
  on conflict (salon_id, watcher) do update set until = excluded.until;

  select coalesce(jsonb_agg(jsonb_build_object(
           'id', n.id, 'salon_id', n.salon_id, 'notice', n.notice,
           'age_ms', floor(extract(epoch from (p_now - n.created_at)) * 1000)) order by n.id), '[]'::jsonb)
  into v_notices
  from jsonb_to_recordset(coalesce(p_salons, '[]'::jsonb)) as x(salon_id bigint, after bigint)
  join lateral (
    select * from wa_page_notices n
    where n.salon_id = x.salon_id and n.holder <> p_watcher and x.after is not null and n.id > x.after
    union all
    (select * from wa_page_notices n
     where n.salon_id = x.salon_id and n.holder <> p_watcher and x.after is null
       and n.notice->>'type' in ('qr', 'pairing_code') and n.created_at > p_now - interval '1 minute'
     order by n.id desc limit 1)
  ) n on true;

  select coalesce(jsonb_object_agg(x.salon_id::text,
           coalesce((select max(n.id) from wa_page_notices n where n.salon_id = x.salon_id), 0)), '{}'::jsonb)
  into v_cursors
  from jsonb_to_recordset(coalesce(p_salons, '[]'::jsonb)) as x(salon_id bigint, after bigint);

  return jsonb_build_object('notices', v_notices, 'cursors', v_cursors);
end $$;
