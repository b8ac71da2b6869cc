# Reference values for src/stats/attrition.rs (flow table, completer comparisons).
#   cd tests/reference/stats && Rscript attrition.R   (writes attrition.json)
# R 4.2.2 Patched (2022-11-10 r83330), effectsize 0.8.3, jsonlite 1.8.4 (also in the JSON).
# Rust tolerance (src/stats/attrition.rs): exact counts; 1e-8 relative for everything else.
# Completer = present at T2. Each variable uses the participants observed on it.
suppressPackageStartupMessages({ library(effectsize); library(jsonlite) })

d <- read.csv("attrition_baseline.csv")
comp <- d$present_T2 == 1
present <- list(rep(TRUE, nrow(d)), d$present_T1 == 1, d$present_T2 == 1)

flow <- lapply(seq_along(present), function(w) {
  now <- present[[w]]
  prev <- if (w == 1) now else present[[w - 1]]
  list(n = sum(now), retained = sum(now & prev), lost = sum(prev & !now),
       returned = sum(now & !prev), pct_of_baseline = 100 * sum(now) / nrow(d),
       pct_of_previous = 100 * sum(now & prev) / sum(prev))
})

continuous <- function(v, level = 0.95) {
  x <- v[comp & !is.na(v)]; y <- v[!comp & !is.na(v)]
  tt <- t.test(x, y, var.equal = FALSE, conf.level = level)
  n1 <- length(x); n2 <- length(y); m <- n1 + n2 - 2
  sp <- sqrt(((n1 - 1) * var(x) + (n2 - 1) * var(y)) / m)
  J <- exp(lgamma(m / 2) - log(sqrt(m / 2)) - lgamma((m - 1) / 2))   # Hedges (1981)
  g <- J * (mean(x) - mean(y)) / sp
  se <- sqrt((n1 + n2) / (n1 * n2) + g^2 / (2 * (n1 + n2)))          # Hedges & Olkin (1985)
  z <- qnorm(1 - (1 - level) / 2)
  list(n1 = n1, n2 = n2, mean1 = mean(x), mean2 = mean(y), sd1 = sd(x), sd2 = sd(y),
       t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
       diff = mean(x) - mean(y), diff_ci = as.numeric(tt$conf.int),
       g = g, g_effectsize = hedges_g(x, y, ci = NULL)$Hedges_g,
       g_se = se, g_ci = c(g - z * se, g + z * se))
}

categorical <- function(v) {
  ok <- !is.na(v)
  tab <- table(factor(comp[ok], levels = c(TRUE, FALSE)), v[ok])
  ct <- suppressWarnings(chisq.test(tab, correct = FALSE))
  list(levels = as.numeric(colnames(tab)), counts_completers = as.numeric(tab[1, ]),
       counts_noncompleters = as.numeric(tab[2, ]), n = sum(ok),
       chi2 = unname(ct$statistic), df = unname(ct$parameter), p = ct$p.value,
       min_expected = min(ct$expected), cells_expected_below_5 = sum(ct$expected < 5))
}

out <- list(
  flow = flow,
  lonely = continuous(d$lonely), hrqol = continuous(d$hrqol), age = continuous(d$age),
  lonely_90 = continuous(d$lonely, 0.90),
  gender = categorical(d$gender), deprivation = categorical(d$deprivation),
  versions = list(R = R.version.string, effectsize = as.character(packageVersion("effectsize")))
)
write_json(out, "attrition.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
