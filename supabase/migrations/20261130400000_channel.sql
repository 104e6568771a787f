-- The salon's WhatsApp channel for YClients' own notifications (the "SMS and chat-bots" operator protocol):
-- messages YClients hands us, the delivery statuses we post back, the channel's availability we reported, and the
-- "who sends booking texts" setting.

-- The bearer YClients sends to url_operator is the salon's api_key (handed over at install); it is looked up by its
-- SHA-256, so the comparison never runs over the secret itself.
alter table salons add column api_key_sha256 text;
create unique index salons_api_key_sha256_idx on salons (api_key_sha256);

create function salons_api_key_hash() returns trigger language plpgsql as $$
begin
  new.api_key_sha256 := case when new.api_key is null then null
                             else encode(sha256(convert_to(new.api_key, 'UTF8')), 'hex') end;
  return new;
end $$;
create trigger salons_api_key_hash before insert or update of api_key on salons
  for each row execute function salons_api_key_hash();
update salons set api_key_sha256 = encode(sha256(convert_to(api_key, 'UTF8')), 'hex') where api_key is not null;

-- One row per message YClients handed us, keyed by YClients' own id: a retried POST finds its row and sends nothing.
-- state: queued (waiting for the gateway) → accepted (the gateway took it) → sent | failed; rejected (never sent:
-- advertising, or a salon that may not send).
create table channel_messages (
  salon_id       bigint not null references salons on delete cascade,
  yc_id          text not null check (yc_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  ext_id         uuid not null default gen_random_uuid() unique,
  phone          text not null check (phone ~ '^[0-9]{7,15}$'),
  text           text not null,
  channel        text not null,
  dispatch_type  text not null,
  callback_url   text,
  state          text not null default 'queued' check (state in ('queued', 'accepted', 'sent', 'failed', 'rejected')),
  error          text,
  wa_message_id  text,
  attempts       integer not null default 0,
  created_at     timestamptz not null,
  updated_at     timestamptz not null,
  primary key (salon_id, yc_id)
);
alter table channel_messages enable row level security;

-- One row per delivery status we owe YClients for a message: posted once, whatever retries happen.
create table channel_status_posts (
  salon_id       bigint not null,
  yc_id          text not null,
  status         integer not null,
  claimed_until  timestamptz,
  attempts       integer not null default 0,
  posted_at      timestamptz,
  gave_up        text,
  primary key (salon_id, yc_id, status),
  foreign key (salon_id, yc_id) references channel_messages on delete cascade
);
alter table channel_status_posts enable row level security;

-- What we last told YClients about the salon's WhatsApp channel (update_channel), so a repeat changes nothing.
create table channel_availability (
  salon_id     bigint primary key references salons on delete cascade,
  reported     boolean not null,
  reported_at  timestamptz not null
);
alter table channel_availability enable row level security;

-- The operator endpoint in one call (it must answer at once): finds the salon by the SHA-256 of the bearer, or by
-- p_salon_id when the caller already matched our partner token, and, when it is active, takes the messages.
-- p_messages: [{yc_id, phone, text, channel, dispatch_type, callback_url, state, error}]; a message already known
-- keeps its row (a retried POST). Returns {salon: {salon_id, status} | null, messages: [{yc_id, ext_id, state}]}
-- in the order given (empty unless the salon is active).
create function channel_accept(p_key_sha256 text, p_salon_id bigint, p_messages jsonb, p_now timestamptz) returns jsonb
language plpgsql as $$
declare
  s salons;
  m record;
  v channel_messages;
  v_out jsonb := '[]'::jsonb;
begin
  if p_key_sha256 is not null then
    select * into s from salons where api_key_sha256 = p_key_sha256;
  else
    select * into s from salons where salon_id = p_salon_id;
  end if;
  if s.salon_id is null then
    return jsonb_build_object('salon', null, 'messages', v_out);
  end if;
  if s.status = 'active' then
    for m in select * from jsonb_to_recordset(p_messages)
               as x(yc_id text, phone text, text text, channel text, dispatch_type text, callback_url text, state text,
                    error text)
    loop
      insert into channel_messages (salon_id, yc_id, phone, text, channel, dispatch_type, callback_url, state, error,
                                    created_at, updated_at)
      values (s.salon_id, m.yc_id, m.phone, m.text, m.channel, m.dispatch_type, m.callback_url, m.state, m.error,
              p_now, p_now)
      on conflict (salon_id, yc_id) do nothing
      returning * into v;
      if v.yc_id is null then
        select * into v from channel_messages where salon_id = s.salon_id and yc_id = m.yc_id;
      end if;
      v_out := v_out || jsonb_build_object('yc_id', v.yc_id, 'ext_id', v.ext_id, 'state', v.state);
    end loop;
  end if;
  return jsonb_build_object('salon', jsonb_build_object('salon_id', s.salon_id, 'status', s.status), 'messages', v_out);
end $$;

create function channel_message_get(p_salon_id bigint, p_yc_id text) returns jsonb language sql stable as $$
  select to_jsonb(m) - 'callback_url' from channel_messages m where salon_id = p_salon_id and yc_id = p_yc_id
$$;

-- Counts a send attempt of a queued message; null when it is no longer queued.
create function channel_send_attempt(p_salon_id bigint, p_yc_id text, p_now timestamptz) returns jsonb
language sql as $$
  update channel_messages set attempts = attempts + 1, updated_at = p_now
  where salon_id = p_salon_id and yc_id = p_yc_id and state = 'queued'
  returning to_jsonb(channel_messages) - 'callback_url'
$$;

-- Moves a message on; only forward (queued → accepted → sent | failed), so a late or repeated event changes
-- nothing. Returns the row when it changed, else null.
create function channel_message_advance(p_salon_id bigint, p_yc_id text, p_state text, p_wa_message_id text,
                                        p_error text, p_now timestamptz) returns jsonb
language sql as $$
  update channel_messages
  set state = p_state, wa_message_id = coalesce(p_wa_message_id, wa_message_id), error = coalesce(p_error, error),
      updated_at = p_now
  where salon_id = p_salon_id and yc_id = p_yc_id
    and case p_state when 'accepted' then state = 'queued'
                     when 'sent' then state in ('queued', 'accepted')
                     when 'failed' then state in ('queued', 'accepted')
                     else false end
  returning to_jsonb(channel_messages) - 'callback_url'
$$;

-- Claims the post of one status: {action: 'post', url} | {action: 'done'} (posted or given up) | {action: 'busy'}
-- (another delivery is posting it) | {action: 'no_callback'} (YClients gave no URL).
create function channel_status_begin(p_salon_id bigint, p_yc_id text, p_status integer, p_lease_sec integer,
                                     p_now timestamptz) returns jsonb
language plpgsql as $$
declare
  v_url text;
  v channel_status_posts;
begin
  select callback_url into v_url from channel_messages where salon_id = p_salon_id and yc_id = p_yc_id;
  if not found then
    return jsonb_build_object('action', 'done');
  end if;
  if v_url is null then
    return jsonb_build_object('action', 'no_callback');
  end if;
  insert into channel_status_posts (salon_id, yc_id, status) values (p_salon_id, p_yc_id, p_status)
  on conflict do nothing;
  select * into v from channel_status_posts
  where salon_id = p_salon_id and yc_id = p_yc_id and status = p_status for update;
  if v.posted_at is not null or v.gave_up is not null then
    return jsonb_build_object('action', 'done');
  end if;
  if v.claimed_until > p_now then
    return jsonb_build_object('action', 'busy');
  end if;
  update channel_status_posts set claimed_until = p_now + make_interval(secs => p_lease_sec), attempts = attempts + 1
  where salon_id = p_salon_id and yc_id = p_yc_id and status = p_status;
  return jsonb_build_object('action', 'post', 'url', v_url, 'attempt', v.attempts + 1);
end $$;

-- The post's outcome: p_gave_up null means YClients took it; otherwise why it will never be posted.
create function channel_status_finish(p_salon_id bigint, p_yc_id text, p_status integer, p_ok boolean,
                                      p_gave_up text, p_now timestamptz) returns void
language sql as $$
  update channel_status_posts
  set posted_at = case when p_ok then p_now end, gave_up = p_gave_up, claimed_until = null
  where salon_id = p_salon_id and yc_id = p_yc_id and status = p_status
$$;

-- Statuses posted for a salon's message, for tests and the cabinet: [{status, posted_at, gave_up}].
create function channel_status_list(p_salon_id bigint, p_yc_id text) returns jsonb language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('status', status, 'posted_at', posted_at, 'gave_up', gave_up)
                            order by posted_at nulls last, status), '[]'::jsonb)
  from channel_status_posts where salon_id = p_salon_id and yc_id = p_yc_id
