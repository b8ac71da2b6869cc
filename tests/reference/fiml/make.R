# Reference values for src/stats/em.rs and src/stats/fiml.rs: FIML (missing = "ml") for the
# serial mediation and a regression, with random covariates (fixed.x = FALSE), with and
# without auxiliary variables (saturated correlates, Graham 2003), and lavaan's FIML bootstrap.
#   cd tests/reference/fiml && Rscript make.R   (writes cohort.csv and fiml.json)
# Versions are written into fiml.json (R 4.2.2, lavaan 0.6.14, semTools 0.5.6 when made).
# Rust tolerances (tests/fiml_cli.rs, src/stats/fiml.rs):
#   point estimates and FIML standard errors (lavaan's default for missing = "ml":
#   observed information, Hessian): 1e-6 relative (lavaan is started at its own EM optimum
#   and run with tightened nlminb tolerances, see `run`);
#   bootstrap (lavaan B = 500 vs spcure B = 5000, different random streams): bootstrap SEs
#   within 15 % relative (the SE of a bootstrap SE from B = 500 is about 1/sqrt(2B) = 3.2 %,
#   so 15 % is more than 4 Monte Carlo SEs), percentile limits within 0.5 bootstrap SE.
# Data: a simulated three-wave cohort (fixed seed), 630 at T0, dropout at T1 and T2 that
# depends on baseline levels (MAR given T0), a covariate missing completely at random.
suppressPackageStartupMessages({ library(lavaan); library(semTools); library(jsonlite) })

set.seed(20261129)
n <- 630
age <- round(rnorm(n, 50, 12))
# Five constructs: x (e.g. group identification), m1, m2, m3 (mediators), y (outcome).
r0 <- matrix(.35, 5, 5); diag(r0) <- 1
t0 <- MASS::mvrnorm(n, c(3, 3.2, 2.5, 3.4, 2.8), r0)
dx <- rnorm(n, 0.3, 0.8)
dm1 <- 0.1 + 0.35 * dx + 0.005 * (age - 50) - 0.1 * (t0[, 2] - 3.2) + rnorm(n, 0, 0.7)
dm2 <- 0.05 + 0.2 * dx + 0.3 * dm1 - 0.1 * (t0[, 3] - 2.5) + rnorm(n, 0, 0.7)
dm3 <- 0.0 + 0.1 * dx + 0.1 * dm1 + 0.25 * dm2 + rnorm(n, 0, 0.6)
dy <- 0.1 + 0.1 * dx + 0.15 * dm1 + 0.3 * dm2 + 0.2 * dm3 - 0.2 * (t0[, 5] - 2.8) +
  rnorm(n, 0, 0.6)
t1 <- t0 + cbind(dx, dm1, dm2, dm3, dy)
t2 <- t1 + MASS::mvrnorm(n, rep(0.1, 5), diag(0.3, 5))
# MAR dropout: lower baseline outcome and younger age -> more dropout (630 -> 176 -> 83 with this seed).
p1 <- plogis(-1.0 + 1.2 * (t0[, 5] - 2.8) + 0.02 * (age - 50))
seen1 <- runif(n) < p1
seen2 <- seen1 & runif(n) < plogis(-0.6 + 0.8 * (t0[, 5] - 2.8))
t1[!seen1, ] <- NA
t2[!seen2, ] <- NA
age[runif(n) < 0.05] <- NA
# Item non-response within waves (MCAR), so there are more than three patterns.
t0[runif(5 * n) < 0.03] <- NA
t1[runif(5 * n) < 0.03] <- NA
cn <- c("x", "m1", "m2", "m3", "y")
d <- data.frame(id = seq_len(n), age = age)
for (w in 0:2) {
  m <- list(t0, t1, t2)[[w + 1]]
  for (j in 1:5) d[[paste0(cn[j], "_T", w)]] <- round(m[, j], 4)
}
for (j in 1:5) d[[paste0("d_", cn[j])]] <- round(d[[paste0(cn[j], "_T1")]] - d[[paste0(cn[j], "_T0")]], 4)
write.csv(d, "cohort.csv", row.names = FALSE, na = "", quote = FALSE)
d <- read.csv("cohort.csv")   # fit exactly what the Rust side reads

ctl <- list(rel.tol = 1e-14, eval.max = 1e5, iter.max = 1e5)

med_model <- function(k, cov) {
  ms <- paste0("d_m", seq_len(k))
  cv <- if (cov) " + age" else ""
  lines <- character()
  for (j in seq_len(k)) {
    prev <- if (j > 1) paste0(" + d", j, 1:(j - 1), "*", ms[1:(j - 1)], collapse = "") else ""
    lines <- c(lines, paste0(ms[j], " ~ a", j, "*d_x", prev, cv))
  }
  lines <- c(lines, paste0("d_y ~ cp*d_x + ", paste0("b", 1:k, "*", ms, collapse = " + "), cv))
  lines
}
# Defined effects for k = 2 in PROCESS order: Ind1 x-m1-y, Ind2 x-m2-y, Ind3 x-m1-m2-y, total.
defs2 <- c("ind1 := a1*b1", "ind2 := a2*b2", "ind3 := a1*d21*b2",
           "total_ind := ind1 + ind2 + ind3", "total := cp + total_ind")

