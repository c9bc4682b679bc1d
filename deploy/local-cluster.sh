#!/usr/bin/env bash
# A production-shaped AlertHub cluster on 127.0.0.1, from Debian packages, without containers:
# redis-server, a PostgreSQL cluster, NODES hub nodes and nginx in front (deploy/nginx/alerthub.conf).
# Everything it starts lives under .cluster/ (data, logs, pids) and is stopped by pid.
#
#   deploy/local-cluster.sh start|stop|status
#
# Ports and sizes can be changed with environment variables (defaults below); see deploy/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${ALERTHUB_CLUSTER_DIR:-$ROOT/.cluster}
NODES=${NODES:-2}
NGINX_PORT=${NGINX_PORT:-8080}
NODE_BASE_PORT=${NODE_BASE_PORT:-5081}
REDIS_PORT=${REDIS_PORT:-6390}
PG_PORT=${PG_PORT:-5442}
CONFIGURATION=${CONFIGURATION:-Release}
WAIT_SECONDS=${WAIT_SECONDS:-120}   # upper bound for every wait below
SKIP_BUILD=${SKIP_BUILD:-0}

# What `start` used is kept here, so `status` and `stop` find the same ports without the variables again.
PORTS_FILE=$STATE/ports.env
if [ "${1:-}" != start ] && [ -s "$PORTS_FILE" ]; then
  # shellcheck disable=SC1090
  . "$PORTS_FILE"
fi

PIDS=$STATE/pids
PG_DIR=$STATE/postgres
PG_DATA=$PG_DIR/data
PG_RUN=$PG_DIR/run
NGINX_DIR=$STATE/nginx
APP_DIR=$ROOT/src/AlertHub/bin/$CONFIGURATION/net10.0
APP_DLL=$APP_DIR/AlertHub.dll

