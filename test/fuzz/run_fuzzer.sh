#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: the checked-in seeds
# (read-only) plus a work corpus in the build tree; a crash fails the test
# and leaves its input as crash-* next to the work corpus (add it to the
# seeds once the code is fixed).
# Usage: run_fuzzer.sh FUZZER_BINARY SEED_DIR WORK_DIR SECONDS [MAX_LEN]
set -euo pipefail
fuzzer="$1" seeds="$2" work="$3" seconds="$4" max_len="${5:-4096}"
if [[ ! -x "$fuzzer" ]]; then
  echo "run_fuzzer: '$fuzzer' was not built (see test fuzz.build)" >&2
  exit 1
fi
mkdir -p "$work/corpus"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len="$max_len" -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" "$seeds"
