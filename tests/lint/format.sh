#!/usr/bin/env bash
# Fails if a C source or header of vaglio is not formatted with the repository's
# .clang-format. Run from anywhere; `clang-format -i` on the listed files fixes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t files < <(find cmd src include tests bench tools -name '*.[ch]' 2>/dev/null | sort)
bad=()
for f in "${files[@]}"; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
    echo "not formatted (clang-format -i fixes them):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
fi
echo "format: ${#files[@]} files ok"