log() { printf '[cluster] %s\n' "$*"; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# initdb and postgres refuse to run as root: as root, PostgreSQL runs as the Debian `postgres` user.
as_pg() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local dir
  dir=$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  command -v nginx >/dev/null || missing+=(nginx)
  pg_bin >/dev/null || missing+=(postgresql)
  command -v curl >/dev/null || missing+=(curl)
  command -v npm >/dev/null || missing+=(npm)   # the build fetches the web app's browser packages
  if ((${#missing[@]})); then
    is_root || die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not on PATH"
}

# True when something already accepts connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid in $1 if that process is alive and its command line contains $2 (guards against a
# recycled pid: stop never signals a process it did not start).
live_pid() {
  local file=$1 pattern=$2 pid
  [ -f "$file" ] || return 1
  pid=$(head -n 1 "$file" | tr -dc '0-9')
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern" || return 1
  echo "$pid"
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls twice a second, bounded in both tries and time.
wait_until() {
  local seconds=$1 what=$2 tries=0 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  while ((tries < seconds * 2 && SECONDS < deadline)); do
    "$@" >/dev/null 2>&1 && return 0
    tries=$((tries + 1))
    sleep 0.5
  done
  log "gave up waiting for $what after ${seconds}s"
  return 1
}

# stop_pid NAME PIDFILE PATTERN SIGNAL SECONDS: signal, wait bounded, then SIGKILL.
stop_pid() {
  local name=$1 file=$2 pattern=$3 signal=$4 seconds=$5 pid
  if pid=$(live_pid "$file" "$pattern"); then
    log "stopping $name (pid $pid)"
    kill "-$signal" "$pid" 2>/dev/null || true
    if ! wait_until "$seconds" "$name to exit" bash -c "! kill -0 $pid 2>/dev/null"; then
      log "$name did not exit; killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

node_port() { echo $((NODE_BASE_PORT + $1 - 1)); }

ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$1")" = 200 ]; }

start_redis() {
  mkdir -p "$STATE/redis"
  log "redis-server on 127.0.0.1:$REDIS_PORT"
  # The backplane only relays messages: nothing to persist.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --daemonize yes \
    --pidfile "$PIDS/redis.pid" --logfile "$STATE/redis/redis.log" --dir "$STATE/redis" \
    --save '' --appendonly no
  wait_until 20 "redis" bash -c "[ \"\$(redis-cli -h 127.0.0.1 -p $REDIS_PORT ping)\" = PONG ]"
}

start_postgres() {
  local bin
  bin=$(pg_bin) || die "no PostgreSQL binaries under /usr/lib/postgresql"
  mkdir -p "$PG_DIR"
  if is_root; then chown postgres:postgres "$PG_DIR"; fi
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA ($bin)"
    as_pg mkdir -p "$PG_DATA" "$PG_RUN"
    as_pg "$bin/initdb" -D "$PG_DATA" --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --no-locale >"$STATE/initdb.log"
  fi
  as_pg mkdir -p "$PG_RUN"
  log "PostgreSQL on 127.0.0.1:$PG_PORT"
  as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/postgres.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_RUN" >/dev/null
  head -n 1 "$PG_DATA/postmaster.pid" >"$PIDS/postgres.pid"

  # The hub's own role and database; its password is made once and kept in a mode-600 file.
  if [ ! -s "$STATE/alerthub-db.password" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$STATE/alerthub-db.password")
  fi
  local password psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PG_PORT" -d postgres)
  password=$(cat "$STATE/alerthub-db.password")
  if [ -z "$(as_pg "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'alerthub'")" ]; then
    log "creating role and database alerthub"
    # On stdin, so the password never shows up in a process list.
    printf "CREATE ROLE alerthub LOGIN PASSWORD '%s';\n" "$password" | as_pg "${psql[@]}"
    as_pg "${psql[@]}" -c "CREATE DATABASE alerthub OWNER alerthub"
  fi
}

start_node() {
  local n=$1 port dir password
  port=$(node_port "$n")
  dir=$STATE/node$n
  mkdir -p "$dir"
  password=$(cat "$STATE/alerthub-db.password")
  log "hub node $n on 127.0.0.1:$port"
  # The connection string goes in through the environment: a command line is visible to every user.
  # A build (unlike a publish) has no wwwroot of its own: the web app is served from the source tree.
  ConnectionStrings__AlertHub="Host=127.0.0.1;Port=$PG_PORT;Database=alerthub;Username=alerthub;Password=$password" \
  DOTNET_NOLOGO=1 ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Production} \
    nohup dotnet "$APP_DLL" \
      --contentRoot "$APP_DIR" \
      --webroot "$ROOT/src/AlertHub/wwwroot" \
      --urls "http://127.0.0.1:$port" \
      --Database:Provider=Postgres \
      --Redis:Configuration="127.0.0.1:$REDIS_PORT" \
      --Demo:Enabled=true \
      --Security:RequireHttps=false \
      --Scheduling:NodeName="node$n" \
      --Sms:OutboxPath="$dir/sms-outbox.jsonl" \
      >"$dir/node.log" 2>&1 </dev/null &
  echo $! >"$PIDS/node$n.pid"
}

wait_node_ready() {
  local n=$1 port pid deadline tries=0
  port=$(node_port "$n")
  deadline=$((SECONDS + WAIT_SECONDS))
  while ((tries < WAIT_SECONDS * 2 && SECONDS < deadline)); do
    if ! pid=$(live_pid "$PIDS/node$n.pid" AlertHub.dll); then
      log "node $n exited during start-up; last lines of $STATE/node$n/node.log:"
      tail -n 30 "$STATE/node$n/node.log" >&2 || true
      return 1
    fi
    ready "http://127.0.0.1:$port/health/ready" && { log "node $n ready (pid $pid)"; return 0; }
    tries=$((tries + 1))
    sleep 0.5
  done
  log "node $n not ready after ${WAIT_SECONDS}s; last lines of its log:"
  tail -n 30 "$STATE/node$n/node.log" >&2 || true
  return 1
}

# Production's nginx/alerthub.conf, listening on this cluster's port, with this cluster's nodes.
write_nginx_site() {
  local n
  sed -e "s/^\([[:space:]]*\)listen 80;/\1listen 127.0.0.1:$NGINX_PORT;/" \
      -e "s#/var/log/nginx/#$NGINX_DIR/#" "$ROOT/deploy/nginx/alerthub.conf" >"$NGINX_DIR/alerthub.conf"
  : >"$NGINX_DIR/alerthub-nodes.conf"
  for ((n = 1; n <= NODES; n++)); do
    echo "server 127.0.0.1:$(node_port "$n") max_fails=3 fail_timeout=10s;" >>"$NGINX_DIR/alerthub-nodes.conf"
  done
}

start_nginx() {
  mkdir -p "$NGINX_DIR/temp"
  local user_line="" worker=""
  if is_root; then
    worker=$(id -u www-data >/dev/null 2>&1 && echo www-data || echo nobody)
    user_line="user $worker;"
  fi
  write_nginx_site
  cat >"$NGINX_DIR/nginx.conf" <<EOF
# Generated by deploy/local-cluster.sh; everything under $NGINX_DIR, nothing in /var.
$user_line
worker_processes 1;
# A graceful stop (QUIT) waits for open connections, and hub WebSockets stay open for an hour: after 5 s the
# worker closes them (the clients reconnect to another node), so a stop takes seconds, not an hour.
worker_shutdown_timeout 5s;
pid $PIDS/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
    access_log $NGINX_DIR/access.log;
    client_body_temp_path $NGINX_DIR/temp/client_body;
    proxy_temp_path       $NGINX_DIR/temp/proxy;
    fastcgi_temp_path     $NGINX_DIR/temp/fastcgi;
    uwsgi_temp_path       $NGINX_DIR/temp/uwsgi;
    scgi_temp_path        $NGINX_DIR/temp/scgi;
    include $NGINX_DIR/alerthub.conf;
}
EOF
  if [ -n "$worker" ]; then chown -R "$worker" "$NGINX_DIR/temp"; fi
  log "nginx on 127.0.0.1:$NGINX_PORT"
  nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" -t -q
  nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log"
  wait_until 20 "nginx" ready "http://127.0.0.1:$NGINX_PORT/health/ready"
}

any_running() {
  live_pid "$PIDS/redis.pid" redis-server >/dev/null && return 0
  live_pid "$PIDS/postgres.pid" postgres >/dev/null && return 0
  live_pid "$PIDS/nginx.pid" nginx >/dev/null && return 0
  local f
  for f in "$PIDS"/node*.pid; do
    [ -e "$f" ] && live_pid "$f" AlertHub.dll >/dev/null && return 0
  done
  return 1
}

cmd_start() {
  ensure_packages
  mkdir -p "$PIDS"
  any_running && die "the cluster (or part of it) is already running: deploy/local-cluster.sh status / stop"
  ((NODES >= 1 && NODES <= 16)) || die "NODES must be 1..16"
  local port n
  for port in "$NGINX_PORT" "$REDIS_PORT" "$PG_PORT" $(for ((n = 1; n <= NODES; n++)); do node_port "$n"; done); do
    port_in_use "$port" && die "127.0.0.1:$port is already in use (set NGINX_PORT, REDIS_PORT, PG_PORT or NODE_BASE_PORT)"
  done

  printf 'NODES=%s\nNGINX_PORT=%s\nNODE_BASE_PORT=%s\nREDIS_PORT=%s\nPG_PORT=%s\nCONFIGURATION=%s\n' \
    "$NODES" "$NGINX_PORT" "$NODE_BASE_PORT" "$REDIS_PORT" "$PG_PORT" "$CONFIGURATION" >"$PORTS_FILE"

  if [ "$SKIP_BUILD" != 1 ]; then
    log "dotnet build -c $CONFIGURATION src/AlertHub"
    dotnet build "$ROOT/src/AlertHub" -c "$CONFIGURATION" -nologo -v q >"$STATE/build.log" 2>&1 \
      || { tail -n 30 "$STATE/build.log" >&2; die "build failed (see $STATE/build.log)"; }
  fi
  [ -f "$APP_DLL" ] || die "$APP_DLL does not exist; build first"

  # On any failure from here on (set -e), take down what was started rather than leave half a cluster.
  trap 'rc=$?; if [ "$rc" -ne 0 ]; then log "start failed; stopping what was started"; cmd_stop; fi' EXIT
  start_redis
  start_postgres
  # The first node migrates and seeds the empty database alone; the others start once it is ready,
  # so two nodes never race through the same migration or demo seed.
  start_node 1
  wait_node_ready 1
  for ((n = 2; n <= NODES; n++)); do start_node "$n"; done
  for ((n = 2; n <= NODES; n++)); do wait_node_ready "$n"; done
  start_nginx
  trap - EXIT

  log "up: http://127.0.0.1:$NGINX_PORT (nginx) -> nodes $(for ((n = 1; n <= NODES; n++)); do printf '%s ' "$(node_port "$n")"; done)"
  log "demo login: coordinator@demo.alerthub.test / Demo-2026!   logs: $STATE/*/"
}

cmd_stop() {
  local f n
  stop_pid nginx "$PIDS/nginx.pid" nginx QUIT 15
  for ((n = 16; n >= 1; n--)); do
    f=$PIDS/node$n.pid
    # SIGTERM lets a node finish in-flight requests and release its job claims.
    [ -e "$f" ] && stop_pid "node $n" "$f" AlertHub.dll TERM 30
  done
  if live_pid "$PIDS/postgres.pid" postgres >/dev/null; then
    log "stopping PostgreSQL (pid $(head -n 1 "$PIDS/postgres.pid"))"
    as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null \
      || stop_pid postgres "$PIDS/postgres.pid" postgres TERM 15
  fi
  rm -f "$PIDS/postgres.pid"
  stop_pid redis-server "$PIDS/redis.pid" redis-server TERM 15
  log "stopped (data kept in $STATE; remove that directory for a fresh start)"
}

cmd_status() {
  local pid n port code running=0 faults=0
  report() { # NAME PIDFILE PATTERN [URL]
    if pid=$(live_pid "$2" "$3"); then
      running=1
      if [ -n "${4:-}" ]; then
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$4" || true)
        [ "$code" = 200 ] || faults=$((faults + 1))
        printf '  %-12s running  pid %-8s %s -> %s\n' "$1" "$pid" "$4" "$code"
      else
        printf '  %-12s running  pid %s\n' "$1" "$pid"
      fi
    else
      faults=$((faults + 1))
      printf '  %-12s stopped\n' "$1"
    fi
  }
  echo "AlertHub local cluster ($STATE)"
  report redis "$PIDS/redis.pid" redis-server
  report postgres "$PIDS/postgres.pid" postgres
  for ((n = 1; n <= NODES; n++)); do
    report "node $n" "$PIDS/node$n.pid" AlertHub.dll "http://127.0.0.1:$(node_port "$n")/health/ready"
  done
  report nginx "$PIDS/nginx.pid" nginx "http://127.0.0.1:$NGINX_PORT/health/ready"
  # 0: all up and ready; 1: part of it down or not ready; 3: nothing running.
  ((running)) || return 3
  ((faults == 0)) || return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
