-- Delivered and read (issue 15, item 6). WhatsApp's receipts for what we sent are kept on the send (wa_sends, where
-- the gateway decides "first time for this state", so it publishes one message.status per message and state), and,
-- through the message.status job, on the notification and on the assistant's own messages: the salon's statistics
-- say how many of its confirmations and reminders were delivered and read, and which numbers are not on WhatsApp.

alter table wa_sends add column delivered_at timestamptz;
alter table wa_sends add column read_at timestamptz;
create index if not exists wa_sends_message_idx on wa_sends (salon_id, message_id);

alter table notifications add column delivered_at timestamptz;
alter table notifications add column read_at timestamptz;
alter table messages add column delivered_at timestamptz;
alter table messages add column read_at timestamptz;

-- A receipt for one of our sends. Returns the send's idempotency key the first time this state is seen, null after
-- (or for a message we did not send). Read implies delivered.
create function wa_send_receipt(p_salon_id bigint, p_message_id text, p_status text, p_now timestamptz)
returns text language plpgsql as $$
declare v_key text;
begin
  if p_status not in ('delivered', 'read') then
    raise exception 'unknown receipt %', p_status using errcode = '22023';
  end if;
  update wa_sends
  set delivered_at = coalesce(delivered_at, p_now),
      read_at = case when p_status = 'read' then coalesce(read_at, p_now) else read_at end
  where salon_id = p_salon_id and message_id = p_message_id
    and (case when p_status = 'read' then read_at else delivered_at end) is null
  returning idempotency_key into v_key;
  return v_key;
end $$;

-- The functions' side: the notification and the assistant's message sent as this WhatsApp message. Idempotent.
create function whatsapp_receipt_record(p_salon_id bigint, p_message_id text, p_status text, p_at timestamptz)
returns integer language plpgsql as $$
declare v_n integer; v_m integer;
begin
  if p_status not in ('delivered', 'read') then
    raise exception 'unknown receipt %', p_status using errcode = '22023';
  end if;
  update notifications
  set delivered_at = coalesce(delivered_at, p_at),
      read_at = case when p_status = 'read' then coalesce(read_at, p_at) else read_at end
  where salon_id = p_salon_id and message_id = p_message_id;
  get diagnostics v_n = row_count;
  update messages
  set delivered_at = coalesce(delivered_at, p_at),
      read_at = case when p_status = 'read' then coalesce(read_at, p_at) else read_at end
  where salon_id = p_salon_id and wa_message_id = p_message_id and direction = 'out';
  get diagnostics v_m = row_count;
  return v_n + v_m;
end $$;

-- The salon's notifications of [p_from, p_to): how many went out, were delivered, were read, and how many numbers
-- were not on WhatsApp; percentages of those that went out (null when none did).
create function notification_delivery_stats(p_salon_id bigint, p_from timestamptz, p_to timestamptz)
returns jsonb language sql stable as $$
  with n as (
    select * from notifications
    where salon_id = p_salon_id and coalesce(sent_at, updated_at) >= p_from and coalesce(sent_at, updated_at) < p_to
  ), c as (
    select count(*) filter (where status = 'sent') as sent,
           count(*) filter (where status = 'sent' and delivered_at is not null) as delivered,
           count(*) filter (where status = 'sent' and read_at is not null) as read,
           count(*) filter (where status = 'failed' and error = 'not_on_whatsapp') as not_on_whatsapp
    from n
  )
  select jsonb_build_object(
    'sent', sent, 'delivered', delivered, 'read', read, 'not_on_whatsapp', not_on_whatsapp,
    'delivered_pct', case when sent > 0 then round(100.0 * delivered / sent) end,
    'read_pct', case when sent > 0 then round(100.0 * read / sent) end)
  from c
$$;
