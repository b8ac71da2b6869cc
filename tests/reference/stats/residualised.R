# Reference values for change::residualised_change: residuals of lm(to ~ from).
#   cd tests/reference/stats && Rscript residualised.R   (writes residualised.json)
# R 4.2.2 Patched (2022-11-10 r83330), jsonlite 1.8.4; versions are also written into the JSON.
# Participants observed at both waves, in file order. Rust tolerance: 1e-8 relative to the
# residual scale (closed form; QR in both R and Rust).
suppressPackageStartupMessages(library(jsonlite))

d <- read.csv("change_waves.csv")
one <- function(a, b) {
  ok <- !is.na(d[[a]]) & !is.na(d[[b]])
  from <- d[[a]][ok]; to <- d[[b]][ok]
  list(from = from, to = to, residuals = unname(resid(lm(to ~ from))))
}
out <- list(wellbeing_T0_T1 = one("wellbeing_T0", "wellbeing_T1"),
            hrqol_T0_T2 = one("hrqol_T0", "hrqol_T2"),
            versions = list(R = R.version.string, jsonlite = as.character(packageVersion("jsonlite"))))
write_json(out, "residualised.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
