-- One phone rule (issue 15, item 2). Numbers are stored as the digits WhatsApp addresses them by (E.164 without
-- "+"); a number written without a country code is read as the salon's country's. The rule itself lives in
-- lib/phone/ (sync, webhooks, the assistant, the gateway); this file holds the same country table so the salon's
-- country is decided where its company object is stored, and so the rows stored under the old rules (a Russian
-- "8 916 …" kept as 8916…) are normalised once. test/phone/rule.test.ts checks that SQL and lib/phone agree.

-- Calling code, digits without it, trunk prefix dialled inside the country, and how YClients names the country.
create function phone_countries()
returns table (iso text, code text, national_len integer[], trunk text, names text[])
language sql immutable as $$
  values
    ('RU', '7',   array[10],   '8',  array['россия', 'russia', 'российская федерация']),
    ('KZ', '7',   array[10],   '8',  array['казахстан', 'kazakhstan']),
    ('BY', '375', array[9],    '80', array['беларусь', 'белоруссия', 'belarus']),
    ('UA', '380', array[9],    '0',  array['украина', 'ukraine']),
    ('UZ', '998', array[9],    null, array['узбекистан', 'uzbekistan']),
    ('KG', '996', array[9],    '0',  array['кыргызстан', 'киргизия', 'kyrgyzstan']),
    ('AM', '374', array[8],    '0',  array['армения', 'armenia']),
    ('GE', '995', array[9],    null, array['грузия', 'georgia']),
    ('AZ', '994', array[9],    '0',  array['азербайджан', 'azerbaijan']),
    ('MD', '373', array[8],    '0',  array['молдова', 'молдавия', 'moldova']),
    ('TJ', '992', array[9],    null, array['таджикистан', 'tajikistan']),
    ('LV', '371', array[8],    null, array['латвия', 'latvia']),
    ('LT', '370', array[8],    '8',  array['литва', 'lithuania']),
    ('EE', '372', array[7, 8], null, array['эстония', 'estonia']),
    ('AE', '971', array[9],    '0',  array['оаэ', 'объединенные арабские эмираты', 'объединённые арабские эмираты',
                                           'united arab emirates', 'uae'])
$$;

-- The salon's country from YClients' company object: its `country` name, else `country_id` 1 (Russia, in YClients'
-- own examples; other ids are undocumented), else the calling code of the company's phone written with "+".
create function phone_country_of_company(p_company jsonb)
returns text language sql immutable as $$
  select coalesce(
    (select c.iso from phone_countries() c where lower(btrim(p_company ->> 'country')) = any (c.names) limit 1),
    case when p_company ->> 'country_id' = '1' then 'RU' end,
    (select c.iso from phone_countries() c
     where btrim(p_company ->> 'phone') like '+%'
       and regexp_replace(p_company ->> 'phone', '\D', '', 'g') like c.code || '%'
     order by length(c.code) desc, c.iso limit 1))
$$;

-- lib/phone/normalise.ts normalisePhone, for stored rows. A country this table lacks reads as Russia (FALLBACK_COUNTRY).
create function phone_normalise(p_input text, p_country text)
returns text language plpgsql immutable as $$
declare
  v_text text := btrim(coalesce(p_input, ''));
  v_d text := regexp_replace(coalesce(p_input, ''), '\D', '', 'g');
  c record;
  v_local text;
begin
  if v_d = '' then return null; end if;
  if left(v_text, 1) = '+' then
    return case when v_d ~ '^[1-9][0-9]{6,14}$' then v_d end;
  end if;
  if left(v_d, 2) = '00' then
    v_d := substr(v_d, 3);
    return case when v_d ~ '^[1-9][0-9]{6,14}$' then v_d end;
  end if;
  select * into c from phone_countries() x where x.iso = p_country;
  if not found then
    select * into c from phone_countries() x where x.iso = 'RU';
  end if;
  if c.trunk is not null and left(v_d, length(c.trunk)) = c.trunk then
    v_local := substr(v_d, length(c.trunk) + 1);
  end if;
  if v_local is not null and length(v_local) = any (c.national_len) then
    v_d := c.code || v_local;
  elsif length(v_d) = any (c.national_len) then
    v_d := c.code || v_d;
  end if;
  return case when v_d ~ '^[1-9][0-9]{6,14}$' then v_d end;
end $$;

-- The country is decided wherever the company object is stored (registration, the company sync): one trigger.
alter table salons add column country text check (country ~ '^[A-Z]{2}$');

create function salons_country_from_company() returns trigger language plpgsql as $$
begin
  new.country := coalesce(phone_country_of_company(new.company), new.country);
  return new;
end $$;

create trigger salons_country before insert or update of company on salons
for each row execute function salons_country_from_company();

update salons set country = phone_country_of_company(company) where company is not null;

-- Rows stored under the old rules, read again from what YClients sent (the raw object keeps the "+" the digits lost).
--   clients: both rows keep their YClients client id when two of them now share a number; the assistant takes the
--            one with more visits (assistant_context), as it always did for a shared number.
--   records: the client's number; notifications still to go take their record's number.
--   notifications already sent: their digits, read by the same rule.
-- Chats (conversations, messages, assistant turns) are keyed by the number WhatsApp reported, which is already in
-- this form: none is rewritten, so no two chats merge; a client whose YClients number was stored as 8916… finds
-- their chat history under 7916…, where WhatsApp always put it.
update clients k
set phone = n.phone
from (
  select k2.salon_id, k2.client_id,
         coalesce(phone_normalise(k2.raw ->> 'phone', s.country), phone_normalise(k2.phone, s.country)) as phone
  from clients k2 join salons s using (salon_id)
  where k2.phone is not null
) n
where k.salon_id = n.salon_id and k.client_id = n.client_id and k.phone is distinct from n.phone;

update records r
set client_phone = n.phone
from (
  select r2.salon_id, r2.record_id,
         coalesce(phone_normalise(r2.raw -> 'client' ->> 'phone', s.country), phone_normalise(r2.client_phone, s.country)) as phone
  from records r2 join salons s using (salon_id)
  where r2.client_phone is not null
) n
where r.salon_id = n.salon_id and r.record_id = n.record_id and r.client_phone is distinct from n.phone;

update notifications n
set phone = r.client_phone
from records r
where n.status in ('pending', 'sending') and r.salon_id = n.salon_id and r.record_id = n.record_id
  and r.client_phone is not null and n.phone <> r.client_phone;

update notifications n
set phone = v.phone
from (
  select n2.id, phone_normalise(n2.phone, s.country) as phone
  from notifications n2 join salons s using (salon_id)
  where n2.status not in ('pending', 'sending')
) v
where n.id = v.id and v.phone is not null and n.phone <> v.phone;

-- What a sync needs of a salon now includes its country (lib/sync/store.ts), as does the bookings decision point.
create or replace function sync_salon(p_salon_id bigint) returns jsonb language sql stable as $$
  select jsonb_build_object('salon_id', salon_id, 'timezone', timezone, 'status', status, 'country', country)
  from salons where salon_id = p_salon_id
$$;

create or replace function booking_salon(p_salon_id bigint) returns jsonb language sql stable as $$
  select jsonb_build_object('salon_id', salon_id, 'timezone', timezone, 'status', status, 'country', country)
  from salons where salon_id = p_salon_id
$$;
