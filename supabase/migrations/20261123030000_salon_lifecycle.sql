-- Salon lifecycle: marketplace registration, WhatsApp state, activation, freeze/unfreeze, uninstall.
-- Each transition is one function so the status change and its marketplace_events row are written together.
-- lib/salons/store.ts is the only caller.

-- While an activation talks to YClients the row holds a short lease, so a second activation waits instead of
-- sending a second callback; a crashed one stops blocking once the lease runs out.
alter table salons add column activation_lease_until timestamptz;
alter table salons add column status_changed_at timestamptz;

-- What any caller may see of a salon: never the api key nor the webhook secret.
create function salon_public(s salons) returns jsonb language sql immutable as $$
  select to_jsonb(s) - 'api_key' - 'webhook_secret' - 'activation_lease_until'
$$;

-- Registration redirect. A new or unfinished salon becomes pending_whatsapp with fresh company data; an active or
-- frozen salon keeps its status and data (its owner is only re-linking WhatsApp); an uninstalled one starts over.
-- registered_at always moves to p_now: it opens the activation window.
create function salon_register(p_salon_id bigint, p_title text, p_address text, p_phone text, p_timezone text,
                               p_company jsonb, p_marketplace_user jsonb, p_event_data jsonb, p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_prev text;
  v salons;
begin
  if p_salon_id is null or p_salon_id <= 0 then
    raise exception 'salon id must be a positive integer' using errcode = '22023';
  end if;
  select status into v_prev from salons where salon_id = p_salon_id for update;
  if not found then
    insert into salons (salon_id, title, address, phone, timezone, status, marketplace_user, company,
                        registered_at, status_changed_at, created_at, updated_at)
    values (p_salon_id, p_title, p_address, p_phone, coalesce(p_timezone, 'Europe/Moscow'), 'pending_whatsapp',
            p_marketplace_user, p_company, p_now, p_now, p_now, p_now)
    returning * into v;
  elsif v_prev in ('active', 'frozen') then
    update salons set registered_at = p_now, updated_at = p_now where salon_id = p_salon_id returning * into v;
  elsif v_prev = 'activating' then
    -- An activation is talking to YClients right now; its outcome decides the status.
    update salons set registered_at = p_now, updated_at = p_now,
           marketplace_user = coalesce(p_marketplace_user, marketplace_user)
    where salon_id = p_salon_id returning * into v;
  else
    update salons set title = coalesce(p_title, title), address = coalesce(p_address, address),
           phone = coalesce(p_phone, phone), timezone = coalesce(p_timezone, timezone),
           company = coalesce(p_company, company), marketplace_user = coalesce(p_marketplace_user, marketplace_user),
           status = 'pending_whatsapp', status_reason = null, registered_at = p_now,
           status_changed_at = case when status = 'pending_whatsapp' then status_changed_at else p_now end,
           updated_at = p_now
    where salon_id = p_salon_id returning * into v;
  end if;
  insert into marketplace_events (salon_id, event, data, created_at)
  values (p_salon_id, 'registration_started',
          coalesce(p_event_data, '{}'::jsonb) || jsonb_build_object('previous_status', v_prev), p_now);
  return salon_public(v) || jsonb_build_object('previous_status', v_prev);
end $$;

-- The gateway reported the salon's WhatsApp session state. Status is untouched: an active salon whose phone logged
-- out stays active and its owner re-links through the onboarding page.
create function salon_whatsapp_update(p_salon_id bigint, p_state text, p_phone text, p_data jsonb, p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v salons;
  v_prev text;
begin
  select whatsapp_state into v_prev from salons where salon_id = p_salon_id for update;
  if not found then
    return null;
  end if;
  update salons set whatsapp_state = p_state,
         whatsapp_phone = case when p_state = 'connected' then coalesce(p_phone, whatsapp_phone) else whatsapp_phone end,
         updated_at = p_now
  where salon_id = p_salon_id returning * into v;
  if v_prev is distinct from p_state then
    insert into marketplace_events (salon_id, event, data, created_at)
    values (p_salon_id, 'whatsapp_' || p_state, coalesce(p_data, '{}'::jsonb), p_now);
  end if;
  return salon_public(v);
end $$;

-- Step one of activation. Decides whether this caller may call YClients, and if so stores the api key and webhook
-- secret first (keeping ones already issued, so a retried activation repeats the same registration) and takes the
-- lease. Outcomes: proceed | already_active | in_progress | expired | not_registered | not_allowed.
create function salon_activation_begin(p_salon_id bigint, p_api_key text, p_webhook_secret text, p_whatsapp_phone text,
                                       p_window_sec integer, p_lease_sec integer, p_now timestamptz)
returns jsonb language plpgsql as $$
declare v salons;
begin
  select * into v from salons where salon_id = p_salon_id for update;
  if not found or v.registered_at is null then
    return jsonb_build_object('outcome', 'not_registered');
  end if;
  if v.status = 'active' then
    return jsonb_build_object('outcome', 'already_active', 'salon', salon_public(v));
  end if;
  if v.status in ('frozen', 'uninstalled') then
    return jsonb_build_object('outcome', 'not_allowed', 'salon', salon_public(v));
  end if;
  if v.status = 'activating' and v.activation_lease_until > p_now then
    return jsonb_build_object('outcome', 'in_progress', 'salon', salon_public(v));
  end if;
  if v.registered_at < p_now - make_interval(secs => p_window_sec) then
    return jsonb_build_object('outcome', 'expired', 'salon', salon_public(v));
  end if;
  update salons set status = 'activating', status_reason = null, status_changed_at = p_now,
         api_key = coalesce(api_key, p_api_key), webhook_secret = coalesce(webhook_secret, p_webhook_secret),
         whatsapp_state = 'connected', whatsapp_phone = coalesce(p_whatsapp_phone, whatsapp_phone),
         activation_lease_until = p_now + make_interval(secs => p_lease_sec), updated_at = p_now
  where salon_id = p_salon_id returning * into v;
  return jsonb_build_object('outcome', 'proceed', 'salon', salon_public(v),
                            'api_key', v.api_key, 'webhook_secret', v.webhook_secret);
end $$;

-- Step two: YClients answered. Only the lease holder's salon (status activating) moves.
create function salon_activation_finish(p_salon_id bigint, p_ok boolean, p_reason text, p_data jsonb, p_now timestamptz)
returns jsonb language plpgsql as $$
declare v salons;
begin
  select * into v from salons where salon_id = p_salon_id for update;
  if not found or v.status <> 'activating' then
    return jsonb_build_object('changed', false, 'salon', case when v.salon_id is null then null else salon_public(v) end);
  end if;
  if p_ok then
    update salons set status = 'active', status_reason = null, activated_at = p_now, status_changed_at = p_now,
           activation_lease_until = null, updated_at = p_now
    where salon_id = p_salon_id returning * into v;
    insert into marketplace_events (salon_id, event, data, created_at)
    values (p_salon_id, 'integration_activated', coalesce(p_data, '{}'::jsonb), p_now);
  else
    update salons set status = 'activation_failed', status_reason = p_reason, status_changed_at = p_now,
           activation_lease_until = null, updated_at = p_now
    where salon_id = p_salon_id returning * into v;
    insert into marketplace_events (salon_id, event, data, created_at)
    values (p_salon_id, 'activation_failed', coalesce(p_data, '{}'::jsonb) || jsonb_build_object('reason', p_reason), p_now);
  end if;
  return jsonb_build_object('changed', true, 'salon', salon_public(v));
end $$;

-- The per-salon entity-webhook URL carries this secret; the answer says whose it is.
create function salon_by_webhook_secret(p_secret text) returns jsonb language sql stable as $$
  select jsonb_build_object('salon_id', s.salon_id, 'status', s.status)
  from salons s where p_secret is not null and p_secret <> '' and s.webhook_secret = p_secret
$$;

-- freeze: keep session and data, stop work. Repeating it changes nothing.
create function salon_freeze(p_salon_id bigint, p_reason text, p_now timestamptz) returns jsonb
language plpgsql as $$
declare v salons;
begin
  select * into v from salons where salon_id = p_salon_id for update;
  if not found then
    return jsonb_build_object('changed', false, 'salon', null);
  end if;
  if v.status in ('frozen', 'uninstalled') then
    return jsonb_build_object('changed', false, 'salon', salon_public(v));
  end if;
  update salons set status = 'frozen', status_reason = p_reason, status_changed_at = p_now,
         activation_lease_until = null, updated_at = p_now
  where salon_id = p_salon_id returning * into v;
  insert into marketplace_events (salon_id, event, data, created_at)
  values (p_salon_id, 'frozen', jsonb_build_object('reason', p_reason), p_now);
  return jsonb_build_object('changed', true, 'salon', salon_public(v));
end $$;

-- YClients reports the salon active again: back to active, or to pending_whatsapp if it never finished activation.
create function salon_unfreeze(p_salon_id bigint, p_source text, p_now timestamptz) returns jsonb
language plpgsql as $$
declare v salons;
begin
  select * into v from salons where salon_id = p_salon_id for update;
  if not found or v.status <> 'frozen' then
    return jsonb_build_object('changed', false, 'salon', case when v.salon_id is null then null else salon_public(v) end);
  end if;
  update salons set status = case when activated_at is null then 'pending_whatsapp' else 'active' end,
         status_reason = null, status_changed_at = p_now, updated_at = p_now
  where salon_id = p_salon_id returning * into v;
  insert into marketplace_events (salon_id, event, data, created_at)
  values (p_salon_id, 'unfrozen', jsonb_build_object('source', p_source, 'status', v.status), p_now);
  return jsonb_build_object('changed', true, 'salon', salon_public(v));
end $$;

-- uninstall: the gateway has logged the session out; wipe what is left of its auth state, forget the keys (so the
-- webhook URL stops working), skip the notifications still waiting, and mark the salon uninstalled.
create function salon_uninstall(p_salon_id bigint, p_now timestamptz) returns jsonb
language plpgsql as $$
declare
  v salons;
  v_skipped integer;
begin
  select * into v from salons where salon_id = p_salon_id for update;
  if not found then
    return jsonb_build_object('changed', false, 'salon', null);
  end if;
  if v.status = 'uninstalled' then
    return jsonb_build_object('changed', false, 'salon', salon_public(v));
  end if;
  delete from wa_auth where salon_id = p_salon_id;
  update notifications set status = 'skipped', reason = 'uninstalled', updated_at = p_now
  where salon_id = p_salon_id and status = 'pending';
  get diagnostics v_skipped = row_count;
  update salons set status = 'uninstalled', status_reason = null, status_changed_at = p_now, api_key = null,
         webhook_secret = null, whatsapp_state = 'none', activation_lease_until = null, updated_at = p_now
  where salon_id = p_salon_id returning * into v;
  insert into marketplace_events (salon_id, event, data, created_at)
  values (p_salon_id, 'uninstalled', jsonb_build_object('notifications_skipped', v_skipped), p_now);
  return jsonb_build_object('changed', true, 'salon', salon_public(v));
end $$;
