# Independent reference for examples/trial/ (a three-arm trial with a text-coded arm): scores
# HRQoL and loneliness as examples/trial/study.toml says, and fits with lm() and R's own
# treatment contrasts (factor with TAU as the reference level):
#   ancova_T1:      hrqol_T1 ~ arm + hrqol_T0 + age
#   change_by_arm:  (hrqol_T1 - hrqol_T0) ~ arm
#   arm_loneliness: the relative indirect effects of each active arm through the change in
#                   loneliness (a * b from lm, with the other arm's indicator as a covariate)
# on the complete cases of each model. Writes examples/trial/expected.toml, the values
# `spcure check` compares `spcure analyse` against (tolerance 1e-6 absolute).
#   cd tests/reference/design && Rscript trial_lm.R
na <- c("NA", "N/A", "-99", "-999", "999", ".", "")
rd <- function(w) read.csv(sprintf("../../../examples/trial/waves/T%d.csv", w), na.strings = na,
                           colClasses = c(id = "character"))
t0 <- rd(0); t1 <- rd(1)
scales <- list(hrqol = paste0("hrqol_", 1:5), loneliness = paste0("lonely_", 1:3))
score <- function(d) sapply(scales, function(items) {
  x <- as.matrix(d[, items]); k <- length(items)
  ifelse(rowSums(!is.na(x)) >= ceiling(0.5 * k), rowMeans(x, na.rm = TRUE), NA)
})
s0 <- data.frame(id = t0$id, score(t0), age = t0$age,
                 arm = factor(t0$arm, levels = c("TAU", "CBT", "Group")))
s1 <- data.frame(id = t1$id, score(t1))
m <- merge(s0, s1, by = "id", suffixes = c("_0", "_1"))
m$d_hrqol <- m$hrqol_1 - m$hrqol_0
m$d_loneliness <- m$loneliness_1 - m$loneliness_0
ancova <- lm(hrqol_1 ~ arm + hrqol_0 + age, data = m)
change <- lm(d_hrqol ~ arm, data = m)
out <- c(
  "# Expected values for examples/trial (spcure analyse with examples/trial/study.toml).",
  "# Source: R lm() with treatment contrasts (reference TAU) on the scores computed as the spec",
  "# says; written by tests/reference/design/trial_lm.R with",
  sprintf("# %s. Tolerance 1e-6 absolute (values printed with 10 significant digits).", R.version.string),
  "")
add <- function(...) out <<- c(out, ...)
# spcure names the indicator of level L of arm "arm[L]" and a score at a wave "hrqol_T0".
rename <- function(t) sub("^arm(.*)$", "arm[\\1]", sub("^hrqol_0$", "hrqol_T0", t))
expect_fit <- function(id, fit) {
  co <- summary(fit)$coefficients
  for (t in rownames(co)) {
    for (f in c("estimate", "se")) {
      add("[[expect]]", sprintf('analysis = "%s"', id), sprintf('term = "%s"', rename(t)),
          if (f == "se") 'field = "se"' else NULL,
          sprintf("value = %.10g", co[t, if (f == "se") 2 else 1]), "abs_tol = 1e-6", "")
    }
  }
  add("[[expect]]", sprintf('analysis = "%s"', id), 'pointer = "/output/fit/r2"',
      sprintf("value = %.10g", summary(fit)$r.squared), "abs_tol = 1e-6", "")
  add("[[expect]]", sprintf('analysis = "%s"', id), 'pointer = "/sample/n"',
      sprintf("value = %d", nobs(fit)), "abs_tol = 0", "")
}
expect_fit("ancova_T1", ancova)
expect_fit("change_by_arm", change)
med <- m[complete.cases(m[, c("d_hrqol", "d_loneliness", "age", "arm")]), ]
med$CBT <- as.numeric(med$arm == "CBT"); med$Group <- as.numeric(med$arm == "Group")
for (level in c("CBT", "Group")) {
  other <- setdiff(c("CBT", "Group"), level)
  a <- lm(reformulate(c(level, other, "age"), "d_loneliness"), data = med)
  b <- lm(reformulate(c(level, "d_loneliness", other, "age"), "d_hrqol"), data = med)
  total <- lm(reformulate(c(level, other, "age"), "d_hrqol"), data = med)
  id <- sprintf("arm_loneliness_arm_%s", level)
  path <- sprintf("arm[%s] -> loneliness -> hrqol", level)
  add("[[expect]]", sprintf('analysis = "%s"', id), sprintf('path = "%s"', path),
      sprintf("value = %.10g", coef(a)[[level]] * coef(b)[["d_loneliness"]]), "abs_tol = 1e-6", "")
  add("[[expect]]", sprintf('analysis = "%s"', id), 'effect = "total"',
      sprintf("value = %.10g", coef(total)[[level]]), "abs_tol = 1e-6", "")
  add("[[expect]]", sprintf('analysis = "%s"', id), 'effect = "direct"',
      sprintf("value = %.10g", coef(b)[[level]]), "abs_tol = 1e-6", "")
}
writeLines(out, "../../../examples/trial/expected.toml")
