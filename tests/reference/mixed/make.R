# Reference values for `spcure mixed` (src/stats/mmrm.rs): REML mixed models over three waves.
# R version 4.2.2; nlme 3.1.162; lme4 1.1.31; lmerTest 3.1.3; pbkrtest 0.5.2; emmeans 1.8.4.1;
# numDeriv (lmerTest's dependency); jsonlite 1.8.4.
# Regenerate (from the repository root):
#   Rscript tests/reference/mixed/make.R
# Writes tests/reference/mixed/long.csv (simulated with a fixed seed: 240 participants,
# two arms, a baseline covariate, three waves T0–T2, MAR dropout that depends on the last
# observed outcome) and tests/reference/mixed/reference.json.
# Tests (tests/mixed_cli.rs) compare estimates and SEs with absolute tolerance 1e-6 and df
# with absolute tolerance 1e-4.
#
# Cases
# - ri_*: random intercept, lme4::lmer(REML) + lmerTest (Satterthwaite; Kenward-Roger via
#   pbkrtest) for the fixed effects, emmeans (lmer.df = "satterthwaite" / "kenward-roger")
#   for the marginal means and contrasts.
# - un_*: unstructured covariance (MMRM), nlme::gls(corSymm + varIdent, REML) for the fit,
#   emmeans for means and contrasts (estimates, model-based SEs). lme4 cannot fit an
#   unstructured residual covariance and the mmrm package is not available here, so the df
#   are computed from the gls fit with independent code: Kenward-Roger with pbkrtest's own
#   vcovAdj_internal() and Lb_ddf() fed the block-diagonal V and its derivatives in the
#   linear parametrisation (σ_kl); Satterthwaite as 2(l'Φl)²/(g'H⁻¹g) with H the observed
#   information (numDeriv::hessian of the REML log-likelihood written below) and g the
#   gradient of l'Φ(θ)l (numDeriv::jacobian).
suppressPackageStartupMessages({
  library(nlme); library(lme4); library(lmerTest); library(pbkrtest); library(emmeans)
  library(numDeriv); library(jsonlite); library(Matrix)
})
out_dir <- "tests/reference/mixed"
set.seed(20261129)
n <- 240
arm <- ifelse(runif(n) < 0.5, "control", "treatment")
age <- round(rnorm(n, 50, 12), 1)
Sig <- matrix(c(1.0, 0.6, 0.5, 0.6, 1.2, 0.7, 0.5, 0.7, 1.5), 3)
e <- matrix(rnorm(n * 3), n) %*% chol(Sig)
mu <- matrix(c(3, 3.3, 3.4), n, 3, byrow = TRUE) + outer(arm == "treatment", c(0, 0.3, 0.5)) + 0.01 * (age - 50)
y <- round(mu + e, 4)
# MAR dropout: leaving after a wave depends on the outcome observed at that wave.
present <- matrix(TRUE, n, 3)
for (w in 2:3) {
  p_drop <- plogis(-1.2 - 0.8 * (y[, w - 1] - 3))
  present[, w] <- present[, w - 1] & runif(n) > p_drop
}
# A few intermittent missing T1 values (seen at T0 and T2 only).
present[sample(which(present[, 3]), 6), 2] <- FALSE
long <- do.call(rbind, lapply(1:3, function(w) data.frame(
  id = sprintf("P%03d", 1:n), wave = paste0("T", w - 1), arm = arm, age = age, y = y[, w],
  keep = present[, w])))
long <- long[long$keep, c("id", "wave", "arm", "age", "y")]
long <- long[order(long$id, long$wave), ]
# One row with a missing outcome, written NA (the row is kept in the file; spcure skips it).
long$y[which(long$wave == "T1")[5]] <- NA
write.csv(long, file.path(out_dir, "long.csv"), row.names = FALSE, na = "NA", quote = FALSE)

d <- read.csv(file.path(out_dir, "long.csv"))
d <- d[!is.na(d$y), ]
d$wave <- factor(d$wave, levels = c("T0", "T1", "T2"))
d$arm <- factor(d$arm)
d$wnum <- as.integer(d$wave)

est_tab <- function(x) {
  x <- as.data.frame(x)
  list(estimate = x$estimate %||% x$emmean, se = x$SE, df = x$df)
}
`%||%` <- function(a, b) if (is.null(a)) b else a

