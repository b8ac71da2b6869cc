# Jackknife acceleration of the BCa interval (Efron & Tibshirani 1993, eq. 14.15) for the
# pmi data (tests/data/pmi.csv; X = cond, M1 = import, M2 = pmi, Y = reaction):
# a = sum((mean - theta_i)^3) / (6 * sum((mean - theta_i)^2)^1.5), theta_i the indirect
# effect without case i, each from lm() refits. Tolerance in the Rust test: 1e-9.
# Regenerate: Rscript tests/reference/mediation/jackknife.R
# Written with R 4.2.2 Patched (2022-11-10 r83330), jsonlite 1.8.4.
suppressPackageStartupMessages(library(jsonlite))
d <- read.csv("tests/data/pmi.csv")
effects <- function(d) {
  a1 <- coef(lm(import ~ cond, d))[["cond"]]
  m2 <- coef(lm(pmi ~ cond + import, d))
  y <- coef(lm(reaction ~ cond + import + pmi, d))
  ind <- c(a1 * y[["import"]], m2[["cond"]] * y[["pmi"]], a1 * m2[["import"]] * y[["pmi"]])
  c(ind, sum(ind))
}
jack <- t(sapply(seq_len(nrow(d)), function(i) effects(d[-i, ])))
accel <- apply(jack, 2, function(th) {
  dev <- mean(th) - th
  sum(dev^3) / (6 * sum(dev^2)^1.5)
})
write_json(list(generated_by = "tests/reference/mediation/jackknife.R",
                r_version = R.version.string,
                labels = c("Ind1", "Ind2", "Ind3", "Total"),
                acceleration = accel),
           "tests/reference/mediation/pmi_jackknife.json", digits = NA, pretty = TRUE)
