-- The cabinet's test chat (conversations keyed `test:<user id>`) is the owner trying the bot, not a client:
-- the journal's chat panel never lists it.
create or replace function chat_panel_conversations(p_salon_id bigint, p_before_at timestamptz, p_before_phone text,
                                         p_limit integer, p_now timestamptz)
returns jsonb language sql stable as $$
  with page as (
    select c.*, greatest(coalesce(c.last_inbound_at, '-infinity'), coalesce(c.last_outbound_at, '-infinity')) as last_at
    from conversations c
    where c.salon_id = p_salon_id
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