# Contrast coefficient vectors over the cells (wave fastest within group).
contrast_list <- function(groups) {
  ch <- list("T1 − T0" = c(-1, 1, 0), "T2 − T1" = c(0, -1, 1), "T2 − T0" = c(-1, 0, 1))
  G <- length(groups); out <- list()
  for (g in seq_len(G)) for (nm in names(ch)) {
    v <- rep(0, 3 * G); v[(g - 1) * 3 + 1:3] <- ch[[nm]]
    out[[paste(groups[g], nm, sep = ": ")]] <- v
  }
  if (G > 1) for (g in 2:G) for (nm in names(ch)) {
    v <- rep(0, 3 * G); v[(g - 1) * 3 + 1:3] <- ch[[nm]]; v[1:3] <- -ch[[nm]]
    out[[paste(groups[g], "-", groups[1], nm, sep = " ")]] <- v
  }
  if (G == 1) names(out) <- names(ch)
  out
}

emm_summary <- function(fit, spec, ...) {
  em <- emmeans(fit, spec, ...)
  groups <- if (grepl("arm", deparse(spec))) levels(d$arm) else "all"
  m <- as.data.frame(summary(em))
  cl <- contrast_list(groups)
  ct <- as.data.frame(summary(contrast(em, cl), infer = c(TRUE, TRUE)))
  list(means = list(estimate = m$emmean, se = m$SE, df = m$df,
                    lower = m$lower.CL, upper = m$upper.CL),
       contrasts = list(name = as.character(ct$contrast), estimate = ct$estimate, se = ct$SE,
                        df = ct$df, t = ct$t.ratio, p = ct$p.value,
                        lower = ct$lower.CL, upper = ct$upper.CL))
}

ctl <- lmerControl(optimizer = "nloptwrap",
  optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-15, xtol_rel = 1e-12, ftol_rel = 1e-15, maxeval = 1e5))
ri_case <- function(formula, spec) {
  fit <- lmer(formula, data = d, REML = TRUE, control = ctl)
  vc <- as.data.frame(VarCorr(fit))
  s_sat <- coef(summary(fit, ddf = "Satterthwaite"))
  s_kr <- coef(summary(fit, ddf = "Kenward-Roger"))
  list(
    reml_criterion = unname(REMLcrit(fit)),
    variance_components = vc$vcov,
    terms = rownames(s_sat),
    satterthwaite = list(estimate = unname(s_sat[, 1]), se = unname(s_sat[, 2]),
                         df = unname(s_sat[, 3]), t = unname(s_sat[, 4]), p = unname(s_sat[, 5]),
                         emmeans = emm_summary(fit, spec, lmer.df = "satterthwaite")),
    kenward_roger = list(estimate = unname(s_kr[, 1]), se = unname(s_kr[, 2]),
                         df = unname(s_kr[, 3]), t = unname(s_kr[, 4]), p = unname(s_kr[, 5]),
                         emmeans = emm_summary(fit, spec, lmer.df = "kenward-roger"))
  )
}

# ---- unstructured covariance: gls, then df from independent code -----------------------
gctl <- glsControl(tolerance = 1e-12, msTol = 1e-14, maxIter = 1000, msMaxIter = 1000,
                   returnObject = FALSE)
