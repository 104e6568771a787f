-- Proactive messages (issue 21): one outbox for everything the bot writes first that is not about the client's own
-- booking (review requests, "we miss you", birthdays, the notification channel's advertising), the per-salon pacing
-- state, and the clients who said stop. The decisions (cap, spacing, quiet hours, warm-up, 463 stop, opt-out) are
-- all in `outreach_claim`, called by lib/outreach/sender.ts.

create table outreach_messages (
  id             bigint generated always as identity primary key,
  salon_id       bigint not null references salons on delete cascade,
  chat           text not null check (chat <> ''),
  kind           text not null check (kind in ('review_request', 'winback', 'birthday', 'channel_ad')),
  text           text not null check (text <> ''),
  dedupe_key     text not null check (dedupe_key <> ''),
  advertising    boolean not null,
  not_after      timestamptz,
  status         text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed', 'dropped')),
  reason         text,
  error          text,
  attempts       integer not null default 0,
  created_at     timestamptz not null,
  claimed_at     timestamptz,
  sent_at        timestamptz,
  wa_message_id  text,
  unique (salon_id, dedupe_key)
);
create index outreach_messages_due_idx on outreach_messages (salon_id, id) where status in ('queued', 'sending');
create index outreach_messages_sent_idx on outreach_messages (salon_id, sent_at) where sent_at is not null;
create index outreach_messages_chat_idx on outreach_messages (salon_id, chat);
alter table outreach_messages enable row level security;
revoke all on outreach_messages from anon, authenticated;
grant all on outreach_messages to service_role;

-- Who said stop, per salon. Keyed by a hash of the chat so that the opt-out outlives the removal of the client's
-- data (`chat` is cleared then): a client who asked to be forgotten is still never written to first.
create table outreach_opt_outs (
  salon_id       bigint not null references salons on delete cascade,
  chat_hash      text not null,
  chat           text,
  source         text not null check (source in ('stop_word', 'assistant', 'cabinet')),
  opted_out_at   timestamptz not null,
  primary key (salon_id, chat_hash)
);
create index outreach_opt_outs_chat_idx on outreach_opt_outs (salon_id, chat) where chat is not null;
alter table outreach_opt_outs enable row level security;
revoke all on outreach_opt_outs from anon, authenticated;
grant all on outreach_opt_outs to service_role;

-- The salon's pacing: no proactive message before next_at (the spacing window), and 463 restrictions up to
-- acknowledged_event (a marketplace_events id) are ones the owner has seen and chose to resume after.
create table outreach_salons (
  salon_id            bigint primary key references salons on delete cascade,
  next_at             timestamptz,
  acknowledged_event  bigint not null default 0
);
alter table outreach_salons enable row level security;
revoke all on outreach_salons from anon, authenticated;
grant all on outreach_salons to service_role;

-- The setting sections the cabinet may change now include this one and the campaigns' (issue 21's other half).
alter table salon_settings_history drop constraint salon_settings_history_section_check;
alter table salon_settings_history add constraint salon_settings_history_section_check
  check (section in ('notifications', 'assistant', 'texts', 'outreach', 'campaigns'));

