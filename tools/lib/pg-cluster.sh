#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks, from the installed server binaries:
# initdb in a temp dir (as an unprivileged account when root), a unix socket only, fsync off.
#   source tools/lib/pg-cluster.sh; start_cluster; … ; stop_cluster
# After start_cluster, ISOTHERM_TEST_PG_CONNINFO names it. Callers may set PG_USER, PG_OS_USER,
# PG_PORT and PG_READY_TIMEOUT_SECONDS first.
PG_USER="${PG_USER:-isotherm}"
PG_OS_USER="${PG_OS_USER:-isotherm-test}"
PG_PORT="${PG_PORT:-${ISOTHERM_TEST_PG_PORT:-54329}}"
PG_READY_TIMEOUT_SECONDS="${PG_READY_TIMEOUT_SECONDS:-30}"
# runuser and useradd live in sbin, which a CI environment's PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

# --- the throwaway cluster ---------------------------------------------------------------------

pg_tmp=""
pg_bin=""

# Runs a PostgreSQL program as the cluster's owner: initdb and postgres refuse to run as root.
as_pg_owner() {
    if ((EUID == 0)); then
        (cd "$pg_tmp" && runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd "$pg_tmp" && "$@")
    fi
}

find_pg_bin() {
    local dir
    for dir in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/15/bin; do
        if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/pg_isready" ]]; then
            pg_bin="$dir"
            break
        fi
    done
    if [[ -z "$pg_bin" ]]; then
        echo "postgres: error: no initdb/pg_ctl found via pg_config --bindir or in /usr/lib/postgresql/15/bin" >&2
        echo "postgres: install postgresql-15 (tools/lib/install-deps.sh does)" >&2
        exit 1
    fi
    local version major
    version="$("$pg_bin/postgres" --version)"
    major="$(sed -nE 's/^[^0-9]*([0-9]+).*/\1/p' <<<"$version")"
    if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 15)); then
        echo "postgres: error: $pg_bin is '$version'; PostgreSQL 15 or newer is needed" >&2
        exit 1
    fi
    echo "postgres: using $pg_bin ($version)"
}

start_cluster() {
    find_pg_bin
    # A short path under /tmp: a unix socket path must stay under ~107 bytes.
    pg_tmp="$(mktemp -d /tmp/isotherm-pg.XXXXXX)"
    mkdir "$pg_tmp/sock"
    if ((EUID == 0)); then
        if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
            echo "postgres: creating system user $PG_OS_USER (initdb refuses to run as root)"
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OS_USER"
        fi
        chown -R "$PG_OS_USER:" "$pg_tmp"
    fi

    echo "postgres: initdb -D $pg_tmp/pgdata -U $PG_USER --auth=trust"
    if ! as_pg_owner "$pg_bin/initdb" -D "$pg_tmp/pgdata" -U "$PG_USER" --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$pg_tmp/initdb.log" 2>&1; then
        echo "postgres: error: initdb failed:" >&2
        cat "$pg_tmp/initdb.log" >&2
        exit 1
    fi

    # listen_addresses='' : no TCP at all, only the socket in our private directory, so the port
    # number only names the socket file (.s.PGSQL.<port>) and cannot collide with anything.
    echo "postgres: starting on $pg_tmp/sock port $PG_PORT (unix socket only)"
    if ! as_pg_owner "$pg_bin/pg_ctl" -D "$pg_tmp/pgdata" -l "$pg_tmp/postgres.log" -w -t "$PG_READY_TIMEOUT_SECONDS" \
        -o "-k $pg_tmp/sock -p $PG_PORT -c listen_addresses='' -c fsync=off" start >/dev/null; then
        echo "postgres: error: pg_ctl start failed; server log:" >&2
        cat "$pg_tmp/postgres.log" >&2 || true
        exit 1
    fi

    local deadline=$((SECONDS + PG_READY_TIMEOUT_SECONDS))
    until "$pg_bin/pg_isready" -q -h "$pg_tmp/sock" -p "$PG_PORT" -U "$PG_USER" -d postgres; do
        if ((SECONDS >= deadline)); then
            echo "postgres: error: not ready after ${PG_READY_TIMEOUT_SECONDS}s; server log:" >&2
            cat "$pg_tmp/postgres.log" >&2 || true
            exit 1
        fi
        sleep 0.2
    done

    export ISOTHERM_TEST_PG_CONNINFO="host=$pg_tmp/sock port=$PG_PORT user=$PG_USER dbname=postgres"
    echo "postgres: ready: ISOTHERM_TEST_PG_CONNINFO=\"$ISOTHERM_TEST_PG_CONNINFO\""
}

# shellcheck disable=SC2317 # reached from the EXIT trap
stop_cluster() {
    [[ -n "$pg_tmp" ]] || return 0
    if [[ -f "$pg_tmp/pgdata/postmaster.pid" ]]; then
        if as_pg_owner "$pg_bin/pg_ctl" -D "$pg_tmp/pgdata" -m immediate -w -t 30 stop >/dev/null 2>&1; then
            echo "postgres: stopped"
        else
            echo "postgres: warning: pg_ctl stop failed; server log follows" >&2
            cat "$pg_tmp/postgres.log" >&2 || true
        fi
    fi
    rm -rf "$pg_tmp"
    echo "postgres: removed $pg_tmp"
    pg_tmp=""
}

