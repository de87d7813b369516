#!/usr/bin/env bash
# clang-format over our C++ sources. --check: fail (listing files) instead of
# rewriting them.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cc' '*.h' | grep -v '^build')
if ((${#files[@]} == 0)); then exit 0; fi
if [[ "${1:-}" == "--check" ]]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
