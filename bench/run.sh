#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The benchmark suite in one command: the engine next to PCRE2-JIT and
# RE2::Set, the end-to-end run next to nginx (with system calls per request),
# and, with VG_BENCH_SOAK=1, the 10-minute soak. Writes bench/RESULTS.md
# (machine, versions, commands, date, tables).
#
#   bench/run.sh                 # VG_BENCH_SECS (10), VG_BENCH_ROUNDS (3),
#                                # VG_BENCH_SOAK (0), VG_BENCH_BUILD (build-bench)
#
# Exits non-zero only if the suite could not run (a missing tool, a build
# failure, a service that does not start), never because a number is low.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
secs=${VG_BENCH_SECS:-10}
rounds=${VG_BENCH_ROUNDS:-3}
export VG_BENCH_BUILD=${VG_BENCH_BUILD:-$top/build-bench}
corpus=${VG_BENCH_CORPUS:-$top/../shared/corpus}
out=$top/bench/RESULTS.md
work=$(mktemp -d /tmp/vg-run-XXXXXX)
trap 'rm -rf "$work"' EXIT

for tool in cmake taskset wrk nginx redis-server; do
    command -v $tool >/dev/null || {
        echo "run.sh: $tool is needed (apt-get install cmake wrk nginx-light redis-server libpcre2-dev libre2-dev)" >&2
        exit 2
    }
done
cmake -S . -B "$VG_BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DVG_TESTS=OFF -DVG_BENCH=ON >/dev/null
cmake --build "$VG_BENCH_BUILD" -j2 >/dev/null

echo "run.sh: engine" >&2
engine_cmd="taskset -c 1 $VG_BENCH_BUILD/bench/vg_engine_bench --patterns patterns --gen 100000 --rounds 3"
files=()
if [ -d "$corpus" ]; then
    for f in hate/it/multilingual_hatecheck/hatecheck_cases_final_italian.jsonl \
        hate/en/hatecheck/test_suite_cases.jsonl hate/en/davidson2017/labeled_data.jsonl \
        spam/sms_spam_collection/SMSSpamCollection.jsonl pii/validatorjs/validator_test_vectors.jsonl; do
        [ -f "$corpus/$f" ] && files+=("$corpus/$f")
    done
fi
if [ -x "$VG_BENCH_BUILD/bench/vg_engine_bench" ]; then
    $engine_cmd "${files[@]}" >"$work/engine.md" 2>"$work/engine.err"
else
    echo "(engine benchmark not built: install libpcre2-dev and libre2-dev)" >"$work/engine.md"
fi

echo "run.sh: end to end ($secs s x $rounds rounds)" >&2
VG_BENCH_STRACE=1 bench/e2e.sh "$secs" "$rounds" 50 >"$work/e2e.txt" 2>&1

soak="(not run: VG_BENCH_SOAK=1 bench/run.sh, or bench/soak.sh, runs it: 10 minutes)"
if [ "${VG_BENCH_SOAK:-0}" = 1 ]; then
    echo "run.sh: soak (10 minutes)" >&2
    bench/soak.sh 10 >"$work/soak.txt" 2>&1
    soak=$(cat "$work/soak.txt")
fi

ver() { { "$@" 2>&1 || true; } | head -1; }
{
    echo "# vaglio benchmark results"
    echo
    echo "Written by \`bench/run.sh\` on $(date -u +%FT%TZ). Compare ratios inside one run: on these"
    echo "shared 2-vCPU virtual machines absolute figures drift by tens of percent from minute to minute."
    echo
    echo "## Machine and versions"
    echo
    echo "- CPU: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) vCPUs; kernel $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- vaglio $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'), $(cc --version | head -1)"
    echo "- Hyperscan $(pkg-config --modversion libhs), libevent $(pkg-config --modversion libevent), OpenSSL $(pkg-config --modversion openssl), hiredis $(pkg-config --modversion hiredis), jansson $(pkg-config --modversion jansson)"
    echo "- peers: PCRE2 $(pkg-config --modversion libpcre2-8 2>/dev/null || echo none), RE2 $(dpkg-query -W -f='${Version}' 'libre2-[0-9]*' 2>/dev/null || echo none); $(ver redis-server --version | cut -d' ' -f1-3); $(ver nginx -v); $(ver wrk -v | cut -d' ' -f1-2)"
    nm=bench/peers/node/node_modules
    pkgv() { node -p "require('./$nm/$1/package.json').version" 2>/dev/null || echo none; }
    echo "- e2e peers: Node.js $(node --version 2>/dev/null || echo none), express $(pkgv express), obscenity $(pkgv obscenity); evhttp echo on libevent $(pkg-config --modversion libevent)"
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "$engine_cmd ${files[*]:-}"
    echo "VG_BENCH_STRACE=1 bench/e2e.sh $secs $rounds 50"
    echo "bench/soak.sh 10"
    echo '```'
    echo
    cat "$work/engine.md"
    echo
    echo "## End to end"
    echo
    echo '```'
    cat "$work/e2e.txt"
    echo '```'
    echo
    echo "## Soak"
    echo
    echo '```'
    echo "$soak"
    echo '```'
} >"$work/RESULTS.md"
# Moved into place only now: truncating it first made "git diff" above see
# the tree as changed.
mv "$work/RESULTS.md" "$out"
echo "run.sh: wrote $out" >&2
