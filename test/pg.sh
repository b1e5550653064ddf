#!/usr/bin/env bash
# A private PostgreSQL cluster for the test suite: its own directory, port and socket, on
# 127.0.0.1 only, durability off.
#   test/pg.sh start DIR   initialises and starts it, prints its URL (for DESKD_TEST_DATABASE)
#   test/pg.sh stop DIR    stops it and removes DIR
# As root, the cluster runs as the user postgres. PostgreSQL's programs are found in
# /usr/lib/postgresql/*/bin, or in $DESKD_PG_BIN.
set -euo pipefail
cmd=${1:?usage: test/pg.sh start|stop DIR}
dir=${2:?usage: test/pg.sh start|stop DIR}
bin=${DESKD_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bin/initdb" ] || { echo "no PostgreSQL (initdb) found; apt-get install postgresql" >&2; exit 1; }
as=()
if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi
case $cmd in
start)
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$dir"
		chmod o+x "$(dirname "$dir")" # The user postgres passes through to its directory.
		runuser -u postgres -- test -w "$dir" || { echo "the user postgres cannot reach $dir" >&2; exit 1; }
	fi
	"${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-locale -E UTF8 --no-sync >"$dir/initdb.log" 2>&1
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB" start >/dev/null
	echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	;;
stop)
	"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*) echo "usage: test/pg.sh start|stop DIR" >&2; exit 2 ;;
esac
