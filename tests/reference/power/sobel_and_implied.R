# References for src/stats/power.rs that do not need the bootstrap:
# 1. delta-method (Sobel) 95% intervals of the serial indirect effects of pmi
#    (X = cond, M1 = import, M2 = pmi, Y = reaction), from lm() coefficients and vcov();
# 2. Monte Carlo power of the Sobel test (lm() estimates and SEs, |ab/SE| > z_.975) for
#    simple mediation with unit-variance variables, c' = 0, 4000 replications each
#    (the first-order analytic approximation P(|Z| > z) with the SE at the true values
#    underestimates this power by ~0.08 at n = 100, so it is not used);
# 3. the model-implied correlation matrix of a k = 3 standardized path model via the RAM
#    formula Sigma = (I - B)^-1 Psi (I - B)^-T with Psi chosen so diag(Sigma) = 1.
# R version 4.2.2 Patched (2022-11-10 r83330); base R (stats) + jsonlite 1.8.4.
# Regenerate (from the repository root): Rscript tests/reference/power/sobel_and_implied.R
# Tolerances (tests in src/stats/power.rs): intervals 1e-9; implied matrix 1e-12;
# Monte Carlo Sobel power within 3 * sqrt(se_rust^2 + se_R^2) of this script's power.
d <- read.csv("tests/data/pmi.csv")
f1 <- lm(import ~ cond, d); f2 <- lm(pmi ~ cond + import, d); f3 <- lm(reaction ~ cond + import + pmi, d)
a1 <- coef(f1)["cond"]; a2 <- coef(f2)["cond"]; d21 <- coef(f2)["import"]
b1 <- coef(f3)["import"]; b2 <- coef(f3)["pmi"]
V1 <- vcov(f1)["cond", "cond"]; V2 <- vcov(f2)[c("cond", "import"), c("cond", "import")]
V3 <- vcov(f3)[c("import", "pmi"), c("import", "pmi")]
# gradients: eq1 (a1), eq2 (a2, d21), eq3 (b1, b2)
effects <- list(
  Ind1 = list(est = a1 * b1, g1 = b1, g2 = c(0, 0), g3 = c(a1, 0)),
  Ind2 = list(est = a2 * b2, g1 = 0, g2 = c(b2, 0), g3 = c(0, a2)),
  Ind3 = list(est = a1 * d21 * b2, g1 = d21 * b2, g2 = c(0, a1 * b2), g3 = c(0, a1 * d21)))
effects$Total <- list(est = sum(sapply(effects, `[[`, "est")),
  g1 = sum(sapply(effects, `[[`, "g1")),
  g2 = Reduce(`+`, lapply(effects, `[[`, "g2")), g3 = Reduce(`+`, lapply(effects, `[[`, "g3")))
z <- qnorm(0.975)
pmi_sobel <- lapply(names(effects), function(nm) {
  e <- effects[[nm]]
  se <- sqrt(e$g1^2 * V1 + t(e$g2) %*% V2 %*% e$g2 + t(e$g3) %*% V3 %*% e$g3)
  list(label = nm, estimate = unname(e$est), se = c(se),
       ci_low = unname(e$est) - z * c(se), ci_high = unname(e$est) + z * c(se))
})
set.seed(1982)
reps <- 4000
sobel_power <- function(a, b, n) {
  mean(replicate(reps, {
    x <- rnorm(n); m <- a * x + rnorm(n, sd = sqrt(1 - a^2)); y <- b * m + rnorm(n, sd = sqrt(1 - b^2))
    f1 <- summary(lm(m ~ x))$coefficients; f2 <- summary(lm(y ~ x + m))$coefficients
    ah <- f1[2, 1]; sa <- f1[2, 2]; bh <- f2[3, 1]; sb <- f2[3, 2]
    abs(ah * bh / sqrt(ah^2 * sb^2 + bh^2 * sa^2)) > z
  }))
}
analytic <- lapply(list(c(0.39, 0.39, 100), c(0.26, 0.39, 200), c(0.39, 0.26, 150)),
  function(v) {
    p <- sobel_power(v[1], v[2], v[3])
    list(a = v[1], b = v[2], n = v[3], replications = reps, power = p, mc_se = sqrt(p * (1 - p) / reps))
  })
# k = 3 standardized path model; order X, M1, M2, M3, Y. B[i, j] = effect of j on i.
B <- matrix(0, 5, 5)
B[2, 1] <- 0.3                                   # a1
B[3, 1] <- 0.2;  B[3, 2] <- 0.35                 # a2, d21
B[4, 1] <- 0.25; B[4, 2] <- 0.1; B[4, 3] <- 0.3  # a3, d31, d32
B[5, 1] <- 0.1;  B[5, 2:4] <- c(0.2, 0.15, 0.3)  # c', b1, b2, b3
A <- solve(diag(5) - B)
psi <- rep(1, 5)
for (it in 1:200) {
  S <- A %*% diag(psi) %*% t(A)
  psi <- psi + (1 - diag(S))
}
S <- A %*% diag(psi) %*% t(A)
out <- list(r_version = R.version.string, pmi_sobel = pmi_sobel, mc_sobel_power = analytic,
            implied = list(a = c(0.3, 0.2, 0.25), d = list(c(0.35), c(0.1, 0.3)),
                           b = c(0.2, 0.15, 0.3), c_prime = 0.1,
                           correlation = unname(split(S, row(S))), residual_variances = psi))
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/power/sobel_and_implied.json")
