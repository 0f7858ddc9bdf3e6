#!/usr/bin/env bash
# Webhook throughput and latency, vagliod next to nginx, in one run.
#
#   bench/webhook.sh [seconds per round] [rounds] [connections]
#
# vagliod (release build, 1 worker) with a real Redis (AOF everysec) and a
# dry-run tenant, over TLS with keep-alive, against nginx returning a fixed
# 200 to the same signed POSTs over TLS. Placement: wrk on CPU 0; vagliod,
# Redis and nginx on CPU 1 (the whole job's cost on one core). Rounds are
# interleaved because speed drifts on these machines; compare the ratio, not
# the absolute figures. Exits non-zero only if it could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
secs=${1:-10}
rounds=${2:-3}
conns=${3:-50}
for tool in wrk nginx redis-server openssl taskset python3; do
    command -v $tool >/dev/null || { echo "bench: $tool is needed (apt-get install wrk nginx-light)" >&2; exit 2; }
done

build=${VG_BENCH_BUILD:-$top/build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DVG_TESTS=OFF >/dev/null
cmake --build "$build" -j2 >/dev/null

tmp=$(mktemp -d /tmp/vg-bench-XXXXXX)
cleanup() {
    [ -f "$tmp/vagliod.pid" ] && kill "$(cat "$tmp/vagliod.pid")" 2>/dev/null || true
    [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
    redis-cli -s "$tmp/redis.sock" shutdown nosave >/dev/null 2>&1 || true
    sleep 0.3
    rm -rf "$tmp"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
secret=bench-secret-$(openssl rand -hex 8)
nbodies=$(( secs * rounds * 30000 ))
python3 bench/gen_bodies.py "$nbodies" "$secret" "$tmp/bodies.txt"

taskset -c 1 redis-server --port 0 --unixsocket "$tmp/redis.sock" --dir "$tmp" --save "" \
    --appendonly yes --appendfsync everysec --auto-aof-rewrite-min-size 256mb \
    --daemonize yes --logfile "$tmp/redis.log"
sleep 0.3

cat >"$tmp/vaglio.json" <<JSON
{"listen": [{"address": "127.0.0.1", "port": 18443, "tls": {"cert": "$tmp/cert.pem", "key": "$tmp/key.pem"}}],
 "redis": "unix://$tmp/redis.sock", "patterns": "$top/patterns",
 "author_key": "bench-author-key-0123456789abcdef", "log": {"level": "warn"},
 "tenants": {"demo": {"dry_run": true, "meta": {"app_secret": "$secret", "verify_token": "x",
   "page_token": "x", "graph_url": "http://127.0.0.1:9/v21.0"}}}}
JSON
taskset -c 1 "$build/vagliod" --config "$tmp/vaglio.json" 2>"$tmp/vagliod.log" &
echo $! >"$tmp/vagliod.pid"

mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<NGINX
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx;
    proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
    uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:18444 ssl;
        ssl_certificate $tmp/cert.pem;
        ssl_certificate_key $tmp/key.pem;
        location / { client_max_body_size 4m; client_body_buffer_size 64k; return 200 "ok\n"; }
    }
}
NGINX
taskset -c 1 nginx -c "$tmp/nginx.conf" -e "$tmp/nginx/error.log"
for _ in $(seq 100); do
    curl -skf https://127.0.0.1:18443/readyz >/dev/null 2>&1 && break; sleep 0.1
done
curl -skf https://127.0.0.1:18443/readyz >/dev/null || { echo "bench: vagliod not ready"; cat "$tmp/vagliod.log"; exit 1; }

export VG_BENCH_BODIES=$tmp/bodies.txt
run() { # name port
    taskset -c 0 wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/wrk_bodies.lua \
        "https://127.0.0.1:$2" 2>&1 | awk -v n="$1" '
        /Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2}
        /Non-2xx/ {bad=$NF} /Socket errors/ {err=$0}
        END {printf "%s %s %s %s %s\n", n, rps, p50, p99, (bad==""?0:bad)}'
}
echo "vaglio webhook benchmark: $(date -u +%FT%TZ), $(nproc) CPUs, $secs s x $rounds rounds, $conns connections"
echo "wrk on CPU 0; vagliod (1 worker) + Redis, and nginx, on CPU 1; TLS keep-alive; dry-run tenant"
printf "%-8s %-10s %12s %10s %10s %8s\n" round server req/s p50 p99 non-2xx
for r in $(seq "$rounds"); do
    for s in "vagliod 18443" "nginx 18444"; do
        set -- $s
        read -r name rps p50 p99 bad < <(run "$1" "$2")
        printf "%-8s %-10s %12s %10s %10s %8s\n" "$r" "$name" "$rps" "$p50" "$p99" "$bad"
        echo "$name $rps" >>"$tmp/rps.txt"
    done
done
awk '{s[$1]+=$2; n[$1]++} END {v=s["vagliod"]/n["vagliod"]; g=s["nginx"]/n["nginx"];
     printf "mean req/s: vagliod %.0f, nginx %.0f, ratio vagliod/nginx %.2f\n", v, g, v/g}' "$tmp/rps.txt"
echo "decisions stored: $(redis-cli -s "$tmp/redis.sock" --scan --pattern 'vg:*:d:*' | wc -l)"
