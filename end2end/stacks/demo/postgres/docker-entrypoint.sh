#!/usr/bin/env bash
# A small stand-in for the official postgres image's entrypoint, so tests can
# treat this image like `postgres:15`:
#   POSTGRES_PASSWORD (required), POSTGRES_USER (default postgres),
#   POSTGRES_DB (default $POSTGRES_USER), POSTGRES_INITDB_ARGS,
#   /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sh run once on an empty data dir.
set -Eeuo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# `docker run IMAGE -c foo=bar` means "postgres -c foo=bar".
if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

log() { echo "entrypoint: $*" >&2; }

# As root: fix ownership of the (possibly fresh) volume, then re-run this
# script as postgres. setpriv execs (unlike su/runuser), so postgres ends up
# as PID 1 and gets docker's stop signal directly.
if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA"
    chmod 2775 /var/run/postgresql
    find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        log "POSTGRES_PASSWORD is not set; refusing to initialise an unprotected database"
        exit 1
    fi
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}

    log "initialising $PGDATA (user=$user db=$db)"
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    # Unquoted on purpose: POSTGRES_INITDB_ARGS is a list of flags.
    # shellcheck disable=SC2086
    initdb --username="$user" --pwfile="$pwfile" \
        --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 \
        ${POSTGRES_INITDB_ARGS:-} >&2
    rm -f "$pwfile"

    # Password auth from anywhere on the network; the unix socket stays trust
    # (only reachable from inside the container).
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"

    # Temporary server, socket only, so nothing outside sees a half-made DB.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >&2

    psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$user" --no-password)
    if [ "$db" != 'postgres' ]; then
        "${psql[@]}" --dbname postgres -v db="$db" <<<'CREATE DATABASE :"db";' >&2
    fi

    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh) log "running $f"; . "$f" ;;
            *.sql) log "running $f"; "${psql[@]}" --dbname "$db" -f "$f" >&2 ;;
            *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$db" >&2 ;;
            *) log "ignoring $f" ;;
        esac
    done

    pg_ctl -D "$PGDATA" -m fast -w stop >&2
    log "initialisation done"
fi

exec "$@"
