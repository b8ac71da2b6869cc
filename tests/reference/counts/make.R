# Reference values for count outcomes in `spcure regress --family poisson|negbin|auto` and the
# pre–post rate ratio with participant-clustered (GEE independence) standard errors.
# R version 4.2.2 Patched (2022-11-10 r83330); MASS 7.3.58.2; geepack 1.3.9; jsonlite 1.8.4.
# Regenerate (from the repository root):
#   Rscript tests/reference/counts/make.R
# Writes, with set.seed(20261129):
#   counts.csv   400 participants: GP appointments (`visits`) over a recall period of `months`
#                (1–12), overdispersed with many zeros (NB2, theta = 0.8), predictors belong,
#                group (0/1), age; 4 rows with a missing value (written "NA").
#   equi.csv     200 rows of equidispersed (Poisson) counts: y ~ x.
#   prepost.csv  long format, 150 participants at T0 (wave 0) and 128 of them at T1 (wave 1):
#                id, wave, visits, months; a participant frailty makes the pairs correlated.
#   reference.json  the fits below.
# Fits: glm(family = poisson) with offset(log(months)), MASS::glm.nb (theta by ML, SE.theta),
# Wald z tests and CIs (confint.default), deviance, Pearson chi2, logLik, AIC; the LR test
# Poisson vs NB with the boundary-halved p; geepack::geeglm(corstr = "independence") robust SEs.
# Convergence is tightened (epsilon 1e-12) so the references are the exact MLEs; R's defaults
# (epsilon 1e-8) agree with them to better than 1e-7 here (recorded as `default_*` below).
# Tests (tests/counts_cli.rs) compare coefficients, SEs, theta and SE(theta) at the converged
# theta (`se_theta_exact`) with absolute tolerance 1e-6 (relative for values above 1); glm.nb's
# own SE.theta with relative 1e-4 (see nb_summary); GEE robust SEs with 1e-4.
suppressPackageStartupMessages({library(MASS); library(geepack); library(jsonlite)})
set.seed(20261129)
out_dir <- "tests/reference/counts"

n <- 400
belong <- round(rnorm(n, 4, 1.2), 2)
group <- rbinom(n, 1, 0.45)
age <- sample(18:90, n, replace = TRUE)
months <- sample(c(1, 3, 3, 3, 6, 12), n, replace = TRUE)
mu <- months * exp(-1.3 - 0.25 * (belong - 4) + 0.45 * group + 0.012 * (age - 50))
visits <- rnbinom(n, mu = mu, size = 0.8)
d <- data.frame(id = sprintf("P%03d", 1:n), visits, months, belong, group, age)
d$visits[3] <- NA
d$belong[10] <- NA
d$months[20] <- NA
d$age[77] <- NA
write.csv(d, file.path(out_dir, "counts.csv"), row.names = FALSE, na = "NA", quote = FALSE)
d <- read.csv(file.path(out_dir, "counts.csv"))
cc <- na.omit(d)

m <- 200
x <- round(runif(m, 0, 2), 3)
y <- rpois(m, exp(0.3 + 0.5 * x))
write.csv(data.frame(y, x), file.path(out_dir, "equi.csv"), row.names = FALSE, quote = FALSE)
e <- read.csv(file.path(out_dir, "equi.csv"))

k <- 150
frailty <- rgamma(k, shape = 1.5, rate = 1.5)
m0 <- sample(c(3, 3, 3, 4), k, replace = TRUE)
m1 <- sample(c(3, 3, 4), k, replace = TRUE)
v0 <- rpois(k, frailty * m0 * 0.9)
v1 <- rpois(k, frailty * m1 * 0.9 * 0.75)
long <- rbind(data.frame(id = 1:k, wave = 0, visits = v0, months = m0),
              data.frame(id = 1:k, wave = 1, visits = v1, months = m1))
stay <- !(long$wave == 1 & long$id %in% sample(1:k, 22))
long <- long[stay, ]
long <- long[order(long$id, long$wave), ]
write.csv(long, file.path(out_dir, "prepost.csv"), row.names = FALSE, quote = FALSE)
long <- read.csv(file.path(out_dir, "prepost.csv"))

tight <- glm.control(epsilon = 1e-12, maxit = 100)
L <- 0.95
q <- qnorm(0.5 + L / 2)

