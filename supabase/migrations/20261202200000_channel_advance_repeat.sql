-- A channel message moved to `sent` or `failed` publishes its YClients status right after the move (lib/channel/
-- send.ts). A crash between the two left the status unpublished for good: the repeat (the job redelivered, the
-- ended ad handed over again) found nothing to move, got null and published nothing, so YClients never heard the ad's
-- final 2 or 16 (fault chain test/faults/channel-ad-end.test.ts). The repeat now gets the row too, when the message
-- already is in that state (for `failed`, with the same error, so a later different failure never adds a second final
-- status); publishing again is safe, as each status is posted once (`channel_status_begin`).
create or replace function channel_message_advance(p_salon_id bigint, p_yc_id text, p_state text, p_wa_message_id text,
                                                   p_error text, p_now timestamptz) returns jsonb
language sql as $$
  with moved as (
    update channel_messages
    set state = p_state, wa_message_id = coalesce(p_wa_message_id, wa_message_id), error = coalesce(p_error, error),
        updated_at = p_now
    where salon_id = p_salon_id and yc_id = p_yc_id
      and case p_state when 'accepted' then state = 'queued'
                       when 'sent' then state in ('queued', 'accepted')
                       when 'failed' then state in ('queued', 'accepted')
                       else false end
    returning to_jsonb(channel_messages) - 'callback_url' as row
  )
  select row from moved
  union all
  select to_jsonb(m) - 'callback_url' from channel_messages m
  where not exists (select 1 from moved) and m.salon_id = p_salon_id and m.yc_id = p_yc_id
    and p_state in ('sent', 'failed') and m.state = p_state and (p_state = 'sent' or m.error is not distinct from p_error)
  limit 1
$$;