$$;

-- Whether the salon's WhatsApp channel should be on now (active salon, connected session), and what YClients
-- was last told: {wanted, reported} (reported null: never told).
create function channel_availability_get(p_salon_id bigint) returns jsonb language sql stable as $$
  select jsonb_build_object('wanted', s.status = 'active' and s.whatsapp_state = 'connected',
                            'reported', a.reported)
  from salons s left join channel_availability a on a.salon_id = s.salon_id
  where s.salon_id = p_salon_id
$$;

create function channel_availability_reported(p_salon_id bigint, p_available boolean, p_now timestamptz)
returns void language sql as $$
  insert into channel_availability (salon_id, reported, reported_at) values (p_salon_id, p_available, p_now)
  on conflict (salon_id) do update set reported = excluded.reported, reported_at = excluded.reported_at
$$;

-- "Who sends booking texts": 'ai_admin' (default) or 'yclients'. With 'yclients' the salon's own YClients
-- notifications (through this channel) carry booking texts, and ours are off: no client gets both.
create or replace function notification_settings(p_settings jsonb, p_default_delay_sec integer) returns jsonb
language sql immutable as $$
  select jsonb_build_object(
    'delaySec', p_default_delay_sec,
    'bookingCreated', true,
    'bookingChanged', true,
    'bookingCancelled', true,
    'reminderDayBefore', true,
    'dayBeforeFrom', '19:00',
    'dayBeforeTo', '21:00',
    'reminderHoursBefore', true,
    'hoursBefore', 2,
    'replyWindowHours', 12,
    'bookingTexts', 'ai_admin'
  ) || coalesce(case when jsonb_typeof(p_settings -> 'notifications') = 'object' then p_settings -> 'notifications' end,
                '{}'::jsonb)
$$;

create or replace function notification_kind_enabled(p_settings jsonb, p_kind text) returns boolean
language sql immutable as $$
  select coalesce(p_settings ->> 'bookingTexts', 'ai_admin') <> 'yclients'
     and coalesce((p_settings ->> case p_kind
    when 'booking_created' then 'bookingCreated'
    when 'booking_changed' then 'bookingChanged'
    when 'booking_cancelled' then 'bookingCancelled'
    when 'reminder_day_before' then 'reminderDayBefore'
    when 'reminder_hours_before' then 'reminderHoursBefore' end)::boolean, false)
$$;
