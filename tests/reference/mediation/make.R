# Reference values for spcure's serial mediation (src/stats/mediation.rs tests).
#
# Simulates two data sets, writes them as CSV, reads them back (so R and spcure see the
# same rounded numbers) and fits the serial mediation model with lavaan:
#   sim_k3.csv: n = 300, X -> M1 -> M2 -> M3 -> Y, no covariates;
#   sim_k5.csv: n = 400, X -> M1 -> ... -> M5 -> Y, covariates W1, W2 in every equation.
# Indirect effects are defined with `:=` in PROCESS order (by chain length, then mediator
# order), then the total indirect effect. Bootstrap: se = "bootstrap", bootstrap = 2000,
# parameterEstimates(boot.ci.type = "perc") and ("bca.simple").
# Also stores lm() coefficients (OLS) as a cross-check of the lavaan ML point estimates.
#
# Regenerate (from the repository root):
#   Rscript tests/reference/mediation/make.R
# Written with R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6.14, jsonlite 1.8.4
# (the exact versions are also stored in each JSON file).
#
# Tolerances used by the Rust tests (justified in docs/methods/mediation.md):
#   point estimates 1e-6 (absolute); bootstrap SE within 10 % (relative);
#   CI limits within 0.35 bootstrap SEs (different RNGs; B = 2000 here, 10000 in Rust).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

dir <- "tests/reference/mediation"

simulate <- function(n, k, ncov, seed) {
  set.seed(seed)
  x <- rbinom(n, 1, 0.5)
  w <- matrix(rnorm(n * ncov), n, ncov)
  m <- matrix(0, n, k)
  for (j in seq_len(k)) {
    prev <- if (j > 1) m[, j - 1] else 0
    cov_part <- if (ncov > 0) w %*% rep(0.2, ncov) else 0
    m[, j] <- 0.4 * x + 0.35 * prev + cov_part + rnorm(n)
  }
  cov_y <- if (ncov > 0) w %*% rep(0.15, ncov) else 0
  y <- 0.2 * x + m %*% rep(0.3, k) + cov_y + rnorm(n)
  d <- data.frame(x = x)
  for (j in seq_len(k)) d[[paste0("m", j)]] <- m[, j]
  d$y <- as.vector(y)
  for (j in seq_len(ncov)) d[[paste0("w", j)]] <- w[, j]
  round(d, 6)
}

# PROCESS order of specific indirect effects: by length, then lexicographic.
subsets <- function(k) {
  unlist(lapply(seq_len(k), function(len) {
    cm <- combn(k, len)
    lapply(seq_len(ncol(cm)), function(i) cm[, i])
  }), recursive = FALSE)
}

model_text <- function(k, ncov) {
  covs <- if (ncov > 0) paste0(" + ", paste0("w", seq_len(ncov), collapse = " + ")) else ""
  lines <- character(0)
  for (j in seq_len(k)) {
    rhs <- paste0("a", j, "*x")
    if (j > 1) rhs <- paste(c(rhs, paste0("d", j, seq_len(j - 1), "*m", seq_len(j - 1))),
                            collapse = " + ")
    lines <- c(lines, paste0("m", j, " ~ ", rhs, covs))
  }
  lines <- c(lines, paste0("y ~ cp*x + ", paste0("b", seq_len(k), "*m", seq_len(k),
                                                 collapse = " + "), covs))
  subs <- subsets(k)
  for (i in seq_along(subs)) {
    s <- subs[[i]]
    prod <- paste0("a", s[1])
    if (length(s) > 1) prod <- paste(c(prod, paste0("d", s[-1], s[-length(s)])), collapse = "*")
    prod <- paste0(prod, "*b", s[length(s)])
    lines <- c(lines, paste0("ind", i, " := ", prod))
  }
  lines <- c(lines, paste0("total := ", paste0("ind", seq_along(subs), collapse = " + ")))
  lines <- c(lines, "c1 := ind1 - ind2")
  paste(lines, collapse = "\n")
}

run <- function(name, n, k, ncov, seed) {
  csv <- file.path(dir, paste0(name, ".csv"))
  write.csv(simulate(n, k, ncov, seed), csv, row.names = FALSE)
  d <- read.csv(csv)
  model <- model_text(k, ncov)
  set.seed(seed + 1)
  fit <- sem(model, data = d, se = "bootstrap", bootstrap = 2000)
  pe_perc <- parameterEstimates(fit, boot.ci.type = "perc")
  pe_bc <- parameterEstimates(fit, boot.ci.type = "bca.simple")
  defined <- pe_perc$op == ":="
  # lavaan leaves the SE of `:=` parameters NA when some bootstrap runs failed, so the
  # bootstrap SE (SD of the bootstrap estimates, n - 1) is computed from the completed runs.
  boot <- lavInspect(fit, "boot")
  boot <- boot[stats::complete.cases(boot), , drop = FALSE]
  boot_def <- t(apply(boot, 1, fit@Model@def.function))
  effects <- data.frame(
    label = pe_perc$label[defined],
    estimate = pe_perc$est[defined],
    boot_se = apply(boot_def, 2, sd),
    perc_low = pe_perc$ci.lower[defined],
    perc_high = pe_perc$ci.upper[defined],
    bc_low = pe_bc$ci.lower[defined],
    bc_high = pe_bc$ci.upper[defined]
  )
  covs <- if (ncov > 0) paste0(" + ", paste0("w", seq_len(ncov), collapse = " + ")) else ""
  ols <- list()
  for (j in seq_len(k + 1)) {
    outcome <- if (j <= k) paste0("m", j) else "y"
    preds <- c("x", if (j > 1) paste0("m", seq_len(min(j - 1, k))) else NULL)
    f <- as.formula(paste0(outcome, " ~ ", paste(preds, collapse = " + "), covs))
    ols[[outcome]] <- as.list(coef(lm(f, data = d)))
  }
  total <- coef(lm(as.formula(paste0("y ~ x", covs)), data = d))[["x"]]
  out <- list(
    generated_by = "tests/reference/mediation/make.R",
    r_version = R.version.string,
    lavaan_version = as.character(packageVersion("lavaan")),
    data = basename(csv),
    n = nrow(d),
    k = k,
    covariates = if (ncov > 0) paste0("w", seq_len(ncov)) else character(0),
    bootstrap = 2000,
    bootstrap_completed = nrow(boot),
    model = model,
    effects = effects,
    ols = ols,
    ols_total_effect = total
  )
  write_json(out, file.path(dir, paste0(name, ".json")), digits = NA, pretty = TRUE,
             auto_unbox = TRUE)
}

run("sim_k3", n = 300, k = 3, ncov = 0, seed = 4101)
run("sim_k5", n = 400, k = 5, ncov = 2, seed = 4102)
