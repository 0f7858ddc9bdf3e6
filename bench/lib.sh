# SPDX-License-Identifier: Apache-2.0
# Shared set-up of the end-to-end benchmarks (e2e.sh, soak.sh): sourced, not run.
#
# bench_init            checks the tools, builds (release, VG_BENCH=ON) into
#                       $VG_BENCH_BUILD (default build-bench), makes $tmp
# bench_start           Redis, the fake platform, vagliod and nginx, all ready
# bench_start_peers     the optional peers, those that can run: the Node.js
#                       express server and the evhttp echo (bench/peers/);
#                       sets $servers to "name:port ..." of every server up
# bench_bodies N FILE   N new signed deliveries (content ids never repeat)
# bench_rss             vagliod's resident set, KiB
# bench_redis_mem       Redis used_memory, bytes
# bench_aof_rewrites    AOF rewrites Redis has done so far
#
# Placement: the load generator and the fake platform (an nginx of its own
# answering like the Graph API) on CPU 0; vagliod (all
# its threads), Redis, nginx and the peers on CPU 1, so CPU 1 carries the
# whole job's cost. VG_BENCH_WORKERS (default 1) sets vagliod's workers; VG_BENCH_LOG
# (default warn) its log level; VG_BENCH_VAGLIOD another vagliod binary
# (before/after comparisons).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${VG_BENCH_BUILD:-$top/build-bench}
workers=${VG_BENCH_WORKERS:-1}
loglevel=${VG_BENCH_LOG:-warn}
next_id=0

bench_init() {
    local tool
    for tool in wrk nginx redis-server redis-cli openssl taskset python3 curl; do
        command -v $tool >/dev/null || {
            echo "bench: $tool is needed (apt-get install wrk nginx-light redis-server)" >&2
            exit 2
        }
    done
    cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DVG_TESTS=OFF -DVG_BENCH=ON >/dev/null
    cmake --build "$build" -j2 --target vagliod vaglioctl vg_loadgen >/dev/null
    # A peer, not the job: if it does not build, the run goes on without it.
    cmake --build "$build" -j2 --target vg_evhttp_echo >/dev/null 2>&1 ||
        echo "bench: vg_evhttp_echo did not build, the evhttp echo peer is left out" >&2
    tmp=$(mktemp -d /tmp/vg-bench-XXXXXX)
    trap bench_cleanup EXIT
}

bench_cleanup() {
    local f
    for f in vagliod nginx platform node echo; do
        [ -f "$tmp/$f.pid" ] && kill "$(cat "$tmp/$f.pid")" 2>/dev/null || true
    done
    redis-cli -s "$tmp/redis.sock" shutdown nosave >/dev/null 2>&1 || true
    sleep 0.3
    rm -rf "$tmp"
}

bench_bodies() { # N FILE: new deliveries, numbered after the previous ones
    # niced: in the soak it writes the next segment while the generator runs
    taskset -c 0 nice -n 15 python3 "$top/bench/gen_bodies.py" "$1" "$secret" "$2" "$next_id"
    next_id=$((next_id + $1))
}

bench_start() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
    secret=bench-secret-$(openssl rand -hex 8)

    # Redis as deploy/ ships it: AOF everysec, a rewrite threshold that does
    # not fire every few seconds on a write-heavy run.
    taskset -c 1 redis-server --port 0 --unixsocket "$tmp/redis.sock" --dir "$tmp" --save "" \
        --appendonly yes --appendfsync everysec --auto-aof-rewrite-min-size 256mb \
        --daemonize yes --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log" \
        --latency-monitor-threshold 20

    # The fake platform: an nginx of its own on CPU 0 (it stands for Meta's
    # servers, not for the job), answering like the Graph API and logging
    # one line per call for the counts. A Python stand-in took most of CPU 0
    # at a thousand calls a second and starved the load generator.
    mkdir -p "$tmp/platform"
    cat >"$tmp/platform.conf" <<NGINX
