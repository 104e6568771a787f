-- Only the service role reaches data. Every table has RLS with no policies for anon/authenticated, and no function
-- is executable by them. Later migrations keep this: the default privileges below cover functions created after
-- this one, and test/db/security.test.ts fails if a table lacks RLS or a function is callable by anon.
-- Postgres grants EXECUTE to PUBLIC by a global default; a per-schema default can only add to it, so this one must
-- be global (it covers functions the migrating role creates anywhere).
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon, authenticated;

do $$
declare t record;
begin
  for t in select tablename from pg_tables where schemaname = 'public' loop
    execute format('alter table public.%I enable row level security', t.tablename);
    execute format('revoke all on public.%I from anon, authenticated', t.tablename);
  end loop;
end $$;
