# Descriptives table of pmi (cond, import, pmi, reaction) for the moment-matching test,
# plus the lm() coefficients the matched data must reproduce.
# R version 4.2.2 Patched (2022-11-10 r83330); base R only (stats), jsonlite 1.8.4 for the JSON.
# Regenerate (from the repository root):
#   Rscript tests/reference/matched/make_pmi_table.R
# Writes tests/reference/matched/pmi_table.toml and tests/reference/matched/pmi_lm.json.
# Tolerances used by tests/simulate_cli.rs and src/simulate/matched.rs: moments 1e-9,
# OLS coefficients 1e-6 (values written with 17 significant digits).
d <- read.csv("tests/data/pmi.csv")
vars <- c("cond", "import", "pmi", "reaction")
x <- d[, vars]
fmt <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
r <- cor(x)
lines <- c(
  "# Descriptives of tests/data/pmi.csv (Tal-Or et al., 2010), computed by make_pmi_table.R",
  paste0("# with ", R.version.string, ": mean(), sd() (n - 1 denominator), cor() (Pearson)."),
  "n = 123",
  paste0("variables = [", paste0('"', vars, '"', collapse = ", "), "]"),
  paste0("means = [", fmt(colMeans(x)), "]"),
  paste0("sds = [", fmt(apply(x, 2, sd)), "]"),
  "# lower triangle, row by row, diagonal included",
  "correlations = [")
for (i in seq_along(vars)) lines <- c(lines, paste0("  [", fmt(r[i, 1:i]), "],"))
lines <- c(lines, "]")
writeLines(lines, "tests/reference/matched/pmi_table.toml")
coefs <- function(f) as.list(coef(lm(f, data = d)))
out <- list(
  r_version = R.version.string,
  import = coefs(import ~ cond),
  pmi = coefs(pmi ~ cond + import),
  reaction = coefs(reaction ~ cond + import + pmi),
  total = coefs(reaction ~ cond))
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/matched/pmi_lm.json")
