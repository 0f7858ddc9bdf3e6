#!/usr/bin/env bash
# Installs what is missing, builds vaglio with AddressSanitizer,
# UndefinedBehaviorSanitizer and -Werror, and runs every test (unit and
# integration) through ctest. Usage: tests/run.sh [ctest arguments...]
#   tests/run.sh -L unit          only the unit tests
#   tests/run.sh -R meta          tests whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/packages.sh
vg_install_packages libcmocka-dev python3 clang-format

build=${VG_TEST_BUILD:-build-test}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DVG_WERROR=ON \
      -DVG_SANITIZE=address,undefined >/dev/null
cmake --build "$build" -j"$jobs"

# Sanitizer settings shared by every test process (vagliod included).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export VG_BUILD_DIR=$PWD/$build

cd "$build"
ctest --output-on-failure -j"$jobs" --timeout 300 "$@"
