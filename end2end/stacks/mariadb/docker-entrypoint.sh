#!/usr/bin/env bash
# A small stand-in for the official mariadb image's entrypoint, so tests can
# treat this image like `mariadb:10.11`. MARIADB_X wins over MYSQL_X; the
# ROOT_PASSWORD, ROOT_HOST, DATABASE, USER and PASSWORD ones may instead be
# given as X_FILE (a file holding the value, e.g. a docker secret):
#   MARIADB_ROOT_PASSWORD, or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD /
#     MYSQL_ALLOW_EMPTY_PASSWORD, or MARIADB_RANDOM_ROOT_PASSWORD (printed once);
#     one of them is required to initialise;
#   MARIADB_ROOT_HOST (default %): root@localhost and root@HOST get the password;
#   MARIADB_DATABASE: created; MARIADB_USER / MARIADB_PASSWORD: created with
#     ALL on that database;
#   /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sh run once on an empty data dir
#     (in MARIADB_DATABASE, as root; .sh are sourced unless executable).
# Not copied from the official image: time zone tables, MARIADB_AUTO_UPGRADE,
# replication variables, password hashes, *.sql.bz2/xz/zst.
set -Eeuo pipefail

# `docker run IMAGE --foo=bar` means "mariadbd --foo=bar".
if [ "${1:0:1}" = '-' ]; then
    set -- mariadbd "$@"
fi

log() { echo "entrypoint: $*" >&2; }
die() { log "$*"; exit 1; }

# The server, and not `mariadbd --help` / `--version`.
wants_server() {
    [ "$1" = 'mariadbd' ] || [ "$1" = 'mysqld' ] || return 1
    local arg
    for arg in "${@:2}"; do
        case "$arg" in -'?' | --help | --print-defaults | -V | --version) return 1 ;; esac
    done
}

# The server's idea of a setting, with every config file and argument applied
# (a `--datadir=...` in CMD or a mounted .cnf counts).
server_config() {
    local name=$1 out
    shift
    out=$("$@" --verbose --help 2>&1) || die "the server rejects its configuration: $out"
    awk -v name="$name" '$1 == name && /^[^ \t]/ { sub(/^[^ \t]+[ \t]+/, ""); print; exit }' <<<"$out"
}

# file_env NAME: NAME, or the contents of the file named by NAME_FILE (not both).
# As in the official image, trailing newlines of the file are dropped.
file_env() {
    local var=$1 file_var="${1}_FILE"
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
        die "both $var and $file_var are set (but are exclusive)"
    fi
    if [ -n "${!file_var:-}" ]; then
        [ -r "${!file_var}" ] || die "$file_var=${!file_var}: cannot read that file"
        export "$var"="$(<"${!file_var}")"
    fi
    unset "$file_var"
}

if wants_server "$@"; then
    # Resolved while still root (secrets may be root-only files) and exported,
    # so the re-run as mysql and executable init scripts see the values.
    for name in ROOT_PASSWORD ROOT_HOST DATABASE USER PASSWORD; do
        file_env "MARIADB_$name"
        file_env "MYSQL_$name"
    done
    unset name
    datadir=$(server_config datadir "$@")
    datadir=${datadir%/}
    socket=$(server_config socket "$@")
    if [ -z "$datadir" ] || [ -z "$socket" ]; then
        die "no datadir/socket in the server's configuration"
    fi
fi

