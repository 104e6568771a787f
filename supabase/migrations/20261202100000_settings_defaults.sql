-- The defaults of the notifications, outreach and campaigns settings live only in their SQL functions
-- (notification_settings, outreach_settings, campaign_settings), which the decisions call. The cabinet reads the
-- effective settings and the defaults through the functions below, so its form and "reset to default" cannot show
-- values the sends, quiet hours and caps do not use.

-- campaign_settings of 20261201200000_campaigns.sql with every key: the review pages and the birthday offer were
-- defaulted only in TypeScript.
create or replace function campaign_settings(p_settings jsonb) returns jsonb language sql immutable as $$
  select jsonb_build_object(
    'reviewEnabled', false, 'reviewAfterHours', 3,
    'reviewYandexUrl', '', 'review2gisUrl', '', 'reviewGoogleUrl', '',
    'winbackEnabled', false, 'winbackDays', 60,
    'birthdayEnabled', false, 'birthdayAt', '10:00', 'birthdayOffer', ''
  ) || coalesce(case when jsonb_typeof(p_settings -> 'campaigns') = 'object' then p_settings -> 'campaigns' end, '{}'::jsonb)
$$;

-- The sections' defaults: each function's answer for a salon that changed nothing.
create function salon_settings_defaults(p_default_delay_sec integer) returns jsonb language sql immutable as $$
  select jsonb_build_object(
    'notifications', notification_settings('{}'::jsonb, p_default_delay_sec),
    'outreach', outreach_settings('{}'::jsonb),
    'campaigns', campaign_settings('{}'::jsonb))
$$;

-- What the cabinet shows and checks a change against, in one call: the stored settings, the sections the decisions
-- read as they read them, and the defaults a key set to null goes back to. Null for an unknown salon.
create function salon_settings_effective(p_salon_id bigint, p_default_delay_sec integer) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'stored', s.settings,
    'notifications', notification_settings(s.settings, p_default_delay_sec),
    'outreach', outreach_settings(s.settings),
    'campaigns', campaign_settings(s.settings),
    'defaults', salon_settings_defaults(p_default_delay_sec))
  from salons s where s.salon_id = p_salon_id
$$;

revoke execute on all functions in schema public from public, anon, authenticated;
grant execute on all functions in schema public to service_role;
