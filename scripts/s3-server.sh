#!/usr/bin/env bash
# A real S3 API server on 127.0.0.1 for development and the test suite: single-node Ceph RADOS
# Gateway from Debian packages (1 mon + 1 BlueStore OSD on a sparse file + radosgw). Real SigV4,
# presigned URLs with expiry, multipart uploads, ranged GETs, CORS. No mgr, no redundancy.
#
#   scripts/s3-server.sh start    install the packages when missing (root + apt only), create the
#                                 cluster on first run, start what is not running, create the test
#                                 user and the default bucket, wait until S3 answers. Idempotent.
#   scripts/s3-server.sh status   exit 0 when our server is up and answers authenticated requests
#   scripts/s3-server.sh env      print the REELWORK_S3_* settings for it: eval "$(scripts/s3-server.sh env)"
#   scripts/s3-server.sh stop     stop the three daemons (by their pid files)
#   scripts/s3-server.sh wipe     stop and delete all data
#
# Env: REELWORK_S3_DATA (default ${TMPDIR:-/tmp}/reelwork-s3)  REELWORK_S3_PORT (7480)
#      REELWORK_S3_MON_PORT (6789)
# Exit codes: 0 ok, 1 the server failed to start (see the log named in the message),
#             3 the Ceph packages are missing and cannot be installed here (not root, no apt),
#             4 a port we need is taken by another program.
# First start ~20 s (creates the cluster; plus ~1 min when it installs the packages); later starts
# ~6 s; start when already running: instant.
set -euo pipefail

BASE=${REELWORK_S3_DATA:-${TMPDIR:-/tmp}/reelwork-s3}
PORT=${REELWORK_S3_PORT:-7480}
MONPORT=${REELWORK_S3_MON_PORT:-6789}
ENDPOINT=http://127.0.0.1:$PORT
# Fixed test credentials: this server is for development and tests only and listens on loopback.
AK=reelwork-test-access-key
SK=reelwork-test-secret-key-0123456789
REGION=us-east-1
BUCKET=reelwork
CMD=${1:-start}

say() { echo "s3-server: $*" >&2; }
die() { local code=$1; shift; say "$*"; exit "$code"; }

