# Reference values for cluster-robust inference in spcure (CR2 + Satterthwaite df, CR1) and
# the cluster bootstrap of a serial indirect effect.
# R version 4.2.2 Patched (2022-11-10 r83330); clubSandwich 0.5.8; sandwich 3.0.2;
# jsonlite 1.8.4 (versions are also written into the JSON).
# Regenerate (from the repository root):
#   Rscript tests/reference/cluster/make.R
# Writes:
#   sites.csv       12 sites ("S01".."S12") of unequal size (6 to 67, 340 rows), one row with
#                   a missing m1 (written NA); a site-level covariate `funded`.
#   singleton.csv   25 rows in 6 clusters of sizes 1, 2, 3, 5, 6, 8 (a singleton cluster).
#   cr_reference.json  per model: beta, SE, tstat, df_Satt, p_Satt from
#                   clubSandwich::coef_test(fit, vcov = "CR2", cluster = site,
#                   test = "Satterthwaite"), and the CR1 SEs from
#                   sandwich::vcovCL(fit, cluster = ~site, type = "HC1") with t, p on G - 1 df.
#                   Tests compare with absolute/relative tolerance 1e-6.
#   boot_reference.json  an R cluster bootstrap (hand loop: sites drawn with replacement,
#                   B = 20000, set.seed(11)) of the indirect effects of x -> m1 -> m2 -> m3 -> y
#                   (covariate funded): bootstrap SE and 2.5 / 97.5 % percentiles.
#                   Monte Carlo tolerance in tests/cluster_cli.rs: bootstrap SEs within 5 %
#                   (relative), percentile limits within 0.15 bootstrap SE.
suppressPackageStartupMessages({library(clubSandwich); library(sandwich); library(jsonlite)})
out_dir <- "tests/reference/cluster"
set.seed(20261129)
sizes <- c(6, 9, 12, 15, 18, 22, 26, 30, 36, 44, 55, 67)
G <- length(sizes)
site <- rep(sprintf("S%02d", seq_len(G)), sizes)
sid <- rep(seq_len(G), sizes)
funded <- rep(rbinom(G, 1, 0.5), sizes)
u <- rnorm(G, 0, 0.6)[sid]         # site effect on the outcome
v <- rnorm(G, 0, 0.5)[sid]         # site effect on x and the mediators
n <- length(site)
x <- round(2 + v + rnorm(n), 4)
m1 <- round(0.4 * x + 0.5 * v + rnorm(n), 4)
m2 <- round(0.3 * x + 0.4 * m1 + 0.3 * v + rnorm(n), 4)
m3 <- round(0.2 * x + 0.35 * m2 + rnorm(n), 4)
y <- round(0.15 * x + 0.2 * m1 + 0.1 * m2 + 0.3 * m3 + 0.3 * funded + u +
             rnorm(n, 0, 0.6 + 0.2 * abs(x - 2)), 4)
d <- data.frame(site, x, m1, m2, m3, funded, y)
# Rows in site order would let a bug that assumes sorted clusters pass: shuffle them.
d <- d[sample.int(n), ]
d$m1[17] <- NA
write.csv(d, file.path(out_dir, "sites.csv"), row.names = FALSE, na = "NA", quote = FALSE)
d <- read.csv(file.path(out_dir, "sites.csv"))
cc <- na.omit(d)

s_sizes <- c(1, 2, 3, 5, 6, 8)
s <- data.frame(cl = rep(c(101, 102, 103, 104, 105, 106), s_sizes))
s$x1 <- round(rnorm(nrow(s)), 4)
s$x2 <- round(runif(nrow(s)), 4)
s$y <- round(1 + 0.5 * s$x1 - 0.7 * s$x2 + rnorm(6)[match(s$cl, unique(s$cl))] +
               rnorm(nrow(s)), 4)
s <- s[sample.int(nrow(s)), ]
write.csv(s, file.path(out_dir, "singleton.csv"), row.names = FALSE, quote = FALSE)
s <- read.csv(file.path(out_dir, "singleton.csv"))

