-- A Supabase project's API roles and default privileges, on a plain PostgreSQL. test/support/real-postgres.ts runs this
-- as the superuser in each test file's fresh database, then applies supabase/migrations/ as that superuser (as
-- `supabase db push` does as `postgres`), and makes every RPC as service_role through the `authenticator` login.
--
-- What Supabase sets up (github.com/supabase/postgres, migrations/db/init-scripts/00000000000000-initial-schema.sql):
-- anon and authenticated NOLOGIN NOINHERIT, service_role NOLOGIN NOINHERIT BYPASSRLS, and `authenticator`, the NOINHERIT
-- login PostgREST connects as and from which it SETs ROLE to one of them per request. The three get usage on schema
-- public and, by default privileges of the role that creates objects (`postgres` for a project's migrations), ALL on
-- every table, function and sequence created in public.
--
-- Since 2026-05-30 for new projects and 2026-10-30 for every project, Supabase revokes those defaults again (changelog
-- 45329 "Tables not exposed to Data and GraphQL API automatically"; the CLI applies the same SQL locally as
-- RevokeDefaultDataApiPrivilegesSql): tables, sequences and functions that postgres creates in public get no grant to
-- any of the three, service_role included. This file applies that revoke unless the session sets
-- ai_admin.auto_expose = 'on' (a project that kept the old default). The migrations must hold in both: with the old
-- default, anon and authenticated must really lose what they were given; with the new one, service_role must still
-- be able to run every function it is meant to.

-- Cluster-wide (roles), idempotent: every test database runs this file.
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
  if not exists (select from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then create role authenticator login noinherit; end if;
end $$;
grant anon, authenticated, service_role to authenticator;
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- Per database (schema usage and default privileges live in each database).
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to postgres, anon, authenticated, service_role;

do $$
begin
  if coalesce(current_setting('ai_admin.auto_expose', true), '') <> 'on' then
    alter default privileges for role postgres in schema public
      revoke select, insert, update, delete on tables from anon, authenticated, service_role;
    alter default privileges for role postgres in schema public
      revoke usage, select on sequences from anon, authenticated, service_role;
    alter default privileges for role postgres in schema public
      revoke execute on functions from anon, authenticated, service_role;
  end if;
end $$;
