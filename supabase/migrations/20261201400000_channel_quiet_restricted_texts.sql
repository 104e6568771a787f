-- The channel's service messages follow the salon's quiet hours; a WhatsApp 463 switches the channel off in YClients
-- until a send goes through again; the thanks for a confirmed reminder can be the salon's own text.

-- A salon whose number WhatsApp restricted (463): set by a send refused with 463, cleared by the next send WhatsApp
-- takes. While it is here YClients is told the WhatsApp channel is off, so it uses its other channels.
create table whatsapp_restrictions (
  salon_id  bigint primary key references salons on delete cascade,
  since     timestamptz not null
);
alter table whatsapp_restrictions enable row level security;
revoke all on whatsapp_restrictions from anon, authenticated;

-- Notes (p_restricted) or clears the restriction, as of p_at (when WhatsApp answered): a send taken before the
-- refusal, whose event is handled after it, clears nothing. True when that changed anything.
create function whatsapp_restriction_set(p_salon_id bigint, p_restricted boolean, p_at timestamptz) returns boolean
language plpgsql as $$
begin
  if p_restricted then
    insert into whatsapp_restrictions (salon_id, since) select salon_id, p_at from salons where salon_id = p_salon_id
    on conflict (salon_id) do nothing;
  else
    delete from whatsapp_restrictions where salon_id = p_salon_id and since < p_at;
  end if;
  return found;
end $$;

-- 20261130400000_channel.sql's, now also off while WhatsApp restricts the number.
create or replace function channel_availability_get(p_salon_id bigint) returns jsonb language sql stable as $$
  select jsonb_build_object('wanted', s.status = 'active' and s.whatsapp_state = 'connected'
                                      and not exists (select 1 from whatsapp_restrictions w where w.salon_id = s.salon_id),
                            'reported', a.reported)
  from salons s left join channel_availability a on a.salon_id = s.salon_id
  where s.salon_id = p_salon_id
$$;

-- 20261130400000_channel.sql's attempt, now deciding quiet hours by the notifications' own rule (quiet_hours_end,
-- 20261130200000_cabinet.sql): inside them the row is returned untouched with 'held_until' (their end), and the
-- caller publishes the send again for then. The text YClients hands us names no visit, so nothing is dropped.
create or replace function channel_send_attempt(p_salon_id bigint, p_yc_id text, p_now timestamptz) returns jsonb
language plpgsql as $$
declare
  v_until timestamptz;
  v jsonb;
begin
  select quiet_hours_end(notification_settings(s.settings, 0), s.timezone, p_now) into v_until
  from salons s where s.salon_id = p_salon_id;
  if v_until is not null then
    select to_jsonb(m) - 'callback_url' || jsonb_build_object('held_until', v_until) into v
    from channel_messages m where salon_id = p_salon_id and yc_id = p_yc_id and state = 'queued';
    return v;
  end if;
  update channel_messages set attempts = attempts + 1, updated_at = p_now
  where salon_id = p_salon_id and yc_id = p_yc_id and state = 'queued'
  returning to_jsonb(channel_messages) - 'callback_url' into v;
  return v;
end $$;

-- 20261123040000_bookings_notifications.sql's, now with the salon's own texts (settings.texts), so the thanks for a
-- confirmation is the one the owner wrote in the cabinet.
create or replace function reminder_for_reply(p_salon_id bigint, p_phone text, p_ref_message_id text, p_now timestamptz)
returns jsonb language sql stable as $$
  select jsonb_build_object('notification', to_jsonb(n), 'record', to_jsonb(r) - 'raw',
                            'salon', jsonb_build_object('salon_id', s.salon_id, 'title', s.title,
                                                        'address', s.address, 'timezone', s.timezone,
                                                        'company', s.company),
                            'texts', coalesce(case when jsonb_typeof(s.settings -> 'texts') = 'object'
                                                   then s.settings -> 'texts' end, '{}'::jsonb))
  from notifications n
  join records r on r.salon_id = n.salon_id and r.record_id = n.record_id
  join salons s on s.salon_id = n.salon_id
  where n.salon_id = p_salon_id and n.phone = p_phone and n.status = 'sent'
    and n.kind in ('reminder_day_before', 'reminder_hours_before')
    and (p_ref_message_id is null or n.message_id = p_ref_message_id)
    and n.sent_at > p_now - make_interval(hours => coalesce((notification_settings(s.settings, 30) ->> 'replyWindowHours')::integer, 12))
    and r.starts_at > p_now
  order by n.sent_at desc
  limit 1
$$;

grant execute on all functions in schema public to service_role;
grant select, insert, update, delete on whatsapp_restrictions to service_role;