-- salon_settings_change of 20261130200000_cabinet.sql, with the two new sections.
create or replace function salon_settings_change(p_salon_id bigint, p_user_id bigint, p_section text, p_patch jsonb,
                                                 p_defaults jsonb, p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_current jsonb;
  v_next jsonb;
  v_key text;
  v_old jsonb;
  v_new jsonb;
begin
  if p_section not in ('notifications', 'assistant', 'texts', 'outreach', 'campaigns') or jsonb_typeof(p_patch) <> 'object' then
    raise exception 'bad settings change' using errcode = '22023';
  end if;
  select coalesce(case when jsonb_typeof(settings -> p_section) = 'object' then settings -> p_section end, '{}'::jsonb)
  into v_current from salons where salon_id = p_salon_id for update;
  if not found then
    raise exception 'no salon %', p_salon_id using errcode = 'P0002';
  end if;
  v_next := v_current;
  for v_key in select jsonb_object_keys(p_patch) loop
    v_old := coalesce(v_current -> v_key, p_defaults -> v_key);
    if jsonb_typeof(p_patch -> v_key) = 'null' then
      v_next := v_next - v_key;
      v_new := p_defaults -> v_key;
    else
      v_next := v_next || jsonb_build_object(v_key, p_patch -> v_key);
      v_new := p_patch -> v_key;
    end if;
    if v_old is distinct from v_new then
      insert into salon_settings_history (salon_id, user_id, section, key, old_value, new_value, changed_at)
      values (p_salon_id, p_user_id, p_section, v_key, v_old, v_new, p_now);
    end if;
  end loop;
  update salons set settings = jsonb_set(settings, array[p_section], v_next), updated_at = p_now
  where salon_id = p_salon_id;
  return v_next;
end $$;

-- The outreach settings with every key (lib/outreach/settings.ts holds the same defaults for the cabinet's form).
create function outreach_settings(p_settings jsonb) returns jsonb language sql immutable as $$
  select jsonb_build_object(
    'enabled', true,
    'dailyCap', 100,
    'spacingMinSec', 120,
    'spacingMaxSec', 600,
    'stopOn463', true
  ) || coalesce(case when jsonb_typeof(p_settings -> 'outreach') = 'object' then p_settings -> 'outreach' end, '{}'::jsonb)
$$;

create function outreach_chat_hash(p_salon_id bigint, p_chat text) returns text language sql immutable as $$
  select encode(sha256(convert_to(p_salon_id::text || ':' || p_chat, 'UTF8')), 'hex')
$$;

create function outreach_opted_out(p_salon_id bigint, p_chat text) returns boolean language sql stable as $$
  select exists (select 1 from outreach_opt_outs where salon_id = p_salon_id and chat_hash = outreach_chat_hash(p_salon_id, p_chat))
$$;

-- Of these chats, the ones that opted out (the chat panel's mark).
create function outreach_opted_out_among(p_salon_id bigint, p_chats text[]) returns setof text language sql stable as $$
  select c from unnest(p_chats) c where outreach_opted_out(p_salon_id, c)
$$;

-- Opts a chat out (true when it was not already) or back in (true when it was out). Queued messages to an opted-out
-- chat are dropped at once.
create function outreach_opt_set(p_salon_id bigint, p_chat text, p_out boolean, p_source text, p_now timestamptz)
returns boolean language plpgsql as $$
declare v_n integer;
begin
  if p_out then
    insert into outreach_opt_outs (salon_id, chat_hash, chat, source, opted_out_at)
    values (p_salon_id, outreach_chat_hash(p_salon_id, p_chat), p_chat, p_source, p_now)
    on conflict do nothing;
    get diagnostics v_n = row_count;
    update outreach_messages set status = 'dropped', reason = 'opted_out'
    where salon_id = p_salon_id and chat = p_chat and status = 'queued';
  else
    delete from outreach_opt_outs where salon_id = p_salon_id and chat_hash = outreach_chat_hash(p_salon_id, p_chat);
    get diagnostics v_n = row_count;
  end if;
  return v_n > 0;
end $$;

-- Takes a proactive message into the outbox: 'duplicate' (its key was offered before), 'opted_out', 'off' (the
-- salon turned proactive messages off), else 'queued'. The salon gate (acceptsWork) is the caller's.
create function outreach_offer(p_salon_id bigint, p_chat text, p_kind text, p_text text, p_dedupe_key text,
                               p_not_after timestamptz, p_advertising boolean, p_now timestamptz)
returns text language plpgsql as $$
declare
  s salons;
  v_id bigint;
begin
  select * into s from salons where salon_id = p_salon_id;
  if not found or not (outreach_settings(s.settings) ->> 'enabled')::boolean then
    return 'off';
  end if;
  if exists (select 1 from outreach_messages where salon_id = p_salon_id and dedupe_key = p_dedupe_key) then
    return 'duplicate';
  end if;
  if outreach_opted_out(p_salon_id, p_chat) then
    return 'opted_out';
  end if;
  insert into outreach_messages (salon_id, chat, kind, text, dedupe_key, advertising, not_after, created_at)
  values (p_salon_id, p_chat, p_kind, p_text, p_dedupe_key, p_advertising, p_not_after, p_now)
  on conflict (salon_id, dedupe_key) do nothing
  returning id into v_id;
  return case when v_id is null then 'duplicate' else 'queued' end;
end $$;

/*
 * The one decision for every proactive message of a salon: may the next one leave now, and which. In order:
 * proactive traffic off; stopped by a 463 the owner has not acknowledged; messages past their not_after or to
 * opted-out chats dropped; a send cut off by a crash (lease run out) resumed first, under the same idempotency key;
 * quiet hours (the notification settings' own rule, quiet_hours_end); the spacing window; the daily cap (of the
 * salon's local day; a number linked in the last 14 days gets at most p_warmup_cap). Then the oldest queued message
 * is claimed and the next one may not leave before p_now + a pause inside the spacing window, at p_spacing_draw
 * (a random number in [0, 1) from the caller) of its width.
 * Answers {action: send, message} | {action: wait, until, reason} | {action: idle, reason}.
 */
create function outreach_claim(p_salon_id bigint, p_now timestamptz, p_lease_sec integer, p_spacing_draw double precision,
                               p_warmup_cap integer, p_default_delay_sec integer)
returns jsonb language plpgsql as $$
declare
  s salons;
  st outreach_salons;
  m outreach_messages;
  v_settings jsonb;
  v_until timestamptz;
  v_cap integer;
  v_day_start timestamptz;
  v_sent integer;
begin
  insert into outreach_salons (salon_id) values (p_salon_id) on conflict do nothing;
  select * into st from outreach_salons where salon_id = p_salon_id for update;
  select * into s from salons where salon_id = p_salon_id;
  v_settings := outreach_settings(s.settings);
  if not (v_settings ->> 'enabled')::boolean then
    return jsonb_build_object('action', 'idle', 'reason', 'off');
  end if;
  if (v_settings ->> 'stopOn463')::boolean and exists (
    select 1 from marketplace_events
    where salon_id = p_salon_id and event = 'whatsapp_restricted' and id > st.acknowledged_event) then
    return jsonb_build_object('action', 'idle', 'reason', 'restricted_463');
  end if;

  update outreach_messages set status = 'dropped', reason = 'expired'
  where salon_id = p_salon_id and status = 'queued' and not_after <= p_now;
  update outreach_messages o set status = 'dropped', reason = 'opted_out'
  where o.salon_id = p_salon_id and o.status = 'queued' and outreach_opted_out(p_salon_id, o.chat);

  select * into m from outreach_messages
  where salon_id = p_salon_id and status = 'sending' and claimed_at <= p_now - make_interval(secs => p_lease_sec)
  order by id limit 1 for update;
  if found then
    update outreach_messages set attempts = attempts + 1, claimed_at = p_now where id = m.id returning * into m;
    return jsonb_build_object('action', 'send', 'message', to_jsonb(m));
  end if;
  if not exists (select 1 from outreach_messages where salon_id = p_salon_id and status = 'queued') then
    return jsonb_build_object('action', 'idle', 'reason', 'empty');
  end if;

  v_until := quiet_hours_end(notification_settings(s.settings, p_default_delay_sec), s.timezone, p_now);
  if v_until is not null then
    return jsonb_build_object('action', 'wait', 'until', v_until, 'reason', 'quiet_hours');
  end if;
  if st.next_at > p_now then
    return jsonb_build_object('action', 'wait', 'until', st.next_at, 'reason', 'spacing');
  end if;

  v_cap := (v_settings ->> 'dailyCap')::integer;
  if exists (select 1 from wa_sessions w where w.salon_id = p_salon_id and w.paired_at > p_now - interval '14 days') then
    v_cap := least(v_cap, p_warmup_cap);
  end if;
  v_day_start := date_trunc('day', p_now at time zone s.timezone) at time zone s.timezone;
  select count(*) into v_sent from outreach_messages
  where salon_id = p_salon_id and coalesce(sent_at, claimed_at) >= v_day_start and status in ('sent', 'sending', 'failed')
    and claimed_at is not null;
  if v_sent >= v_cap then
    return jsonb_build_object('action', 'wait', 'until', (date_trunc('day', p_now at time zone s.timezone) + interval '1 day') at time zone s.timezone,
                              'reason', 'daily_cap');
  end if;

  select * into m from outreach_messages where salon_id = p_salon_id and status = 'queued' order by id limit 1 for update;
  update outreach_messages set status = 'sending', attempts = attempts + 1, claimed_at = p_now where id = m.id returning * into m;
  v_until := p_now + make_interval(secs => (v_settings ->> 'spacingMinSec')::integer
    + floor(p_spacing_draw * greatest(0, (v_settings ->> 'spacingMaxSec')::integer - (v_settings ->> 'spacingMinSec')::integer + 1)));
  update outreach_salons set next_at = v_until where salon_id = p_salon_id;
  return jsonb_build_object('action', 'send', 'message', to_jsonb(m), 'next_at', v_until);
end $$;

-- The outcome of a claimed send: 'sent' (the gateway accepted it as p_message_id), 'retry' (back to the queue), or
-- 'failed'. Returns the row's status now.
create function outreach_finish(p_id bigint, p_outcome text, p_now timestamptz, p_message_id text, p_error text)
returns text language plpgsql as $$
declare v text;
begin
  update outreach_messages
  set status = case p_outcome when 'sent' then 'sent' when 'retry' then 'queued' else 'failed' end,
      sent_at = case when p_outcome = 'sent' then p_now else sent_at end,
      wa_message_id = coalesce(p_message_id, wa_message_id),
      error = p_error
  where id = p_id and status = 'sending'
  returning status into v;
  return v;
end $$;

-- WhatsApp refused a message the gateway had accepted (message.status failed).
create function outreach_send_failed(p_salon_id bigint, p_id bigint, p_error text) returns text
language sql as $$
  update outreach_messages set status = 'failed', error = p_error
  where id = p_id and salon_id = p_salon_id and status in ('sent', 'sending')
  returning status
$$;

create function outreach_message_get(p_salon_id bigint, p_id bigint) returns jsonb language sql stable as $$
  select to_jsonb(o) from outreach_messages o where id = p_id and salon_id = p_salon_id
$$;

-- Salons with a message that may be due: the cron's fan-out.
create function outreach_salons_due() returns setof bigint language sql stable as $$
  select distinct salon_id from outreach_messages where status in ('queued', 'sending')
$$;

-- The owner has seen the 463 and resumes proactive messages: restrictions recorded so far no longer stop them.
create function outreach_resume(p_salon_id bigint) returns void language sql as $$
  insert into outreach_salons (salon_id, acknowledged_event)
  values (p_salon_id, coalesce((select max(id) from marketplace_events where salon_id = p_salon_id and event = 'whatsapp_restricted'), 0))
  on conflict (salon_id) do update set acknowledged_event = excluded.acknowledged_event
$$;

-- What the cabinet shows: stopped by a 463 (since when), queued, sent today, opted-out clients.
create function outreach_status(p_salon_id bigint, p_now timestamptz) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'settings', outreach_settings(s.settings),
    'stopped_at', case when (outreach_settings(s.settings) ->> 'stopOn463')::boolean then
      (select max(e.created_at) from marketplace_events e
       where e.salon_id = s.salon_id and e.event = 'whatsapp_restricted'
         and e.id > coalesce((select acknowledged_event from outreach_salons where salon_id = s.salon_id), 0)) end,
    'queued', (select count(*) from outreach_messages where salon_id = s.salon_id and status = 'queued'),
    'sent_today', (select count(*) from outreach_messages
                   where salon_id = s.salon_id and sent_at >= date_trunc('day', p_now at time zone s.timezone) at time zone s.timezone),
    'opted_out', (select count(*) from outreach_opt_outs where salon_id = s.salon_id))
  from salons s where s.salon_id = p_salon_id
$$;

/*
 * Per kind and local day of [p_from, p_to): messages sent, delivered and read (WhatsApp's receipts on the chat
 * message), replied (the client wrote in that chat within 7 days) and booked (a visit of that client created within
 * 7 days). The campaigns' charts read this.
 */
create function outreach_results(p_salon_id bigint, p_from timestamptz, p_to timestamptz) returns setof jsonb
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
      select 1 from messages r where r.salon_id = p_salon_id and r.phone = o.chat and r.direction = 'in'
        and r.created_at > o.sent_at and r.created_at < o.sent_at + interval '7 days')),
    'booked', count(*) filter (where exists (
      select 1 from records b where b.salon_id = p_salon_id and b.client_phone = o.chat and not b.deleted
        and coalesce(b.yc_created_at, b.first_seen_at) > o.sent_at and coalesce(b.yc_created_at, b.first_seen_at) < o.sent_at + interval '7 days')))
  from o left join messages m on m.salon_id = p_salon_id and m.wa_message_id = o.wa_message_id and m.direction = 'out'
  group by o.kind, o.day order by o.day, o.kind
$$;

/*
 * The owner's "forget this client" from the cabinet: the chat's messages, conversation, read marks, presence and
 * outbox rows go; an opt-out stays, by hash only. YClients (and our synced copy of its records) is untouched.
 * Returns how many messages were removed.
 */
create function outreach_forget_chat(p_salon_id bigint, p_chat text) returns integer language plpgsql as $$
declare v_n integer;
begin
  delete from messages where salon_id = p_salon_id and phone = p_chat;
  get diagnostics v_n = row_count;
  delete from conversations where salon_id = p_salon_id and phone = p_chat;
  delete from chat_panel_reads where salon_id = p_salon_id and phone = p_chat;
  delete from chat_presence where salon_id = p_salon_id and phone = p_chat;
  delete from outreach_messages where salon_id = p_salon_id and chat = p_chat;
  update outreach_opt_outs set chat = null where salon_id = p_salon_id and chat = p_chat;
  return v_n;
end $$;

revoke execute on all functions in schema public from anon, authenticated;
grant execute on all functions in schema public to service_role;
