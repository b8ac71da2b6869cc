# Reference values for src/stats/reliability.rs.
#   cd tests/reference/stats && Rscript reliability.R   (writes reliability.json)
# R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9, lavaan 0.6.14, jsonlite 1.8.4 (also in the JSON).
# Rust tolerance (src/stats/reliability.rs): 1e-8 relative for alpha, its CIs, r.drop and
# alpha.drop; 1e-6 for omega, loadings, uniquenesses (lavaan stops on a gradient < 1e-6).
# Each scale uses the complete cases of its items, as the Rust code does.
suppressPackageStartupMessages({ library(psych); library(lavaan); library(jsonlite) })

d <- read.csv("reliability_items.csv")
scales <- list(belong = paste0("belong_", 1:5), support = paste0("support_", 1:3))

# Feldt (1965): (1 - alpha) / (1 - alpha_hat) ~ F(n - 1, (n - 1)(k - 1)).
feldt <- function(a, n, k, level) {
  q <- (1 - level) / 2
  df1 <- n - 1; df2 <- (n - 1) * (k - 1)
  c(1 - (1 - a) * qf(1 - q, df1, df2), 1 - (1 - a) * qf(q, df1, df2))
}

one_scale <- function(items) {
  x <- d[complete.cases(d[, items]), items]
  a <- psych::alpha(x, check.keys = FALSE, warnings = FALSE)
  raw <- a$total$raw_alpha
  ci <- psych::alpha.ci(raw, n.obs = nrow(x), n.var = ncol(x), p.val = 0.05)
  # One-factor CFA on the raw items (covariance metric), factor variance fixed to 1.
  model <- paste("f =~", paste(items, collapse = " + "))
  # BFGS with a tiny reltol gets closer to the optimum than the default nlminb stop.
  fit <- cfa(model, data = x, std.lv = TRUE, estimator = "ML", optim.method = "BFGS",
             control = list(reltol = 1e-16, maxit = 10000))
  stopifnot(max(abs(lavInspect(fit, "optim.gradient"))) < 1e-6)
  pe <- parameterEstimates(fit)
  lambda <- pe$est[pe$op == "=~"]
  theta <- pe$est[pe$op == "~~" & pe$lhs == pe$rhs & pe$lhs != "f"]
  omega <- sum(lambda)^2 / (sum(lambda)^2 + sum(theta))
  # Independent check of the ML solution: factanal (correlation metric, other optimiser).
  fa <- factanal(x, factors = 1)
  sds <- apply(x, 2, sd)
  lam_fa <- abs(as.numeric(fa$loadings)) * sds
  th_fa <- fa$uniquenesses * sds^2
  omega_fa <- sum(lam_fa)^2 / (sum(lam_fa)^2 + sum(th_fa))
  list(
    items = items, n = nrow(x), n_dropped = nrow(d) - nrow(x), k = ncol(x),
    alpha = raw,
    alpha_ci95 = c(ci$lower.ci, ci$upper.ci),
    alpha_ci95_formula = feldt(raw, nrow(x), ncol(x), 0.95),
    alpha_ci90 = feldt(raw, nrow(x), ncol(x), 0.90),
    r_drop = unname(a$item.stats$r.drop),
    alpha_drop = unname(a$alpha.drop$raw_alpha),
    omega = omega, omega_factanal = omega_fa,
    loadings = lambda, uniquenesses = theta
  )
}

out <- lapply(scales, one_scale)
out$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                     lavaan = as.character(packageVersion("lavaan")))
write_json(out, "reliability.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