worker_processes 1;
pid $tmp/platform.pid;
error_log $tmp/platform/error.log;
events { worker_connections 1024; }
http {
    log_format calls '\$request_method \$uri';
    access_log $tmp/platform/calls.log calls buffer=64k flush=1s;
    client_body_temp_path $tmp/platform;
    proxy_temp_path $tmp/platform; fastcgi_temp_path $tmp/platform;
    uwsgi_temp_path $tmp/platform; scgi_temp_path $tmp/platform;
    keepalive_requests 1000000;
    default_type application/json;
    server {
        listen 127.0.0.1:18450;
        location ~ /messages\$ { return 200 '{"recipient_id":"2500000000000001","message_id":"m_1"}'; }
        location ~ /(replies|comments)\$ { return 200 '{"id":"reply_1"}'; }
        location / { return 200 '{"success":true}'; }
    }
}
NGINX
    taskset -c 0 nginx -c "$tmp/platform.conf" -e "$tmp/platform/error.log"
    platform_url="http://127.0.0.1:18450"

    cat >"$tmp/vaglio.json" <<JSON
{"listen": [{"address": "127.0.0.1", "port": 18443, "tls": {"cert": "$tmp/cert.pem", "key": "$tmp/key.pem"}}],
 "redis": "unix://$tmp/redis.sock", "patterns": "$top/patterns", "workers": $workers,
 "author_key": "bench-author-key-0123456789abcdef", "log": {"level": "$loglevel"},
 "tenants": {"demo": {"meta": {"app_secret": "$secret", "verify_token": "x",
   "page_token": "bench-page-token", "graph_url": "$platform_url/v21.0"}}}}
JSON
    taskset -c 1 "${VG_BENCH_VAGLIOD:-$build/vagliod}" --config "$tmp/vaglio.json" 2>"$tmp/vagliod.log" &
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
    for _ in $(seq 150); do
        curl -skf https://127.0.0.1:18443/readyz >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -skf https://127.0.0.1:18443/readyz >/dev/null || {
        echo "bench: vagliod not ready" >&2
        cat "$tmp/vagliod.log" >&2
        exit 1
    }
}

# Polls https://127.0.0.1:PORT/readyz for up to 10 s.
bench_ready() {
    local i
    for i in $(seq 100); do
        curl -sk -o /dev/null https://127.0.0.1:"$1"/readyz 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# The peers on CPU 1 next to vagliod and nginx, each only if it can run; a
# peer that cannot is left out with a note, never a failure. Node: needs
# `node` and bench/peers/node/node_modules (installed by
# bench/peers/node/setup, which is run here when it is missing).
bench_start_peers() {
    local dir=$top/bench/peers/node
    servers="vagliod:18443 nginx:18444"
    if ! command -v node >/dev/null; then
        echo "bench: node not found, the Node.js peer is left out" >&2
    elif [ ! -d "$dir/node_modules" ] && ! "$dir/setup" >"$tmp/npm.log" 2>&1; then
        echo "bench: npm could not install the Node.js peer's packages, it is left out:" >&2
        tail -3 "$tmp/npm.log" >&2
    else
        VG_PEER_SECRET=$secret taskset -c 1 node "$dir/server.js" 18445 "$tmp/cert.pem" \
            "$tmp/key.pem" 2>"$tmp/node.log" &
        echo $! >"$tmp/node.pid"
        if bench_ready 18445; then
            servers="$servers node:18445"
            # V8 compiles the hot paths only after a few thousand requests:
            # warmed up, the peer is measured at its best, not while it learns.
            bench_bodies 5000 "$tmp/warm.txt"
            bench_wrk 18445 3 10 "$tmp/warm.txt" >/dev/null
        else
            echo "bench: the Node.js peer did not start, it is left out:" >&2
            tail -3 "$tmp/node.log" >&2
        fi
    fi
    if [ -x "$build/bench/vg_evhttp_echo" ]; then
        taskset -c 1 "$build/bench/vg_evhttp_echo" 18446 "$tmp/cert.pem" "$tmp/key.pem" \
            2>"$tmp/echo.log" &
        echo $! >"$tmp/echo.pid"
        if bench_ready 18446; then
            servers="$servers evhttp-echo:18446"
        else
            echo "bench: the evhttp echo did not start, it is left out:" >&2
            tail -3 "$tmp/echo.log" >&2
        fi
    fi
}

# The processes whose CPU time is a server's cost at the fixed rate (not
# vagliod's: e2e.sh adds Redis to it).
bench_server_pids() { # name
    case $1 in
    nginx) bench_nginx_pids ;;
    node) cat "$tmp/node.pid" ;;
    evhttp-echo) cat "$tmp/echo.pid" ;;
    *) cat "$tmp/$1.pid" ;;
    esac
}

