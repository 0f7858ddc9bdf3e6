#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end: signed Meta deliveries over TLS keep-alive against vagliod with
# a real Redis and a live tenant whose actions go to a local fake platform,
# next to nginx answering a fixed 200 to the same POSTs, in one run; and,
# when they can run, next to two peers (bench/peers/, bench/README.md): a
# Node.js express server doing the scan part of the job (signature, JSON,
# obscenity and PII regexes; no Redis), and a libevent evhttp echo (HTTPS,
# 200 "ok": the floor of an evhttp design).
#
#   bench/e2e.sh [seconds] [rounds] [connections] [rate]
#
# Every delivery is a new content id and author (no dedupe fast path), one in
# three a violation (hide + warning flow to the fake platform). Per round:
# the maximum with wrk (closed loop), then latency at a fixed rate with
# bench's open-loop generator (vg_loadgen; latency counted from when each
# request was due). rate defaults to half of the first round's vagliod
# maximum. VG_BENCH_STRACE=1 adds a syscall count per request (strace -c
# on every vagliod thread during a fixed-rate run). Between runs it waits
# for the dispatcher to finish the actions queued, so that no run pays for
# the previous one. The CPU column is CPU time per request at the fixed rate:
# vagliod (all threads) plus Redis for vagliod, nginx's processes for nginx,
# the peer's process for a peer.
# Exits non-zero only if it could not run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
rounds=${2:-3}
conns=${3:-50}
rate=${4:-}

bench_init
bench_start
bench_start_peers
rss0=$(bench_rss)
mem0=$(bench_redis_mem)

