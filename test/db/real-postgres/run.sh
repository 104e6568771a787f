#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster (Debian's server package) with TEST_DATABASE_URL pointing at
# its superuser; the test harness then sets each test file's database up as a Supabase project
# (test/db/real-postgres/supabase-roles.sql). The cluster lives in a temp dir and is removed on exit, also on failure.
#   test/db/real-postgres/run.sh                          the database tests, as .ci/run runs them
#   test/db/real-postgres/run.sh npx vitest run test/db   any command
set -euo pipefail

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  echo "installing Debian's PostgreSQL server for the real-Postgres tests"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

dir="$(mktemp -d)"
# initdb refuses to run as root: as root, the cluster belongs to the postgres system user.
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
"${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
# Durability settings off: the cluster is thrown away, and the tests are about behaviour, not crash safety.
if ! "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s start \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"; then
  cat "$dir/server.log" >&2
  exit 1
fi
echo "real Postgres: $("$bin/postgres" --version) on 127.0.0.1:$port"

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
if [ "$#" -gt 0 ]; then
  "$@"
  exit
fi
# The SQL functions and the stores that call them, on a project with today's Supabase defaults (nothing granted to
# service_role unless a migration grants it); then the grant checks again on a project with the old defaults
# (everything granted to anon and authenticated unless a migration takes it back).
TEST_SUPABASE_AUTO_EXPOSE=off npx vitest run test/db test/bookings test/notifications/reminders.test.ts test/sync \
  test/dispatch/local-dispatcher.test.ts test/marketplace/install-flow.test.ts test/fleet/fleet.test.ts
TEST_SUPABASE_AUTO_EXPOSE=on npx vitest run test/db/security.test.ts
