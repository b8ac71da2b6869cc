# Reference values for src/stats/mcar.rs: Little's (1988) MCAR test.
#   cd tests/reference/stats && Rscript mcar.R   (writes mcar.json)
# R 4.2.2 Patched (2022-11-10 r83330), lavaan 0.6.14, jsonlite 1.8.4 (also in the JSON).
# Rust tolerance (src/stats/mcar.rs): 1e-8 relative for mu, sigma, d2, p (same EM);
# 1e-5 relative between the Rust d2 and d2_lavaan (different optimiser).
# naniar (mcar_test) is not packaged for this Debian release, so the test is written here
# from the published formulas: EM for the multivariate normal mean and covariance
# (Little & Rubin 2002, sec. 11.2), then
#   d2 = sum_j n_j (ybar_j - mu_j)' Sigma_j^{-1} (ybar_j - mu_j),  df = sum_j p_j - p.
# The EM estimates are checked against lavaan's saturated model with missing = "ml"
# (FIML, a different optimiser) before the test statistic is written.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

d <- read.csv("mcar_data.csv")
y <- as.matrix(d[, c("y1", "y2", "y3", "y4")])
y <- y[rowSums(!is.na(y)) > 0, , drop = FALSE]   # rows with nothing observed carry no information
n <- nrow(y); p <- ncol(y)

em_mvn <- function(y, tol = 1e-13, max_iter = 10000) {
  mu <- colMeans(y, na.rm = TRUE)
  sigma <- diag(apply(y, 2, var, na.rm = TRUE) * (colSums(!is.na(y)) - 1) / colSums(!is.na(y)))
  for (iter in seq_len(max_iter)) {
    t1 <- numeric(p); t2 <- matrix(0, p, p)
    for (i in seq_len(n)) {
      o <- !is.na(y[i, ]); m <- !o
      x <- y[i, ]; c <- matrix(0, p, p)
      if (any(m)) {
        b <- sigma[m, o, drop = FALSE] %*% solve(sigma[o, o, drop = FALSE])
        x[m] <- mu[m] + b %*% (y[i, o] - mu[o])
        c[m, m] <- sigma[m, m, drop = FALSE] - b %*% sigma[o, m, drop = FALSE]
      }
      t1 <- t1 + x; t2 <- t2 + x %o% x + c
    }
    mu_new <- t1 / n
    sigma_new <- t2 / n - mu_new %o% mu_new
    change <- max(abs(mu_new - mu), abs(sigma_new - sigma))
    mu <- mu_new; sigma <- sigma_new
    if (change < tol) break
  }
  list(mu = mu, sigma = sigma, iterations = iter)
}

little <- function(y, mu, sigma) {
  pat <- apply(!is.na(y), 1, function(r) paste(as.integer(r), collapse = ""))
  d2 <- 0; df <- 0
  for (key in unique(pat)) {
    rows <- y[pat == key, , drop = FALSE]
    o <- !is.na(rows[1, ])
    diff <- colMeans(rows[, o, drop = FALSE]) - mu[o]
    d2 <- d2 + nrow(rows) * drop(t(diff) %*% solve(sigma[o, o, drop = FALSE]) %*% diff)
    df <- df + sum(o)
  }
  df <- df - ncol(y)
  list(d2 = d2, df = df, p = pchisq(d2, df, lower.tail = FALSE), n_patterns = length(unique(pat)))
}

em <- em_mvn(y)
test <- little(y, em$mu, em$sigma)

# Cross-check: lavaan's FIML saturated model (means and all covariances free).
vars <- colnames(y)
model <- c(combn(vars, 2, function(v) paste(v[1], "~~", v[2])), paste(vars, "~~", vars), paste(vars, "~ 1"))
fit <- lavaan(paste(model, collapse = "\n"), data = as.data.frame(y), missing = "ml",
              optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
fv <- fitted(fit)
lav_mu <- fv$mean[vars]; lav_sigma <- fv$cov[vars, vars]
test_lav <- little(y, lav_mu, lav_sigma)
stopifnot(max(abs(lav_sigma - em$sigma)) < 1e-5, abs(test_lav$d2 - test$d2) < 1e-4)

# A second, smaller case: two variables (one pattern fully observed, two with one missing).
y2 <- y[, c("y1", "y3")]
y2 <- y2[rowSums(!is.na(y2)) > 0, , drop = FALSE]
n <- nrow(y2); p <- 2
em2 <- em_mvn(y2)
test2 <- little(y2, em2$mu, em2$sigma)

out <- list(
  n = nrow(y), variables = vars, mu = em$mu, sigma = em$sigma, em_iterations = em$iterations,
  d2 = test$d2, df = test$df, p = test$p, n_patterns = test$n_patterns,
  d2_lavaan = test_lav$d2, mu_lavaan = unname(lav_mu), sigma_lavaan = unname(lav_sigma),
  pair = list(n = n, variables = c("y1", "y3"), mu = em2$mu, sigma = em2$sigma,
              d2 = test2$d2, df = test2$df, p = test2$p, n_patterns = test2$n_patterns),
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")))
)
write_json(out, "mcar.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
