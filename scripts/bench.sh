#!/usr/bin/env bash
# Times `spcure mediate` as a whole process (k = 3 serial mediators):
#   1. N = 630, B = 5000 (target < 150 ms for the process; the bootstrap alone is measured by
#      `cargo bench --bench mediation`, target < 50 ms);
#   2. N = 1,000,000, B = 1000 (target < 15 s, peak RSS < 1 GB; /usr/bin/time -v);
#   3. lavaan on the N = 630 data, side by side, when Rscript and lavaan are available;
#   4. FIML (`--missing fiml`), k = 3, N = 630 with dropout to 176 at T1 (the validation
#      cohort tests/reference/fiml/cohort.csv, baseline scores as auxiliaries): B = 5000
#      (target <= 1 s whole process) and B = 2 (point estimates, target <= 20 ms).
# Usage: scripts/bench.sh [--criterion]   (env: RUNS=10 LAVAAN_BOOT=5000 THREADS=)
# Results go to stdout; copy them into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
LAVAAN_BOOT=${LAVAAN_BOOT:-5000}
THREADS_FLAG=${THREADS:+--threads $THREADS}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/spcure

# Serial-mediation data: x ~ Bernoulli(.5), m_j = .4x + .35 m_{j-1} + e, y = .2x + .3 Σm + e.
simulate() { # n seed file
  awk -v n="$1" -v seed="$2" 'BEGIN {
    srand(seed); pi = atan2(0, -1); OFS = ","
    print "x", "m1", "m2", "m3", "y"
    for (i = 0; i < n; i++) {
      x = (rand() < 0.5) ? 1 : 0; prev = 0; s = 0
      for (j = 1; j <= 3; j++) {
        e = sqrt(-2 * log(1 - rand())) * cos(2 * pi * rand())
        m[j] = 0.4 * x + 0.35 * prev + e; prev = m[j]; s += m[j]
      }
      e = sqrt(-2 * log(1 - rand())) * cos(2 * pi * rand())
      printf "%d,%.6f,%.6f,%.6f,%.6f\n", x, m[1], m[2], m[3], 0.2 * x + 0.3 * s + e
    }
  }' > "$3"
}
ARGS=(--x x --m m1,m2,m3 --y y --seed 1 --quiet --json)

echo "machine: $(nproc) cores, $(uname -srm)"
echo "spcure: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

simulate 630 1 "$WORK/n630.csv"
echo
echo "== spcure mediate, k = 3, N = 630, B = 5000 (whole process) =="
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs "$RUNS" \
    "$BIN mediate $WORK/n630.csv ${ARGS[*]} --boot 5000 $THREADS_FLAG > /dev/null"
else
  times=()
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "$BIN" mediate "$WORK/n630.csv" "${ARGS[@]}" --boot 5000 $THREADS_FLAG > /dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
  echo "wall ms over $RUNS runs (sorted): $sorted"
  echo "median ms: $(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
fi

echo
echo "== spcure mediate, k = 3, N = 1,000,000, B = 1000 =="
simulate 1000000 2 "$WORK/n1e6.csv"
/usr/bin/time -v "$BIN" mediate "$WORK/n1e6.csv" "${ARGS[@]}" --boot 1000 $THREADS_FLAG \
  2> "$WORK/time.txt" > /dev/null
grep -E "Elapsed \(wall clock\)|Maximum resident set size|User time|System time" "$WORK/time.txt"

if command -v Rscript >/dev/null && Rscript -e 'library(lavaan)' >/dev/null 2>&1; then
  echo
  echo "== lavaan sem(se = \"bootstrap\", bootstrap = $LAVAAN_BOOT), same N = 630 data =="
  cat > "$WORK/lavaan.R" <<'RS'
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
model <- "m1 ~ a1*x
m2 ~ a2*x + d21*m1
m3 ~ a3*x + d31*m1 + d32*m2
y ~ cp*x + b1*m1 + b2*m2 + b3*m3
ind7 := a1*d21*d32*b3"
set.seed(1)
t <- system.time(fit <- sem(model, data = d, se = "bootstrap", bootstrap = as.integer(args[2])))
cat(sprintf("lavaan %s: sem() with bootstrap took %.2f s elapsed\n",
            as.character(packageVersion("lavaan")), t[["elapsed"]]))
RS
  /usr/bin/time -f "Rscript process: %e s wall, %M KB max RSS" \
    Rscript "$WORK/lavaan.R" "$WORK/n630.csv" "$LAVAAN_BOOT"
fi

FIML_ARGS=(--x d_x --m d_m1,d_m2,d_m3 --y d_y --cov age --missing fiml
           --aux x_T0,m1_T0,m2_T0,m3_T0,y_T0 --seed 1 --quiet --json)
for b in 5000 2; do
  echo
  echo "== spcure mediate --missing fiml, k = 3, N = 630 (176 at T1), B = $b (whole process) =="
  times=()
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "$BIN" mediate tests/reference/fiml/cohort.csv "${FIML_ARGS[@]}" --boot "$b" $THREADS_FLAG \
      > /dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  echo "wall ms over $RUNS runs (sorted): $(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')"
done

if [ "${1:-}" = "--criterion" ]; then
  echo
  echo "== criterion: cargo bench --bench mediation =="
  cargo bench --bench mediation -- --noplot 2>&1 | grep -E "^mediation|time:"
fi
