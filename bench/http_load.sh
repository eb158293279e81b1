#!/usr/bin/env bash
# Load test of `earshot serve` with wrk, on 127.0.0.1 only, against the CLI as the baseline.
#   bench/http_load.sh [path/to/earshot] [SECONDS per run, default 10]
# 1. GET /health/live at several connection counts: requests/s, p50, p99
#    (target: >= 30,000 requests/s with wrk's 2 threads).
# 2. POST /analyze with a 10 s 44.1 kHz stereo 16-bit WAV (1.7 MB) as the body, at several
#    connection counts; compared with `earshot analyze --jobs <cores>` on the same file 200
#    times in one process (target: the server within 10% of the CLI's files/s).
# The server runs with its defaults (one analysis thread per core, 2 I/O threads, request log at
# info level, sent to /dev/null). Everything it starts it stops, and temporary files are removed.
set -euo pipefail
cd "$(dirname "$0")/.."

earshot=${1:-build/earshot}
seconds=${2:-10}
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/setup" >&2; exit 2; }
[ -x "$earshot" ] || { echo "no $earshot: build first (scripts/test --quick)" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

/usr/bin/ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:sample_rate=44100" \
  -f lavfi -i "anoisesrc=color=pink:sample_rate=44100:amplitude=0.1:seed=7" \
  -filter_complex "[0][1]amix=inputs=2,aformat=channel_layouts=stereo" -t 10 \
  -c:a pcm_s16le "$work/ten_seconds.wav"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
API_HOST=127.0.0.1 API_PORT=$port MAX_QUEUE=1024 "$earshot" serve 2>/dev/null &
server_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break
  sleep 0.1
done

cat >"$work/upload.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "audio/wav"
local file = io.open("$work/ten_seconds.wav", "rb")
wrk.body = file:read("*a")
file:close()
function response(status)
  if status ~= 200 then error("status " .. status) end
end
LUA

# One table row from wrk --latency output: requests/s, p50, p99, errors.
row() {
  local connections=$1 output=$2
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$output")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$output")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$output")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$output" | tr '\n' ' ')
  printf '| %s | %s | %s | %s | %s |\n' "$connections" "$rps" "$p50" "$p99" "${errors:-none}"
}

echo "earshot: $("$earshot" --version)   cores: $(nproc)   wrk: 2 threads, ${seconds} s per run"
echo
echo "GET /health/live (target: >= 30000 requests/s)"
echo "| connections | requests/s | p50 | p99 | errors |"
echo "| --- | --- | --- | --- | --- |"
for connections in 10 50 200; do
  row "$connections" "$(wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    "http://127.0.0.1:$port/health/live")"
done

echo
echo "POST /analyze, 10 s 44.1 kHz stereo WAV"
echo "| connections | requests/s | p50 | p99 | errors |"
echo "| --- | --- | --- | --- | --- |"
best=0
for connections in 2 4 8; do
  output=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/upload.lua" \
    "http://127.0.0.1:$port/analyze")
  row "$connections" "$output"
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$output")
  best=$(awk -v a="$best" -v b="$rps" 'BEGIN {print (b > a) ? b : a}')
done
kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
server_pid=""

files=()
for _ in $(seq 200); do files+=("$work/ten_seconds.wav"); done
start=$(date +%s.%N)
"$earshot" analyze --jobs "$(nproc)" "${files[@]}" >/dev/null
end=$(date +%s.%N)
cli=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.1f", 200 / (e - s)}')
echo
echo "baseline: earshot analyze --jobs $(nproc), the same file 200 times: $cli files/s"
awk -v server="$best" -v cli="$cli" 'BEGIN {
  printf "server best: %.1f requests/s = %.0f%% of the CLI (target: >= 90%%)\n", server, 100 * server / cli
}'