summarise <- function(label, formula, data, cluster) {
  fit <- lm(formula, data = data)
  cl <- data[[cluster]]
  ct <- coef_test(fit, vcov = "CR2", cluster = cl, test = "Satterthwaite")
  V1 <- vcovCL(fit, cluster = cl, type = "HC1")
  g <- length(unique(cl))
  se1 <- sqrt(diag(V1))
  t1 <- coef(fit) / se1
  list(label = label, formula = deparse(formula), cluster = cluster,
       n = nobs(fit), clusters = g,
       term = names(coef(fit)),
       beta = unname(ct$beta), se = unname(ct$SE), tstat = unname(ct$tstat),
       df_satt = unname(ct$df_Satt), p_satt = unname(ct$p_Satt),
       cr1_se = unname(se1), cr1_t = unname(t1),
       cr1_df = g - 1, cr1_p = unname(2 * pt(-abs(t1), g - 1)))
}
models <- list(
  summarise("regress", y ~ x + m1 + funded, cc, "site"),
  summarise("m1", m1 ~ x + funded, cc, "site"),
  summarise("m2", m2 ~ x + m1 + funded, cc, "site"),
  summarise("m3", m3 ~ x + m1 + m2 + funded, cc, "site"),
  summarise("y", y ~ x + m1 + m2 + m3 + funded, cc, "site"),
  summarise("total", y ~ x + funded, cc, "site"),
  summarise("singleton", y ~ x1 + x2, s, "cl"))
versions <- list(r_version = R.version.string,
                 packages = list(clubSandwich = as.character(packageVersion("clubSandwich")),
                                 sandwich = as.character(packageVersion("sandwich")),
                                 jsonlite = as.character(packageVersion("jsonlite"))))
writeLines(toJSON(c(versions, list(models = models)), digits = NA, auto_unbox = TRUE,
                  pretty = TRUE), file.path(out_dir, "cr_reference.json"))

# Cluster bootstrap by hand: draw G sites with replacement, stack their rows, refit.
indirect <- function(dd) {
  X <- function(...) cbind(1, as.matrix(dd[, c(...), drop = FALSE]))
  co <- function(yv, ...) lm.fit(X(...), dd[[yv]])$coefficients
  a1 <- co("m1", "x", "funded")
  e2 <- co("m2", "x", "m1", "funded")
  e3 <- co("m3", "x", "m1", "m2", "funded")
  ey <- co("y", "x", "m1", "m2", "m3", "funded")
  a <- c(a1[2], e2[2], e3[2]); d21 <- e2[3]; d31 <- e3[3]; d32 <- e3[4]; b <- ey[3:5]
  ind <- c(a[1] * b[1], a[1] * d21 * b[2], a[1] * d31 * b[3], a[1] * d21 * d32 * b[3],
           a[2] * b[2], a[2] * d32 * b[3], a[3] * b[3])
  unname(c(ind, sum(ind)))
}
rows_of <- split(seq_len(nrow(cc)), cc$site)
B <- 20000
set.seed(11)
boots <- t(replicate(B, {
  pick <- sample.int(length(rows_of), replace = TRUE)
  indirect(cc[unlist(rows_of[pick], use.names = FALSE), ])
}))
ok <- apply(boots, 1, function(r) all(is.finite(r)))
boots <- boots[ok, , drop = FALSE]
writeLines(toJSON(c(versions, list(
  B = B, used = nrow(boots), seed = 11,
  # Each indirect effect by its path (spcure's Ind labels follow PROCESS's order, by length).
  paths = c("x>m1>y", "x>m1>m2>y", "x>m1>m3>y", "x>m1>m2>m3>y", "x>m2>y", "x>m2>m3>y",
            "x>m3>y", "TOTAL"),
  estimate = indirect(cc),
  boot_se = unname(apply(boots, 2, sd)),
  ci_low = unname(apply(boots, 2, quantile, 0.025)),
  ci_high = unname(apply(boots, 2, quantile, 0.975)))), digits = NA, auto_unbox = TRUE,
  pretty = TRUE), file.path(out_dir, "boot_reference.json"))
