# Reference values for `spcure regress`: classical and HC0–HC4 standard errors, t, p, CIs at
# 90/95/99 %, and the HC-based Wald F, from R lm() + sandwich::vcovHC + lmtest::waldtest.
# R version 4.2.2 Patched (2022-11-10 r83330); sandwich 3.0.2; lmtest 0.9.40; jsonlite 1.8.4.
# Regenerate (from the repository root):
#   Rscript tests/reference/regress/make.R
# Writes tests/reference/regress/hc_data.csv (60 rows, 3 with a missing value, written "NA")
# and tests/reference/regress/hc_reference.json. Tests (tests/regress_reference.rs and
# tests/regress_cli.rs) compare with relative tolerance 1e-8.
suppressPackageStartupMessages({library(sandwich); library(lmtest); library(jsonlite)})
set.seed(20240611)
n <- 60
x1 <- rnorm(n, 10, 2)
x2 <- rbinom(n, 1, 0.4)
x3 <- runif(n, 0, 5)
# Heteroscedastic errors (SD grows with x3) and one high-leverage case, so HC0–HC4 differ.
y <- 2 + 0.5 * x1 - 1.2 * x2 + 0.8 * x3 + rnorm(n, 0, 0.5 + 0.6 * x3)
x1[7] <- 19
d <- data.frame(y = round(y, 4), x1 = round(x1, 4), x2 = x2, x3 = round(x3, 4))
d$x1[c(5, 33)] <- NA
d$y[48] <- NA
out_dir <- "tests/reference/regress"
write.csv(d, file.path(out_dir, "hc_data.csv"), row.names = FALSE, na = "NA", quote = FALSE)
d <- read.csv(file.path(out_dir, "hc_data.csv"))
cc <- na.omit(d)  # listwise, as spcure; the null models for waldtest need the same rows

summarise <- function(fit, type, intercept) {
  V <- if (is.null(type)) vcov(fit) else vcovHC(fit, type = type)
  b <- coef(fit); se <- sqrt(diag(V)); df2 <- fit$df.residual
  tt <- b / se
  null <- if (intercept) update(fit, . ~ 1) else update(fit, . ~ 0)
  w <- waldtest(fit, null, vcov = V, test = "F")
  s <- summary(fit)
  cis <- lapply(c(90, 95, 99), function(L) {
    q <- qt(0.5 + L / 200, df2)
    list(level = L, ci_low = unname(b - q * se), ci_high = unname(b + q * se))
  })
  list(
    hc = if (is.null(type)) NULL else type,
    intercept = intercept,
    n = length(fit$residuals),
    term = names(b), estimate = unname(b), se = unname(se), t = unname(tt),
    p = unname(2 * pt(-abs(tt), df2)),
    r2 = s$r.squared, adj_r2 = s$adj.r.squared,
    f = w$F[2], df1 = abs(w$Df[2]), df2 = w$Res.Df[1], f_p = w[["Pr(>F)"]][2],
    mse = sum(fit$residuals^2) / df2,
    ci = cis)
}
fits <- list()
for (type in list(NULL, "HC0", "HC1", "HC2", "HC3", "HC4")) {
  fits[[length(fits) + 1]] <- summarise(lm(y ~ x1 + x2 + x3, data = cc), type, TRUE)
}
for (type in list(NULL, "HC3")) {
  fits[[length(fits) + 1]] <- summarise(lm(y ~ x1 + x2 + x3 - 1, data = cc), type, FALSE)
}
json <- toJSON(list(
  r_version = R.version.string,
  packages = list(sandwich = as.character(packageVersion("sandwich")),
                  lmtest = as.character(packageVersion("lmtest")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  rows_read = nrow(d), rows_used = nrow(cc),
  fits = fits), auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null")
writeLines(json, file.path(out_dir, "hc_reference.json"))
