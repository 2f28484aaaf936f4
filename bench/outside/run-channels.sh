#!/usr/bin/env bash
# Runs the outside generator (channels.mjs) against a gateway jar with REDIS_URL set, pinned as bin/bench pins:
# Redis and the gateway on CPU 0, the generator on CPU 1. Everything on 127.0.0.1, on free ports; stops what it
# started. Usage: bench/outside/run-channels.sh GATEWAY_JAR [JAVA] [generator options...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$(realpath "${1:?usage: run-channels.sh GATEWAY_JAR [JAVA] [options]}")"; shift
java="${1:-$("$here/../../bin/java21")}"; [ $# -gt 0 ] && shift
[ -d "$here/node_modules/ws" ] || (cd "$here" && npm install --no-audit --no-fund >/dev/null)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work="$(mktemp -d)"
redis_port=$(free_port); port=$(free_port)
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
nice_=(); [ "$(id -u)" -eq 0 ] && nice_=(nice -n -20)
"${nice_[@]}" taskset -c 0 redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$work" > "$work/redis.log" 2>&1 &
redis_pid=$!
JWT_SECRET="$secret" REDIS_URL="redis://127.0.0.1:$redis_port" PORT="$port" \
  "${nice_[@]}" taskset -c 0 "$java" -jar "$jar" > "$work/gateway.log" 2>&1 &
gateway_pid=$!
trap 'kill $gateway_pid $redis_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  kill -0 $gateway_pid 2>/dev/null || { cat "$work/gateway.log" >&2; exit 1; }
  sleep 0.1
done
"${nice_[@]}" taskset -c 1 node "$here/channels.mjs" --url "http://127.0.0.1:$port" --secret "$secret" \
  --gateway-pid "$gateway_pid" "$@"