par_table <- function(fit) {
  pe <- parameterEstimates(fit, ci = FALSE)
  list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, label = pe$label,
       est = pe$est, se = pe$se)
}
fitted_moments <- function(fit) {
  f <- lavInspect(fit, "implied")
  list(names = colnames(f$cov), mean = unname(f$mean), cov = unname(f$cov))
}
# lavaan's optimiser alone stops with gradients up to 1e-4 on these models (worst with the
# auxiliaries), too far from the optimum for a 1e-6 comparison. So each model is started at
# the optimum: lavaan's own EM for the saturated moments (tol 1e-14), the model fitted to
# those moments (complete-data ML), then the FIML fit from there. The FIML fit's gradient
# is recorded (max_gradient) and required to be below 1e-6 (up to five restarts from the
# previous solution).
run <- function(model, data, ...) {
  vars <- lavNames(lavaanify(model, fixed.x = FALSE), "ov")
  y <- as.matrix(data[, vars]); y <- y[rowSums(!is.na(y)) > 0, , drop = FALSE]
  mp <- lavaan:::lav_data_missing_patterns(y, sort.freq = FALSE, coverage = FALSE)
  h1 <- lavaan:::lav_mvnorm_missing_h1_estimate_moments(Y = y, Mp = mp, max.iter = 100000L,
                                                         tol = 1e-14)
  s <- h1$Sigma; dimnames(s) <- list(vars, vars); m <- h1$Mu; names(m) <- vars
  f0 <- sem(model, sample.cov = s, sample.mean = m, sample.nobs = nrow(y), fixed.x = FALSE,
            sample.cov.rescale = FALSE, control = ctl)
  fit <- sem(model, data = data, missing = "ml", fixed.x = FALSE, control = ctl, start = f0, ...)
  g <- max(abs(lavInspect(fit, "gradient")))
  for (i in 1:5) {
    if (g < 1e-9) break
    fit <- sem(model, data = data, missing = "ml", fixed.x = FALSE, control = ctl, start = fit, ...)
    g <- max(abs(lavInspect(fit, "gradient")))
  }
  cat(deparse(substitute(model))[1], "max |gradient|", g, "\n")
  stopifnot(g < 1e-6)
  stopifnot(fitMeasures(fit, "df") == 0)   # saturated: the FIML estimates are functions of the EM moments
  list(fit = fit, out = list(df = unname(fitMeasures(fit, "df")), params = par_table(fit),
                             implied = fitted_moments(fit),
                             ntotal = lavInspect(fit, "ntotal"), logl = as.numeric(logLik(fit)),
                             max_gradient = g))
}

out <- list(r = R.version.string, lavaan = as.character(packageVersion("lavaan")),
            semtools = as.character(packageVersion("semTools")))

# 1. k = 2, covariate age (random), no auxiliaries.
m1 <- c(med_model(2, TRUE), defs2)
r1 <- run(m1, d)
out$med_k2_cov <- r1$out

# 2. The same with baseline levels as auxiliaries: hand-written saturated correlates
#    (aux with each other, with the exogenous x and age, and with the residuals of m1, m2, y).
aux <- c("y_T0", "m1_T0")
sat <- c("y_T0 ~~ m1_T0", "d_x ~~ age",
         paste0(rep(aux, each = 5), " ~~ ", rep(c("d_x", "age", "d_m1", "d_m2", "d_y"), 2)))
r2 <- run(c(m1, sat), d)
out$med_k2_cov_aux <- r2$out
# The same through semTools (same model, so the same numbers): a check on the hand-written one.
f2s <- sem.auxiliary(paste(m1, collapse = "\n"), data = d, aux = aux, fixed.x = FALSE,
                     control = ctl, start = r2$fit)
pe2 <- parameterEstimates(f2s)
out$med_k2_cov_aux$semtools_ind3 <- pe2$est[pe2$label == "ind3"]
out$med_k2_cov_aux$semtools_ind3_se <- pe2$se[pe2$label == "ind3"]
out$med_k2_cov_aux$semtools_max_gradient <- max(abs(lavInspect(f2s, "gradient")))

# 3. k = 3, no covariate.
defs3 <- c("ind1 := a1*b1", "ind2 := a2*b2", "ind3 := a3*b3", "ind4 := a1*d21*b2",
           "ind5 := a1*d31*b3", "ind6 := a2*d32*b3", "ind7 := a1*d21*d32*b3",
           "total_ind := ind1 + ind2 + ind3 + ind4 + ind5 + ind6 + ind7",
           "total := cp + total_ind")
m3 <- c(med_model(3, FALSE), defs3)
r3 <- run(m3, d)
out$med_k3 <- r3$out

# 4. Regression d_y ~ d_x + age (random x), FIML.
r4 <- run("d_y ~ d_x + age", d)
out$regress <- r4$out
r4b <- run(c("d_y ~ d_x + age", "d_x ~~ age", "y_T0 ~~ d_x + age + d_y"), d)
out$regress_aux <- r4b$out

# 5. lavaan's FIML bootstrap of model 1 (k = 2, covariate): B = 500.
#    Rows with no model variable observed are removed first (lavaan ignores them in a fit, but
#    every bootstrap draw fails when they are left in the data it resamples).
vb <- c("d_x", "d_m1", "d_m2", "d_y", "age")
db <- d[rowSums(!is.na(d[, vb])) > 0, ]
set.seed(1)
t_boot <- system.time(fb <- sem(m1, data = db, missing = "ml", fixed.x = FALSE,
                                se = "bootstrap", bootstrap = 500))
pb <- parameterEstimates(fb, boot.ci.type = "perc")
keep <- pb$op == ":="
bt <- lavInspect(fb, "boot")
out$boot <- list(B = 500, n = nrow(db), B_ok = nrow(bt), seconds = unname(t_boot["elapsed"]),
                 label = pb$label[keep], est = pb$est[keep], se = pb$se[keep],
                 ci_low = pb$ci.lower[keep], ci_high = pb$ci.upper[keep])

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "fiml.json")
cat("done\n")
