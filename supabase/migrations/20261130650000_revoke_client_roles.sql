-- On a project with Supabase's older defaults, a table created before 20261130040000 tightened the default
-- privileges (the install-trust tables, 20261130010000) was granted to anon and authenticated on creation. No table
-- is theirs: only service_role reaches data (test/db/security.test.ts, and the real-Postgres run in .ci/run).
revoke all on all tables in schema public from anon, authenticated;
revoke all on all sequences in schema public from anon, authenticated;
