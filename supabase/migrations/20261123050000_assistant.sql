-- The assistant's chat state: messages in and out, admin takeover, bursts answered once, one turn row per answer.

-- The last inbound message the assistant has taken into a turn: a burst is everything after it.
alter table conversations add column answered_through_id bigint not null default 0;

-- A turn covers the inbound messages (from_message_id, through_message_id]; "running" until it is finished, so a
-- redelivered job finds it and neither answers twice nor books twice.
alter table assistant_turns
  add column from_message_id    bigint not null default 0,
  add column through_message_id bigint,
  add column attempts           integer not null default 1,
  add column started_at         timestamptz,
  add column finished_at        timestamptz,
  add column replies            jsonb not null default '[]'::jsonb;
alter table assistant_turns drop constraint assistant_turns_status_check;
alter table assistant_turns add constraint assistant_turns_status_check
  check (status in ('running', 'answered', 'handover', 'failed', 'skipped'));
create unique index assistant_turns_through_idx on assistant_turns (salon_id, phone, through_message_id);

-- Stores one inbound client message (a redelivery stores nothing) and says whether anything may answer it.
create function conversation_inbound(p_salon_id bigint, p_phone text, p_jid text, p_push_name text,
                                     p_wa_message_id text, p_kind text, p_text text, p_data jsonb,
                                     p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_status text;
  v_settings jsonb;
  v_id bigint;
  v_paused timestamptz;
begin
  select status, settings into v_status, v_settings from salons where salon_id = p_salon_id;
  if v_status is null then
    return jsonb_build_object('stored', false, 'salon_status', null);
  end if;
  insert into conversations (salon_id, phone, jid, push_name, last_inbound_at)
  values (p_salon_id, p_phone, p_jid, p_push_name, p_now)
  on conflict (salon_id, phone) do update
    set jid = coalesce(excluded.jid, conversations.jid),
        push_name = coalesce(excluded.push_name, conversations.push_name),
        last_inbound_at = greatest(conversations.last_inbound_at, excluded.last_inbound_at)
  returning paused_until into v_paused;
  insert into messages (salon_id, phone, direction, wa_message_id, kind, text, data, created_at)
  values (p_salon_id, p_phone, 'in', p_wa_message_id, coalesce(p_kind, 'text'), coalesce(p_text, ''), p_data, p_now)
  on conflict (salon_id, wa_message_id) do nothing
  returning id into v_id;
  if v_id is null then
    select id into v_id from messages where salon_id = p_salon_id and wa_message_id = p_wa_message_id;
  end if;
  return jsonb_build_object('stored', true, 'message_id', v_id, 'salon_status', v_status, 'settings', v_settings,
                            'paused', v_paused is not null and v_paused > p_now);
end $$;

-- The salon's administrator wrote to the client from the phone: keep the text and pause the assistant for that chat.
-- Our own sends echo back from WhatsApp with the id the gateway gave us; those are not the administrator.
create function conversation_admin_message(p_salon_id bigint, p_phone text, p_wa_message_id text, p_text text,
                                           p_pause_sec integer, p_now timestamptz)
returns jsonb language plpgsql as $$
declare v_until timestamptz;
begin
  if not exists (select 1 from salons where salon_id = p_salon_id) then
    return jsonb_build_object('paused', false, 'reason', 'no_salon');
  end if;
  if exists (select 1 from messages where salon_id = p_salon_id and wa_message_id = p_wa_message_id) then
    return jsonb_build_object('paused', false, 'reason', 'known_message');
  end if;
  insert into messages (salon_id, phone, direction, wa_message_id, kind, text, created_at)
  values (p_salon_id, p_phone, 'admin', p_wa_message_id, 'text', coalesce(p_text, ''), p_now);
  v_until := p_now + make_interval(secs => greatest(p_pause_sec, 0));
  insert into conversations (salon_id, phone, paused_until, paused_reason, last_outbound_at)
  values (p_salon_id, p_phone, v_until, 'admin', p_now)
  on conflict (salon_id, phone) do update
    set paused_until = greatest(coalesce(conversations.paused_until, v_until), v_until),
        paused_reason = 'admin',
        last_outbound_at = p_now;
  return jsonb_build_object('paused', true, 'paused_until', v_until);
end $$;

-- Pauses the assistant in one chat (handover to a human) until p_until.
create function conversation_pause(p_salon_id bigint, p_phone text, p_until timestamptz, p_reason text)
returns void language sql as $$
  update conversations
  set paused_until = greatest(coalesce(paused_until, p_until), p_until), paused_reason = p_reason
  where salon_id = p_salon_id and phone = p_phone
$$;

-- One message we sent to the client (text as sent, with the gateway's message id, so its echo is recognised).
create function conversation_outbound(p_salon_id bigint, p_phone text, p_wa_message_id text, p_text text,
                                      p_data jsonb, p_now timestamptz)
returns void language plpgsql as $$
begin
  insert into messages (salon_id, phone, direction, wa_message_id, kind, text, data, created_at)
  values (p_salon_id, p_phone, 'out', p_wa_message_id, 'text', p_text, p_data, p_now)
  on conflict (salon_id, wa_message_id) do nothing;
  update conversations set last_outbound_at = p_now where salon_id = p_salon_id and phone = p_phone;
end $$;

create function conversation_messages(p_salon_id bigint, p_phone text)
returns setof jsonb language sql stable as $$
  select jsonb_build_object('id', id, 'direction', direction, 'wa_message_id', wa_message_id, 'kind', kind,
                            'text', text, 'created_at', created_at)
  from messages where salon_id = p_salon_id and phone = p_phone order by id
$$;

create function conversation_get(p_salon_id bigint, p_phone text)
returns jsonb language sql stable as $$
  select to_jsonb(c) from conversations c where c.salon_id = p_salon_id and c.phone = p_phone
$$;

-- Decides, under the chat's row lock, whether the job of inbound message p_message_id answers now:
--   inactive — the salon may not send; newer — a later message's job answers the whole burst;
--   done — a turn for this burst already finished; busy — another delivery is working on it;
--   paused — an administrator (or a handover) holds the chat; claimed — answer the burst returned.
create function assistant_turn_begin(p_salon_id bigint, p_phone text, p_message_id bigint, p_lease_sec integer,
                                     p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_conv conversations;
  v_status text;
  v_turn assistant_turns;
  v_from bigint;
  v_burst jsonb;
begin
  select * into v_conv from conversations where salon_id = p_salon_id and phone = p_phone for update;
  if not found then
    return jsonb_build_object('outcome', 'inactive', 'reason', 'no_conversation');
  end if;
  select status into v_status from salons where salon_id = p_salon_id;
  if v_status is distinct from 'active' then
    return jsonb_build_object('outcome', 'inactive', 'reason', coalesce(v_status, 'no_salon'));
  end if;
  if exists (select 1 from messages where salon_id = p_salon_id and phone = p_phone and direction = 'in'
             and id > p_message_id) then
    return jsonb_build_object('outcome', 'newer');
  end if;

  select * into v_turn from assistant_turns
  where salon_id = p_salon_id and phone = p_phone and through_message_id = p_message_id;
  if found then
    if v_turn.status <> 'running' then
      -- Finished before: the caller re-sends its replies under the same idempotency keys (nothing goes out twice).
      return jsonb_build_object('outcome', 'done', 'turn_id', v_turn.id, 'status', v_turn.status,
                                'replies', v_turn.replies);
    end if;
    if v_turn.started_at > p_now - make_interval(secs => p_lease_sec) then
      return jsonb_build_object('outcome', 'busy', 'turn_id', v_turn.id);
    end if;
    update assistant_turns set attempts = attempts + 1, started_at = p_now where id = v_turn.id
    returning * into v_turn;
  else
    if v_conv.answered_through_id >= p_message_id then
      return jsonb_build_object('outcome', 'done');
    end if;
    v_from := v_conv.answered_through_id;
    if v_conv.paused_until is not null and v_conv.paused_until > p_now then
      insert into assistant_turns (salon_id, phone, status, from_message_id, through_message_id, started_at,
                                   finished_at, error, created_at)
      values (p_salon_id, p_phone, 'skipped', v_from, p_message_id, p_now, p_now,
              'paused: ' || coalesce(v_conv.paused_reason, 'unknown'), p_now);
      update conversations set answered_through_id = p_message_id where salon_id = p_salon_id and phone = p_phone;
      return jsonb_build_object('outcome', 'paused', 'reason', v_conv.paused_reason);
    end if;
    insert into assistant_turns (salon_id, phone, status, from_message_id, through_message_id, started_at, created_at)
    values (p_salon_id, p_phone, 'running', v_from, p_message_id, p_now, p_now)
    returning * into v_turn;
    update conversations set answered_through_id = p_message_id where salon_id = p_salon_id and phone = p_phone;
  end if;

  select coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'wa_message_id', m.wa_message_id, 'kind', m.kind,
                                               'text', m.text, 'data', m.data, 'created_at', m.created_at) order by m.id), '[]'::jsonb)
  into v_burst
  from messages m
  where m.salon_id = p_salon_id and m.phone = p_phone and m.direction = 'in'
    and m.id > v_turn.from_message_id and m.id <= v_turn.through_message_id;
  return jsonb_build_object('outcome', 'claimed', 'turn_id', v_turn.id, 'attempt', v_turn.attempts,
                            'burst', v_burst, 'tool_calls', v_turn.tool_calls);
