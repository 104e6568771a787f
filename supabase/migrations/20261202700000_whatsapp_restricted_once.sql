-- A send WhatsApp refuses with 463 has two lasting effects: the salon's `whatsapp_restricted` event (the owner sees
-- it in the cabinet; it stops proactive messages until acknowledged, outreach_claim) and the restriction that
-- switches YClients' channel off (whatsapp_restrictions). They were written one by one after the message was failed,
-- so a crash in between lost them for good (the rerun finds the message failed and moves on), and a redelivered job
-- wrote the event twice. Now both are written in one call, keyed by the refused message (its idempotency key), before
-- the message is failed: every rerun up to the failure writes what is missing, and never a second event.
create unique index marketplace_events_restricted_message_idx on marketplace_events (salon_id, (data ->> 'message'))
  where event = 'whatsapp_restricted';

-- True when the event is new (this message's refusal had not been recorded).
create function whatsapp_restricted_note(p_salon_id bigint, p_message text, p_data jsonb, p_at timestamptz) returns boolean
language plpgsql as $$
declare v_id bigint;
begin
  if p_message is null or p_message = '' then
    raise exception 'the refused message''s key is required' using errcode = '22023';
  end if;
  insert into whatsapp_restrictions (salon_id, since) select salon_id, p_at from salons where salon_id = p_salon_id
  on conflict (salon_id) do nothing;
  insert into marketplace_events (salon_id, event, data, created_at)
  values (p_salon_id, 'whatsapp_restricted', coalesce(p_data, '{}'::jsonb) || jsonb_build_object('message', p_message), p_at)
  on conflict (salon_id, (data ->> 'message')) where event = 'whatsapp_restricted' do nothing
  returning id into v_id;
  return v_id is not null;
end $$;

revoke execute on all functions in schema public from anon, authenticated;
grant execute on all functions in schema public to service_role;