# As root: fix ownership of the (possibly fresh) volume, then re-run this
# script as mysql. setpriv execs (unlike su/runuser), so mariadbd ends up as
# PID 1 and gets docker's stop signal directly.
if wants_server "$@" && [ "$(id -u)" = '0' ]; then
    mkdir -p "$datadir" "$(dirname "$socket")"
    find "$datadir" "$(dirname "$socket")" \! -user mysql -exec chown mysql:mysql '{}' +
    exec setpriv --reuid=mysql --regid=mysql --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if wants_server "$@" && [ ! -d "$datadir/mysql" ]; then
    root_password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
    root_host=${MARIADB_ROOT_HOST:-${MYSQL_ROOT_HOST:-%}}
    allow_empty=${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}
    random_root=${MARIADB_RANDOM_ROOT_PASSWORD:-${MYSQL_RANDOM_ROOT_PASSWORD:-}}
    db=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
    user=${MARIADB_USER:-${MYSQL_USER:-}}
    password=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}

    random_password() { head -c 24 /dev/urandom | base64 | tr -d '+/=\n'; }

    if [ -z "$root_password" ] && [ -n "$random_root" ]; then
        root_password=$(random_password)
        log "GENERATED ROOT PASSWORD: $root_password"
    fi
    if [ -z "$root_password" ] && [ -z "$allow_empty" ]; then
        die "database is uninitialised and no root password option is set; set one of" \
            "MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD"
    fi
    if [ "$user" = 'root' ]; then
        die "MARIADB_USER=root: MARIADB_USER and MARIADB_PASSWORD are for the regular user, not for root"
    fi
    if [ -n "$user" ] && [ -z "$password" ]; then
        log "warning: MARIADB_USER=$user has no MARIADB_PASSWORD; creating it without a password"
    fi
    if [ -n "$password" ] && [ -z "$user" ]; then
        log "warning: MARIADB_PASSWORD is set but MARIADB_USER is not; ignoring it"
    fi

    # SQL string literal (the session clears NO_BACKSLASH_ESCAPES below) and
    # quoted identifier, so any password or name is taken as it is.
    lit() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }
    # shellcheck disable=SC2016 # literal backticks, not a command substitution
    ident() { printf '`%s`' "${1//\`/\`\`}"; }

    log "initialising $datadir (db=${db:-none} user=${user:-none})"
    # As the official image: root logs in with a password, not unix_socket
    # (so root@localhost works from `docker exec` with -p / MYSQL_PWD), and
    # no test database or anonymous users.
    mariadb-install-db --datadir="$datadir" --rpm --auth-root-authentication-method=normal \
        --skip-test-db --default-time-zone=SYSTEM --skip-log-bin --expire-logs-days=0 \
        --loose-innodb_buffer_pool_load_at_startup=0 \
        --loose-innodb_buffer_pool_dump_at_shutdown=0 \
        "${@:2}" >&2

    # Temporary server, socket only, so nothing outside sees a half-made DB
    # (and the TCP healthcheck stays red until the real server runs).
    "$@" --skip-networking --socket="$socket" --default-time-zone=SYSTEM \
        --wsrep-on=OFF --expire-logs-days=0 --skip-slave-start \
        --loose-innodb_buffer_pool_load_at_startup=0 \
        --loose-innodb_buffer_pool_dump_at_shutdown=0 &
    temp_pid=$!

    # A MYSQL_PWD from the container's environment must not get in the way
    # while root still has no password; afterwards it is root's password, so
    # the init scripts' own `mariadb` calls just work.
    unset MYSQL_PWD
    sql=(mariadb --protocol=socket --socket="$socket" --user=root --binary-mode)
    for ((i = 0; ; i++)); do
        if "${sql[@]}" --database=mysql -e 'SELECT 1' >/dev/null 2>&1; then
            break
        fi
        kill -0 "$temp_pid" 2>/dev/null || die "the temporary server exited during start-up"
        ((i < 300)) || die "the temporary server did not answer within 60 s"
        sleep 0.2
    done

    healthcheck_password=$(random_password)
    {
        echo "SET @@SESSION.SQL_LOG_BIN = 0;"
        echo "SET @@SESSION.SQL_MODE = REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');"
        echo "DROP USER IF EXISTS root@'127.0.0.1', root@'::1';"
        printf '%s\n' "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\'');"
        echo "SET PASSWORD FOR 'root'@'localhost' = PASSWORD($(lit "$root_password"));"
        if [ "$root_host" != 'localhost' ]; then
            echo "CREATE USER 'root'@$(lit "$root_host") IDENTIFIED BY $(lit "$root_password");"
            echo "GRANT ALL ON *.* TO 'root'@$(lit "$root_host") WITH GRANT OPTION;"
            echo "GRANT PROXY ON ''@'%' TO 'root'@$(lit "$root_host") WITH GRANT OPTION;"
        fi
        for host in localhost 127.0.0.1 ::1; do
            echo "CREATE USER 'healthcheck'@'$host' IDENTIFIED BY $(lit "$healthcheck_password");"
        done
        if [ -n "$db" ]; then
            echo "CREATE DATABASE IF NOT EXISTS $(ident "$db");"
        fi
        if [ -n "$user" ]; then
            echo "CREATE USER $(lit "$user")@'%' IDENTIFIED BY $(lit "$password");"
            if [ -n "$db" ]; then
                echo "GRANT ALL ON $(ident "${db//_/\\_}").* TO $(lit "$user")@'%';"
            fi
        fi
    } | "${sql[@]}" --database=mysql >&2

    export MYSQL_PWD=$root_password
    # For .sh init scripts written for the official image (they pass options).
    # shellcheck disable=SC2120
    docker_process_sql() {
        if [ -n "$db" ]; then
            "${sql[@]}" --database="$db" "$@"
        else
            "${sql[@]}" "$@"
        fi
    }

    # shellcheck disable=SC2119 # no options: the plain default database
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh)
                log "running $f"
                # shellcheck source=/dev/null
                if [ -x "$f" ]; then "$f" >&2; else . "$f"; fi
                ;;
            *.sql) log "running $f"; docker_process_sql <"$f" >&2 ;;
            *.sql.gz) log "running $f"; gunzip -c "$f" | docker_process_sql >&2 ;;
            *) log "ignoring $f" ;;
        esac
    done

    kill "$temp_pid"
    wait "$temp_pid" || die "the temporary server did not shut down cleanly"

    # Written last: the healthcheck needs it, so the container only turns
    # healthy once everything above has worked. [client], not the official
    # image's [mariadb-client]: mariadb-admin does not read that group.
    (
        umask 077
        printf '[client]\nuser=healthcheck\npassword=%s\n' \
            "$healthcheck_password" >"$datadir/.my-healthcheck.cnf"
    )
    unset MYSQL_PWD root_password password healthcheck_password
    log "initialisation done"
fi

# The server gets no secrets in its environment (`docker inspect` still shows
# what was passed with -e; *_FILE values stay out of it).
if wants_server "$@"; then
    unset MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD MARIADB_PASSWORD MYSQL_PASSWORD
fi

exec "$@"
