#!/usr/bin/env bash
# HTTP load on loopback: palisade serve (regex only, auth and audit off) under wrk.
# Usage: benches/http/run.sh [connections=64] [duration=20s] [server threads] [wrk threads=2]
# Needs wrk (Debian: apt-get install wrk). Prints wrk's report with latency percentiles.
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=${1:-64}
duration=${2:-20s}
server_threads=${3:-}
wrk_threads=${4:-2}
port=18099
cargo build --release --locked -q
args=(serve --listen "127.0.0.1:$port" --audit off)
[[ -n "$server_threads" ]] && args+=(--threads "$server_threads")
./target/release/palisade "${args[@]}" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done
wrk -t"$wrk_threads" -c"$connections" -d5s -s benches/http/scan.lua "http://127.0.0.1:$port" >/dev/null # warm-up
wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency -s benches/http/scan.lua "http://127.0.0.1:$port"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^palisade_http_requests_total\{route="/v1/scan"'
