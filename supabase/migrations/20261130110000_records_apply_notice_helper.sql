-- The three notices records_apply queues (created, cancelled, changed) are one insert: a notice is queued once per
-- record, kind and occasion; a second caller with the same change gets nothing back.

/*
 * Queues one notice unless the same (salon, record, kind, occasion) is already queued.
 * Returns [{id, record_id, kind, due_at}] for a new row, [] for one already there.
 */
create function notification_queue(p_salon_id bigint, p_record_id bigint, p_kind text, p_occasion text, p_phone text,
                                   p_due timestamptz, p_data jsonb, p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_id bigint;
begin
  insert into notifications (salon_id, record_id, kind, occasion, phone, due_at, data, created_at, updated_at)
  values (p_salon_id, p_record_id, p_kind, p_occasion, p_phone, p_due, p_data, p_now, p_now)
  on conflict (salon_id, record_id, kind, occasion) do nothing
  returning id into v_id;
  if v_id is null then
    return '[]'::jsonb;
  end if;
  return jsonb_build_array(jsonb_build_object('id', v_id, 'record_id', p_record_id, 'kind', p_kind, 'due_at', p_due));
end $$;

revoke all on function notification_queue(bigint, bigint, text, text, text, timestamptz, jsonb, timestamptz)
  from public, anon, authenticated;

/*
 * Applies normalised YClients records to `records` and decides the notices, in one transaction per call.
 * p_records: JSON array of {record_id, client_id, client_phone, client_name, staff_id, staff_name, service_ids,
 * services, starts_at, duration_sec, attendance, deleted, yc_created_at, yc_changed_at, api_id, raw, ours}.
 * p_source: 'sync' | 'poll' | 'webhook' | 'recheck' decide; 'assistant' only stores (the client already knows).
 * Each record row is locked while compared, so two callers with the same change see it once between them.
 * Returns {results: [{record_id, outcome, changes}], notifications: [{id, record_id, kind, due_at}]}.
 */
create or replace function records_apply(p_salon_id bigint, p_records jsonb, p_source text, p_now timestamptz,
                              p_default_delay_sec integer default 30)
returns jsonb language plpgsql as $$
declare
  v_salon salons;
  v_settings jsonb;
  v_delay interval;
  n record;
  o records;
  v_row records;
  v_found boolean;
  v_changes text[];
  v_outcome text;
  v_cancelled boolean;
  v_was_cancelled boolean;
  v_notable boolean;
  v_results jsonb := '[]'::jsonb;
  v_notes jsonb := '[]'::jsonb;
  v_created timestamptz;
  v_phone text;
  v_pending_changed notifications;
begin
  if p_source not in ('sync', 'poll', 'webhook', 'recheck', 'assistant') then
    raise exception 'unknown source %', p_source using errcode = '22023';
  end if;
  if jsonb_typeof(p_records) <> 'array' then
    raise exception 'p_records must be a JSON array' using errcode = '22023';
  end if;
  select * into v_salon from salons where salon_id = p_salon_id;
  if not found then
    return jsonb_build_object('results', '[]'::jsonb, 'notifications', '[]'::jsonb, 'salon', 'unknown');
  end if;
  v_settings := notification_settings(v_salon.settings, p_default_delay_sec);
  v_delay := make_interval(secs => greatest(0, coalesce((v_settings ->> 'delaySec')::integer, p_default_delay_sec)));

  for n in
    select * from jsonb_to_recordset(p_records) as x(
      record_id bigint, client_id bigint, client_phone text, client_name text, staff_id bigint, staff_name text,
      service_ids bigint[], services jsonb, starts_at timestamptz, duration_sec integer, attendance integer,
      deleted boolean, yc_created_at timestamptz, yc_changed_at timestamptz, api_id text, raw jsonb, ours boolean)
  loop
    v_changes := '{}';
    v_cancelled := coalesce(n.deleted, false) or coalesce(n.attendance, 0) = -1;
    v_phone := n.client_phone;

    select * into o from records where salon_id = p_salon_id and record_id = n.record_id for update;
    v_found := found;
    if not v_found then
      insert into records (salon_id, record_id, client_id, client_phone, client_name, staff_id, staff_name,
                           service_ids, services, starts_at, duration_sec, attendance, deleted, created_by_us,
                           yc_created_at, yc_changed_at, first_seen_at, last_change_at, gone_at, raw, api_id)
      values (p_salon_id, n.record_id, n.client_id, n.client_phone, n.client_name, n.staff_id, n.staff_name,
              coalesce(n.service_ids, '{}'), coalesce(n.services, '[]'::jsonb), n.starts_at,
              coalesce(n.duration_sec, 0), coalesce(n.attendance, 0), coalesce(n.deleted, false),
              coalesce(n.ours, false), n.yc_created_at, n.yc_changed_at, p_now, p_now,
              case when n.deleted then p_now end, n.raw, n.api_id)
      on conflict (salon_id, record_id) do nothing
      returning * into v_row;
      if v_row.record_id is null then
        -- Another caller inserted it between our select and insert: compare against what it stored.
        select * into o from records where salon_id = p_salon_id and record_id = n.record_id for update;
        v_found := true;
      end if;
    end if;

    if not v_found then
      v_outcome := 'new';
      v_created := coalesce(n.yc_created_at, case when p_source = 'webhook' then p_now end);
      if p_source <> 'assistant'
         and v_salon.status = 'active'
         and notification_kind_enabled(v_settings, 'booking_created')
         and not v_row.created_by_us
         and not v_cancelled
         and v_phone is not null
         and n.starts_at > p_now
         and v_created is not null and v_created >= p_now - interval '30 minutes' then
        v_notes := v_notes || notification_queue(p_salon_id, n.record_id, 'booking_created', 'created', v_phone,
                                                 p_now + v_delay, '{}'::jsonb, p_now);
      end if;
    elsif n.yc_changed_at is not null and o.yc_changed_at is not null and n.yc_changed_at < o.yc_changed_at then
      -- An older copy (a slow poll page after a webhook): the stored state is newer, keep it.
      v_outcome := 'stale';
    else
      v_was_cancelled := o.deleted or o.attendance = -1;
      if o.starts_at is distinct from n.starts_at then v_changes := array_append(v_changes, 'time'); end if;
      if o.staff_id is distinct from n.staff_id then v_changes := array_append(v_changes, 'staff'); end if;
      if array(select distinct unnest(o.service_ids) order by 1)
         is distinct from array(select distinct unnest(coalesce(n.service_ids, '{}')) order by 1) then
        v_changes := array_append(v_changes, 'services');
      end if;
      if v_cancelled and not v_was_cancelled then v_changes := array_append(v_changes, 'cancelled'); end if;
      if v_was_cancelled and not v_cancelled then v_changes := array_append(v_changes, 'restored'); end if;
      v_notable := cardinality(v_changes) > 0;
      v_outcome := case when v_notable then 'changed'
                        when row(o.client_phone, o.client_name, o.attendance, o.staff_name, o.services, o.duration_sec)
                             is distinct from row(n.client_phone, n.client_name, coalesce(n.attendance, 0), n.staff_name,
                                                  coalesce(n.services, '[]'::jsonb), coalesce(n.duration_sec, 0))
                          then 'updated'
                        else 'same' end;

      update records set
        client_id = n.client_id, client_phone = n.client_phone, client_name = n.client_name,
        staff_id = n.staff_id, staff_name = n.staff_name, service_ids = coalesce(n.service_ids, '{}'),
        services = coalesce(n.services, '[]'::jsonb), starts_at = n.starts_at,
        duration_sec = coalesce(n.duration_sec, 0), attendance = coalesce(n.attendance, 0),
        deleted = coalesce(n.deleted, false),
        created_by_us = records.created_by_us or coalesce(n.ours, false),
        yc_created_at = coalesce(n.yc_created_at, records.yc_created_at),
        yc_changed_at = coalesce(n.yc_changed_at, records.yc_changed_at),
        last_change_at = case when v_outcome = 'same' then records.last_change_at else p_now end,
        gone_at = case when n.deleted then coalesce(records.gone_at, p_now) end,
        raw = coalesce(n.raw, records.raw), api_id = coalesce(n.api_id, records.api_id),
        version = records.version + case when v_notable then 1 else 0 end
      where salon_id = p_salon_id and record_id = n.record_id
      returning * into v_row;

      v_phone := coalesce(n.client_phone, o.client_phone);
      if p_source = 'assistant' then
        -- The client made this change in the chat: a notice about it, still waiting, would tell them what they did.
        update notifications set status = 'skipped', reason = 'changed_by_assistant', updated_at = p_now
        where salon_id = p_salon_id and record_id = n.record_id and kind in ('booking_changed', 'booking_cancelled')
          and status = 'pending';
      end if;
      if v_notable and p_source <> 'assistant' and v_salon.status = 'active' and v_phone is not null then
        if 'cancelled' = any (v_changes) then
          -- Never told about it (the confirmation is still waiting)? Then there is nothing to take back.
          update notifications set status = 'skipped', reason = 'cancelled_before_send', updated_at = p_now
          where salon_id = p_salon_id and record_id = n.record_id and kind = 'booking_created' and status = 'pending';
          if not found then
            update notifications set status = 'skipped', reason = 'superseded_by_cancellation', updated_at = p_now
            where salon_id = p_salon_id and record_id = n.record_id and kind = 'booking_changed' and status = 'pending';
            if o.starts_at > p_now and notification_kind_enabled(v_settings, 'booking_cancelled') then
              -- Delayed like the confirmation: a deletion undone within the delay is skipped as 'restored'.
              v_notes := v_notes || notification_queue(p_salon_id, n.record_id, 'booking_cancelled', 'v' || v_row.version,
                                                       v_phone, p_now + v_delay,
                                                       jsonb_build_object('old', record_snapshot(o)), p_now);
            end if;
          end if;
        elsif not v_cancelled and (v_changes && array['time', 'staff', 'services'])
              and n.starts_at > p_now and notification_kind_enabled(v_settings, 'booking_changed')
              and not exists (select 1 from notifications where salon_id = p_salon_id and record_id = n.record_id
                              and kind = 'booking_created' and status in ('pending', 'sending')) then
          -- A notice still waiting absorbs the new change: the client hears once, from the first old state to now.
          select * into v_pending_changed from notifications
          where salon_id = p_salon_id and record_id = n.record_id and kind = 'booking_changed' and status = 'pending'
          order by id desc limit 1 for update;
          if found then
            update notifications
            set data = jsonb_set(data, '{changes}', to_jsonb(array(
                         select distinct c from jsonb_array_elements_text(data -> 'changes') c
                         union select unnest(v_changes) order by 1))),
                phone = v_phone, updated_at = p_now
            where id = v_pending_changed.id;
          else
            v_notes := v_notes || notification_queue(p_salon_id, n.record_id, 'booking_changed', 'v' || v_row.version,
                                                     v_phone, p_now + v_delay,
                                                     jsonb_build_object('old', record_snapshot(o), 'changes', to_jsonb(v_changes)),
                                                     p_now);
          end if;
        end if;
      end if;
    end if;
    v_row := null;
    v_results := v_results || jsonb_build_object('record_id', n.record_id, 'outcome', v_outcome,
                                                 'changes', to_jsonb(v_changes));
  end loop;
  return jsonb_build_object('results', v_results, 'notifications', v_notes);
end $$;
