#!/usr/bin/env bash
# make test-deploy: build the images of deploy/Dockerfile with podman, run docker-compose.yml with podman-compose
# and walk the ward's first day through the gateway's published port; then tear everything down.
# Phases are logged with UTC timestamps. Needs root (podman's bridge network) and the project's .venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export CONTAINERS_CONF="$root/tests/containers/containers.conf"
BIN="$root/.venv/bin"
project=dvk-deploytest
began=$(date +%s)
log() { echo "[$(date -u +%Y-%m-%dT%H:%M:%SZ)] $*"; }
fail() { log "FAILED: $*"; exit 1; }
forward=$(sysctl -n net.ipv4.ip_forward)
work=$(mktemp -d "${TMPDIR:-/tmp}/dvk-deploy.XXXXXX")
envfile="$work/test.env"
compose() { "$BIN/podman-compose" --env-file "$envfile" -p "$project" -f docker-compose.yml "$@"; }
ctr() { echo "${project}_$1_1"; }
checker_pid=""

cleanup() {
  status=$?
  [ -n "$checker_pid" ] && kill "$checker_pid" 2>/dev/null || true
  if [ -f "$envfile" ]; then
    log "down -v"
    compose down -v -t 20 >"$work/down.log" 2>&1 || tail -n 20 "$work/down.log"
  fi
  left="$(podman ps -aq --filter "label=io.podman.compose.project=$project")"
  vols="$(podman volume ls -q --filter "label=io.podman.compose.project=$project")"
  nets="$(podman network ls -q --filter "name=^${project}_")"
  if [ -n "$left$vols$nets" ]; then
    log "left behind: containers [$left] volumes [$vols] networks [$nets]"
    status=1
  else
    log "no container, volume or network of $project left"
  fi
  sysctl -qw net.ipv4.ip_forward="$forward"
  rm -rf "$work"
  log "took $(( $(date +%s) - began )) s, exit $status"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

log "phase 1: podman, buildah, runc, debootstrap (apt) and podman-compose (pinned, .venv)"
./scripts/deploy-deps.sh
"$BIN/podman-compose" --version | grep -i podman-compose
podman --version

if [ "${DVK_STANDIN_IMAGES:-1}" != 0 ]; then
  log "phase 2: base image and stand-ins for the images compose and the Dockerfile name"
  tests/containers/build-images.sh
fi

log "phase 3: the project's images, deploy/Dockerfile unchanged"
for target in $(awk '$1 == "FROM" && $3 == "AS" && $2 == "runtime" { print $4 }' deploy/Dockerfile); do
  log "podman build --pull=never --target $target -t dvk/$target:latest"
  podman build --pull=never --format docker -q -f deploy/Dockerfile --target "$target" -t "dvk/$target:latest" . \
    >/dev/null
done
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'dvk/' | sort
# An image carries the runtime and the documents, never the test harness, pytest or the province's tools.
for target in $(awk '$1 == "FROM" && $3 == "AS" && $2 == "runtime" { print $4 }' deploy/Dockerfile); do
  podman run --rm --network none "dvk/$target:latest" python -c '
import importlib.util, sys
present = {name: importlib.util.find_spec(name) is not None
           for name in ("dvk_platform", "dvk_core", "dvk_documents", "dvk_testing", "dvk_subscriber", "pytest")}
wanted = {"dvk_platform": True, "dvk_core": True, "dvk_documents": True, "dvk_testing": False, "dvk_subscriber": False,
          "pytest": False}
sys.exit(0 if present == wanted else f"importable in the image: {present}, wanted {wanted}")' \
    || fail "dvk/$target carries what an image must not (or lacks the runtime)"
done
log "images: dvk_testing, dvk_subscriber and pytest are not importable"

log "phase 4: .env of strong random secrets; podman-compose up -d"
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }
gateway_port=$(free_port)
mail_port=$(free_port)
admin_password="Qt#$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')9"
cat >"$envfile" <<ENV
POSTGRES_PASSWORD=$(secret)
$("$BIN/python" -m dvk_platform.auth)
DVK_SECRET_KEY=$(secret)
DVK_FEED_SIGNING_KEY=$(secret)
DVK_METRICS_TOKEN=$(secret)
DVK_GATEWAY_PORT=$gateway_port
DVK_MAILPIT_PORTS=$mail_port
ENV
metrics_token=$(sed -n 's/^DVK_METRICS_TOKEN=//p' "$envfile")
# podman runs HEALTHCHECKs from systemd timers; without systemd, this loop is the timer. To spare the machine it runs
# the checks of the containers not yet healthy only (phase 10 runs the restarted container's check itself), side by
# side, so that one slow check does not hold the others back.
( while :; do
    for c in $(podman ps --filter "label=io.podman.compose.project=$project" --format '{{.ID}} {{.Status}}' \
               | { grep -v '(healthy)' || true; } | cut -d' ' -f1); do
      podman healthcheck run "$c" >/dev/null 2>&1 &
    done
    wait
    sleep 10
  done ) &
checker_pid=$!
# docker-compose.yml orders the start with depends_on conditions (service_healthy, service_completed_successfully).
# podman 4.3 has neither condition, and podman-compose's own ordering does not work with it: it creates each
# container with --requires on its dependencies, and `podman start` then refuses ("generating dependency graph:
# depends on container ... not found"). So the script keeps compose's order itself, one step at a time with
# --no-deps (no --requires): the infrastructure, until healthy; the migrations, until they exit 0; then the rest.
services=$(awk '/^services:/ { s = 1; next } /^[a-z]/ { s = 0 } s && /^  [a-z][a-z-]*:$/ { sub(":", "", $1); print $1 }' \
           docker-compose.yml)
