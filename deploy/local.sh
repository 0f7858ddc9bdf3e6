#!/usr/bin/env bash
# Runs vaglio on this machine for trying it out:
#   installs the missing Debian packages, builds, generates a development
#   certificate and secrets, starts a private Redis (AOF everysec) and vagliod
#   with a demo tenant in dry-run (actions are recorded, not sent), then prints
#   how to try it. Everything lives in ./run/ (not committed).
#
#   ./deploy/local.sh          set up and start (again: restarts vagliod)
#   ./deploy/local.sh stop     stop vagliod and Redis
#   ./deploy/local.sh status   show what is running
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
run=$top/run
build=$top/build

port=${VAGLIO_PORT:-8443}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_all() {
    if pid_alive "$run/vagliod.pid"; then
        kill -TERM "$(cat "$run/vagliod.pid")"
        for _ in $(seq 50); do pid_alive "$run/vagliod.pid" || break; sleep 0.1; done
        echo "vagliod stopped"
    fi
    rm -f "$run/vagliod.pid"
    if pid_alive "$run/redis.pid"; then
        redis-cli -s "$run/redis.sock" shutdown >/dev/null 2>&1 || kill "$(cat "$run/redis.pid")"
        echo "redis stopped"
    fi
}

case "${1:-start}" in
stop) stop_all; exit 0 ;;
status)
    pid_alive "$run/redis.pid" && echo "redis:   running (pid $(cat "$run/redis.pid"))" || echo "redis:   stopped"
    pid_alive "$run/vagliod.pid" && echo "vagliod: running (pid $(cat "$run/vagliod.pid"))" || echo "vagliod: stopped"
    exit 0 ;;
start) ;;
*) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac

. deploy/packages.sh
vg_install_packages curl

echo "== building"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVG_HARDEN=ON -DVG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "   built $build/vagliod and $build/vaglioctl"

mkdir -p "$run"
chmod 700 "$run"

# Development certificate, generated here, never committed.
if [ ! -f "$run/dev.crt" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
        -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$run/dev.key" -out "$run/dev.crt" 2>/dev/null
    chmod 600 "$run/dev.key"
    echo "== generated a development certificate: $run/dev.crt"
fi

# Development secrets, random, kept in run/dev.env.
if [ ! -f "$run/dev.env" ]; then
    umask 077
    {
        echo "export META_APP_SECRET=$(openssl rand -hex 16)"
        echo "export META_VERIFY_TOKEN=$(openssl rand -hex 8)"
        echo "export META_PAGE_TOKEN=dev-page-token-$(openssl rand -hex 8)"
        echo "export VAGLIO_AUTHOR_KEY=$(openssl rand -hex 32)"
    } >"$run/dev.env"
    umask 022
fi
. "$run/dev.env"

# A private Redis: unix socket only, AOF with fsync every second.
if ! pid_alive "$run/redis.pid"; then
    cat >"$run/redis.conf" <<EOF
port 0
unixsocket $run/redis.sock
unixsocketperm 700
dir $run
pidfile $run/redis.pid
logfile $run/redis.log
daemonize yes
save ""
appendonly yes
appendfsync everysec
# A small, write-heavy dataset would otherwise rewrite the AOF every few seconds.
auto-aof-rewrite-min-size 64mb
# vaglio's keys carry TTLs; evicting a pending action would lose it.
maxmemory-policy noeviction
EOF
    redis-server "$run/redis.conf"
    for _ in $(seq 50); do redis-cli -s "$run/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.1; done
    echo "== started redis on $run/redis.sock"
fi

cat >"$run/vaglio.json" <<EOF
{
  "listen": [{"address": "127.0.0.1", "port": $port,
              "tls": {"cert": "$run/dev.crt", "key": "$run/dev.key"}}],
  "redis": "unix://$run/redis.sock",
  "patterns": "$top/patterns",
  "author_key": "env:VAGLIO_AUTHOR_KEY",
  "tenants": {
    "demo": {
      "dry_run": true,
      "netiquette_url": "https://example.org/netiquette",
      "meta": {
        "app_secret": "env:META_APP_SECRET",
        "verify_token": "env:META_VERIFY_TOKEN",
        "page_token": "env:META_PAGE_TOKEN",
        "graph_url": "https://graph.facebook.com/v21.0"
      }
    }
  }
}
EOF

if pid_alive "$run/vagliod.pid"; then
    kill -TERM "$(cat "$run/vagliod.pid")"
    for _ in $(seq 50); do pid_alive "$run/vagliod.pid" || break; sleep 0.1; done
fi
"$build/vagliod" --check-config "$run/vaglio.json"
nohup "$build/vagliod" --config "$run/vaglio.json" >>"$run/vagliod.log" 2>&1 &
echo $! >"$run/vagliod.pid"
for _ in $(seq 100); do
    curl -sf --cacert "$run/dev.crt" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    pid_alive "$run/vagliod.pid" || { echo "vagliod did not start:"; tail -20 "$run/vagliod.log"; exit 1; }
    sleep 0.1
done
echo "== vagliod is running on https://127.0.0.1:$port (log: $run/vagliod.log)"

cat <<EOF

Try it (the demo tenant is in dry-run: decisions are recorded, nothing is sent):

  . run/dev.env
  build/vaglioctl send --cacert run/dev.crt --text "Grazie, molto utile"      # clean
  build/vaglioctl send --cacert run/dev.crt --text "Sei proprio un coglione"  # hide + warning
  build/vaglioctl send --cacert run/dev.crt --text "Che stronzo che sei"      # same author: hide + block
  build/vaglioctl send --cacert run/dev.crt --text "Chiamami al 347 123 4567" # personal data: delete

  echo "Sei un cretino" | build/vaglioctl scan                # a verdict without the service
  tail -f run/vagliod.log                                     # one line per decision
  redis-cli -s run/redis.sock --scan --pattern 'vg:*:d:*'     # decision records
  curl --cacert run/dev.crt https://127.0.0.1:$port/metrics   # Prometheus metrics

  ./deploy/local.sh stop
EOF