# A process that exists and is not a zombie (an exited daemon lingers as one until it is reaped).
alive() {
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# pid of daemon $1 (mon.a | osd.0 | client.rgw.a) if it is alive and really that daemon.
daemon_pid() {
  local f=$BASE/run/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [ -n "$pid" ] && alive "$pid" || return 1
  # The pid may have been reused after a reboot or crash: check it is still a Ceph daemon.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE '(ceph-mon|ceph-osd|radosgw)' || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A SigV4-signed request with an empty body (curl's --aws-sigv4 leaves out the payload hash S3 wants).
s3_curl() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 --aws-sigv4 "aws:amz:$REGION:s3" --user "$AK:$SK" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$@" 2>/dev/null
}

# An authenticated ListBuckets: proves radosgw is up *and* our user exists.
s3_answers() { [ "$(s3_curl "$ENDPOINT/")" = 200 ]; }

running() { daemon_pid mon.a >/dev/null && daemon_pid osd.0 >/dev/null && daemon_pid client.rgw.a >/dev/null && s3_answers; }

stop() {
  local n pid
  for n in client.rgw.a osd.0 mon.a; do
    pid=$(daemon_pid "$n") || { rm -f "$BASE/run/$n.pid"; continue; }
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.2; done
    alive "$pid" && { say "$n (pid $pid) ignored SIGTERM for 20 s; killing it"; kill -9 "$pid" 2>/dev/null || true; }
    rm -f "$BASE/run/$n.pid"
  done
}

print_env() {
  printf 'export REELWORK_S3_ENDPOINT_URL=%q\n' "$ENDPOINT"
  printf 'export REELWORK_S3_BUCKET=%q\n' "$BUCKET"
  printf 'export REELWORK_S3_ACCESS_KEY=%q\n' "$AK"
  printf 'export REELWORK_S3_SECRET_KEY=%q\n' "$SK"
  printf 'export REELWORK_S3_REGION=%q\n' "$REGION"
  printf 'export REELWORK_S3_ADDRESSING_STYLE=%q\n' path
}

# wait_for SECONDS DESCRIPTION LOG COMMAND...: poll COMMAND every 0.5 s; on timeout fail with the log tail.
wait_for() {
  local secs=$1 what=$2 log=$3; shift 3
  for _ in $(seq $((secs * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  say "$what did not come up within ${secs} s. Last lines of $log:"
  tail -n 20 "$log" >&2 2>/dev/null || true
  fail_start "$what did not come up"
}

# The data here is disposable test data. A cluster that existed but will not come up again (a
# daemon that crashed mid-write, a disk that filled up) is deleted and created afresh, once,
# instead of failing every later run.
EXISTED=0
fail_start() {
  say "$*"
  if [ "$EXISTED" = 1 ] && [ -z "${REELWORK_S3_FRESH:-}" ]; then
    say "the existing data in $BASE does not start again; deleting it and creating the server afresh"
    stop
    exec 9>&-
    rm -rf "$BASE"
    REELWORK_S3_FRESH=1 exec "$0" start
  fi
  exit 1
}

install_packages() {
  local missing=()
  command -v ceph-mon >/dev/null || missing+=(ceph-mon)
  command -v ceph-osd >/dev/null || missing+=(ceph-osd)
  command -v radosgw >/dev/null || missing+=(radosgw)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    die 3 "the S3 test server needs the Debian packages ${missing[*]}, and they are missing." \
      "Install them as root: apt-get update && apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw curl"
  fi
  say "installing ${missing[*]} (Debian; about a minute) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die 3 "apt-get update failed; cannot install ${missing[*]}"
  apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw curl >/dev/null \
    || die 3 "apt-get install ceph-mon ceph-osd radosgw curl failed (packages unavailable for this distribution?)"
}

case "$CMD" in
  start) ;;
  status) [ -d "$BASE" ] && command -v curl >/dev/null && running && exit 0; exit 1 ;;
  env) print_env; exit 0 ;;
  stop|wipe)
    [ -d "$BASE" ] || exit 0
    exec 9>"$BASE/.lock"; flock -w 300 9 || say "another start/stop holds $BASE/.lock for 5 min; stopping anyway"
    stop
    [ "$CMD" = wipe ] && rm -rf "$BASE"
    exit 0 ;;
  *) echo "usage: $0 start|status|env|stop|wipe" >&2; exit 2 ;;
esac

install_packages
[ -f "$BASE/osd0/.created" ] && EXISTED=1
mkdir -p "$BASE"/{mon,osd0,rgw,log,run}
# Two test sessions starting the server at once: the second waits here, then finds it running.
exec 9>"$BASE/.lock"; flock -w 300 9 || die 1 "another start holds $BASE/.lock for 5 min; is it hung?"
if running; then
  say "already running at $ENDPOINT (data in $BASE)"
  exit 0
fi

export CEPH_CONF=$BASE/ceph.conf
[ -f "$BASE/fsid" ] || cat /proc/sys/kernel/random/uuid >"$BASE/fsid"
FSID=$(cat "$BASE/fsid")
cat >"$CEPH_CONF" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MONPORT
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
keyring = $BASE/keyring
run dir = $BASE/run
log file = $BASE/log/\$name.log
admin socket = $BASE/run/\$name.asok
pid file = $BASE/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
# A developer's disk may be fairly full: don't let the mon refuse to run because of it.
mon data avail warn = 2
mon data avail crit = 1
osd crush chooseleaf type = 0
[mon.a]
mon data = $BASE/mon
[osd]
osd data = $BASE/osd0
osd objectstore = bluestore
# Sparse: uses disk only for what is stored.
bluestore block path = $BASE/osd0.block
bluestore block create = true
bluestore block size = 21474836480
bluestore cache autotune = false
bluestore cache size = 134217728
osd memory target = 939524096
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $BASE/rgw
CONF

