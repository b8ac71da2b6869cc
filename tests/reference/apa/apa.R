# Reference strings for src/report/apa.rs (APA number formatting).
#   cd tests/reference/apa && Rscript apa.R   (writes apa.json)
# Produced with base R sprintf (C printf rounding: exact binary value, ties to even).
# Generated with R version 4.2.2 Patched (2022-11-10 r83330), jsonlite 1.8.4.
# Tolerance: none (exact string equality in src/report/apa.rs tests).
# Rules (APA 7, §6.36): ASCII '-' minus; a value that rounds to zero has no sign;
# no leading zero for statistics bounded by 1; p: 3 decimals, "< .001" below .001,
# "> .999" above .999 (as papaja::printp).
suppressPackageStartupMessages(library(jsonlite))

fixed <- function(v, d) {
  s <- sprintf(paste0("%.", d, "f"), v)
  if (grepl("^-[0.]*$", s)) s <- substring(s, 2)
  s
}
no_leading_zero <- function(v, d) sub("^(-?)0\\.", "\\1.", fixed(v, d))
p_bare <- function(p) {
  if (p < 0.001) "< .001" else if (p > 0.999) "> .999" else no_leading_zero(p, 3)
}
p_value <- function(p) {
  b <- p_bare(p)
  if (grepl("^[<>]", b)) paste("p", b) else paste("p =", b)
}

cases <- list()
add <- function(fn, input, digits, expected) {
  cases[[length(cases) + 1]] <<- list(`function` = fn, input = input,
                                      digits = digits, expected = expected)
}
fixed_in <- list(c("0.04", 2), c("0.0412", 2), c("-0.004", 2), c("-0.005", 2), c("0.125", 2),
                 c("0.375", 2), c("2.5", 0), c("3.5", 0), c("1234.5678", 1), c("-1.96", 2),
                 c("1e-10", 3), c("-0.0", 2), c("123456789.123", 2), c("-0.0449999", 3),
                 c("0.995", 2), c("-2.675", 2), c("7", 0), c("-7.25", 1))
for (x in fixed_in) add("fixed", x[1], as.integer(x[2]), fixed(as.numeric(x[1]), as.integer(x[2])))
nlz_in <- list(c("0.42", 2), c("-0.42", 2), c("0.999", 2), c("-0.004", 2), c("0.3", 3),
               c("1", 2), c("-1", 2), c("0.05", 2), c("0.0449999", 3))
for (x in nlz_in) add("no_leading_zero", x[1], as.integer(x[2]),
                      no_leading_zero(as.numeric(x[1]), as.integer(x[2])))
p_in <- c("0", "0.0005", "0.000999", "0.001", "0.0010004", "0.0449999", "0.045", "0.0455",
          "0.05", "0.5", "0.12345", "0.9994", "0.999", "0.9996", "1")
for (x in p_in) {
  add("p_bare", x, 3L, p_bare(as.numeric(x)))
  add("p_value", x, 3L, p_value(as.numeric(x)))
}
cat("generated with", R.version.string, "jsonlite", as.character(packageVersion("jsonlite")), "\n")
writeLines(toJSON(cases, auto_unbox = TRUE, pretty = TRUE), "apa.json")
