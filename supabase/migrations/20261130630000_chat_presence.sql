-- Typing-aware bursts (issue 19). While a reply to a client is pending, the gateway watches that chat's presence and
-- keeps only the latest state here (coalesced in the gateway, one row per chat); the reply job reads it with the
-- age of its message to decide between answering now and looking again a second later.

create table chat_presence (
  salon_id    bigint not null references salons on delete cascade,
  phone       text not null,
  state       text not null check (state in ('composing', 'recording', 'paused', 'available', 'unavailable')),
  at          timestamptz not null,
  primary key (salon_id, phone)
);
alter table chat_presence enable row level security;

-- The gateway's write: the latest state wins, an older report (out of order) changes nothing.
create function chat_presence_note(p_salon_id bigint, p_phone text, p_state text, p_at timestamptz)
returns void language sql as $$
  insert into chat_presence (salon_id, phone, state, at)
  select p_salon_id, p_phone, p_state, p_at
  where exists (select 1 from salons where salon_id = p_salon_id)
  on conflict (salon_id, phone) do update set state = excluded.state, at = excluded.at
  where chat_presence.at <= excluded.at;
$$;

-- The reply job's read: is a newer message in (its own job answers), when its message came, the chat's latest
-- presence and the salon's settings (its quiet window and typing cap). Null when the message is not this chat's.
create function assistant_reply_wait_state(p_salon_id bigint, p_phone text, p_message_id bigint)
returns jsonb language sql stable as $$
  select jsonb_build_object(
    'newer', exists (select 1 from messages n where n.salon_id = p_salon_id and n.phone = p_phone
                     and n.direction = 'in' and n.id > p_message_id),
    'received_at', m.created_at,
    'presence', p.state,
    'presence_at', p.at,
    'settings', s.settings)
  from messages m
  join salons s on s.salon_id = m.salon_id
  left join chat_presence p on p.salon_id = m.salon_id and p.phone = m.phone
  where m.salon_id = p_salon_id and m.phone = p_phone and m.id = p_message_id;
$$;
