-- The "replied" count of proactive messages (the cabinet's campaign charts, lib/outreach/offer.ts outreachResults)
-- counts the clients who wrote back to a message, each answer once: a client's message answers the latest proactive
-- message that chat got before it (within 7 days), not every one of the last week, so one "5" no longer makes two
-- review requests of the same client (two visits in a week) or a request and a birthday greeting both "replied". A
-- reaction (❤️ on the message) is not writing back. A bare rating is: it is the answer a review request asks for, so
-- it counts once here as the client's reply, and the ratings chart says what the answers were.

-- outreach_results of 20261201100000_outreach.sql, with `replied` as above.
create or replace function outreach_results(p_salon_id bigint, p_from timestamptz, p_to timestamptz) returns setof jsonb
language sql stable as $$
  with s as (select timezone from salons where salon_id = p_salon_id),
  o as (
    select o.*, (o.sent_at at time zone (select timezone from s))::date as day from outreach_messages o
    where o.salon_id = p_salon_id and o.sent_at >= p_from and o.sent_at < p_to and o.status = 'sent'
  )
  select jsonb_build_object(
    'kind', o.kind, 'day', o.day,
    'sent', count(*),
    'delivered', count(*) filter (where m.delivered_at is not null),
    'read', count(*) filter (where m.read_at is not null),
    'replied', count(*) filter (where exists (
      select 1 from messages r where r.salon_id = p_salon_id and r.phone = o.chat and r.direction = 'in' and r.kind <> 'reaction'
        and r.created_at > o.sent_at and r.created_at < o.sent_at + interval '7 days'
        and not exists (
          select 1 from outreach_messages n where n.salon_id = p_salon_id and n.chat = o.chat and n.status = 'sent'
            and n.sent_at > o.sent_at and n.sent_at < r.created_at))),
    'booked', count(*) filter (where exists (
      select 1 from records b where b.salon_id = p_salon_id and b.client_phone = o.chat and not b.deleted
        and coalesce(b.yc_created_at, b.first_seen_at) > o.sent_at and coalesce(b.yc_created_at, b.first_seen_at) < o.sent_at + interval '7 days')))
  from o left join messages m on m.salon_id = p_salon_id and m.wa_message_id = o.wa_message_id and m.direction = 'out'
  group by o.kind, o.day order by o.day, o.kind
$$;

revoke execute on all functions in schema public from anon, authenticated;
grant execute on all functions in schema public to service_role;
