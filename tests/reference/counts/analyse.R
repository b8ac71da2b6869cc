# Reference for `analyse` with a `kind = "count"` construct (tests/reference/counts/count_spec.toml)
# on the bundled example waves: the change in GP appointments over T0, T1, T2 as a Poisson GEE with
# an independence working correlation, participants as clusters, every baseline participant-wave
# with a count. R version 4.2.2 Patched (2022-11-10 r83330); geepack 1.3.9; jsonlite 1.8.4.
# Regenerate (from the repository root): Rscript tests/reference/counts/analyse.R
# Writes tests/reference/counts/analyse_reference.json. Tolerance in tests/counts_cli.rs: 1e-6.
suppressPackageStartupMessages({library(geepack); library(jsonlite)})
na <- c("NA", "N/A", "-99", "-999", "999", ".", "")
read_wave <- function(w) {
  d <- read.csv(sprintf("data/example/T%d.csv", w), na.strings = na, colClasses = c(id = "character"))
  data.frame(id = trimws(d$id), wave = w, gp_visits = d$gp_visits)
}
waves <- lapply(0:2, read_wave)
baseline <- waves[[1]]$id
long <- do.call(rbind, waves)
long <- long[long$id %in% baseline & !is.na(long$gp_visits), ]
long <- long[order(long$id, long$wave), ]
long$wave <- factor(long$wave)
long$cluster <- as.integer(factor(long$id))  # geepack needs numeric ids, contiguous rows
fit <- geeglm(gp_visits ~ wave, id = cluster, family = poisson, data = long,
              corstr = "independence", control = geese.control(epsilon = 1e-12, maxit = 100))
s <- summary(fit)$coefficients
q <- qnorm(0.975)
writeLines(toJSON(list(
  r_version = R.version.string,
  packages = list(geepack = as.character(packageVersion("geepack")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  n = nrow(long), clusters = length(unique(long$id)),
  term = rownames(s), estimate = unname(s$Estimate), se = unname(s$Std.err),
  irr = exp(s$Estimate), irr_low = exp(s$Estimate - q * s$Std.err),
  irr_high = exp(s$Estimate + q * s$Std.err)
), auto_unbox = TRUE, digits = NA, pretty = TRUE), "tests/reference/counts/analyse_reference.json")
