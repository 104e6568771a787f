-- Proactive messages that ended without being sent (dropped, or failed) are handed to whoever offered them once:
-- a channel ad must end at YClients with a final status so that it falls back to SMS (lib/channel/advertising.ts).
-- `outcome_noted_at` is set after that hand-over (lib/outreach/sender.ts), so a crash in between repeats it, and the
-- hand-over itself is idempotent.

alter table outreach_messages add column outcome_noted_at timestamptz;
-- Rows that ended before this migration were seen by nobody; they are not handed over now, a day or more late.
update outreach_messages set outcome_noted_at = coalesce(sent_at, claimed_at, created_at) where status in ('dropped', 'failed');
create index outreach_messages_ended_idx on outreach_messages (salon_id, id)
  where status in ('dropped', 'failed') and outcome_noted_at is null;

-- outreach_claim of 20261201100000_outreach.sql, changed: expired and opted-out messages are dropped before the
-- off and 463 checks (so they end while the salon is stopped too), and channel ads are dropped while proactive
-- messages are off or stopped: YClients waits for them and should use its next channel rather than wait for the owner.
create or replace function outreach_claim(p_salon_id bigint, p_now timestamptz, p_lease_sec integer, p_spacing_draw double precision,
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

  update outreach_messages set status = 'dropped', reason = 'expired'
  where salon_id = p_salon_id and status = 'queued' and not_after <= p_now;
  update outreach_messages o set status = 'dropped', reason = 'opted_out'
  where o.salon_id = p_salon_id and o.status = 'queued' and outreach_opted_out(p_salon_id, o.chat);

  if not (v_settings ->> 'enabled')::boolean then
    update outreach_messages set status = 'dropped', reason = 'off'
    where salon_id = p_salon_id and status = 'queued' and kind = 'channel_ad';
    return jsonb_build_object('action', 'idle', 'reason', 'off');
  end if;
  if (v_settings ->> 'stopOn463')::boolean and exists (
    select 1 from marketplace_events
    where salon_id = p_salon_id and event = 'whatsapp_restricted' and id > st.acknowledged_event) then
    update outreach_messages set status = 'dropped', reason = 'restricted_463'
    where salon_id = p_salon_id and status = 'queued' and kind = 'channel_ad';
    return jsonb_build_object('action', 'idle', 'reason', 'restricted_463');
  end if;

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

-- A salon's messages that ended unsent and were not handed over yet, oldest first.
create function outreach_ended(p_salon_id bigint, p_limit integer) returns setof jsonb language sql stable as $$
  select jsonb_build_object('id', id, 'kind', kind, 'dedupe_key', dedupe_key, 'status', status, 'reason', reason, 'error', error)
  from outreach_messages
  where salon_id = p_salon_id and status in ('dropped', 'failed') and outcome_noted_at is null
  order by id limit p_limit
$$;

create function outreach_ended_noted(p_salon_id bigint, p_ids bigint[], p_now timestamptz) returns void language sql as $$
  update outreach_messages set outcome_noted_at = p_now
  where salon_id = p_salon_id and id = any(p_ids) and outcome_noted_at is null
$$;

-- outreach_salons_due of 20261201100000_outreach.sql, also waking salons with an ended message not handed over.
create or replace function outreach_salons_due() returns setof bigint language sql stable as $$
  select distinct salon_id from outreach_messages
  where status in ('queued', 'sending') or (status in ('dropped', 'failed') and outcome_noted_at is null)
$$;

revoke execute on all functions in schema public from anon, authenticated;
grant execute on all functions in schema public to service_role;
