# Fixture for tests/check_cli.rs: a `spcure mediate --json`-shaped result for the pmi serial
# mediation (X = cond, M1 = import, M2 = pmi, Y = reaction), written without spcure.
# R version 4.2.2 Patched (2022-11-10 r83330); jsonlite 1.8.4.
# Regenerate (from the repository root):
#   Rscript tests/data/check/make_fixture.R > tests/data/check/pmi_mediate.json
# - equations, total_effect, direct_effect and every point estimate: R lm() on
#   tests/data/pmi.csv (the OLS values of tests/data/pmi.README.md, at full precision).
# - bootstrap SEs and CI limits: HAND-WRITTEN numbers (no bootstrap was run), chosen near but
#   not equal to the published Mplus values, so that data/published/pmi.toml passes within
#   its tolerances (SE ±10% relative, CI limits ±0.03) without matching exactly.
library(jsonlite)
d <- read.csv("tests/data/pmi.csv")
eq <- function(f) {
  fit <- lm(f, data = d); s <- summary(fit); cf <- s$coefficients
  ci <- confint(fit, level = 0.95)
  list(outcome = all.vars(f)[1], r2 = s$r.squared, f = unname(s$fstatistic[1]),
       df1 = unname(s$fstatistic[2]), df2 = unname(s$fstatistic[3]),
       p = unname(pf(s$fstatistic[1], s$fstatistic[2], s$fstatistic[3], lower.tail = FALSE)),
       mse = sum(fit$residuals^2) / fit$df.residual,
       terms = lapply(seq_len(nrow(cf)), function(i) list(
         term = rownames(cf)[i], estimate = cf[i, 1], se = cf[i, 2], t = cf[i, 3],
         p = cf[i, 4], ci_low = ci[i, 1], ci_high = ci[i, 2])))
}
m1 <- eq(import ~ cond); m2 <- eq(pmi ~ cond + import); y <- eq(reaction ~ cond + import + pmi)
tot <- eq(reaction ~ cond)$terms[[2]]; tot$term <- NULL
dir <- y$terms[[2]]; dir$term <- NULL
b <- function(e, name) Filter(function(t) t$term == name, e$terms)[[1]]$estimate
a1 <- b(m1, "cond"); a2 <- b(m2, "cond"); d21 <- b(m2, "import")
b1 <- b(y, "import"); b2 <- b(y, "pmi")
ind <- c(a1 * b1, a2 * b2, a1 * d21 * b2)
boot <- list(  # hand-written: boot_se, ci_low, ci_high
  c(0.1181, 0.0262, 0.4652), c(0.0962, -0.0301, 0.3559), c(0.0371, 0.0061, 0.1470),
  c(0.1612, 0.0900, 0.7230))
paths <- list(c("cond", "import", "reaction"), c("cond", "pmi", "reaction"),
              c("cond", "import", "pmi", "reaction"), NULL)
labels <- c("Ind1", "Ind2", "Ind3", "Total")
est <- c(ind, sum(ind))
indirect <- lapply(1:4, function(i) list(
  label = labels[i], path = if (is.null(paths[[i]])) NA else paths[[i]], estimate = est[i],
  boot_se = boot[[i]][1], ci_low = boot[[i]][2], ci_high = boot[[i]][3]))
contrasts <- list(list(label = "C1", minuend = "Ind1", subtrahend = "Ind2",
  estimate = ind[1] - ind[2], boot_se = 0.1540, ci_low = -0.2210, ci_high = 0.3850))
out <- list(n = nrow(d), x = "cond", mediators = c("import", "pmi"), y = "reaction",
  covariates = character(0), equations = list(m1, m2, y),
  total_effect = tot, direct_effect = dir, indirect_effects = indirect,
  contrasts = contrasts,
  bootstrap = list(samples = 10000, seed = 1, ci = "bc", level = 0.95, replaced = 0))
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"))
