# Independent R Monte Carlo of percentile-bootstrap power for simple mediation (k = 1),
# at the sample sizes for .8 power of Fritz & MacKinnon (2007, Psychological Science
# 18:233-239, Table 3), c' = 0, as re-estimated by the repliSIMS replication
# (github.com/replisims/fritz-2007, samplesizes.csv at commit bcf2acc, test 5 = percentile
# bootstrap, c' = 0 rows: a = b = .59 -> 37, a = b = .39 -> 75, a = .39, b = .59 -> 58).
# Data as in Fritz & MacKinnon: X ~ N(0, 1), M = aX + e_M, Y = c'X + bM + e_Y, e ~ N(0, 1)
# (unit residual variances, not unit total variances).
# R version 4.2.2 Patched (2022-11-10 r83330); base R (stats) + jsonlite 1.8.4.
# Regenerate (from the repository root): Rscript tests/reference/power/fritz_percentile.R
# Writes tests/reference/power/fritz_percentile.json. Used by src/stats/power.rs tests with
# tolerance 3 * sqrt(se_rust^2 + se_R^2) + 0.02 (finite-B allowance) against this power,
# and 3 * se_rust + 0.05 against the nominal .80 (allowance: the published N is rounded and
# the table's own Monte Carlo error, R = 1000 replications there).
# Percentile rule as PROCESS: lower = sorted[round(B * 0.025)], upper = sorted[trunc(B * 0.975) + 1].
set.seed(20070301)
reps <- 2000
B <- 1000
cells <- list(
  list(label = "LL", a = 0.59, b = 0.59, n = 37),
  list(label = "MM", a = 0.39, b = 0.39, n = 75),
  list(label = "ML", a = 0.39, b = 0.59, n = 58))
one_rep <- function(a, b, n) {
  x <- rnorm(n)
  m <- a * x + rnorm(n)
  y <- b * m + rnorm(n)
  idx <- matrix(sample.int(n, n * B, replace = TRUE), B, n)
  X <- matrix(x[idx], B, n); M <- matrix(m[idx], B, n); Y <- matrix(y[idx], B, n)
  X <- X - rowMeans(X); M <- M - rowMeans(M); Y <- Y - rowMeans(Y)
  sxx <- rowSums(X * X); sxm <- rowSums(X * M); smm <- rowSums(M * M)
  sxy <- rowSums(X * Y); smy <- rowSums(M * Y)
  ahat <- sxm / sxx
  bhat <- (smy * sxx - sxm * sxy) / (smm * sxx - sxm^2)
  ab <- sort(ahat * bhat)
  lo <- ab[round(B * 0.025)]; hi <- ab[trunc(B * 0.975) + 1]
  lo > 0 || hi < 0
}
out <- lapply(cells, function(cl) {
  hits <- vapply(seq_len(reps), function(r) one_rep(cl$a, cl$b, cl$n), logical(1))
  p <- mean(hits)
  c(cl, list(c_prime = 0, replications = reps, boot = B, power = p,
             mc_se = sqrt(p * (1 - p) / reps)))
})
writeLines(jsonlite::toJSON(list(r_version = R.version.string, seed = 20070301, cells = out),
                            auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/power/fritz_percentile.json")