if [ ! -f "$BASE/mon/.created" ]; then
  K=$BASE/keyring
  rm -f "$K"
  ceph-authtool --create-keyring "$K" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$K" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$K" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd' >/dev/null
  ceph-authtool "$K" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
  monmaptool --create --clobber --fsid "$FSID" --addv a "[v1:127.0.0.1:$MONPORT]" "$BASE/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$BASE/monmap" --keyring "$K" >>"$BASE/log/mon-mkfs.out" 2>&1 \
    || { tail -n 20 "$BASE/log/mon-mkfs.out" >&2; die 1 "ceph-mon --mkfs failed"; }
  touch "$BASE/mon/.created"
fi

# Daemons fork into the background; their stdio goes to files so a caller capturing our output
# (pytest's subprocess.run) is not kept waiting on pipes the daemons inherited, and they don't
# inherit fd 9 (the lock): they would hold it for ever.
# Ports first: better to refuse before starting anything than to leave half a cluster running.
if ! daemon_pid mon.a >/dev/null && port_open "$MONPORT"; then
  die 4 "port $MONPORT (Ceph monitor) is in use by another program; set REELWORK_S3_MON_PORT to a free port"
fi
if ! daemon_pid client.rgw.a >/dev/null && port_open "$PORT"; then
  die 4 "port $PORT (S3) is in use by another program; set REELWORK_S3_PORT to a free port"
fi
if ! daemon_pid mon.a >/dev/null; then
  ceph-mon -i a 9>&- >>"$BASE/log/mon-start.out" 2>&1 || { tail -n 20 "$BASE/log/mon-start.out" >&2; fail_start "ceph-mon failed to start"; }
fi
wait_for 30 "the Ceph monitor" "$BASE/log/mon.a.log" ceph --connect-timeout 2 mon stat

if [ ! -f "$BASE/osd0/.created" ]; then
  OSDKEY=$(ceph-authtool -p -n osd.0 "$BASE/keyring")
  echo "{\"cephx_secret\": \"$OSDKEY\"}" >"$BASE/osd0.new.json"
  UUID=$(cat /proc/sys/kernel/random/uuid)
  ceph osd new "$UUID" 0 -i "$BASE/osd0.new.json" >/dev/null
  ceph-osd -i 0 --mkfs --osd-uuid "$UUID" >>"$BASE/log/osd-mkfs.out" 2>&1 \
    || { tail -n 20 "$BASE/log/osd-mkfs.out" >&2; die 1 "ceph-osd --mkfs failed"; }
  touch "$BASE/osd0/.created"
fi
if ! daemon_pid osd.0 >/dev/null; then
  ceph-osd -i 0 9>&- >>"$BASE/log/osd-start.out" 2>&1 || { tail -n 20 "$BASE/log/osd-start.out" >&2; fail_start "ceph-osd failed to start"; }
fi
osd_up() { ceph --connect-timeout 2 osd stat 2>/dev/null | grep -q "1 up"; }
wait_for 60 "the Ceph OSD" "$BASE/log/osd.0.log" osd_up

if ! daemon_pid client.rgw.a >/dev/null; then
  radosgw -n client.rgw.a 9>&- >>"$BASE/log/rgw-start.out" 2>&1 || { tail -n 20 "$BASE/log/rgw-start.out" >&2; fail_start "radosgw failed to start"; }
fi
rgw_listens() { curl -s -o /dev/null --max-time 2 "$ENDPOINT/"; }
wait_for 60 "radosgw" "$BASE/log/client.rgw.a.log" rgw_listens

if [ ! -f "$BASE/rgw/.user" ]; then
  radosgw-admin user info --uid=reelwork >/dev/null 2>&1 \
    || radosgw-admin user create --uid=reelwork --display-name="Reelwork tests" \
         --access-key="$AK" --secret-key="$SK" >/dev/null
  touch "$BASE/rgw/.user"
fi
wait_for 30 "S3 with the test credentials" "$BASE/log/client.rgw.a.log" s3_answers
# The default bucket for `eval "$(scripts/s3-server.sh env)"; ./run`. Tests make their own.
s3_curl -X PUT "$ENDPOINT/$BUCKET" >/dev/null || true

say "S3 at $ENDPOINT  (data in $BASE; pids mon=$(daemon_pid mon.a) osd=$(daemon_pid osd.0) rgw=$(daemon_pid client.rgw.a))"
