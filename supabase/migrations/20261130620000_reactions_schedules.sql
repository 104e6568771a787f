-- Issue 15, items 3 and 7: reactions the gateway sends, and what the assistant reads of schedules and descriptions.

-- A reaction is a send like a text (durable, one per idempotency key, its own WhatsApp message id): `body` holds
-- the emoji and `react_to` the id of the client's message it goes on. Null for a text.
alter table wa_sends add column react_to text;

create function wa_reaction_accept(p_salon_id bigint, p_key text, p_jid text, p_emoji text, p_react_to text,
                                   p_message_id text, p_now timestamptz)
returns jsonb language plpgsql as $$
declare v wa_sends;
begin
  insert into wa_sends (salon_id, idempotency_key, message_id, status, jid, body, react_to, created_at, updated_at)
  values (p_salon_id, p_key, p_message_id, 'queued', p_jid, p_emoji, p_react_to, p_now, p_now)
  on conflict (salon_id, idempotency_key) do nothing;
  select * into v from wa_sends where salon_id = p_salon_id and idempotency_key = p_key;
  return jsonb_build_object('status', v.status, 'message_id', v.message_id, 'error', v.error);
end $$;

create or replace function wa_send_next(p_salon_id bigint)
returns jsonb language sql stable as $$
  select jsonb_build_object('key', idempotency_key, 'jid', jid, 'body', body, 'message_id', message_id, 'react_to', react_to)
  from wa_sends where salon_id = p_salon_id and status = 'queued'
  order by created_at, idempotency_key limit 1
$$;

-- Who works when, from the synced schedule (no YClients call per question): per day from p_from to p_to, each
-- working master (only p_staff_id's days when given) with the span of their bookable slots. `known` is false when
-- the salon has no synced schedule at all (then an empty list means "unknown", not "nobody works").
create function assistant_staff_schedule(p_salon_id bigint, p_staff_id bigint, p_from date, p_to date)
returns jsonb language sql stable as $$
  select jsonb_build_object(
    'known', exists (select 1 from staff_schedules where salon_id = p_salon_id),
    'days', coalesce(jsonb_agg(jsonb_build_object('date', d.date, 'staff_id', d.staff_id, 'name', d.name,
                                                  'from', d.from_t, 'to', d.to_t) order by d.date, d.name)
                       filter (where d.staff_id is not null), '[]'::jsonb))
  from (
    select sc.date, sc.staff_id, st.name,
           (select min(s->>'from') from jsonb_array_elements(sc.slots) s) as from_t,
           (select max(s->>'to') from jsonb_array_elements(sc.slots) s) as to_t
    from staff_schedules sc
    join staff st on st.salon_id = sc.salon_id and st.staff_id = sc.staff_id
    where sc.salon_id = p_salon_id and sc.date between p_from and p_to
      and (p_staff_id is null or sc.staff_id = p_staff_id)
      and not st.fired and not st.hidden and jsonb_array_length(sc.slots) > 0
  ) d
$$;

-- A service explained: the salon's description in YClients (`comment`) and who performs it.
create function assistant_service_explain(p_salon_id bigint, p_service_id bigint)
returns jsonb language sql stable as $$
  select jsonb_build_object(
    'service_id', s.service_id, 'title', s.title, 'price_min', s.price_min, 'price_max', s.price_max,
    'duration_sec', s.duration_sec, 'category', c.title,
    'description', nullif(btrim(s.raw->>'comment'), ''),
    'staff', (select coalesce(jsonb_agg(st.name order by st.name), '[]'::jsonb) from staff st
              where st.salon_id = s.salon_id and st.staff_id = any(s.staff_ids) and not st.fired and not st.hidden))
  from services s
  left join service_categories c on c.salon_id = s.salon_id and c.category_id = s.category_id
  where s.salon_id = p_salon_id and s.service_id = p_service_id
$$;
