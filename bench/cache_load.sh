#!/usr/bin/env bash
# Cached answers and background jobs of `earshot serve`, with wrk, on 127.0.0.1 only.
#   bench/cache_load.sh [path/to/earshot] [SECONDS per wrk run, default 10] [JOBS, default 200]
# 1. POST /analyze-audio for one URL whose result is cached: in memory (no Redis), in Redis with
#    the near cache (NEAR_CACHE_SECONDS, default) and in Redis alone (NEAR_CACHE_SECONDS=0):
#    requests/s, p50, p99 at 50 and 200 connections (target: >= 20,000 requests/s on 2 cores;
#    compared with GET /health/live, the server's cheapest route, in the same run).
# 2. JOBS jobs (distinct URLs of a 2 s WAV, so nothing is cached) queued with POST /jobs/batch
#    and run by 1, then 2 `earshot worker` processes: jobs/s from the first worker's start until
#    the stream has no lag and nothing pending; compared with `earshot analyze --jobs 1` on the
#    same file (files/s).
# Audio is served by Python's http.server on 127.0.0.1; the servers run with their defaults
# (request log at info, sent to /dev/null). Everything started is stopped; temporary files go.
set -euo pipefail
cd "$(dirname "$0")/.."

earshot=$(realpath "${1:-build/earshot}")
seconds=${2:-10}
jobs=${3:-200}
for tool in wrk redis-server redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/setup" >&2; exit 2; }
done
[ -x "$earshot" ] || { echo "no $earshot: build first (scripts/test --quick)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && { wait "$pid" 2>/dev/null || true; }; done
  rm -rf "$work"
}
trap cleanup EXIT

calc() { awk "BEGIN {print $1}"; }
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() {
  for _ in $(seq 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  exit 2
}

/usr/bin/ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:sample_rate=44100" -t 2 \
  -c:a pcm_s16le "$work/two_seconds.wav"
audio_port=$(free_port)
/usr/bin/python3 -m http.server "$audio_port" --bind 127.0.0.1 --directory "$work" \
  >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$audio_port/two_seconds.wav"
audio_url="http://127.0.0.1:$audio_port/two_seconds.wav"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# start_server PORT [VAR=value ...]: earshot serve in the background, waited for.
start_server() {
  local port=$1
  shift
  env API_HOST=127.0.0.1 API_PORT="$port" ALLOW_PRIVATE_URLS=true MAX_QUEUE=4096 "$@" \
    "$earshot" serve >/dev/null 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/health/live"
}

cat >"$work/cached.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"audio_url": "$audio_url"}'
function response(status, headers)
  if status ~= 200 or headers["X-Cache"] ~= "HIT" then
    error("status " .. status .. ", X-Cache " .. tostring(headers["X-Cache"]))
  end
end
LUA

row() {
  local label=$1 output=$2 errors
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$output" | tr '\n' ' ')
  printf '| %s | %s | %s | %s | %s |\n' "$label" \
    "$(awk '/^Requests\/sec/ {print $2}' <<<"$output")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$output")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$output")" "${errors:-none}"
}

echo "earshot: $("$earshot" --version)   cores: $(nproc)   wrk: 2 threads, ${seconds} s per run"
echo
echo "Cached POST /analyze-audio (target: >= 20000 requests/s), against GET /health/live"
echo "| cache, connections | requests/s | p50 | p99 | errors |"
echo "| --- | --- | --- | --- | --- |"
memory_port=$(free_port)
start_server "$memory_port"
redis_api_port=$(free_port)
start_server "$redis_api_port" REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port"
far_port=$(free_port)  # every lookup a Redis round trip
start_server "$far_port" REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" NEAR_CACHE_SECONDS=0
for port in "$memory_port" "$redis_api_port"; do
  curl -sf -X POST -H 'Content-Type: application/json' -d "{\"audio_url\": \"$audio_url\"}" \
    "http://127.0.0.1:$port/analyze-audio" >/dev/null  # the one miss
done
for connections in 50 200; do
  row "health/live, $connections" "$(wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    "http://127.0.0.1:$memory_port/health/live")"
  row "memory, $connections" "$(wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    -s "$work/cached.lua" "http://127.0.0.1:$memory_port/analyze-audio")"
  row "redis (near cache), $connections" "$(wrk -t2 -c"$connections" -d"${seconds}s" \
    --latency -s "$work/cached.lua" "http://127.0.0.1:$redis_api_port/analyze-audio")"
  row "redis (near cache off), $connections" "$(wrk -t2 -c"$connections" -d"${seconds}s" \
    --latency -s "$work/cached.lua" "http://127.0.0.1:$far_port/analyze-audio")"
done

echo
start=$(date +%s.%N)
"$earshot" analyze --jobs 1 $(for _ in $(seq 50); do echo "$work/two_seconds.wav"; done) >/dev/null
cli=$(calc "50 / ($(date +%s.%N) - $start)")
printf 'Baseline: earshot analyze --jobs 1 on the 2 s WAV: %.1f files/s\n' "$cli"
echo
echo "$jobs jobs through Redis Streams (distinct URLs: no cache hits)"
echo "| workers | seconds | jobs/s | failed |"
echo "| --- | --- | --- | --- |"
for workers in 1 2; do
  redis-cli -p "$redis_port" flushall >/dev/null
  batch=$(/usr/bin/python3 -c "import json; print(json.dumps([{'audio_url': '$audio_url?n=%d' % i} for i in range($jobs)]))")
  curl -sf -X POST -H 'Content-Type: application/json' -d "$batch" \
    "http://127.0.0.1:$redis_api_port/jobs/batch" >/dev/null
  start=$(date +%s.%N)
  worker_pids=()
  for _ in $(seq "$workers"); do
    REDIS_HOST=127.0.0.1 REDIS_PORT="$redis_port" ALLOW_PRIVATE_URLS=true LOG_LEVEL=warning \
      "$earshot" worker >/dev/null 2>&1 &
    worker_pids+=($!)
    pids+=($!)
  done
  # Done when the group has read everything (lag 0) and acknowledged it all (pending 0).
  while :; do
    info=$(redis-cli -p "$redis_port" xinfo groups earshot:v1:jobs 2>/dev/null | tr '\n' ' ')
    if [[ "$info" =~ pending\ 0\ .*lag\ 0 ]]; then break; fi
    sleep 0.05
  done
  elapsed=$(calc "$(date +%s.%N) - $start")
  for pid in "${worker_pids[@]}"; do kill -TERM "$pid"; wait "$pid" || true; done
  failed=$(redis-cli -p "$redis_port" xlen earshot:v1:jobs:dead)
  printf '| %s | %.2f | %.1f | %s |\n' "$workers" "$elapsed" "$(calc "$jobs / $elapsed")" "$failed"
done
