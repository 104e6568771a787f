-- The `payment` lifecycle event (the original's webhook list has it; Altegio sends it, YClients' public docs list
-- only uninstall and freeze): the salon paid, so a frozen salon works again at once (the daily status check stays
-- the safety net), and the payment's date is kept on the salon.
alter table salons add column last_payment_date timestamptz;

-- p_payment_date: ISO ending in Z, or salon-local 'YYYY-MM-DD HH:MM[:SS]' as YClients writes marketplace payment
-- dates. The event is recorded once per payment date, so a redelivered job changes nothing twice.
create function salon_payment(p_salon_id bigint, p_payment_date text, p_now timestamptz) returns jsonb
language plpgsql as $$
declare
  v salons;
  v_paid timestamptz;
  v_unfrozen boolean;
begin
  select * into v from salons where salon_id = p_salon_id for update;
  if not found then
    return jsonb_build_object('changed', false, 'unfrozen', false, 'salon', null);
  end if;
  v_paid := case when p_payment_date like '%Z' then p_payment_date::timestamptz
                 else p_payment_date::timestamp at time zone v.timezone end;
  if exists (select 1 from marketplace_events
             where salon_id = p_salon_id and event = 'payment' and (data ->> 'payment_date')::timestamptz = v_paid) then
    return jsonb_build_object('changed', false, 'unfrozen', false, 'salon', salon_public(v));
  end if;
  insert into marketplace_events (salon_id, event, data, created_at)
  values (p_salon_id, 'payment', jsonb_build_object('payment_date', v_paid, 'status', v.status), p_now);
  v_unfrozen := (salon_unfreeze(p_salon_id, 'payment', p_now) ->> 'changed')::boolean;
  update salons set last_payment_date = greatest(last_payment_date, v_paid), updated_at = p_now
  where salon_id = p_salon_id returning * into v;
  return jsonb_build_object('changed', true, 'unfrozen', v_unfrozen, 'salon', salon_public(v));
end $$;
