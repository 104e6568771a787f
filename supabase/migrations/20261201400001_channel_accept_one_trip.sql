-- The operator endpoint in one round trip: channel_accept (20261130400000_channel.sql) now also queues each taken
-- message's job in the local dispatcher's queue (dispatch_enqueue), in the same transaction, when the caller passes
-- it (jobs wait in this database) and the salon found is the one the jobs were built for (p_salon_guess: the caller
-- built them before knowing the salon for sure). Each element of p_messages may carry `job` (dispatch_enqueue's
-- arguments: url, body, dedupe_id, delay_sec, retries), queued only when the row ends in the state the caller asked
-- for (a retried POST of a message already sent queues nothing). Each answer element says `job_queued`.
drop function channel_accept(text, bigint, jsonb, timestamptz);

create function channel_accept(p_key_sha256 text, p_salon_id bigint, p_messages jsonb, p_now timestamptz,
                               p_salon_guess bigint default null) returns jsonb
language plpgsql as $$
declare
  s salons;
  m record;
  v channel_messages;
  v_queued boolean;
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
                    error text, job jsonb)
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
      v_queued := coalesce(m.job is not null and s.salon_id = p_salon_guess and v.state = m.state, false);
      if v_queued then
        perform dispatch_enqueue(m.job ->> 'url', m.job ->> 'body', m.job ->> 'dedupe_id',
                                 (m.job ->> 'delay_sec')::integer, (m.job ->> 'retries')::integer, p_now);
      end if;
      v_out := v_out || jsonb_build_object('yc_id', v.yc_id, 'ext_id', v.ext_id, 'state', v.state, 'job_queued', v_queued);
    end loop;
  end if;
  return jsonb_build_object('salon', jsonb_build_object('salon_id', s.salon_id, 'status', s.status), 'messages', v_out);
end $$;

grant execute on all functions in schema public to service_role;
