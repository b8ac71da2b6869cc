# Reference values for src/stats/change.rs (paired change between waves).
#   cd tests/reference/stats && Rscript change.R   (writes change.json)
# R 4.2.2 Patched (2022-11-10 r83330), effectsize 0.8.3, jsonlite 1.8.4 (also written into the JSON).
# Rust tolerance (src/stats/change.rs): 1e-8 relative for all closed-form values and the
# d CIs (ncp roots to 1e-14 here); pt(t, df, ncp) grid to 1e-11 absolute (AS 243's error bound).
# Pairs: participants with a score at both waves; change = later - earlier.
suppressPackageStartupMessages({ library(effectsize); library(jsonlite) })

d <- read.csv("change_waves.csv")
constructs <- c("wellbeing", "hrqol", "lonely")
pairs <- list(c("T0", "T1"), c("T1", "T2"), c("T0", "T2"))

# Noncentrality parameter whose t distribution puts probability `prob` below t
# (Steiger & Fouladi 1997): pt(t, df, ncp) decreases in ncp, so the root is unique.
ncp_for <- function(t, df, prob) {
  f <- function(ncp) pt(t, df, ncp) - prob
  lo <- t - 10; hi <- t + 10
  while (f(lo) < 0) lo <- lo - 10
  while (f(hi) > 0) hi <- hi + 10
  uniroot(f, c(lo, hi), tol = 1e-14, maxiter = 10000)$root
}

paired <- function(from, to, level = 0.95) {
  ok <- !is.na(from) & !is.na(to)
  a <- from[ok]; b <- to[ok]; diff <- b - a; n <- length(diff)
  tt <- t.test(b, a, paired = TRUE, conf.level = level)
  # digits.rank = 7: rank signif(d, 7), so differences that are equal but for floating-point
  # rounding (the lonely scale means are thirds: 4/3 - 2/3 vs 5/3 - 1) are tied, as spcure's
  # tie tolerance (TIE_RTOL, docs/methods/stats.md) ties them. The default (digits.rank = Inf)
  # splits them by chance: lonely_T0_T1 gives V = 233 instead of 246.
  wt <- suppressWarnings(wilcox.test(b, a, paired = TRUE, digits.rank = 7))
  nz <- diff[diff != 0]
  exact <- length(nz) < 50 && !any(diff == 0) && length(unique(signif(abs(nz), 7))) == length(nz)
  q <- (1 - level) / 2
  tstat <- unname(tt$statistic)
  ncp <- c(ncp_for(tstat, n - 1, 1 - q), ncp_for(tstat, n - 1, q))
  s_av <- (sd(a) + sd(b)) / 2
  list(n = n, mean_from = mean(a), mean_to = mean(b), sd_from = sd(a), sd_to = sd(b),
       mean_change = mean(diff), sd_change = sd(diff), change_ci = as.numeric(tt$conf.int),
       t = tstat, df = unname(tt$parameter), p_t = tt$p.value,
       v = unname(wt$statistic), p_wilcoxon = wt$p.value, wilcoxon_exact = exact,
       d_z = mean(diff) / sd(diff), d_z_ci = ncp / sqrt(n),
       d_z_ci_effectsize = c(cohens_d(diff, ci = level)$CI_low, cohens_d(diff, ci = level)$CI_high),
       d_av = mean(diff) / s_av, d_av_ci = ncp * sd(diff) / (sqrt(n) * s_av))
}

out <- list(); p_t <- c(); p_w <- c()
for (c in constructs) for (pr in pairs) {
  key <- paste(c, pr[1], pr[2], sep = "_")
  r <- paired(d[[paste(c, pr[1], sep = "_")]], d[[paste(c, pr[2], sep = "_")]])
  out$comparisons[[key]] <- r
  p_t[key] <- r$p_t; p_w[key] <- r$p_wilcoxon
}
out$holm_t <- unname(p.adjust(p_t, "holm"))
out$holm_wilcoxon <- unname(p.adjust(p_w, "holm"))
out$family <- names(p_t)
out$wellbeing_T0_T1_90 <- paired(d$wellbeing_T0, d$wellbeing_T1, 0.90)

# Holm with a missing p-value: R leaves NA in place and counts only the others.
out$holm_with_na <- list(p = c(0.01, NA, 0.04, 0.03, 0.2),
                         adjusted = p.adjust(c(0.01, NA, 0.04, 0.03, 0.2), "holm"))

# Noncentral t cdf (R's pnt, AS 243) on a grid, to test the Rust port directly.
grid <- expand.grid(t = c(-3, -0.5, 0, 0.7, 2.1, 5), df = c(2, 9.5, 29, 120), ncp = c(-2, -0.3, 0.4, 1.5, 4))
grid$p <- mapply(function(t, df, ncp) pt(t, df, ncp), grid$t, grid$df, grid$ncp)
out$pnt_grid <- grid

# Exact signed-rank distribution: psignrank(q, n) for a few (q, n).
sr <- expand.grid(q = c(0, 3, 10, 27, 60), n = c(5, 12, 20, 49))
sr$p <- mapply(psignrank, sr$q, sr$n)
out$psignrank <- sr

out$versions <- list(R = R.version.string, effectsize = as.character(packageVersion("effectsize")))
write_json(out, "change.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, dataframe = "rows")
