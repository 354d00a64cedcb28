#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (and for trying `--storage postgres` by hand):
# installs Debian's `postgresql` package when missing, initialises a cluster in a temporary
# directory and starts it on 127.0.0.1 only. Source it: it exports PERIGATE_TEST_POSTGRES_URL and
# defines `stop_test_postgres` (scripts/test.sh calls it on exit; the data directory goes too).
# PERIGATE_TEST_POSTGRES_OPTIONS: more server options (`-c name=value …`), e.g. for a benchmark.
#   source scripts/test-postgres.sh && start_test_postgres
start_test_postgres() {
  local port="${PERIGATE_TEST_POSTGRES_PORT:-54329}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    echo "installing: postgresql"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  fi
  PERIGATE_PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PERIGATE_PGDIR=$(mktemp -d)
  $sudo chown postgres:postgres "$PERIGATE_PGDIR"; $sudo chmod 700 "$PERIGATE_PGDIR"
  local password; password="test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  echo "$password" | $sudo tee "$PERIGATE_PGDIR/pw" >/dev/null; $sudo chown postgres "$PERIGATE_PGDIR/pw"
  $sudo runuser -u postgres -- "$PERIGATE_PGBIN/initdb" -D "$PERIGATE_PGDIR/data" -U postgres --pwfile="$PERIGATE_PGDIR/pw" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  $sudo runuser -u postgres -- "$PERIGATE_PGBIN/pg_ctl" -D "$PERIGATE_PGDIR/data" -l "$PERIGATE_PGDIR/server.log" -w -t 30 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $PERIGATE_PGDIR -c max_connections=300 ${PERIGATE_TEST_POSTGRES_OPTIONS:-}" start >/dev/null
  export PERIGATE_TEST_POSTGRES_URL="postgres://postgres:$password@127.0.0.1:$port/postgres"
  export PERIGATE_REQUIRE_POSTGRES=1
  echo "test PostgreSQL running on 127.0.0.1:$port"
}

stop_test_postgres() {
  [ -n "${PERIGATE_PGDIR:-}" ] || return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo runuser -u postgres -- "$PERIGATE_PGBIN/pg_ctl" -D "$PERIGATE_PGDIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  $sudo rm -rf "$PERIGATE_PGDIR"
}