infra=$(echo "$services" | grep -E '^(kafka|postgres|mailpit)$' | tr '\n' ' ')
migrations=$(echo "$services" | grep -E -- '-migrate$' | tr '\n' ' ')
long_running=$(echo "$services" | grep -v -E -- '^(kafka|postgres|mailpit)$|-migrate$' | tr '\n' ' ')
up() { compose up -d --no-build --no-deps "$@" >>"$work/up.log" 2>&1 || { tail -n 40 "$work/up.log"; fail "podman-compose up $*"; }; }
up $infra
wait_healthy() {  # wait_healthy <seconds> <container>...
  local until=$(( $(date +%s) + $1 )); shift
  for c in "$@"; do
    until [ "$(podman inspect -f '{{.State.Health.Status}}' "$c" 2>/dev/null)" = healthy ]; do
      [ "$(date +%s)" -gt "$until" ] && { podman logs --tail 30 "$c" || true; fail "$c not healthy"; }
      sleep 5
    done
  done
}
wait_healthy 600 $(for s in $infra; do ctr "$s"; done)
log "infrastructure healthy: $infra"
up $migrations
for s in $migrations; do
  [ "$(podman wait "$(ctr "$s")")" = 0 ] || { podman logs --tail 30 "$(ctr "$s")"; fail "$s failed"; }
done
log "migrations done: $migrations"
up $long_running
log "started: $long_running"

log "phase 5: waiting for every health check"
deadline=$(( $(date +%s) + 900 ))
while :; do
  pending=""
  states=$(podman inspect -f '{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{.State.Health.Status}}' \
           $(podman ps -aq --filter "label=io.podman.compose.project=$project"))
  while read -r name state; do
    case "$name" in
      *-migrate_1)
        case "$state" in
          "exited 0"*) ;;
          exited*) podman logs --tail 20 "$name" || true; fail "$name failed ($state)" ;;
          *) pending="$pending $name($state)" ;;
        esac ;;
      *) [ "${state##* }" = healthy ] || pending="$pending $name($state)" ;;
    esac
  done <<<"$states"
  [ -z "$pending" ] && break
  [ "$(date +%s)" -gt "$deadline" ] && { podman ps -a --filter "label=io.podman.compose.project=$project"; fail "not healthy:$pending"; }
  sleep 10
done
podman ps -a --filter "label=io.podman.compose.project=$project" --format '{{.Names}} {{.Status}}'
log "every health check passes"

log "phase 6: first start (README): seed registration, create-admin gateway inside the containers"
podman exec "$(ctr registration)" dvk-worker seed registration
podman exec -e DVK_ADMIN_PASSWORD="$admin_password" "$(ctr gateway)" dvk-worker create-admin gateway \
  --username quantri --name "Nguyễn Văn A" --email quantri@minhxuan.example.vn
base="http://localhost:$gateway_port"
export DVK_ADMIN_PASSWORD="$admin_password" DVK_JOURNEY_SHOT="$root/test-artifacts/deploy-journey-failure.png"
mkdir -p "$root/test-artifacts"

log "phase 7: the administrator opens the staff's accounts in the web UI (Playwright, via port $gateway_port)"
"$BIN/python" tests/containers/deploy_journey.py "$base" accounts
# notify learns of the accounts just made from the gateway's user events (its relay, Kafka, notify's consumer), on a
# topic read apart from registration's: the model is sent once they have had a minute to arrive
sleep 65
title="Dân vận khéo thu gom rác thải $(python3 -c 'import secrets; print(secrets.token_hex(3))')"
log "phase 8: the unit's officer sends a model; Kafka carries it to VH-XH's inbox and the mailbox"
"$BIN/python" tests/containers/deploy_journey.py "$base" model "$title"
"$BIN/python" tests/containers/deploy_journey.py "$base" inbox "$title"
mail_deadline=$(( $(date +%s) + 180 ))
until python3 - "$mail_port" <<'PY'
import json, sys, urllib.request
messages = json.load(urllib.request.urlopen(f"http://localhost:{sys.argv[1]}/api/v1/messages", timeout=5))["messages"]
sys.exit(0 if any(to["Address"] == "vhxh@minhxuan.example.vn" for m in messages for to in m["To"]) else 1)
PY
do
  [ "$(date +%s)" -gt "$mail_deadline" ] && fail "no e-mail to vhxh@ in the SMTP stand-in's mailbox"
  sleep 5
done
log "the SMTP stand-in holds the e-mail to vhxh@minhxuan.example.vn"

log "phase 9: /metrics with its token"
code=$(python3 -c "import urllib.request, urllib.error, sys
try: urllib.request.urlopen('$base/metrics', timeout=5); print(200)
except urllib.error.HTTPError as e: print(e.code)")
[ "$code" = 401 ] || fail "/metrics without the token answered $code"
python3 - "$base" "$metrics_token" <<'PY' || fail "/metrics with the token"
import sys, urllib.request
request = urllib.request.Request(f"{sys.argv[1]}/metrics", headers={"Authorization": f"Bearer {sys.argv[2]}"})
body = urllib.request.urlopen(request, timeout=5).read().decode()
assert "dvk_http_requests_total" in body, body[:500]
PY
log "/metrics: 401 without the token, the counters with it"

log "phase 10: restart registration's containers (web and relay); nothing lost"
podman restart -t 20 "$(ctr registration)" "$(ctr registration-relay)" >/dev/null
deadline=$(( $(date +%s) + 300 ))
until podman healthcheck run "$(ctr registration)" >/dev/null 2>&1; do
  [ "$(date +%s)" -gt "$deadline" ] && fail "registration not healthy again after restart"
  sleep 5
done
"$BIN/python" tests/containers/deploy_journey.py "$base" inbox "$title"
"$BIN/python" tests/containers/deploy_journey.py "$base" listed "$title"
log "deploy test passed"