un_case <- function(formula, spec) {
  fit <- gls(formula, data = d, method = "REML", control = gctl,
             correlation = corSymm(form = ~ wnum | id), weights = varIdent(form = ~ 1 | wave))
  X <- model.matrix(formula, d)
  yv <- d$y
  ids <- split(seq_len(nrow(d)), d$id)
  full <- names(ids)[sapply(ids, length) == 3][1]
  S <- matrix(as.numeric(getVarCov(fit, individual = full)), 3, 3)
  idx <- which(upper.tri(S, diag = TRUE), arr.ind = TRUE)
  idx <- idx[order(idx[, 1], idx[, 2]), ]            # (1,1),(1,2),(1,3),(2,2),(2,3),(3,3)
  Gs <- lapply(seq_len(nrow(idx)), function(r) {
    m <- matrix(0, 3, 3); m[idx[r, 1], idx[r, 2]] <- 1; m[idx[r, 2], idx[r, 1]] <- 1; m })
  theta <- S[idx]
  sig_of <- function(th) Reduce(`+`, Map(`*`, th, Gs))
  parts <- function(th) {
    Sg <- sig_of(th)
    Vs <- lapply(ids, function(r) Sg[d$wnum[r], d$wnum[r], drop = FALSE])
    Vi <- lapply(Vs, solve)
    XtVX <- Reduce(`+`, Map(function(r, vi) t(X[r, , drop = FALSE]) %*% vi %*% X[r, , drop = FALSE], ids, Vi))
    XtVy <- Reduce(`+`, Map(function(r, vi) t(X[r, , drop = FALSE]) %*% vi %*% yv[r], ids, Vi))
    list(Vs = Vs, Vi = Vi, XtVX = XtVX, beta = solve(XtVX, XtVy))
  }
  reml <- function(th) {
    pp <- parts(th); b <- pp$beta
    q <- sum(mapply(function(r, vi) { e <- yv[r] - X[r, , drop = FALSE] %*% b; sum(e * (vi %*% e)) }, ids, pp$Vi))
    ld <- sum(sapply(pp$Vs, function(v) determinant(v)$modulus))
    -0.5 * ((nrow(X) - ncol(X)) * log(2 * pi) + ld + determinant(pp$XtVX)$modulus + q)
  }
  phi_of <- function(th) solve(parts(th)$XtVX)
  # gls stops with a REML gradient of about 1e-3; a few Newton steps on the same REML
  # function (numerical derivatives) move θ to the optimum so that 1e-6 comparisons are fair.
  grad_at_gls <- grad(reml, theta)
  for (it in 1:4) theta <- theta + solve(-hessian(reml, theta), grad(reml, theta))
  grad_polished <- grad(reml, theta)
  S <- sig_of(theta)
  beta <- as.vector(parts(theta)$beta)
  Phi <- phi_of(theta)
  H <- -hessian(reml, theta)
  # pbkrtest's Kenward-Roger, fed the unstructured model in the linear parametrisation.
  Vbig <- bdiag(lapply(ids, function(r) S[d$wnum[r], d$wnum[r], drop = FALSE]))
  Gbig <- lapply(Gs, function(G) bdiag(lapply(ids, function(r) G[d$wnum[r], d$wnum[r], drop = FALSE])))
  ord <- unlist(ids)
  Xo <- X[ord, , drop = FALSE]
  PhiA <- pbkrtest:::vcovAdj_internal(Phi, list(Sigma = Vbig, G = Gbig, n.ggamma = length(Gs)), Xo)
  dPhi <- jacobian(function(th) as.vector(phi_of(th)), theta)
  infer <- function(L) {
    t(apply(L, 1, function(l) {
      v0 <- sum(l * (Phi %*% l))
      g <- as.vector(t(dPhi) %*% as.vector(l %o% l))
      c(sat_df = 2 * v0^2 / sum(g * solve(H, g)),
        kr_df = pbkrtest:::Lb_ddf(matrix(l, 1), Phi, PhiA),
        se = sqrt(v0), kr_se = sqrt(sum(l * (as.matrix(PhiA) %*% l))),
        estimate = sum(l * beta))
    }))
  }
  fixed <- infer(diag(ncol(X)))
  em <- emmeans(fit, spec, mode = "asymptotic")
  Lm <- em@linfct
  groups <- if (grepl("arm", deparse(spec))) levels(d$arm) else "all"
  cl <- contrast_list(groups)
  Lc <- do.call(rbind, lapply(cl, function(w) colSums(w * Lm)))
  ct <- as.data.frame(contrast(em, cl))
  m <- as.data.frame(summary(em))
  list(
    gradient_at_gls = grad_at_gls,
    gradient_polished = grad_polished,
    gls_estimate = unname(coef(fit)), gls_se = unname(sqrt(diag(vcov(fit)))),
    reml_loglik = reml(theta),
    gls_loglik = as.numeric(logLik(fit)),
    sigma = S,
    terms = colnames(X),
    fixed = as.data.frame(fixed),
    emmeans_gls = list(estimate = m$emmean, se = m$SE),
    means = as.data.frame(infer(Lm)),
    contrast_names = names(cl),
    contrasts = as.data.frame(infer(Lc))
  )
}

ref <- list(
  r_version = R.version.string,
  packages = sapply(c("nlme", "lme4", "lmerTest", "pbkrtest", "emmeans", "numDeriv"),
                    function(p) as.character(packageVersion(p))),
  age_mean_over_observations = mean(d$age),
  un_arm = un_case(y ~ wave * arm + age, ~ wave * arm),
  un_plain = un_case(y ~ wave, ~ wave),
  ri_arm = ri_case(y ~ wave * arm + age + (1 | id), ~ wave * arm),
  ri_plain = ri_case(y ~ wave + (1 | id), ~ wave)
)
writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out_dir, "reference.json"))
cat("gradient at gls (un_arm):", ref$un_arm$gradient_at_gls, "\n")
cat("gradient at gls (un_plain):", ref$un_plain$gradient_at_gls, "\n")
cat("polished:", ref$un_arm$gradient_polished, ref$un_plain$gradient_polished, "\n")
cat("max |gls - polished| estimate:", max(abs(ref$un_arm$gls_estimate - ref$un_arm$fixed$estimate)), "\n")
cat("max |emmeans(gls) - polished| mean:", max(abs(ref$un_arm$emmeans_gls$estimate - ref$un_arm$means$estimate)), "\n")
