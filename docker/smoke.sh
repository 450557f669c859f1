#!/usr/bin/env bash
# Brings up docker/compose.yml (PostGIS, Redis, two api instances and an AVL one behind nginx, a worker) under a
# throwaway project name, checks it end to end through nginx and on the operations ports, stops
# an api gracefully, and removes everything (volumes included).
#
#   npm run compose:smoke            # or: bash docker/smoke.sh
#   KEEP=1 npm run compose:smoke     # leave the stack up for a look (remove with the printed command)
#
# Exit 0 = passed, or skipped where no Docker engine is reachable (it says so); 1 = a check failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
compose_file="$here/compose.yml"

skip() {
  echo "compose smoke: SKIPPED: $1"
  exit 0
}
fail() {
  echo "compose smoke: FAILED: $1" >&2
  exit 1
}

command -v docker >/dev/null 2>&1 || skip "no docker command on this machine"
if ! info_err="$(docker info 2>&1 >/dev/null)"; then
  skip "no Docker engine reachable ($(echo "$info_err" | grep -m1 -i -E 'cannot|error' || echo 'docker info failed'))"
fi
docker compose version >/dev/null 2>&1 || skip "the Docker Compose v2 plugin is missing ('docker compose version' failed)"
command -v curl >/dev/null 2>&1 || fail "curl is needed"

project="ringcad-smoke-$$"
port="${RINGCAD_HTTP_PORT:-$((20000 + RANDOM % 20000))}"
export RINGCAD_HTTP_PORT="$port"
export ADMIN_PASSWORD="smoke-admin-$RANDOM$RANDOM"
export POSTGRES_PASSWORD="smoke$RANDOM$RANDOM"
dc() { docker compose -p "$project" -f "$compose_file" "$@"; }

cleanup() {
  local rc=$?
  if [ "${KEEP:-0}" = "1" ]; then
    echo "compose smoke: left running; remove with: docker compose -p $project -f $compose_file down -v"
  else
    dc logs --no-color >"${TMPDIR:-/tmp}/$project.log" 2>&1 || true
    dc down -v --remove-orphans >/dev/null 2>&1 || true
    [ $rc -ne 0 ] && echo "compose smoke: the services' logs are in ${TMPDIR:-/tmp}/$project.log" >&2
  fi
  exit $rc
}
trap cleanup EXIT

started=$(date +%s)
echo "compose smoke: building and starting $project (nginx on 127.0.0.1:$port)"
dc up -d --build --wait --wait-timeout 300 || fail "the stack did not become healthy (docker compose ps: $(dc ps --format '{{.Service}}={{.Health}}' | tr '\n' ' '))"
echo "compose smoke: healthy after $(($(date +%s) - started)) s"

base="http://127.0.0.1:$port"
json_field() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s)$1;if(v===undefined)process.exit(1);console.log(v)})"; }

# readiness and liveness through nginx
curl -fsS "$base/health/ready" | grep -q '"status":"ready"' || fail "GET /health/ready through nginx is not ready"
curl -fsS "$base/health/live" | grep -q '"status":"live"' || fail "GET /health/live through nginx"

# sign in and file an incident through nginx, read it back (either api instance may answer)
token="$(curl -fsS -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$base/api/v1/auth/login" | json_field '.accessToken')" ||
  fail "admin login through nginx"
curl -fsS -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"username":"smoke-ct","password":"smoke-calltaker-pw","roles":["calltaker"]}' \
  "$base/api/v1/users" >/dev/null || fail "creating a call-taker"
ct="$(curl -fsS -H 'content-type: application/json' \
  -d '{"username":"smoke-ct","password":"smoke-calltaker-pw"}' "$base/api/v1/auth/login" | json_field '.accessToken')" ||
  fail "call-taker login"
incident="$(curl -fsS -H "authorization: Bearer $ct" -H 'content-type: application/json' \
  -d '{"location":{"lon":104.0657,"lat":30.6595},"category":"dispute","priority":2,"description":"compose smoke"}' \
  "$base/api/v1/incidents" | json_field '.incident.id')" || fail "POST /api/v1/incidents through nginx"
for _ in 1 2 3 4; do
  curl -fsS -H "authorization: Bearer $ct" "$base/api/v1/incidents/$incident" | grep -q "$incident" ||
    fail "GET /api/v1/incidents/$incident through nginx"
done
echo "compose smoke: incident $incident filed and read back through nginx"

# a position batch through nginx is taken by the AVL instance (its own route)
unit="$(curl -fsS -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"callsign":"smoke-01","kind":"patrol_car"}' "$base/api/v1/units" | json_field '.unit.id')" ||
  fail "creating a unit"
now="$(node -e 'console.log(new Date().toISOString())')"
curl -fsS -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d "{\"positions\":[{\"unitId\":\"$unit\",\"lon\":104.066,\"lat\":30.66,\"at\":\"$now\"}]}" \
  "$base/api/v1/units/positions" | grep -q '"accepted":1' || fail "POST /api/v1/units/positions through nginx"

# metrics on each process's operations port, from inside the compose network
scrape() {
  dc exec -T "$1" node -e "fetch('http://127.0.0.1:$2/metrics').then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); }, () => process.exit(1))"
}
out="$(dc exec -T avl node -e "fetch('http://127.0.0.1:9464/metrics').then(async (r) => process.stdout.write(await r.text()), () => process.exit(1))")" ||
  fail "avl: GET :9464/metrics"
grep -q '^ringcad_positions_accepted_total{source="batch"} 1' <<<"$out" ||
  fail "the AVL instance did not take the position batch nginx routed to it"
echo "compose smoke: the position batch went through nginx to the AVL instance"
for svc in api-a api-b; do
  out="$(scrape "$svc" 9464)" || fail "$svc: GET :9464/metrics"
  grep -q '^ringcad_http_request_duration_seconds_count' <<<"$out" || fail "$svc: no HTTP latency histogram"
  grep -q '^nodejs_eventloop_lag_p99_seconds' <<<"$out" || fail "$svc: no event-loop lag"
  grep -q '^ringcad_queue_backend_up 1' <<<"$out" || fail "$svc: queue backend not up"
done
out="$(scrape worker 9465)" || fail "worker: GET :9465/metrics"
grep -q '^ringcad_queue_jobs{queue="timers"' <<<"$out" || fail "worker: no queue depths"
# the public side (nginx) never serves the operations port's metrics
status="$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")"
[ "$status" = "404" ] || fail "GET /metrics through nginx answered $status (want 404: metrics stay internal)"
echo "compose smoke: /metrics answered by api-a, api-b and the worker"

# graceful stop of one api: exit code 0, the other keeps serving through nginx
dc stop -t 30 api-b >/dev/null
code="$(docker inspect -f '{{.State.ExitCode}}' "$(dc ps -a -q api-b)")"
[ "$code" = "0" ] || fail "api-b exited $code on SIGTERM (want 0)"
dc logs --no-color api-b | grep -q 'drained in' || fail "api-b did not log its drain"
curl -fsS "$base/health/ready" | grep -q '"status":"ready"' || fail "nginx lost readiness with api-a still up"
echo "compose smoke: api-b drained and exited 0; api-a still serves"

echo "compose smoke: PASSED in $(($(date +%s) - started)) s"
