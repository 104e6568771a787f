-- A salon that gets no work (frozen, uninstalled: the gate is acceptsWork in lib/salons/store.ts) never reaches
-- outreach_claim, so its queued messages used to wait forever, and a channel ad stayed at "passed to operator" (8) at
-- YClients. Now lib/outreach/sender.ts calls `outreach_salon_idle` instead of the claim: past `notAfter` or opted out
-- a message is dropped by the same rule as the claim's (`outreach_drop_stale`, shared), and for a salon gone for good
-- every waiting message ends, so the ended-rows scan (outreach_ended) hands each channel ad its final status once.

-- What the claim dropped first in 20261201700000_outreach_ended.sql, now shared with the idle path.
create function outreach_drop_stale(p_salon_id bigint, p_now timestamptz) returns void language sql as $$
  update outreach_messages set status = 'dropped', reason = 'expired'
  where salon_id = p_salon_id and status = 'queued' and not_after <= p_now;
  update outreach_messages o set status = 'dropped', reason = 'opted_out'
  where o.salon_id = p_salon_id and o.status = 'queued' and outreach_opted_out(p_salon_id, o.chat);
$$;

-- outreach_claim of 20261201700000_outreach_ended.sql, its first two drops now outreach_drop_stale.
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

  perform outreach_drop_stale(p_salon_id, p_now);

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

-- A salon that does not accept work now. Frozen (`p_gone` false): only what is stale ends; the rest waits, since the
-- salon may come back within a message's validity. Gone (uninstalled, `p_gone` true): every queued message is dropped
-- (`uninstalled`), and a send cut off before its outcome was recorded (still `sending` past its lease) fails, since
-- it can never be resumed: the session is logged out. If that one had left after all, the channel already holds its
-- own outcome and refuses the later failure (`channel_message_advance` moves only forward), so YClients hears one final
-- status; nothing is sent again either way.
create function outreach_salon_idle(p_salon_id bigint, p_now timestamptz, p_gone boolean, p_lease_sec integer)
returns void language plpgsql as $$
begin
  perform 1 from outreach_salons where salon_id = p_salon_id for update;
  perform outreach_drop_stale(p_salon_id, p_now);
  if p_gone then
    update outreach_messages set status = 'dropped', reason = 'uninstalled'
    where salon_id = p_salon_id and status = 'queued';
    update outreach_messages set status = 'failed', error = 'uninstalled'
    where salon_id = p_salon_id and status = 'sending' and claimed_at <= p_now - make_interval(secs => p_lease_sec);
  end if;
end $$;

revoke execute on all functions in schema public from anon, authenticated;
grant execute on all functions in schema public to service_role;