end $$;

-- Everything the model needs for one turn, in one round trip: the salon, its catalogue, the client, their visits,
-- whether a greeting is due today (in the salon's time zone) and the conversation before this burst.
create function assistant_context(p_salon_id bigint, p_phone text, p_before_message_id bigint, p_history integer,
                                  p_now timestamptz)
returns jsonb language plpgsql stable as $$
declare
  v_salon salons;
  v_today date;
  v_conv conversations;
begin
  select * into v_salon from salons where salon_id = p_salon_id;
  if not found then
    return null;
  end if;
  v_today := (p_now at time zone v_salon.timezone)::date;
  select * into v_conv from conversations where salon_id = p_salon_id and phone = p_phone;
  return jsonb_build_object(
    'salon', jsonb_build_object('salon_id', v_salon.salon_id, 'title', v_salon.title, 'address', v_salon.address,
                                'phone', v_salon.phone, 'timezone', v_salon.timezone, 'status', v_salon.status,
                                'whatsapp_phone', v_salon.whatsapp_phone, 'settings', v_salon.settings,
                                'schedule', v_salon.company -> 'schedule'),
    'today', v_today,
    'local_time', to_char(p_now at time zone v_salon.timezone, 'HH24:MI'),
    'greet', v_conv.last_greeted_on is distinct from v_today,
    'push_name', v_conv.push_name,
    'services', coalesce((
      select jsonb_agg(jsonb_build_object('id', s.service_id, 'title', s.title, 'price_min', s.price_min,
                                          'price_max', s.price_max, 'duration_sec', s.duration_sec,
                                          'category', c.title, 'staff_ids', s.staff_ids)
                       order by c.weight desc nulls last, s.weight desc, s.title)
      from services s left join service_categories c on c.salon_id = s.salon_id and c.category_id = s.category_id
      where s.salon_id = p_salon_id and s.bookable), '[]'::jsonb),
    'staff', coalesce((
      select jsonb_agg(jsonb_build_object('id', t.staff_id, 'name', t.name, 'specialization', t.specialization)
                       order by t.rating desc nulls last, t.name)
      from staff t where t.salon_id = p_salon_id and t.bookable and not t.fired and not t.hidden), '[]'::jsonb),
    'client', (
      select jsonb_build_object('id', k.client_id, 'name', k.name, 'visits_count', k.visits_count,
                                'last_visit_at', k.last_visit_at)
      from clients k where k.salon_id = p_salon_id and k.phone = p_phone
      order by k.visits_count desc, k.client_id limit 1),
    'usual', (
      select jsonb_build_object(
        'service_ids', (select coalesce(jsonb_agg(x.sid order by x.n desc, x.sid), '[]'::jsonb) from (
          select sid, count(*) n from records r, unnest(r.service_ids) sid
          where r.salon_id = p_salon_id and r.client_phone = p_phone and not r.deleted and r.starts_at < p_now
          group by sid order by count(*) desc limit 3) x),
        'staff_id', (select r.staff_id from records r
          where r.salon_id = p_salon_id and r.client_phone = p_phone and not r.deleted and r.starts_at < p_now
            and r.staff_id is not null
          group by r.staff_id order by count(*) desc, max(r.starts_at) desc limit 1))),
    'upcoming', coalesce((
      select jsonb_agg(jsonb_build_object('record_id', r.record_id, 'starts_at', r.starts_at,
                                          'staff_id', r.staff_id, 'staff_name', r.staff_name,
                                          'service_ids', r.service_ids, 'services', r.services,
                                          'duration_sec', r.duration_sec)
                       order by r.starts_at)
      from records r
      where r.salon_id = p_salon_id and r.client_phone = p_phone and not r.deleted and r.attendance <> -1
        and r.starts_at > p_now), '[]'::jsonb),
    'recent_tool_calls', coalesce((
      select jsonb_agg(c order by t.id) from assistant_turns t, jsonb_array_elements(t.tool_calls) c
      where t.salon_id = p_salon_id and t.phone = p_phone and t.through_message_id < p_before_message_id
        and t.created_at > p_now - interval '3 hours'), '[]'::jsonb),
    'history', coalesce((
      select jsonb_agg(jsonb_build_object('id', h.id, 'direction', h.direction, 'text', h.text, 'kind', h.kind,
                                          'created_at', h.created_at) order by h.id)
      from (select * from messages m
            where m.salon_id = p_salon_id and m.phone = p_phone and m.id <= p_before_message_id
              and m.created_at > p_now - interval '30 days'
            order by m.id desc limit p_history) h), '[]'::jsonb)
  );
end $$;

-- A tool call that changed YClients, kept as soon as it happened: a retried turn reuses it instead of booking twice.
create function assistant_turn_tool(p_turn_id bigint, p_call jsonb)
returns void language sql as $$
  update assistant_turns set tool_calls = tool_calls || jsonb_build_array(p_call) where id = p_turn_id
$$;

-- Closes a turn with what it cost; a turn that greeted marks the conversation day as greeted.
create function assistant_turn_finish(p_turn_id bigint, p_status text, p_model_calls integer, p_tool_calls jsonb,
                                      p_model_ms integer, p_yclients_ms integer, p_own_ms integer, p_error text,
                                      p_replies jsonb, p_greeted_on date, p_now timestamptz)
returns void language plpgsql as $$
declare v_turn assistant_turns;
begin
  update assistant_turns
  set status = p_status, model_calls = p_model_calls, tool_calls = coalesce(p_tool_calls, tool_calls),
      model_ms = p_model_ms, yclients_ms = p_yclients_ms, own_ms = p_own_ms, error = p_error,
      replies = coalesce(p_replies, '[]'::jsonb), finished_at = p_now
  where id = p_turn_id
  returning * into v_turn;
  if not found then
    raise exception 'no assistant turn %', p_turn_id using errcode = 'P0002';
  end if;
  if p_greeted_on is not null then
    update conversations set last_greeted_on = greatest(coalesce(last_greeted_on, p_greeted_on), p_greeted_on)
    where salon_id = v_turn.salon_id and phone = v_turn.phone;
  end if;
end $$;

create function assistant_turns_list(p_salon_id bigint, p_phone text)
returns setof assistant_turns language sql stable as $$
  select * from assistant_turns where salon_id = p_salon_id and phone = p_phone order by id
$$;

-- Adds facts to a stored message (e.g. which reminder it answers), for the turn that will read it.
create function conversation_message_note(p_salon_id bigint, p_message_id bigint, p_data jsonb)
returns void language sql as $$
  update messages set data = coalesce(data, '{}'::jsonb) || coalesce(p_data, '{}'::jsonb)
  where salon_id = p_salon_id and id = p_message_id
$$;