# Waits (up to $1 s, default 60) until the dispatcher has done every queued
# action: a run's actions must not be paid for during the next run.
bench_drain() {
    local left k i
    for i in $(seq $(( ${1:-60} * 5 ))); do
        left=0
        # The action streams, one per shard (store.shards, default 16): named,
        # not scanned for, so that waiting costs Redis nothing measurable.
        for k in $(seq 0 15); do
            left=$((left + $(redis-cli -s "$tmp/redis.sock" xinfo groups "vg:{demo:$k}:q" 2>/dev/null |
                awk 'p {s += $1; p = 0} /^(pending|lag)$/ {p = 1} END {print s + 0}')))
        done
        [ "$left" -eq 0 ] && return 0
        sleep 0.2
    done
    echo "bench: $left actions still queued" >&2
}

# CPU time (user + system, all threads) of the given processes, in µs.
bench_cpu_us() {
    local p t=0 hz
    hz=$(getconf CLK_TCK)
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] || continue
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo $((t * 1000000 / hz))
}

bench_nginx_pids() {
    local m
    m=$(cat "$tmp/nginx.pid")
    echo "$m $(pgrep -P "$m" | tr '\n' ' ')"
}

bench_rss() {
    awk '/^VmRSS/ {print $2}' "/proc/$(cat "$tmp/vagliod.pid")/status"
}

bench_redis_latency() { # Redis's own stalls over 20 ms, per kind (LATENCY LATEST/HISTORY)
    local ev worst n lines
    lines=$(redis-cli -s "$tmp/redis.sock" latency latest | paste -d' ' - - - -)
    [ -n "$lines" ] || { echo "  (none)"; return 0; }
    echo "$lines" | while read -r ev _ _ worst; do
        n=$(redis-cli -s "$tmp/redis.sock" latency history "$ev" | wc -l)
        printf "  %-26s seconds with a stall: %4d, worst %d ms\n" "$ev" $((n / 2)) "$worst"
    done
}

bench_aof_rewrites() { # AOF rewrites Redis has done since it started
    redis-cli -s "$tmp/redis.sock" info persistence | tr -d '\r' | awk -F: '$1 == "aof_rewrites" {print $2}'
}

bench_redis_mem() {
    # As text: mawk's %d stops at 2^31 - 1, and a soak passes 2 GiB.
    redis-cli -s "$tmp/redis.sock" info memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p'
}

bench_platform_calls() { # "METHOD kind: count" per kind of Graph call
    sleep 1.2 # the access log is flushed every second
    awk '{n = split($2, p, "/"); k = p[n]; if (k ~ /^[0-9_]+$/) k = "object"; c[$1 " " k]++}
         END {for (x in c) printf "%s%s: %d", (o++ ? ", " : ""), x, c[x]; print ""}' \
        "$tmp/platform/calls.log" 2>/dev/null
}

# wrk at full speed (closed loop): prints "req/s p50 p99 non2xx requests".
bench_wrk() { # port seconds connections bodies
    VG_BENCH_BODIES=$4 taskset -c 0 wrk -t1 -c"$3" -d"$2s" --latency -s "$top/bench/wrk_bodies.lua" \
        "https://127.0.0.1:$1" 2>&1 | awk '
        /Requests\/sec/ {rps=$2} / 50%/ {p50=$2} / 99%/ {p99=$2}
        /Non-2xx/ {bad=$NF} / requests in / {n=$1}
        END {printf "%s %s %s %s %s\n", rps, p50, p99, (bad==""?0:bad), n}'
}

# Open loop at a fixed rate: prints vg_loadgen's line.
bench_rate() { # port rate seconds connections bodies
    taskset -c 0 "$build/bench/vg_loadgen" 127.0.0.1 "$1" /webhooks/meta/demo "$5" "$2" "$3" "$4"
}
