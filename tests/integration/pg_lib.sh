# SPDX-License-Identifier: Apache-2.0
# Sourced by the KMS integration tests that need PostgreSQL: pg_start DIR starts a private
# server from Debian's binaries (/usr/lib/postgresql/*/bin, or $SR_PG_BIN) in DIR, on
# 127.0.0.1 at a free port, with trust authentication, and sets pg_url to a fresh database;
# pg_stop stops it. initdb refuses to run as root, so as root the server runs as the
# "postgres" (else "nobody") user. pg_available says whether the binaries are there.
# Not a test itself (ctest runs test_*.sh only).

pg_bin=${SR_PG_BIN:-}
if [[ -z $pg_bin ]]; then
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/initdb ]] && pg_bin=$d
    done
fi
pg_dir=
pg_url=

pg_available() {
    [[ -n $pg_bin && -x $pg_bin/initdb && -x $pg_bin/pg_ctl ]]
}

# Skip (exit 77) without the server binaries, unless CI is set: then it is a failure.
pg_require() { # what-is-skipped
    pg_available && return 0
    if [[ -n ${CI:-} ]]; then
        echo "FAIL: PostgreSQL server binaries not found (CI is set); install postgresql" >&2
        exit 1
    fi
    echo "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): skipping $1" >&2
    return 1
}

pg_as() { # command...: run as the server's user
    if [[ $(id -u) -eq 0 ]]; then
        local who=postgres
        id postgres >/dev/null 2>&1 || who=nobody
        runuser -u "$who" -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

pg_start() { # dir
    pg_dir=$1
    mkdir -p "$pg_dir"
    if [[ $(id -u) -eq 0 ]]; then
        local who=postgres
        id postgres >/dev/null 2>&1 || who=nobody
        chown "$who" "$pg_dir"
        chmod o+x "$(dirname "$pg_dir")" # the server's user must reach its directory
    fi
    local port
    port=$(pg_free_port)
    pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-sync -N \
        >"$pg_dir/initdb.log" 2>&1 || {
        cat "$pg_dir/initdb.log" >&2
        return 1
    }
    pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -s \
        -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1" start || {
        cat "$pg_dir/server.log" >&2
        return 1
    }
    pg_as "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres sealroom || return 1
    pg_url="postgres://postgres@127.0.0.1:$port/sealroom"
}

pg_stop() {
    if [[ -n $pg_dir && -d $pg_dir/data ]]; then
        pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w -s stop >/dev/null 2>&1 || true
    fi
    pg_dir=
}
