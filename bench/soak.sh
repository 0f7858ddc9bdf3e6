#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Soak: vagliod under half its maximum rate for a long while (default 10
# minutes), open loop, live tenant with actions to the fake platform.
#
#   bench/soak.sh [minutes] [rate]
#
# rate defaults to half of a 5-second wrk maximum measured first. The run is
# cut in one-minute segments, each with its own new deliveries (written
# while the previous segment runs). Every 30 s it samples vagliod's RSS and
# Redis's used_memory; at the end it prints the samples, the RSS drift, the
# Redis growth per delivery (every delivery leaves keys that live for days:
# the dedupe key, the decision record, the author's strike entry), and the
# error responses (expected: 0). Exits non-zero only if it could not run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
minutes=${1:-10}
rate=${2:-}
conns=50

bench_init
bench_start
if [ -z "$rate" ]; then
    bench_bodies 150000 "$tmp/w.txt"
    read -r max _ < <(bench_wrk 18443 5 "$conns" "$tmp/w.txt")
    rate=$(awk -v m="$max" 'BEGIN {printf "%d", m / 2}')
    bench_drain
fi
echo "vaglio soak: $(date -u +%FT%TZ), $minutes min at $rate req/s, $conns connections; placement as in e2e.sh"
rss0=$(bench_rss)
mem0=$(bench_redis_mem)
echo "t=0s rss=${rss0}KiB redis=${mem0}B" >"$tmp/samples.txt"
start=$(date +%s)
(
    while sleep 30; do
        echo "t=$(($(date +%s) - start))s rss=$(bench_rss)KiB redis=$(bench_redis_mem)B" >>"$tmp/samples.txt"
    done
) &
sampler=$!
seg=60
bench_bodies $((rate * seg + 100)) "$tmp/s0.txt"
done_total=0
bad_total=0
late_total=0
for i in $(seq "$minutes"); do
    cur=$tmp/s$(((i - 1) % 2)).txt
    nxt=$tmp/s$((i % 2)).txt
    [ "$i" -lt "$minutes" ] && { bench_bodies $((rate * seg + 100)) "$nxt" & gen=$!; } || gen=
    line=$(bench_rate 18443 "$rate" "$seg" "$conns" "$cur")
    echo "minute $i: $line"
    get() { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
    done_total=$((done_total + $(get done)))
    bad_total=$((bad_total + $(get non2xx)))
    late_total=$((late_total + $(get failed)))
    [ -n "$gen" ] && wait "$gen"
    # next_id advanced in the background subshell only: keep ids unique here.
    next_id=$((next_id + rate * seg + 100))
done
bench_drain
kill "$sampler" 2>/dev/null || true
echo "t=end rss=$(bench_rss)KiB redis=$(bench_redis_mem)B" >>"$tmp/samples.txt"
cat "$tmp/samples.txt"
rss1=$(bench_rss)
mem1=$(bench_redis_mem)
rssmax=$(sed 's/.*rss=\([0-9]*\)KiB.*/\1/' "$tmp/samples.txt" | sort -n | tail -1)
echo "deliveries: $done_total, error responses: $bad_total, requests the generator could not send in time: $late_total"
echo "vagliod RSS: $((rss0 / 1024)) MiB at start, $((rss1 / 1024)) MiB at the end, max $((rssmax / 1024)) MiB"
awk -v a="$mem0" -v b="$mem1" -v n="$done_total" 'BEGIN {
    printf "Redis used_memory: %.1f MiB -> %.1f MiB: %.0f bytes per delivery\n", a / 1048576, b / 1048576, (b - a) / n }'
echo "platform calls: $(bench_platform_calls)"
echo "Redis AOF rewrites: $(bench_aof_rewrites); Redis stalls over 20 ms (LATENCY monitor):"
bench_redis_latency
grep -E 'level=(error|warn)' "$tmp/vagliod.log" | sed 's/ts=[^ ]* //' | sort | uniq -c | sort -rn | head -5 || true
