-- The chat panel, second part (issue 16): the owner's switch, what the bot did with visits, delivered/read marks.

-- The owner's switch lives in salons.settings -> 'chat_panel' -> 'enabled' (absent: on), its changes in the settings
-- history like every cabinet setting. The section list is no longer spelled out here: the cabinet validates sections
-- (lib/cabinet/settings.ts, lib/cabinet/chat-panel.ts), so a section added by another part needs no new constraint.
alter table salon_settings_history drop constraint salon_settings_history_section_check;
alter table salon_settings_history add constraint salon_settings_history_section_check check (section ~ '^[a-z_]{1,40}$');

/*
 * Turns the panel off or on for a salon: one history row when the value changes. Answers the value now, whether it
 * changed, and the history row's id (the key under which switching on reinstalls the frame once).
 */
create function chat_panel_switch(p_salon_id bigint, p_user_id bigint, p_enabled boolean, p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_old boolean;
  v_id bigint;
begin
  select coalesce((settings -> 'chat_panel' ->> 'enabled')::boolean, true) into v_old
  from salons where salon_id = p_salon_id for update;
  if not found then
    raise exception 'no salon %', p_salon_id using errcode = 'P0002';
  end if;
  if v_old = p_enabled then
    return jsonb_build_object('enabled', p_enabled, 'changed', false, 'change_id', null);
  end if;
  update salons
  set settings = jsonb_set(settings, '{chat_panel}',
                           coalesce(case when jsonb_typeof(settings -> 'chat_panel') = 'object' then settings -> 'chat_panel' end, '{}'::jsonb)
                           || jsonb_build_object('enabled', p_enabled)),
      updated_at = p_now
  where salon_id = p_salon_id;
  insert into salon_settings_history (salon_id, user_id, section, key, old_value, new_value, changed_at)
  values (p_salon_id, p_user_id, 'chat_panel', 'enabled', to_jsonb(v_old), to_jsonb(p_enabled), p_now)
  returning id into v_id;
  return jsonb_build_object('enabled', p_enabled, 'changed', true, 'change_id', v_id);
end $$;

-- Redefined from 20261130300000_chat_panel.sql: a salon whose owner switched the panel off gets no frame from the
-- daily catch-up (it would take the journal's one chat slot back from whatever app the owner chose instead).
create or replace function chat_panel_frames_missing(p_activated_before timestamptz, p_limit integer)
returns setof bigint language sql stable as $$
  select s.salon_id from salons s
  where s.status = 'active' and s.activated_at < p_activated_before
    and coalesce((s.settings -> 'chat_panel' ->> 'enabled')::boolean, true)
    and not exists (select 1 from chat_panel_frames f where f.salon_id = s.salon_id)
  order by s.salon_id limit p_limit
$$;

/*
 * Redefined from 20261130300000_chat_panel.sql, adding:
 * - `delivered_at`, `read_at` under what the salon sent: WhatsApp's receipts, kept on the gateway's send
 *   (wa_sends, panel answers and the bot's replies) and on the bot's own messages (whatsapp_receipt_record,
 *   20261130500001_whatsapp_receipts.sql). A reply typed on the salon's phone has no send of ours and no receipt.
 * - `bot_actions` on the bot's first reply of a turn: the visits that turn booked, cancelled or moved in YClients
 *   (its successful create_booking / cancel_visit / reschedule_visit calls, kept on the turn the moment they
 *   happened). The turn is found by its first planned reply's key, which the reply message carries in data.key.
 */
create or replace function chat_panel_history(p_salon_id bigint, p_phone text, p_before_id bigint, p_after_id bigint, p_limit integer)
returns jsonb language sql stable as $$
  select coalesce(jsonb_agg(x.j order by x.id), '[]'::jsonb) from (
    select m.id, jsonb_build_object(
             'id', m.id, 'direction', m.direction, 'kind', m.kind, 'text', m.text, 'created_at', m.created_at,
             'data', m.data,
             'send_status', s.status,
             'delivered_at', coalesce(s.delivered_at, m.delivered_at),
             'read_at', coalesce(s.read_at, m.read_at),
             'bot_actions', case when m.direction = 'out' and m.data ? 'key' then (
               select jsonb_agg(jsonb_build_object(
                        'action', case tc.fn ->> 'name' when 'create_booking' then 'booked' when 'cancel_visit' then 'cancelled' else 'rescheduled' end,
                        'record_id', tc.fn -> 'result' -> 'record_id',
                        'what', coalesce(tc.fn -> 'result' ->> 'service',
                                         (select string_agg(v, ', ') from jsonb_array_elements_text(
                                            case when jsonb_typeof(tc.fn -> 'result' -> 'services') = 'array' then tc.fn -> 'result' -> 'services' else '[]'::jsonb end) v)),
                        'staff_name', tc.fn -> 'result' ->> 'staff_name',
                        'date', tc.fn -> 'result' ->> 'date', 'date_human', tc.fn -> 'result' ->> 'date_human',
                        'time', tc.fn -> 'result' ->> 'time', 'from', tc.fn -> 'result' ->> 'from') order by tc.ord)
               from assistant_turns t, jsonb_array_elements(t.tool_calls) with ordinality tc(fn, ord)
               where t.salon_id = p_salon_id and t.phone = p_phone and t.replies -> 0 ->> 'key' = m.data ->> 'key'
                 and tc.fn ->> 'name' in ('create_booking', 'cancel_visit', 'reschedule_visit')
                 and (tc.fn ->> 'ok')::boolean) end) as j
    from messages m
    left join lateral (select w.status, w.delivered_at, w.read_at from wa_sends w
                       where w.salon_id = p_salon_id and w.message_id = m.wa_message_id and m.direction <> 'in' limit 1) s on true
    where m.salon_id = p_salon_id and m.phone = p_phone
      and (p_before_id is null or m.id < p_before_id)
      and (p_after_id is null or m.id > p_after_id)
    order by m.id desc
    limit least(greatest(p_limit, 1), 200)
  ) x
$$;
