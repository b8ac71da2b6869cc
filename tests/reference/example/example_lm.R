# Independent reference for the bundled example cohort (data/example/): scores the scales as the
# default spec says, forms change scores T1 - T0, and fits the serial mediation equations with
# lm(). Writes data/published/example.toml, the expected values `spcure check` compares
# `spcure analyse data/example/*.csv` against (OLS point estimates, tolerance 1e-6 absolute).
#   cd tests/reference/example && Rscript example_lm.R
na <- c("NA", "N/A", "-99", "-999", "999", ".", "")
rd <- function(w) read.csv(sprintf("../../../data/example/T%d.csv", w), na.strings = na,
                           colClasses = c(id = "character"))
t0 <- rd(0); t1 <- rd(1)
scales <- list(groups = paste0("groups_", 1:4), belonging = paste0("belong_", 1:3),
               support = paste0("support_", 1:4), loneliness = paste0("lonely_", 1:3),
               hrqol = paste0("hrqol_", 1:5))
score <- function(d) {
  d$support_4 <- 1 + 7 - d$support_4                      # reverse-keyed, range 1-7
  sapply(scales, function(items) {
    x <- as.matrix(d[, items]); k <- length(items)
    answered <- rowSums(!is.na(x))
    ifelse(answered >= ceiling(0.5 * k), rowMeans(x, na.rm = TRUE), NA)
  })
}
s0 <- data.frame(id = t0$id, score(t0), age = t0$age, gender = t0$gender)
s1 <- data.frame(id = t1$id, score(t1))
m <- merge(s0, s1, by = "id", suffixes = c("_0", "_1"))
ch <- data.frame(age = m$age, gender = m$gender)
for (v in names(scales)) ch[[v]] <- m[[paste0(v, "_1")]] - m[[paste0(v, "_0")]]
ch <- ch[complete.cases(ch), ]
eqs <- list(belonging = belonging ~ groups + age + gender,
            support = support ~ groups + belonging + age + gender,
            loneliness = loneliness ~ groups + belonging + support + age + gender,
            hrqol = hrqol ~ groups + belonging + support + loneliness + age + gender)
fits <- lapply(eqs, lm, data = ch)
total <- lm(hrqol ~ groups + age + gender, data = ch)
cf <- function(f, t) unname(coef(f)[t])
a1 <- cf(fits$belonging, "groups"); d21 <- cf(fits$support, "belonging")
d32 <- cf(fits$loneliness, "support"); b3 <- cf(fits$hrqol, "loneliness")
out <- c(
  "# Expected values for `spcure analyse data/example/*.csv` (the bundled synthetic cohort).",
  "# Source: R lm() on the change scores T1 - T0 scored as the default spec says;",
  "# written by tests/reference/example/example_lm.R with",
  sprintf("# %s. Tolerance 1e-6 absolute (values printed with 10 significant digits).", R.version.string),
  sprintf("# n = %d complete cases.", nrow(ch)), "")
add <- function(...) out <<- c(out, ...)
for (eq in names(fits)) {
  co <- summary(fits[[eq]])$coefficients
  for (t in rownames(co)) {
    add("[[expect]]", sprintf('equation = "%s"', eq), sprintf('term = "%s"', t),
        sprintf("value = %.10g", co[t, 1]), "abs_tol = 1e-6", "")
    add("[[expect]]", sprintf('equation = "%s"', eq), sprintf('term = "%s"', t), 'field = "se"',
        sprintf("value = %.10g", co[t, 2]), "abs_tol = 1e-6", "")
  }
  add("[[expect]]", sprintf('equation = "%s"', eq), 'field = "r2"',
      sprintf("value = %.10g", summary(fits[[eq]])$r.squared), "abs_tol = 1e-6", "")
}
add("[[expect]]", 'effect = "total"', sprintf("value = %.10g", cf(total, "groups")), "abs_tol = 1e-6", "")
add("[[expect]]", 'effect = "direct"', sprintf("value = %.10g", cf(fits$hrqol, "groups")), "abs_tol = 1e-6", "")
add("[[expect]]", 'path = "groups -> belonging -> support -> loneliness -> hrqol"',
    sprintf("value = %.10g", a1 * d21 * d32 * b3), "abs_tol = 1e-6", "")
add("[[expect]]", 'analysis = "mediation"', 'pointer = "/sample/n"', sprintf("value = %d", nrow(ch)), "abs_tol = 0", "")
dir.create("../../../data/published", showWarnings = FALSE)
writeLines(out, "../../../data/published/example.toml")
cat("n =", nrow(ch), " serial =", a1 * d21 * d32 * b3, "\n")