echo "vaglio end-to-end benchmark: $(date -u +%FT%TZ), $(nproc) CPUs, $secs s x $rounds rounds, $conns connections"
echo "placement: load generator + fake platform on CPU 0; vagliod ($workers worker(s), log $loglevel) + Redis, and nginx, on CPU 1; TLS 1.3 keep-alive; live tenant"
echo "servers: $(echo "$servers" | sed 's/:[0-9]*//g; s/ /, /g') (peers on CPU 1 too, one process each)"
printf "%-6s %-11s %-9s %10s %9s %9s %9s %8s %11s\n" round server mode req/s p50 p99 p99.9 non-2xx "CPU µs/req"
declare -A sum n
total=0
for r in $(seq "$rounds"); do
    for s in $servers; do
        name=${s%%:*} port=${s##*:}
        bench_bodies $((secs * 25000)) "$tmp/b.txt"
        read -r rps p50 p99 bad reqs < <(bench_wrk "$port" "$secs" "$conns" "$tmp/b.txt")
        bench_drain
        printf "%-6s %-11s %-9s %10s %9s %9s %9s %8s %11s\n" "$r" "$name" max "$rps" "$p50" "$p99" - "$bad" -
        sum[$name]=$(awk -v a="${sum[$name]:-0}" -v b="$rps" 'BEGIN {print a + b}')
        n[$name]=$(( ${n[$name]:-0} + 1 ))
        [ "$name" = vagliod ] && total=$((total + reqs))
    done
    [ -n "$rate" ] || rate=$(awk -v s="${sum[vagliod]}" 'BEGIN {printf "%d", s / 2}')
    for s in $servers; do
        name=${s%%:*} port=${s##*:}
        bench_bodies $((rate * secs + 10)) "$tmp/b.txt"
        # The job's CPU: vagliod (workers and dispatcher) and Redis, until the
        # dispatcher is done; the server's own processes for the others.
        if [ "$name" = vagliod ]; then pids="$(cat "$tmp/vagliod.pid") $(cat "$tmp/redis.pid")"; else pids=$(bench_server_pids "$name"); fi
        c0=$(bench_cpu_us $pids)
        w0=$(bench_aof_rewrites)
        # A server that died (a peer, say) gives a row of dashes, not an exit.
        line=$(bench_rate "$port" "$rate" "$secs" "$conns" "$tmp/b.txt") || line=""
        bench_drain
        c1=$(bench_cpu_us $pids)
        w1=$(bench_aof_rewrites)
        get() { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
        d=$(get done) nb=$(get non2xx) fl=$(get failed)
        cpu=-
        [ "${d:-0}" -gt 0 ] && cpu=$(( (c1 - c0) / d ))
        show() { local x; x=$(get "$1"); echo "${x:--}"; }
        printf "%-6s %-11s %-9s %10s %9s %9s %9s %8s %11s\n" "$r" "$name" "@$rate/s" "$(show achieved)" \
            "$(show p50)" "$(show p99)" "$(show p999)" "$(( ${nb:-0} + ${fl:-0} ))" "$cpu"
        # A rewrite forks a child that writes the whole dataset on the core
        # Redis and vagliod share: its latency belongs to the job, but say so.
        [ "$name" = vagliod ] && [ "$w1" != "$w0" ] &&
            echo "       (Redis rewrote its append-only file during this run: $((w1 - w0)) rewrite(s))"
        [ "$name" = vagliod ] && total=$((total + ${d:-0}))
    done
done
# One line: every server's mean maximum, then vagliod's ratio to each other.
means="" ratios=""
for s in $servers; do
    name=${s%%:*}
    m=$(awk -v s="${sum[$name]}" -v k="${n[$name]}" 'BEGIN {print s / k}')
    [ "$name" = vagliod ] && v=$m
    means="$means${means:+, }$name $(awk -v m="$m" 'BEGIN {printf "%.0f", m}')"
    [ "$name" = vagliod ] ||
        ratios="$ratios, vagliod/$name $(awk -v v="${v}" -v m="$m" 'BEGIN {if (m > 0) printf "%.2f", v / m; else printf "-"}')"
done
echo "mean max req/s: $means; ratio${ratios#,}"

if [ "${VG_BENCH_STRACE:-0}" = 1 ] && command -v strace >/dev/null; then
    srate=$((rate / 2))
    bench_bodies $((srate * 5 + 10)) "$tmp/b.txt"
    timeout 8 strace -q -c -f -p "$(cat "$tmp/vagliod.pid")" -o "$tmp/strace.txt" &
    sp=$!
    sleep 1
    line=$(bench_rate 18443 "$srate" 5 "$conns" "$tmp/b.txt")
    wait $sp || true
    total=$((total + $(echo "$line" | tr ' ' '\n' | awk -F= '$1 == "done" {print $2}')))
    done_n=$(echo "$line" | tr ' ' '\n' | awk -F= '$1 == "done" {print $2}')
    echo "system calls per request (strace -c -f on vagliod, $done_n requests at $srate/s; strace slows the server):"
    awk -v n="$done_n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {
        calls = ($5 ~ /^[0-9]+$/) ? $4 : $4; printf "  %-14s %6.2f\n", $NF, calls / n; t += calls }
        END {printf "  %-14s %6.2f\n", "total", t / n}' "$tmp/strace.txt"
fi

sleep 2 # let the dispatcher finish what is queued
echo "decisions stored: $(redis-cli -s "$tmp/redis.sock" --scan --pattern 'vg:*:d:*' | wc -l) of $total deliveries"
echo "platform calls: $(bench_platform_calls)"
echo "vagliod RSS: $((rss0 / 1024)) MiB at start, $(($(bench_rss) / 1024)) MiB at the end"
mem1=$(bench_redis_mem)
echo "Redis CPU per command (INFO commandstats: calls, µs per call; the script's inner calls are counted too):"
redis-cli -s "$tmp/redis.sock" info commandstats | tr -d '\r' |
    awk -F'[:=,]' '/^cmdstat_/ && $3 > 1000 {sub(/^cmdstat_/, "", $1); printf "  %-16s %10d %8.2f\n", $1, $3, $7}'
echo "Redis stalls over 20 ms (LATENCY monitor; fork and aof-* events are persistence, command is a slow command):"
bench_redis_latency
awk -v a="$mem0" -v b="$mem1" -v n="$total" 'BEGIN {printf "Redis used_memory: %.1f MiB -> %.1f MiB, %.0f bytes per delivery\n", a / 1048576, b / 1048576, (b - a) / n}'
grep -E 'level=(error|warn)' "$tmp/vagliod.log" | sed 's/ts=[^ ]* //' | sort | uniq -c | sort -rn | head -5 || true
