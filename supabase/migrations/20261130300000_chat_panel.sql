-- The salon's chats inside the YClients journal (issue 16): the panel's list, history, read marks, pause/resume.

-- Newest chat first, keyset-paged, read straight off this index (no sort of the salon's 5,000 chats).
create index conversations_panel_idx on conversations
  (salon_id, greatest(coalesce(last_inbound_at, '-infinity'), coalesce(last_outbound_at, '-infinity')) desc, phone desc);
-- "Anything new since message n?" (the panel's poll) and one chat's history by id.
create index messages_salon_id_idx on messages (salon_id, id);
create index messages_chat_id_idx on messages (salon_id, phone, id);
-- The send outcome shown under a message the salon sent.
create index wa_sends_message_idx on wa_sends (salon_id, message_id);

-- How far the salon's staff have read each chat in the panel (one mark per chat, shared by the salon's users).
create table chat_panel_reads (
  salon_id         bigint not null references salons on delete cascade,
  phone            text not null,
  read_through_id  bigint not null,
  primary key (salon_id, phone)
);
alter table chat_panel_reads enable row level security;
revoke all on chat_panel_reads from anon, authenticated;

-- One page of the salon's chats, newest activity first, after the cursor (p_before_at, p_before_phone).
-- `handed_over`: the bot gave the chat to a person and that pause is still on; `paused`: any pause is on.
create function chat_panel_conversations(p_salon_id bigint, p_before_at timestamptz, p_before_phone text,
                                         p_limit integer, p_now timestamptz)
returns jsonb language sql stable as $$
  with page as (
    select c.*, greatest(coalesce(c.last_inbound_at, '-infinity'), coalesce(c.last_outbound_at, '-infinity')) as last_at
    from conversations c
    where c.salon_id = p_salon_id
      -- the cabinet's test chat (`test:<user id>`) is the owner trying the bot, not a client
      and c.phone not like 'test:%'
      and (p_before_at is null
           or (greatest(coalesce(c.last_inbound_at, '-infinity'), coalesce(c.last_outbound_at, '-infinity')), c.phone)
              < (p_before_at, p_before_phone))
    order by greatest(coalesce(c.last_inbound_at, '-infinity'), coalesce(c.last_outbound_at, '-infinity')) desc, c.phone desc
    limit least(greatest(p_limit, 1), 100)
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'phone', p.phone, 'name', p.push_name, 'last_at', case when p.last_at = '-infinity' then null else p.last_at end,
           'paused_until', case when p.paused_until > p_now then p.paused_until end,
           'handed_over', p.paused_until > p_now and p.paused_reason = 'handover',
           'last', (select jsonb_build_object('direction', m.direction, 'kind', m.kind, 'text', left(m.text, 200))
                    from messages m where m.salon_id = p_salon_id and m.phone = p.phone order by m.id desc limit 1),
           -- counted up to 100: the mark says "many", not an exact tally
           'unread', (select count(*) from (select 1 from messages m
                        where m.salon_id = p_salon_id and m.phone = p.phone and m.direction = 'in'
                          and m.id > coalesce((select r.read_through_id from chat_panel_reads r
                                               where r.salon_id = p_salon_id and r.phone = p.phone), 0)
                        limit 100) u)
         ) order by p.last_at desc, p.phone desc), '[]'::jsonb)
  from page p
$$;

-- One chat's messages, newest p_limit before p_before_id (null: the latest), oldest first, with the send outcome of
-- what the salon sent (queued, sent, failed, unknown) when the gateway has one.
create function chat_panel_history(p_salon_id bigint, p_phone text, p_before_id bigint, p_after_id bigint, p_limit integer)
returns jsonb language sql stable as $$
  select coalesce(jsonb_agg(x.j order by x.id), '[]'::jsonb) from (
    select m.id, jsonb_build_object(
             'id', m.id, 'direction', m.direction, 'kind', m.kind, 'text', m.text, 'created_at', m.created_at,
             'data', m.data,
             'send_status', (select s.status from wa_sends s where s.salon_id = p_salon_id and s.message_id = m.wa_message_id
                             and m.direction <> 'in' limit 1)) as j
    from messages m
    where m.salon_id = p_salon_id and m.phone = p_phone
      and (p_before_id is null or m.id < p_before_id)
      and (p_after_id is null or m.id > p_after_id)
    order by m.id desc
    limit least(greatest(p_limit, 1), 200)
  ) x
$$;

-- The newest message id of the salon: the panel polls this and refetches only when it moved.
create function chat_panel_latest(p_salon_id bigint)
returns bigint language sql stable as $$
  select coalesce(max(id), 0) from messages where salon_id = p_salon_id
$$;

create function chat_panel_mark_read(p_salon_id bigint, p_phone text, p_through_id bigint)
returns void language sql as $$
  insert into chat_panel_reads (salon_id, phone, read_through_id)
  select p_salon_id, p_phone, p_through_id
  where exists (select 1 from conversations where salon_id = p_salon_id and phone = p_phone)
  on conflict (salon_id, phone) do update set read_through_id = greatest(chat_panel_reads.read_through_id, excluded.read_through_id)
$$;

-- Pause the bot in one chat until p_until, or give the chat back to it (p_until null). Unlike conversation_pause,
-- this may shorten or end a pause: a person decided it. Answers the chat's pause after the change, or null if no chat.
create function chat_panel_set_pause(p_salon_id bigint, p_phone text, p_until timestamptz)
returns jsonb language sql as $$
  update conversations
  set paused_until = p_until, paused_reason = case when p_until is null then null else 'admin' end
  where salon_id = p_salon_id and phone = p_phone
  returning jsonb_build_object('paused_until', paused_until)
$$;

-- Salons whose chat frame we installed with install_frame (those active before the panel shipped; a salon activated
-- since gets it through the activation callback's chat_url). The daily marketplace cron installs the missing ones once.
create table chat_panel_frames (
  salon_id      bigint primary key references salons on delete cascade,
  url           text not null,
  installed_at  timestamptz not null
);
alter table chat_panel_frames enable row level security;
revoke all on chat_panel_frames from anon, authenticated;

create function chat_panel_frames_missing(p_activated_before timestamptz, p_limit integer)
returns setof bigint language sql stable as $$
  select s.salon_id from salons s
  where s.status = 'active' and s.activated_at < p_activated_before
    and not exists (select 1 from chat_panel_frames f where f.salon_id = s.salon_id)
  order by s.salon_id limit p_limit
$$;

create function chat_panel_frame_installed(p_salon_id bigint, p_url text, p_now timestamptz)
returns void language sql as $$
  insert into chat_panel_frames (salon_id, url, installed_at) values (p_salon_id, p_url, p_now)
  on conflict (salon_id) do update set url = excluded.url, installed_at = excluded.installed_at
$$;
