#!/usr/bin/env bash
# Scale benchmarks (issue 13 §5), on data spcure or this script makes (nothing from outside):
#   1. `spcure simulate --n 200000`: the three-wave EHR-sized cohort (also timed);
#   2. `spcure analyse` on it, the whole default analysis          (target ≤ 10 s, ≤ 2 GB);
#   3. `spcure mediate`, k = 3, N = 10^6, B = 1000, whole process   (target ≤ 3 s, ≤ 0.5 GB);
#   4. loading a 10^6-row, 8-column flat CSV (`spcure regress y ~ x`: the load plus one
#      two-column QR, which is a few ms)                             (target ≤ 0.3 s).
# Usage: scripts/bench-scale.sh            (env: BIN=target/release/spcure RUNS=3 N=200000
#                                          ROWS=1000000 THREADS= KEEP=)
# Uses an existing release binary and never builds one (a release build rebuilds Polars:
# build it yourself with `cargo build --release` first). Wall time and peak RSS come from
# /usr/bin/time -v; each job runs RUNS times and all runs are printed (copy them into
# docs/benchmarks.md with the machine's load, `uptime`).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/spcure}
RUNS=${RUNS:-3}
N=${N:-200000}
ROWS=${ROWS:-1000000}
THREADS_FLAG=${THREADS:+--threads $THREADS}
if [[ ! -x "$BIN" ]]; then
  echo "no release binary at $BIN: run \`cargo build --release\` first (or set BIN=)" >&2
  exit 2
fi
WORK=$(mktemp -d)
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK"; fi

# Runs a command RUNS times under /usr/bin/time -v; prints wall, user, sys and peak RSS.
timed() { # label command...
  local label=$1
  shift
  echo "== $label =="
  for i in $(seq "$RUNS"); do
    /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || {
      echo "run $i failed:"
      tail -20 "$WORK/time.txt"
      return 1
    }
    awk -v run="$i" -F': ' '
      /Elapsed \(wall clock\)/ { wall = $2 }
      /User time/ { user = $2 }
      /System time/ { sys = $2 }
      /Maximum resident set size/ { rss = $2 }
      END { printf "run %d: wall %s, user %s s, sys %s s, peak RSS %.0f MB\n", run, wall, user, sys, rss / 1024 }
    ' "$WORK/time.txt"
  done
}

echo "machine: $(nproc) cores, $(uname -srm); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "spcure: $("$BIN" --version 2>/dev/null || echo unknown), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "binary: $BIN ($(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC'))"
echo

timed "simulate --n $N (three waves)" \
  "$BIN" simulate --n "$N" --seed 1 --out "$WORK/cohort" --force
ls -l "$WORK/cohort"/T*.csv | awk '{ printf "  %s: %.1f MB\n", $NF, $5 / 1048576 }'
for w in 0 1 2; do echo "  T$w: $(($(wc -l <"$WORK/cohort/T$w.csv") - 1)) participants"; done
echo

timed "analyse, N = $N, three waves, the whole default analysis (B = 5000)" \
  "$BIN" analyse "$WORK/cohort/T0.csv" "$WORK/cohort/T1.csv" "$WORK/cohort/T2.csv" \
  --seed 1 --out "$WORK/analysis" --force $THREADS_FLAG
echo

# Flat file: x ~ Bernoulli(.5), m_j = .4x + .35 m_{j−1} + e, y = .2x + .3 Σm + e, and three
# covariates c1..c3 ~ N(0, 1) (8 columns, about 66 MB at 10^6 rows, as in issue 13).
awk -v n="$ROWS" 'BEGIN {
  srand(2); pi = atan2(0, -1); OFS = ","
  print "x", "m1", "m2", "m3", "y", "c1", "c2", "c3"
  for (i = 0; i < n; i++) {
    x = (rand() < 0.5) ? 1 : 0; prev = 0; s = 0
    for (j = 1; j <= 6; j++) e[j] = sqrt(-2 * log(1 - rand())) * cos(2 * pi * rand())
    for (j = 1; j <= 3; j++) { m[j] = 0.4 * x + 0.35 * prev + e[j]; prev = m[j]; s += m[j] }
    y = 0.2 * x + 0.3 * s + e[4]
    printf "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", x, m[1], m[2], m[3], y, e[5], e[6], sqrt(-2 * log(1 - rand())) * cos(2 * pi * rand())
  }
}' >"$WORK/flat.csv"
echo "flat file: $ROWS rows x 8 columns, $(($(stat -c %s "$WORK/flat.csv") / 1048576)) MB"
echo

timed "mediate, k = 3, N = $ROWS, B = 1000 (whole process)" \
  "$BIN" mediate "$WORK/flat.csv" --x x --m m1,m2,m3 --y y --boot 1000 --seed 1 --quiet --json \
  $THREADS_FLAG
echo

timed "load the $ROWS-row flat CSV (regress y ~ x: the load and one small QR)" \
  "$BIN" regress "$WORK/flat.csv" --y y --x x
