#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a fixed time budget each.
#   scripts/fuzz.sh [SECONDS]        (default 300 s per target)
# env: TARGETS="load_csv spec results_json"  SANITIZER=none|address  NICE=15  JOBS=1
# Installs the nightly toolchain (rustup, minimal profile) and cargo-fuzz (crates.io) when
# they are missing. New inputs go to fuzz/corpus/<target>/ (kept between runs, not committed),
# seeded from fuzz/seeds/<target>/ (committed); a crash is saved in fuzz/artifacts/<target>/
# and makes the script exit 1 after the other targets have run. Reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/crash-…
# and turn it into a regression test (tests/properties.rs or the relevant test binary).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-300}
TARGETS=${TARGETS:-"load_csv spec results_json"}
# spcure is safe Rust: the fuzzers look for panics, so AddressSanitizer is off by default
# (it halves the speed and rebuilds everything); SANITIZER=address turns it on.
SANITIZER=${SANITIZER:-none}
NICE=${NICE:-15}
JOBS=${JOBS:-1}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "installing the nightly toolchain (cargo fuzz needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "building the fuzz targets (sanitizer: $SANITIZER; first build takes a while: Polars)"
nice -n "$NICE" cargo +nightly fuzz build -s "$SANITIZER" --codegen-units 16 $TARGETS

# -jobs > 1 forks workers that log to fuzz-N.log; one job runs in this process.
PARALLEL=()
if ((JOBS > 1)); then PARALLEL=(-jobs="$JOBS" -workers="$JOBS"); fi

crashed=()
for t in $TARGETS; do
  mkdir -p "fuzz/corpus/$t"
  echo
  echo "== $t: $SECONDS_PER_TARGET s =="
  if ! nice -n "$NICE" cargo +nightly fuzz run -s "$SANITIZER" --codegen-units 16 "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=4096 \
      -print_final_stats=1 "${PARALLEL[@]}"; then
    crashed+=("$t")
  fi
done

echo
if ((${#crashed[@]})); then
  echo "crashes in: ${crashed[*]}"
  ls -l fuzz/artifacts/*/ 2>/dev/null || true
  exit 1
fi
echo "no crash in: $TARGETS ($SECONDS_PER_TARGET s each)"
