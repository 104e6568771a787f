-- Senders known only by a LID (issue 15, item 1). WhatsApp hides more and more numbers behind LIDs ("…@lid").
--
-- The chat key. A chat (conversations, messages, assistant_turns: the `phone` column) is keyed by the client's phone
-- digits when WhatsApp has told us the number, and by the LID JID ("123456789@lid") while it has not. When WhatsApp
-- later confirms which number the LID stands for (a message key's remoteJidAlt, Baileys' lid-mapping.update or its
-- LID store), the mapping is kept here per salon and the LID chat's rows move to the phone key: one chat, its
-- history, pause, greeting and answered-through mark kept (the later/greater of each when both existed). Everything
-- downstream (reminders, the client's YClients profile, the cabinet) keeps reading chats by phone.
--
-- Only WhatsApp's word makes a mapping. A number the client types in a LID chat is kept apart (typed_phone): the
-- assistant may book a new visit in that number, but never lists, cancels or moves that number's visits.

alter table conversations drop constraint conversations_phone_check;
-- (the cabinet's test chat keeps its reserved key 'test:<user id>', 20261130210000_cabinet_results_test_chat.sql)
alter table conversations add constraint conversations_phone_check
  check (phone ~ '^[0-9]{7,15}$' or phone ~ '^[0-9]{1,20}@lid$' or phone ~ '^test:[0-9]{1,15}$');
alter table conversations add column typed_phone text check (typed_phone ~ '^[0-9]{7,15}$');

create table wa_lid_phones (
  salon_id    bigint not null references salons on delete cascade,
  lid         text not null check (lid ~ '^[0-9]{1,20}@lid$'),
  phone       text not null check (phone ~ '^[0-9]{7,15}$'),
  updated_at  timestamptz not null,
  primary key (salon_id, lid)
);
create index wa_lid_phones_phone_idx on wa_lid_phones (salon_id, phone);
alter table wa_lid_phones enable row level security;
revoke all on wa_lid_phones from anon, authenticated;

-- WhatsApp confirmed that p_lid is p_phone: kept (a newer word replaces an older one), and the LID chat, if any,
-- becomes the phone's chat. Returns whether a LID chat was moved.
create function lid_mapping_store(p_salon_id bigint, p_lid text, p_phone text, p_now timestamptz)
returns boolean language plpgsql as $$
declare v_old conversations;
begin
  if not exists (select 1 from salons where salon_id = p_salon_id) then
    return false;
  end if;
  insert into wa_lid_phones (salon_id, lid, phone, updated_at)
  values (p_salon_id, p_lid, p_phone, p_now)
  on conflict (salon_id, lid) do update set phone = excluded.phone, updated_at = excluded.updated_at;

  select * into v_old from conversations where salon_id = p_salon_id and phone = p_lid for update;
  if not found then
    return false;
  end if;
  update messages set phone = p_phone where salon_id = p_salon_id and phone = p_lid;
  update assistant_turns set phone = p_phone where salon_id = p_salon_id and phone = p_lid;
  delete from conversations where salon_id = p_salon_id and phone = p_lid;
  insert into conversations (salon_id, phone, jid, push_name, paused_until, paused_reason, last_greeted_on,
                             last_inbound_at, last_outbound_at, created_at, answered_through_id)
  values (p_salon_id, p_phone, p_lid, v_old.push_name, v_old.paused_until, v_old.paused_reason, v_old.last_greeted_on,
          v_old.last_inbound_at, v_old.last_outbound_at, v_old.created_at, v_old.answered_through_id)
  on conflict (salon_id, phone) do update set
    jid = excluded.jid,
    push_name = coalesce(excluded.push_name, conversations.push_name),
    paused_reason = case when coalesce(excluded.paused_until, '-infinity') > coalesce(conversations.paused_until, '-infinity')
                         then excluded.paused_reason else conversations.paused_reason end,
    paused_until = greatest(excluded.paused_until, conversations.paused_until),
    last_greeted_on = greatest(excluded.last_greeted_on, conversations.last_greeted_on),
    last_inbound_at = greatest(excluded.last_inbound_at, conversations.last_inbound_at),
    last_outbound_at = greatest(excluded.last_outbound_at, conversations.last_outbound_at),
    created_at = least(excluded.created_at, conversations.created_at),
    answered_through_id = greatest(excluded.answered_through_id, conversations.answered_through_id);
  return true;
end $$;

-- The chat key of a sender: the phone when WhatsApp gave it (with its LID, the pair is kept as a mapping), else the
-- phone a kept mapping names for the LID, else the LID itself.
create function chat_identify(p_salon_id bigint, p_lid text, p_phone text, p_now timestamptz)
returns text language plpgsql as $$
begin
  if p_phone is not null then
    if p_lid is not null then
      perform lid_mapping_store(p_salon_id, p_lid, p_phone, p_now);
    end if;
    return p_phone;
  end if;
  return coalesce((select phone from wa_lid_phones where salon_id = p_salon_id and lid = p_lid), p_lid);
end $$;

-- A chat key as it stands now: a LID chat that has since been mapped is its phone's chat.
create function chat_resolve(p_salon_id bigint, p_key text)
returns text language sql stable as $$
  select coalesce((select phone from wa_lid_phones where salon_id = p_salon_id and lid = p_key), p_key)
$$;

-- The number a LID-only client typed: used for a new booking only, never as proof of whose visits are whose.
create function conversation_typed_phone_set(p_salon_id bigint, p_key text, p_phone text)
returns void language sql as $$
  update conversations set typed_phone = p_phone where salon_id = p_salon_id and phone = p_key
$$;
