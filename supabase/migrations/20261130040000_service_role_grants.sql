-- What service_role needs, granted explicitly instead of left to Supabase's default privileges, which differ by
-- project: since 2026-05-30 for new projects and 2026-10-30 for all, Supabase grants nothing on tables, sequences and
-- functions created in public to anon, authenticated or service_role (changelog 45329). On such a project every RPC
-- failed with "permission denied for function" (42501); test/db/real-postgres/ found it by running the migrations on
-- a real PostgreSQL set up as either kind of project. The functions run as their caller (security invoker), so
-- service_role needs them and the tables and sequences they use; the default privileges cover later migrations.
grant usage on schema public to service_role;
grant execute on all functions in schema public to service_role;
grant select, insert, update, delete on all tables in schema public to service_role;
grant usage, select on all sequences in schema public to service_role;
alter default privileges in schema public grant execute on functions to service_role;
alter default privileges in schema public grant select, insert, update, delete on tables to service_role;
alter default privileges in schema public grant usage, select on sequences to service_role;

-- Where the old defaults still apply, anon and authenticated hold usage and update on every sequence, and would get
-- every later table and sequence: 20261123000001_security.sql took back only the tables that existed then.
revoke all on all sequences in schema public from anon, authenticated;
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
