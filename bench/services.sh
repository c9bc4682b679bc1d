#!/usr/bin/env bash
# The bench's PostgreSQL and redis-server on this machine's loopback, for `alerthub bench --postgres … --redis …`.
#   bash bench/services.sh start   # prints the two options to pass
#   bash bench/services.sh stop
# PostgreSQL runs with its durable defaults (fsync=on, synchronous_commit=on): a 201 in the bench means what it
# means in production. The ports (15432, 16379; PG_PORT/REDIS_PORT) lie below the ephemeral range, where the
# bench's thousands of client sockets cannot be holding them. Data lives in /tmp/alerthub-bench-services and is removed by `stop`.
set -euo pipefail
DIR=/tmp/alerthub-bench-services
PG_PORT=${PG_PORT:-15432}
REDIS_PORT=${REDIS_PORT:-16379}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
AS=()
if [ "$(id -u)" = 0 ]; then AS=(setpriv --reuid=postgres --regid=postgres --init-groups); fi

case "${1:-}" in
  start)
    mkdir -p "$DIR"
    if [ ${#AS[@]} -gt 0 ]; then chown postgres:postgres "$DIR"; fi
    if [ ! -d "$DIR/pg" ]; then
      "${AS[@]}" "$BIN/initdb" -D "$DIR/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 > "$DIR/initdb.log"
    fi
    "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w -o "-p $PG_PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=400" start > /dev/null
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
    echo "--postgres \"Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Maximum Pool Size=50\" --redis 127.0.0.1:$REDIS_PORT"
    ;;
  stop)
    if [ -d "$DIR/pg" ]; then "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/pg" -m fast stop > /dev/null || true; fi
    if [ -f "$DIR/redis.pid" ]; then kill "$(cat "$DIR/redis.pid")" 2> /dev/null || true; fi
    rm -rf "$DIR"
    ;;
  *)
    echo "Gebruik: bash bench/services.sh start|stop" >&2
    exit 2
    ;;
esac
