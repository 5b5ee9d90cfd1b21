#!/usr/bin/env bash
# Fuzzes every parser of untrusted bytes (fuzz/fuzz_targets) for a bounded time each, with
# cargo fuzz on the stable toolchain (--sanitizer none: libFuzzer's coverage guidance and
# Rust's own checks, which turn memory errors into panics). Not part of the test suite.
#
#   scripts/fuzz.sh [target ...]        all targets when none is named
#
# Env: FUZZ_SECONDS per target (default 300), FUZZ_JOBS parallel processes per target
# (default 1), CORPUS (the photo corpus for seeds, default ../shared/corpus).
# Corpora grow in fuzz/corpus/<target> across runs; a crash leaves its input in
# fuzz/artifacts/<target>/ (replay: cargo fuzz run --sanitizer none <target> <file>) and
# fails the run. Ends with a table of executions and time per target.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_build_tools
command -v python3 >/dev/null 2>&1 || apt_install python3

seconds="${FUZZ_SECONDS:-300}"
jobs="${FUZZ_JOBS:-1}"
corpus_src="${CORPUS:-../shared/corpus}"
tools="$CARGO_TARGET_DIR/tools"
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  echo "fuzz: installing cargo-fuzz"
  cargo install --locked --quiet cargo-fuzz --version 0.13.2 --root "$tools"
fi
export PATH="$tools/bin:$PATH"

seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
if [ -d "$corpus_src" ]; then
  python3 fuzz/seed.py "$corpus_src" "$seeds"
else
  echo "fuzz: no photo corpus at $corpus_src; seeding from the repository's files only"
  python3 fuzz/seed.py "$seeds/none" "$seeds"
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cd fuzz && cargo fuzz list)
fuzz_target_dir="$CARGO_TARGET_DIR/fuzz"
echo "fuzz: building the targets"
(cd fuzz && cargo fuzz build --sanitizer none --target-dir "$fuzz_target_dir")

summary=()
failed=0
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  [ -d "$seeds/$target" ] && cp -n "$seeds/$target"/* "$corpus"/ 2>/dev/null || true
  log="$(mktemp)"
  echo "== $target: ${seconds}s"
  started=$SECONDS
  status=0
  parallel=()
  # With -jobs, libFuzzer runs its processes in the background, each logging to fuzz-N.log.
  [ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
  (cd fuzz && cargo fuzz run --sanitizer none --target-dir "$fuzz_target_dir" "$target" \
    "corpus/$target" -- -max_total_time="$seconds" -max_len=1048576 -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="artifacts/$target/" "${parallel[@]}") \
    >"$log" 2>&1 || status=$?
  took=$((SECONDS - started))
  # Each libFuzzer process prints its own final count (with -jobs, in fuzz/fuzz-N.log).
  execs="$({ cat "$log"; cat fuzz/fuzz-*.log 2>/dev/null || true; } | awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}')"
  rm -f fuzz/fuzz-*.log
  inputs="$(ls "$corpus" | wc -l)"
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz: $target FAILED (exit $status)"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -n 20 || true
    tail -n 30 "$log"
  fi
  summary+=("$(printf '%-18s %6ss %12s execs %9s/s %6s corpus %s' "$target" "$took" "$execs" \
    "$((execs / (took > 0 ? took : 1)))" "$inputs" "$([ "$status" -eq 0 ] && echo ok || echo CRASH)")")
  rm -f "$log"
done

echo "== fuzzing summary (sanitizer none, ${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