terms_of <- function(fit, V = vcov(fit)) {
  b <- coef(fit); se <- sqrt(diag(V)); z <- b / se
  list(term = names(b), estimate = unname(b), se = unname(se), z = unname(z),
       p = unname(2 * pnorm(-abs(z))),
       ci_low = unname(b - q * se), ci_high = unname(b + q * se),
       irr = unname(exp(b)), irr_low = unname(exp(b - q * se)), irr_high = unname(exp(b + q * se)))
}
pois_summary <- function(fit, default_fit) {
  c(terms_of(fit), list(
    n = nobs(fit), df_residual = fit$df.residual, deviance = deviance(fit),
    pearson_chi2 = sum(residuals(fit, type = "pearson")^2),
    log_lik = as.numeric(logLik(fit)), aic = AIC(fit),
    default_estimate = unname(coef(default_fit)),
    default_se = unname(sqrt(diag(vcov(default_fit))))))
}
# glm.nb's SE.theta is I(theta)^(-1/2) evaluated one Newton step before its final theta (theta.ml
# stops when the step is below .Machine$double.eps^0.25), so it is off by up to ~1e-5 relative;
# `se_theta_exact` is the same formula at the converged theta and mu (theta.ml, eps = 1e-10).
nb_summary <- function(fit, default_fit, pois) {
  lr <- 2 * (as.numeric(logLik(fit)) - as.numeric(logLik(pois)))
  exact <- theta.ml(fit$y, fitted(fit), limit = 100, eps = 1e-10)
  c(terms_of(fit), list(
    n = nobs(fit), df_residual = fit$df.residual, deviance = deviance(fit),
    pearson_chi2 = sum(residuals(fit, type = "pearson")^2),
    log_lik = as.numeric(logLik(fit)), aic = AIC(fit),
    theta = fit$theta, se_theta = fit$SE.theta, se_theta_exact = attr(exact, "SE"),
    lr_vs_poisson = lr, lr_p_halved = 0.5 * pchisq(lr, 1, lower.tail = FALSE),
    default_estimate = unname(coef(default_fit)),
    default_se = unname(sqrt(diag(vcov(default_fit)))),
    default_theta = default_fit$theta, default_se_theta = default_fit$SE.theta))
}

f <- visits ~ belong + group + age + offset(log(months))
p1 <- glm(f, family = poisson, data = cc, control = tight)
p1d <- glm(f, family = poisson, data = cc)
nb1 <- glm.nb(f, data = cc, control = tight)
nb1d <- glm.nb(f, data = cc)
# Without the offset, as `--family poisson` without `--offset`.
# (its own complete cases: the row missing only `months` stays in).
f0 <- visits ~ belong + group + age
cc0 <- na.omit(d[, c("visits", "belong", "group", "age")])
p0 <- glm(f0, family = poisson, data = cc0, control = tight)
nb0 <- glm.nb(f0, data = cc0, control = tight)
pe <- glm(y ~ x, family = poisson, data = e, control = tight)
ne <- glm.nb(y ~ x, data = e, control = glm.control(epsilon = 1e-12, maxit = 2000))

# Pre–post: Poisson with wave as the only regressor; GEE independence by participant.
pp <- glm(visits ~ wave + offset(log(months)), family = poisson, data = long, control = tight)
gee <- geeglm(visits ~ wave + offset(log(months)), id = id, family = poisson, data = long,
              corstr = "independence", control = geese.control(epsilon = 1e-12, maxit = 100))
gs <- summary(gee)$coefficients
gee_out <- list(term = rownames(gs), estimate = unname(gs$Estimate), se = unname(gs$Std.err),
                wald = unname(gs$Wald), p = unname(gs[["Pr(>|W|)"]]),
                irr = unname(exp(gs$Estimate)),
                irr_low = unname(exp(gs$Estimate - q * gs$Std.err)),
                irr_high = unname(exp(gs$Estimate + q * gs$Std.err)),
                clusters = length(unique(long$id)), n = nrow(long))
pp_nooff <- glm(visits ~ wave, family = poisson, data = long, control = tight)
gee_nooff <- geeglm(visits ~ wave, id = id, family = poisson, data = long,
                    corstr = "independence", control = geese.control(epsilon = 1e-12, maxit = 100))
gs0 <- summary(gee_nooff)$coefficients

json <- toJSON(list(
  r_version = R.version.string,
  packages = list(MASS = as.character(packageVersion("MASS")),
                  geepack = as.character(packageVersion("geepack")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  level = L,
  counts_rows_read = nrow(d), counts_rows_used = nrow(cc),
  poisson_offset = pois_summary(p1, p1d),
  negbin_offset = nb_summary(nb1, nb1d, p1),
  poisson_no_offset = pois_summary(p0, p0),
  negbin_no_offset = nb_summary(nb0, nb0, p0),
  equi_poisson = pois_summary(pe, pe),
  equi_negbin = nb_summary(ne, ne, pe),
  prepost_poisson = pois_summary(pp, pp),
  prepost_gee = gee_out,
  prepost_gee_no_offset = list(estimate = unname(gs0$Estimate), se = unname(gs0$Std.err)),
  prepost_sums = list(y0 = sum(long$visits[long$wave == 0]), y1 = sum(long$visits[long$wave == 1]),
                      e0 = sum(long$months[long$wave == 0]), e1 = sum(long$months[long$wave == 1]))
), auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null")
writeLines(json, file.path(out_dir, "reference.json"))
