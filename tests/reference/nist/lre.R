# Log relative errors (LRE) that R's lm() achieves on the NIST StRD linear regression suite.
# R version 4.2.2 Patched (2022-11-10 r83330); jsonlite 1.8.4.
# Regenerate (from the repository root):
#   Rscript tests/reference/nist/lre.R > tests/reference/nist/lre.json
# Data and certified values: tests/data/nist/ (see certified.toml there for the source).
# LRE (McCullough 1998): -log10(|q - c| / |c|), or -log10(|q|) when c = 0; capped at 15
# (q == c exactly also gives 15). Used by tests/nist_strd.rs: spcure must reach at least R's
# LRE for every coefficient and standard deviation (the per-set minimum, floored to a whole
# digit, is the documented requirement in docs/methods/regress.md).
library(jsonlite)
dir <- "tests/data/nist"
cert_text <- readLines(file.path(dir, "certified.toml"))

# Minimal reader for the flat [section] key = value / [array] layout of certified.toml.
read_cert <- function(lines) {
  lines <- sub("#.*$", "", lines)
  out <- list(); cur <- NULL; buf <- ""
  for (l in lines) {
    if (grepl("^\\[", l)) { cur <- gsub("\\[|\\]|\\s", "", l); out[[cur]] <- list(); next }
    if (is.null(cur) || !nzchar(trimws(paste(buf, l)))) next
    buf <- paste(buf, l)
    if (grepl("\\[", buf) && !grepl("\\]", buf)) next
    kv <- strsplit(buf, "=")[[1]]; buf <- ""
    key <- trimws(kv[1]); val <- trimws(kv[2])
    if (val %in% c("true", "false")) { out[[cur]][[key]] <- val == "true"; next }
    val <- gsub("\\[|\\]", "", val)
    out[[cur]][[key]] <- as.numeric(strsplit(val, ",")[[1]])
  }
  out
}
cert <- read_cert(cert_text)

lre <- function(q, c) {
  v <- ifelse(is.na(q), 0,
       ifelse(q == c, 15,
       ifelse(c == 0, -log10(abs(q)), -log10(abs(q - c) / abs(c)))))
  pmin(pmax(v, 0), 15)
}

res <- list()
for (name in names(cert)) {
  cv <- cert[[name]]
  d <- read.csv(file.path(dir, paste0(name, ".csv")))
  if (!is.null(cv$degree)) {
    X <- sapply(seq_len(cv$degree), function(k) d$x^k)
    colnames(X) <- paste0("x", seq_len(cv$degree))
  } else {
    X <- as.matrix(d[, -1])
  }
  fit <- if (cv$intercept) lm(d$y ~ X) else lm(d$y ~ X - 1)
  s <- summary(fit)
  b <- coef(fit)
  se <- rep(NA_real_, length(b)); se[!is.na(b)] <- s$coefficients[, 2]
  res[[name]] <- list(
    n = nrow(d),
    aliased = names(b)[is.na(b)],
    estimates_lre = lre(unname(b), cv$estimates),
    sds_lre = lre(se, cv$sds),
    residual_sd_lre = lre(s$sigma, cv$residual_sd),
    r2_lre = lre(s$r.squared, cv$r2)
  )
}
cat(toJSON(list(
  r_version = R.version.string,
  note = "LRE of R lm() against the NIST certified values; NA coefficients (aliased) have LRE 0",
  sets = res), auto_unbox = TRUE, digits = NA, pretty = TRUE))
