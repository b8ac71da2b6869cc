# Reference values for src/stats/correlation.rs (Pearson matrix, pairwise-complete cases).
#   cd tests/reference/stats && Rscript correlation.R   (writes correlation.json)
# R 4.2.2 Patched (2022-11-10 r83330), jsonlite 1.8.4; versions are also written into the JSON.
# Each pair uses the rows where both variables are observed; p is cor.test's two-sided p
# (t = r sqrt(n - 2) / sqrt(1 - r^2), n - 2 df). Rust tolerance: 1e-8 relative (closed form).
suppressPackageStartupMessages(library(jsonlite))

d <- read.csv("change_waves.csv")
vars <- c("wellbeing_T0", "wellbeing_T1", "hrqol_T1", "lonely_T0", "lonely_T2")
k <- length(vars)
r <- p <- matrix(NA_real_, k, k); n <- matrix(0L, k, k)
for (i in 1:k) for (j in 1:k) {
  ok <- !is.na(d[[vars[i]]]) & !is.na(d[[vars[j]]])
  n[i, j] <- sum(ok)
  if (i == j) { r[i, j] <- 1; p[i, j] <- 0; next }
  ct <- cor.test(d[[vars[i]]][ok], d[[vars[j]]][ok])
  r[i, j] <- unname(ct$estimate); p[i, j] <- ct$p.value
}
out <- list(variables = vars, r = r, p = p, n = n,
            versions = list(R = R.version.string, jsonlite = as.character(packageVersion("jsonlite"))))
write_json(out, "correlation.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
