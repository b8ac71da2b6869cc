# Reference values for OLS on regressors of extreme magnitude (issue 13 §1): R's lm() fits a
# regressor of size ~1e300 (its QR scales the column norms), so spcure must too.
# R version 4.2.2 Patched (2022-11-10 r83330); jsonlite 1.8.4.
# Regenerate (from the repository root):
#   Rscript tests/reference/regress/large_scale.R
# Writes tests/reference/regress/large_scale.csv (40 rows: y, big ~1e300, small ~1e-300,
# z ordinary) and large_scale.json: the coefficients of lm(y ~ big + small + z) on the raw data,
# and the SEs and t from the same model fitted to big/1e300 and small*1e300 with the SEs
# scaled back (R's summary.lm forms (RᵀR)⁻¹, whose diagonal under/overflows here: it reports
# SE 0 and Inf for big and small; the rescaled fit is exact up to the rounding of the scaling).
# Tests (tests/regress_cli.rs) compare with relative tolerance 1e-8.
suppressPackageStartupMessages(library(jsonlite))
set.seed(20261129)
n <- 40
big <- rnorm(n) * 1e300
small <- runif(n, 1, 3) * 1e-300
z <- rnorm(n, 5, 2)
y <- 2 + 3e-300 * big + 1e299 * small + 0.5 * z + rnorm(n)
d <- data.frame(y = y, big = big, small = small, z = z)
out_dir <- "tests/reference/regress"
f <- file.path(out_dir, "large_scale.csv")
# 17 significant digits so the file holds exactly the doubles R fits.
write.csv(as.data.frame(lapply(d, formatC, digits = 17, format = "g")), f,
          row.names = FALSE, quote = FALSE)
d <- read.csv(f)
fit <- lm(y ~ big + small + z, data = d)
scaled <- lm(y ~ I(big / 1e300) + I(small * 1e300) + z, data = d)
s <- summary(scaled)
co <- coef(s)
back <- c(1, 1e-300, 1e300, 1)
stopifnot(all(abs(co[, 1] * back / coef(fit) - 1) < 1e-12))
out <- list(
  n = nrow(d),
  terms = names(coef(fit)),
  estimate = unname(coef(fit)),
  se = unname(co[, 2] * back),
  t = unname(co[, 3]),
  r2 = s$r.squared,
  mse = s$sigma^2
)
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(out_dir, "large_scale.json"))
