#!/usr/bin/env bash
# Try a multi-process deployment of Reelwork on this machine, with the settings a deployment over
# several machines uses (README, "Try the cluster here"):
#
#   load balancer (scripts/lb.py) on $REELWORK_CLUSTER_PORT (8800)
#     ├─ web-1: scripts/serve (migrate, collectstatic, gunicorn) on port +1
#     └─ web-2: scripts/serve web on port +2
#   worker-media-1, worker-media-2: scripts/serve worker media     (RQ workers on Redis)
#   worker-default: scripts/serve worker default
#   sweep: scripts/serve sweep                                     (hands back the work of dead workers)
#   PostgreSQL: the machine's, database reelwork_cluster;  Redis: the machine's, database 13;
#   S3: the Ceph RGW of scripts/s3-server.sh, bucket reelwork-cluster
#
#   scripts/cluster.sh start    write var/cluster/env (once), start what is not running, wait for
#                               /healthz through the balancer. Idempotent.
#   scripts/cluster.sh stop     stop every process it started (SIGTERM to each process group, then
#                               SIGKILL after 30 s), and the S3 server when this script started it
#   scripts/cluster.sh status   each process and its pid, and /healthz through the balancer;
#                               exit 0 when all run and the balancer answers healthy
#
# Every process reads the one environment file var/cluster/env: on several machines, copy it to
# each, point its DATABASE_URL, REELWORK_REDIS_URL and REELWORK_S3_* at the shared services, and
# run there the `scripts/serve …` lines above that machine should run.
#
# Env: REELWORK_CLUSTER_DIR (var/cluster)  REELWORK_CLUSTER_PORT (8800)
#      REELWORK_CLUSTER_DB (reelwork_cluster)  REELWORK_CLUSTER_PG (postgres://postgres@127.0.0.1:5432)
#      REELWORK_CLUSTER_REDIS (redis://127.0.0.1:6379)  REELWORK_CLUSTER_REDIS_DB (13)
#      PY (.venv/bin/python, with the scale extra: pip install .[scale])
# Exit codes: 0 ok, 1 something did not start (the log is named), 3 PostgreSQL, Redis or S3 is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${REELWORK_CLUSTER_DIR:-$ROOT/var/cluster}
PORT=${REELWORK_CLUSTER_PORT:-8800}
DB=${REELWORK_CLUSTER_DB:-reelwork_cluster}
PG=${REELWORK_CLUSTER_PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${REELWORK_CLUSTER_REDIS:-redis://127.0.0.1:6379}
REDIS_DB=${REELWORK_CLUSTER_REDIS_DB:-13}
PY=${PY:-$ROOT/.venv/bin/python}
export PY
CMD=${1:-status}
WORKERS=(worker-media-1 worker-media-2 worker-default)
PROCS=(web-1 web-2 lb "${WORKERS[@]}" sweep)

say() { echo "cluster: $*" >&2; }
die() { local code=$1; shift; say "$*"; exit "$code"; }

alive() {
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

pid_of() {
  local f=$DIR/run/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [ -n "$pid" ] && alive "$pid" || return 1
  # A pid reused after a reboot is not ours: our processes carry the cluster's directory in their environment.
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "REELWORK_CLUSTER_DIR=$DIR" || return 1
  echo "$pid"
}

# launch NAME COMMAND...: in a session of its own (so stop reaches its children: gunicorn's
# workers, RQ's work horses, ffmpeg), with the cluster's environment, logging to log/NAME.log.
launch() {
  local name=$1; shift
  if pid_of "$name" >/dev/null; then return 0; fi
  (
    exec 9>&-  # the start lock stays with this script, not with the cluster's processes
    set -a; source "$DIR/env"; set +a
    export REELWORK_CLUSTER_DIR=$DIR
    exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$DIR/run/$name.pid" "$@" \
      </dev/null >>"$DIR/log/$name.log" 2>&1
  ) &
  for _ in $(seq 50); do [ -s "$DIR/run/$name.pid" ] && break; sleep 0.1; done
  say "started $name (pid $(cat "$DIR/run/$name.pid"), log $DIR/log/$name.log)"
}

healthz() { curl -s --max-time 5 -H "Host: 127.0.0.1" "http://127.0.0.1:$1/healthz"; }

# wait_healthy PORT NAME: until /healthz answers 200 there, or the process died, or 120 s passed.
wait_healthy() {
  local port=$1 name=$2
  for _ in $(seq 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/healthz")" = 200 ] && return 0
    pid_of "$name" >/dev/null || { tail -n 30 "$DIR/log/$name.log" >&2; die 1 "$name exited (log $DIR/log/$name.log)"; }
    sleep 0.5
  done
  tail -n 30 "$DIR/log/$name.log" >&2
  die 1 "$name did not answer /healthz on port $port within 120 s (log $DIR/log/$name.log)"
}

write_env() {
  [ -f "$DIR/env" ] && return 0
  local secret s3
  secret=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
  s3=$(scripts/s3-server.sh env | sed 's/^export //' | grep -v '^REELWORK_S3_BUCKET=')
  umask 077
  cat >"$DIR/env" <<ENV
# Reelwork's environment for every process of the cluster (web, workers, sweep), one machine or many.
REELWORK_MODE=production
SECRET_KEY=$secret
ALLOWED_HOSTS=127.0.0.1,localhost
# No TLS on this machine's balancer; behind a real one, leave these at their defaults (on).
SECURE_SSL_REDIRECT=false
SECURE_HSTS_SECONDS=0
CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$PORT,http://localhost:$PORT
DATABASE_URL=$PG/$DB
DATABASE_CONN_MAX_AGE=60
TASKS_BACKEND=django_tasks_rq.RQBackend
REELWORK_REDIS_URL=$REDIS/$REDIS_DB
$s3
REELWORK_S3_BUCKET=reelwork-cluster
REELWORK_S3_CORS_ORIGINS=http://127.0.0.1:$PORT,http://localhost:$PORT
REELWORK_VAR_DIR=$DIR/var
WEB_CONCURRENCY=2
ENV
  say "wrote $DIR/env"
}

check_services() {
  command -v psql >/dev/null || die 3 "psql is missing (PostgreSQL client)"
  command -v redis-cli >/dev/null || die 3 "redis-cli is missing (Redis)"
  command -v curl >/dev/null || die 3 "curl is missing"
  psql "$PG/postgres" -tAc "SELECT 1" >/dev/null 2>&1 || die 3 "PostgreSQL at $PG does not answer"
  [ "$(redis-cli -u "$REDIS/$REDIS_DB" ping 2>/dev/null)" = PONG ] || die 3 "Redis at $REDIS does not answer"
  "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('django_tasks_rq') is None)" || die 3 "django-tasks-rq is missing: $PY -m pip install .[scale]"
}

start() {
  mkdir -p "$DIR"/{run,log,var}
  exec 9>"$DIR/.lock"; flock -w 300 9 || die 1 "another start/stop holds $DIR/.lock"
  check_services
  if ! scripts/s3-server.sh status; then
    scripts/s3-server.sh start || die 3 "the S3 server did not start (scripts/s3-server.sh start)"
    touch "$DIR/run/s3.ours"
  fi
  write_env
  [ "$(psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" = 1 ] \
    || psql "$PG/postgres" -qc "CREATE DATABASE \"$DB\"" >/dev/null
  (set -a; source "$DIR/env"; set +a; "$PY" manage.py setup_storage >>"$DIR/log/setup.log" 2>&1) \
    || { tail -n 20 "$DIR/log/setup.log" >&2; die 1 "manage.py setup_storage failed (log $DIR/log/setup.log)"; }
  # The first web process migrates and collects static files; the second starts once it answers.
  REELWORK_ADDR=127.0.0.1:$((PORT + 1)) launch web-1 scripts/serve
  wait_healthy $((PORT + 1)) web-1
  REELWORK_ADDR=127.0.0.1:$((PORT + 2)) launch web-2 scripts/serve web
  launch lb "$PY" scripts/lb.py --listen "127.0.0.1:$PORT" --backend "127.0.0.1:$((PORT + 1))" --backend "127.0.0.1:$((PORT + 2))"
  launch worker-media-1 scripts/serve worker media
  launch worker-media-2 scripts/serve worker media
  launch worker-default scripts/serve worker default
  launch sweep scripts/serve sweep
  wait_healthy $((PORT + 2)) web-2
  wait_healthy "$PORT" lb
  say "up: http://127.0.0.1:$PORT/ (cluster page: /cluster/)"
}

stop_one() {
  local name=$1 pid
  pid=$(pid_of "$name") || { rm -f "$DIR/run/$name.pid"; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 300); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then say "$name (pid $pid) ignored SIGTERM for 30 s; killing its group"; fi
  # What is left of its session (a work horse, an ffmpeg) goes too.
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$DIR/run/$name.pid"
  say "stopped $name"
}

stop() {
  [ -d "$DIR/run" ] || return 0
  exec 9>"$DIR/.lock"; flock -w 300 9 || say "another start/stop holds $DIR/.lock; stopping anyway"
  local name
  # The balancer first (no new requests), then the web processes, then the workers (each
  # finishes or gives back its job: a cut cut short is handed back by the lease), the sweep last.
  for name in lb web-2 web-1; do stop_one "$name"; done
  for name in "${WORKERS[@]}"; do stop_one "$name" & done
  wait
  stop_one sweep
  if [ -f "$DIR/run/s3.ours" ]; then
    scripts/s3-server.sh stop && rm -f "$DIR/run/s3.ours"
  fi
}

status() {
  local name pid ok=0 body
  for name in "${PROCS[@]}"; do
    if pid=$(pid_of "$name"); then printf '%-16s running  pid %s\n' "$name" "$pid"
    else printf '%-16s stopped\n' "$name"; ok=1; fi
  done
  if scripts/s3-server.sh status; then printf '%-16s running\n' s3; else printf '%-16s not answering\n' s3; ok=1; fi
  if body=$(healthz "$PORT") && [ -n "$body" ]; then printf 'healthz via :%s  %s\n' "$PORT" "$body"
  else printf 'healthz via :%s  no answer\n' "$PORT"; ok=1; fi
  case "$body" in *'"status": "ok"'*|*'"status":"ok"'*) ;; *) ok=1 ;; esac
  return $ok
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
