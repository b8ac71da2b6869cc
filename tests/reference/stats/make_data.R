# Generates the small synthetic data sets that the reference scripts and the Rust unit
# tests share. Run once; the CSVs are committed, so tests never need R.
#   cd tests/reference/stats && Rscript make_data.R
# Writes: reliability_items.csv, attrition_baseline.csv, mcar_data.csv, change_waves.csv
# R 4.2.2 Patched (2022-11-10 r83330); base R only (set.seed, rnorm, runif, sample).

wr <- function(d, file) {
  # Shortest of 15 or 17 significant digits that reads back as the same double.
  out <- as.data.frame(lapply(d, function(v) {
    if (!is.numeric(v)) return(v)
    s <- sprintf("%.15g", v)
    long <- !is.na(v) & suppressWarnings(as.numeric(s)) != v
    s[long] <- sprintf("%.17g", v[long])
    ifelse(is.na(v), "NA", s)
  }))
  write.csv(out, file, row.names = FALSE, quote = FALSE)
}

likert <- function(f, lambda, k, lo, hi) {
  round(pmin(hi, pmax(lo, (lo + hi) / 2 + lambda * f + rnorm(length(f)))))
}

## Reliability: two scales with items missing completely at random.
set.seed(20240501)
n <- 90
f1 <- rnorm(n); f2 <- rnorm(n)
rel <- data.frame(id = seq_len(n))
for (j in 1:5) rel[[paste0("belong_", j)]] <- likert(f1, c(0.9, 1.1, 0.7, 1.3, 0.6)[j], j, 1, 5)
for (j in 1:3) rel[[paste0("support_", j)]] <- likert(f2, c(1.2, 0.8, 1.5)[j], j, 1, 7)
for (v in names(rel)[-1]) rel[[v]][runif(n) < 0.06] <- NA
wr(rel, "reliability_items.csv")

## Attrition: baseline measures, follow-up presence, categorical covariates.
set.seed(20240502)
n <- 150
lonely <- round(rnorm(n, 2.6, 0.6), 4)
p1 <- plogis(-0.2 - 0.8 * (lonely - 2.6))
present_T1 <- runif(n) < p1
present_T2 <- present_T1 & runif(n) < 0.55
# Two participants skip T1 but return at T2 (intermittent response).
skip <- which(!present_T1)[1:2]
present_T2[skip] <- TRUE
att <- data.frame(
  id = seq_len(n),
  present_T1 = as.integer(present_T1),
  present_T2 = as.integer(present_T2),
  lonely = lonely,
  hrqol = round(0.7 - 0.1 * lonely + rnorm(n, 0, 0.15), 4),
  age = round(rnorm(n, 58, 14)),
  gender = sample(c(1, 2), n, TRUE, c(0.4, 0.6)),
  deprivation = sample(1:5, n, TRUE, c(0.35, 0.3, 0.2, 0.1, 0.05))
)
att$lonely[c(3, 40, 77)] <- NA
att$hrqol[c(5, 90)] <- NA
att$gender[c(12)] <- NA
att$deprivation[c(8, 99)] <- NA
wr(att, "attrition_baseline.csv")

## MCAR: four correlated variables; y3 is missing more often when y1 is high (MAR).
set.seed(20240503)
n <- 120
S <- matrix(c(1, .5, .3, .2,
              .5, 1, .4, .3,
              .3, .4, 1, .5,
              .2, .3, .5, 1), 4)
Y <- matrix(rnorm(n * 4), n) %*% chol(S)
Y <- sweep(Y, 2, c(10, 5, 0, 20), "+")
Y <- round(Y, 4)
Y[runif(n) < 0.12, 2] <- NA
Y[runif(n) < plogis(-2 + 1.5 * (Y[, 1] - 10)), 3] <- NA
Y[runif(n) < 0.10, 4] <- NA
Y[c(7, 31, 64), 1] <- NA
mc <- data.frame(id = seq_len(n), y1 = Y[, 1], y2 = Y[, 2], y3 = Y[, 3], y4 = Y[, 4])
wr(mc, "mcar_data.csv")

## Change: three waves, three constructs; 'lonely' is a mean of three 1-4 items (ties, zeros).
set.seed(20240504)
n <- 100
pT1 <- runif(n) < 0.62
pT2 <- pT1 & runif(n) < 0.6
u <- rnorm(n)
wave <- function(shift, present) ifelse(present, shift, NA)
mk_cont <- function(base, d1, d2, s) {
  t0 <- base + rnorm(n, 0, s)
  t1 <- t0 + d1 + rnorm(n, 0, s * 0.8)
  t2 <- t1 + d2 + rnorm(n, 0, s * 0.8)
  list(round(t0, 4), ifelse(pT1, round(t1, 4), NA), ifelse(pT2, round(t2, 4), NA))
}
wb <- mk_cont(50 + 5 * u, 1.5, 0.5, 8)
hq <- mk_cont(0.6 + 0.05 * u, 0.04, 0.01, 0.15)
items <- function(shift) replicate(3, pmin(4, pmax(1, round(2.5 + 0.6 * u + shift + rnorm(n, 0, 0.7)))))
lon <- list(rowMeans(items(0)), rowMeans(items(-0.25)), rowMeans(items(-0.35)))
lon[[2]][!pT1] <- NA; lon[[3]][!pT2] <- NA
ch <- data.frame(id = seq_len(n),
  wellbeing_T0 = wb[[1]], wellbeing_T1 = wb[[2]], wellbeing_T2 = wb[[3]],
  hrqol_T0 = hq[[1]], hrqol_T1 = hq[[2]], hrqol_T2 = hq[[3]],
  lonely_T0 = lon[[1]], lonely_T1 = lon[[2]], lonely_T2 = lon[[3]])
# Item-level gaps: a few scores missing although the participant took part.
ch$wellbeing_T0[c(2, 50)] <- NA
ch$hrqol_T1[which(pT1)[c(3, 9)]] <- NA
ch$lonely_T2[which(pT2)[2]] <- NA
wr(ch, "change_waves.csv")
