-- Install trust (ARCHITECTURE.md "Trust"): which marketplace redirects are honoured, how many per address, and which
-- onboarding link of a salon is the current one. lib/marketplace/trust-store.ts is the only caller.

-- A signed user_data is the same bytes every time the same user clicks «Подключить» (YClients puts no time or nonce
-- in it), so a signature is honoured once per window; a repeat inside the window needs that user's live session.
create table marketplace_redirect_uses (
  sign_hash   text primary key,
  user_id     bigint not null,
  first_at    timestamptz not null,
  last_at     timestamptz not null
);
alter table marketplace_redirect_uses enable row level security;

-- Signed redirects per client address per fixed window: each honoured one may cost YClients calls and salon rows.
create table marketplace_redirect_rate (
  ip            text not null,
  window_start  timestamptz not null,
  count         int not null,
  primary key (ip, window_start)
);
alter table marketplace_redirect_rate enable row level security;

-- The current onboarding link of a salon: every honoured redirect starts a new epoch, and an onboarding token of an
-- older epoch no longer opens the salon's WhatsApp (the gateway and activation compare it).
create table onboarding_links (
  salon_id    bigint primary key,
  epoch       int not null,
  user_id     bigint not null,
  started_at  timestamptz not null
);
alter table onboarding_links enable row level security;

-- One call decides a signed redirect before anything else happens: the address's budget first (a flood is refused
-- without touching the replay table), then the signature's replay window.
-- outcome: 'ok' | 'rate_limited' | 'replayed'.
create function marketplace_redirect_admit(p_sign_hash text, p_user_id bigint, p_session_user_id bigint, p_ip text,
                                           p_replay_window_sec int, p_ip_limit int, p_ip_window_sec int,
                                           p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  v_window timestamptz := to_timestamp(floor(extract(epoch from p_now) / p_ip_window_sec) * p_ip_window_sec);
  v_count int;
  v_last timestamptz;
begin
  delete from marketplace_redirect_rate where window_start < v_window - make_interval(secs => p_ip_window_sec);
  insert into marketplace_redirect_rate as r (ip, window_start, count) values (p_ip, v_window, 1)
  on conflict (ip, window_start) do update set count = r.count + 1
  returning count into v_count;
  if v_count > p_ip_limit then
    return jsonb_build_object('outcome', 'rate_limited');
  end if;

  select last_at into v_last from marketplace_redirect_uses where sign_hash = p_sign_hash for update;
  if found and v_last > p_now - make_interval(secs => p_replay_window_sec)
     and p_session_user_id is distinct from p_user_id then
    return jsonb_build_object('outcome', 'replayed');
  end if;
  insert into marketplace_redirect_uses as u (sign_hash, user_id, first_at, last_at)
  values (p_sign_hash, p_user_id, p_now, p_now)
  on conflict (sign_hash) do update set last_at = p_now;
  return jsonb_build_object('outcome', 'ok');
end $$;

create function onboarding_link_start(p_salon_id bigint, p_user_id bigint, p_now timestamptz)
returns int language plpgsql as $$
declare
  v_epoch int;
begin
  insert into onboarding_links as l (salon_id, epoch, user_id, started_at) values (p_salon_id, 1, p_user_id, p_now)
  on conflict (salon_id) do update set epoch = l.epoch + 1, user_id = p_user_id, started_at = p_now
  returning epoch into v_epoch;
  return v_epoch;
end $$;

-- 0: the salon never had an honoured redirect.
create function onboarding_link_epoch(p_salon_id bigint)
returns int language sql stable as $$
  select coalesce((select epoch from onboarding_links where salon_id = p_salon_id), 0)
$$;
