//! Cluster-robust (sandwich) covariance for OLS with cases nested in clusters (sites,
//! practices, schools): CR2 with Satterthwaite degrees of freedom (the default), or CR1.
//!
//! # Formula
//! X (n × p) = QR, residuals e, clusters j = 1..G with rows X_j, e_j, Q_j; M = (XᵀX)⁻¹.
//! V = M (Σ_j X_jᵀ A_j e_j e_jᵀ A_jᵀ X_j) M.
//! - CR2 (bias-reduced linearisation; Bell & McCaffrey 2002, *Survey Methodology* 28:169–181;
//!   Pustejovsky & Tipton 2018, *JBES* 36:672–683, working model Φ = I):
//!   A_j = (I − H_jj)^{−1/2}, H_jj = X_j M X_jᵀ = Q_j Q_jᵀ, the symmetric inverse square root
//!   (a Moore–Penrose one when I − H_jj is singular, as clubSandwich).
//! - CR1 (Stata's small-sample factor = `sandwich::vcovCL(type = "HC1")`): A_j = I and V
//!   multiplied by G/(G − 1) · (n − 1)/(n − p); tests on t with G − 1 df (Stata's rule).
//!
//! Computed in p × p pieces: with C_j = Q_jᵀQ_j = V_j S_j² V_jᵀ (eigen), H_jj = U S² Uᵀ for
//! U = Q_j V_j S_j⁻¹, so A_j = I + Q_j W_j Q_jᵀ with W_j = V_j diag(((1 − s²)^{−1/2} − 1)/s²) V_jᵀ.
//! Then X_jᵀA_je_j = Rᵀ Q_jᵀA_je_j and V = R⁻¹ (Σ w_j w_jᵀ) R⁻ᵀ, w_j = Q_jᵀ A_j e_j. A cluster
//! costs O(n_j p²), so one huge cluster is as cheap as many small ones.
//!
//! Satterthwaite df for a coefficient (contrast c; Bell & McCaffrey 2002, §3; Pustejovsky &
//! Tipton 2018, eq. 11, under the working model e ~ N(0, σ²(I − H))): with
//! g_j = A_j X_j M c = Q_j t_j, t_j = r + W_j C_j r, r = R⁻ᵀc, the estimate cᵀVc = Σ_j (g_jᵀe_j)²
//! is a quadratic form in e; with P = Gᵀ(I − H)G (G × G: P_jl = δ_jl g_jᵀg_j − z_jᵀz_l,
//! z_j = Q_jᵀg_j = C_j t_j), df = 2E²/Var = (tr P)² / tr(P²).
//!
//! Validated against clubSandwich::coef_test(vcov = "CR2", test = "Satterthwaite") and
//! sandwich::vcovCL(type = "HC1") to 1e-6 (tests/reference/cluster/).

use std::collections::BTreeMap;

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::dist;
use super::ols::{ClusterInfo, OlsResult, OlsSpec, INTERCEPT};
use super::StatsError;

/// Eigenvalues of H_jj at least this close to 1 make I − H_jj singular in that direction
/// (e.g. a cluster-level dummy fitted exactly): the pseudo-inverse square root drops it.
const SINGULAR_TOL: f64 = 1e-10;
/// Eigenvalues of C_j below this (relative to its largest) are zero: directions the
/// cluster's rows do not span.
const RANK_TOL: f64 = 1e-12;

/// Cluster-robust covariance estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ClusterVcov {
    /// Bias-reduced linearisation with Satterthwaite (Bell–McCaffrey) df.
    Cr2,
    /// G/(G − 1)·(n − 1)/(n − p) factor, t on G − 1 df.
    Cr1,
}

impl ClusterVcov {
    pub fn name(self) -> &'static str {
        match self {
            Self::Cr2 => "CR2",
            Self::Cr1 => "CR1",
        }
    }

    /// How the degrees of freedom of the tests are obtained.
    pub fn df_method(self) -> &'static str {
        match self {
            Self::Cr2 => "Satterthwaite",
            Self::Cr1 => "G - 1",
        }
    }
}

/// Which cluster each case belongs to: clusters numbered 0..G in the sorted order of their
/// labels, so numbering (and a cluster bootstrap) does not depend on the row order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    /// Cluster number of each case.
    of: Vec<u32>,
    labels: Vec<String>,
}

impl Clusters {
    /// From one label per case. At least two distinct labels are needed.
    pub fn new<S: AsRef<str>>(ids: &[S]) -> Result<Self, StatsError> {
        let distinct: BTreeMap<&str, u32> = ids.iter().map(|s| (s.as_ref(), 0)).collect();
        if distinct.len() < 2 {
            return Err(StatsError::Invalid(format!(
                "{} cluster(s) among {} cases: cluster-robust inference needs at least 2 \
                 clusters (and is trustworthy only with many more)",
                distinct.len(),
                ids.len()
            )));
        }
        if ids.len() > u32::MAX as usize {
            return Err(StatsError::Invalid(format!(
                "{} cases: at most 2^32 − 1",
                ids.len()
            )));
        }
        let labels: Vec<String> = distinct.keys().map(|s| s.to_string()).collect();
        let number: BTreeMap<&str, u32> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i as u32))
            .collect();
        let of = ids.iter().map(|s| number[s.as_ref()]).collect();
        Ok(Self { of, labels })
    }

    /// Number of clusters G.
    pub fn count(&self) -> usize {
        self.labels.len()
    }

    /// Number of cases.
    pub fn cases(&self) -> usize {
        self.of.len()
    }

    /// Cluster number (0..G) of each case.
    pub fn membership(&self) -> &[u32] {
        &self.of
    }

    /// Cluster labels in number order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Cases per cluster, in number order.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.count()];
        for &c in &self.of {
            sizes[c as usize] += 1;
        }
        sizes
    }

    /// Case indices of each cluster.
    fn rows(&self) -> Vec<Vec<usize>> {
        let mut rows = vec![Vec::new(); self.count()];
        for (i, &c) in self.of.iter().enumerate() {
            rows[c as usize].push(i);
        }
        rows
    }
}

/// Cluster-robust inference for a model: the cluster variable, each case's cluster and
/// the estimator.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSpec {
    pub variable: String,
    pub clusters: Clusters,
    pub vcov: ClusterVcov,
}

/// Fits `y` on `predictors` by OLS (`ols`; its `hc` is ignored) and replaces the
/// covariance, standard errors, tests and intervals by the cluster-robust ones of `spec`.
/// The model F is left out (`f`, `p` = `None`): a Wald F with these covariances needs its
/// own small-sample correction (Pustejovsky & Tipton 2018, §4).
pub fn fit(
    ols: &OlsSpec,
    spec: &ClusterSpec,
    outcome: &str,
    y: &[f64],
    predictors: &[&[f64]],
    names: &[&str],
) -> Result<OlsResult, StatsError> {
    let clusters = &spec.clusters;
    if clusters.cases() != y.len() {
        return Err(StatsError::Invalid(format!(
            "{} cluster ids for {} cases",
            clusters.cases(),
            y.len()
        )));
    }
    let plain = OlsSpec { hc: None, ..*ols };
    let mut result = plain.fit(outcome, y, predictors, names)?;
    let x = design(&result, predictors);
    let beta = DVector::from_iterator(result.terms.len(), result.terms.iter().map(|t| t.estimate));
    let resid = DVector::from_column_slice(y) - &x * &beta;
    let (cov, df) = robust(&x, &resid, clusters, spec.vcov)?;
    apply(&mut result, &cov, &df);
    let sizes = clusters.sizes();
    result.cluster = Some(ClusterInfo {
        variable: spec.variable.clone(),
        clusters: clusters.count(),
        smallest: sizes.iter().copied().min().unwrap_or(0),
        largest: sizes.iter().copied().max().unwrap_or(0),
        vcov: spec.vcov.name().to_string(),
        df_method: spec.vcov.df_method().to_string(),
        df,
    });
    Ok(result)
}

/// The design matrix of a fit (intercept first when it has one).
fn design(fit: &OlsResult, predictors: &[&[f64]]) -> DMatrix<f64> {
    let n = fit.n;
    let mut cols: Vec<f64> = Vec::with_capacity(n * fit.terms.len());
    if fit.terms.first().is_some_and(|t| t.term == INTERCEPT) {
        cols.extend(std::iter::repeat_n(1.0, n));
    }
    for p in predictors {
        cols.extend_from_slice(p);
    }
    DMatrix::from_column_slice(n, fit.terms.len(), &cols)
}

/// Covariance (p × p) and the df of each coefficient's test.
fn robust(
    x: &DMatrix<f64>,
    resid: &DVector<f64>,
    clusters: &Clusters,
    vcov: ClusterVcov,
) -> Result<(DMatrix<f64>, Vec<f64>), StatsError> {
    let (n, p) = x.shape();
    let qr = x.clone().qr();
    let (q, r) = (qr.q(), qr.r());
    let r_inv = r
        .solve_upper_triangular(&DMatrix::identity(p, p))
        .ok_or_else(|| StatsError::Invalid("triangular inverse failed".into()))?;
    // One pass over the clusters, keeping only p × p sums: memory does not grow with G.
    let mut sums: Vec<DfSums> = (0..p)
        .map(|k| DfSums::new(r_inv.row(k).transpose())) // r = R⁻ᵀe_k: row k of R⁻¹
        .collect();
    let mut meat = DMatrix::zeros(p, p);
    for rows in clusters.rows() {
        let b = Block::new(&q, resid, &rows, vcov);
        meat += &b.w * b.w.transpose();
        if vcov == ClusterVcov::Cr2 {
            sums.iter_mut().for_each(|s| s.add(&b));
        }
    }
    if vcov == ClusterVcov::Cr1 {
        let g = clusters.count() as f64;
        meat *= g / (g - 1.0) * (n as f64 - 1.0) / (n - p) as f64;
    }
    let cov = &r_inv * meat * r_inv.transpose();
    let df = sums
        .iter()
        .map(|s| match vcov {
            ClusterVcov::Cr1 => (clusters.count() - 1) as f64,
            ClusterVcov::Cr2 => s.df(),
        })
        .collect();
    Ok((cov, df))
}

/// One cluster's p × p pieces.
struct Block {
    /// C_j = Q_jᵀQ_j.
    c: DMatrix<f64>,
    /// W_j with A_j = I + Q_j W_j Q_jᵀ (zero for CR1).
    a: DMatrix<f64>,
    /// w_j = Q_jᵀ A_j e_j.
    w: DVector<f64>,
}

impl Block {
    fn new(q: &DMatrix<f64>, resid: &DVector<f64>, rows: &[usize], vcov: ClusterVcov) -> Self {
        let p = q.ncols();
        let mut c = DMatrix::zeros(p, p);
        let mut qe = DVector::zeros(p);
        for &i in rows {
            let qi = q.row(i).transpose();
            c += &qi * qi.transpose();
            qe += &qi * resid[i];
        }
        let a = match vcov {
            ClusterVcov::Cr1 => DMatrix::zeros(p, p),
            ClusterVcov::Cr2 => adjustment(&c),
        };
        // Q_jᵀA_je_j = Q_jᵀe_j + C_j W_j Q_jᵀe_j.
        let w = &qe + &c * (&a * &qe);
        Self { c, a, w }
    }
}

/// W_j from C_j = V S² Vᵀ: V diag(((1 − s²)^{−1/2} − 1)/s²) Vᵀ over the non-zero s²; for
/// s² = 1 (I − H_jj singular) the pseudo-inverse square root gives (0 − 1)/s².
fn adjustment(c: &DMatrix<f64>) -> DMatrix<f64> {
    let eig = c.clone().symmetric_eigen();
    let top = eig.eigenvalues.amax();
    let mut out = DMatrix::zeros(c.nrows(), c.ncols());
    for (k, &s2) in eig.eigenvalues.iter().enumerate() {
        if s2 <= RANK_TOL * top.max(1.0) {
            continue;
        }
        let f = if 1.0 - s2 <= SINGULAR_TOL {
            -1.0
        } else {
            1.0 / (1.0 - s2).sqrt() - 1.0
        };
        let v = eig.eigenvectors.column(k);
        out += (f / s2) * v * v.transpose();
    }
    out
}

/// Running sums over the clusters for the Satterthwaite df (tr P)²/tr(P²) of the contrast
/// with r = R⁻ᵀc (see the module docs).
struct DfSums {
    r: DVector<f64>,
    /// tr P = Σ(‖g_j‖² − ‖z_j‖²).
    trace: f64,
    /// Σ‖g_j‖⁴.
    diag_sq: f64,
    /// Σ‖g_j‖²‖z_j‖².
    cross: f64,
    /// ZᵀZ = Σ z_j z_jᵀ.
    ztz: DMatrix<f64>,
}

impl DfSums {
    fn new(r: DVector<f64>) -> Self {
        let p = r.len();
        Self {
            r,
            trace: 0.0,
            diag_sq: 0.0,
            cross: 0.0,
            ztz: DMatrix::zeros(p, p),
        }
    }

    fn add(&mut self, b: &Block) {
        let t = &self.r + &b.a * (&b.c * &self.r);
        let z = &b.c * &t;
        let gg = t.dot(&z);
        let zz = z.norm_squared();
        self.trace += gg - zz;
        self.diag_sq += gg * gg;
        self.cross += gg * zz;
        self.ztz += &z * z.transpose();
    }

    /// tr(P²) = Σ‖g_j‖⁴ − 2Σ‖g_j‖²‖z_j‖² + ‖ZᵀZ‖²_F.
    fn df(&self) -> f64 {
        let tr_p2 = self.diag_sq - 2.0 * self.cross + self.ztz.norm_squared();
        self.trace * self.trace / tr_p2
    }
}

/// Replaces the covariance-based parts of `fit`: SEs, t, p and CIs on each term's df.
fn apply(fit: &mut OlsResult, cov: &DMatrix<f64>, df: &[f64]) {
    let level = fit.level;
    for (k, term) in fit.terms.iter_mut().enumerate() {
        let se = cov[(k, k)].sqrt();
        let t = term.estimate / se;
        // A df that is not a positive number (a degenerate design) gives NaN, not a panic.
        let tcrit = if df[k] > 0.0 {
            dist::t_quantile(0.5 + level / 2.0, df[k])
        } else {
            f64::NAN
        };
        term.se = se;
        term.t = t;
        term.p = if df[k] > 0.0 {
            dist::t_two_sided(t, df[k])
        } else {
            f64::NAN
        };
        term.ci_low = term.estimate - tcrit * se;
        term.ci_high = term.estimate + tcrit * se;
    }
    fit.hc = None;
    fit.f = None;
    fit.p = None;
    fit.cov = cov.transpose().as_slice().to_vec();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// A CSV written by tests/reference/cluster/make.R: (header, rows of cells).
    fn csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        (header, rows)
    }

    /// Fits the reference model `label` on the complete rows of `text` and compares every
    /// number with R (clubSandwich CR2 + Satterthwaite, sandwich::vcovCL HC1).
    fn check_model(text: &str, label: &str) {
        let reference: Value = serde_json::from_str(include_str!(
            "../../tests/reference/cluster/cr_reference.json"
        ))
        .unwrap();
        let model = reference["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["label"] == label)
            .unwrap();
        let terms: Vec<&str> = model["term"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let formula = model["formula"].as_str().unwrap();
        let outcome = formula.split(" ~ ").next().unwrap();
        let cluster = model["cluster"].as_str().unwrap();
        let (header, rows) = csv(text);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        // R fits every model on the rows complete in all columns (na.omit of the file).
        let complete: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r.iter().all(|c| c != "NA"))
            .collect();
        let num =
            |c: usize| -> Vec<f64> { complete.iter().map(|r| r[c].parse().unwrap()).collect() };
        let y = num(col(outcome));
        let xs: Vec<Vec<f64>> = terms[1..].iter().map(|t| num(col(t))).collect();
        let ids: Vec<&str> = complete.iter().map(|r| r[col(cluster)].as_str()).collect();
        let clusters = Clusters::new(&ids).unwrap();
        assert_eq!(clusters.count() as u64, model["clusters"].as_u64().unwrap());
        let preds: Vec<&[f64]> = xs.iter().map(Vec::as_slice).collect();
        let vec = |k: &str| -> Vec<f64> {
            model[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        };
        let close = |got: f64, want: f64, what: &str| {
            assert!(
                (got - want).abs() <= 1e-6 * want.abs().max(1.0),
                "{label} {what}: {got} vs R {want}"
            );
        };
        let spec = |vcov| ClusterSpec {
            variable: cluster.to_string(),
            clusters: clusters.clone(),
            vcov,
        };
        let fit2 = fit(
            &OlsSpec::default(),
            &spec(ClusterVcov::Cr2),
            outcome,
            &y,
            &preds,
            &terms[1..],
        )
        .unwrap();
        let df2 = &fit2.cluster.as_ref().unwrap().df;
        for (k, t) in fit2.terms.iter().enumerate() {
            close(t.estimate, vec("beta")[k], "beta");
            close(t.se, vec("se")[k], "CR2 SE");
            close(t.t, vec("tstat")[k], "CR2 t");
            close(df2[k], vec("df_satt")[k], "df_Satt");
            close(t.p, vec("p_satt")[k], "p_Satt");
        }
        let fit1 = fit(
            &OlsSpec::default(),
            &spec(ClusterVcov::Cr1),
            outcome,
            &y,
            &preds,
            &terms[1..],
        )
        .unwrap();
        let df1 = &fit1.cluster.as_ref().unwrap().df;
        for (k, t) in fit1.terms.iter().enumerate() {
            close(t.se, vec("cr1_se")[k], "CR1 SE");
            close(t.t, vec("cr1_t")[k], "CR1 t");
            close(t.p, vec("cr1_p")[k], "CR1 p");
            close(df1[k], model["cr1_df"].as_f64().unwrap(), "CR1 df");
        }
    }

    #[test]
    fn cr2_and_cr1_match_clubsandwich_and_sandwich_on_twelve_unequal_sites() {
        let text = include_str!("../../tests/reference/cluster/sites.csv");
        for label in ["regress", "m1", "m2", "m3", "y", "total"] {
            check_model(text, label);
        }
    }

    #[test]
    fn a_singleton_cluster_is_handled_as_clubsandwich_does() {
        check_model(
            include_str!("../../tests/reference/cluster/singleton.csv"),
            "singleton",
        );
    }

    #[test]
    fn clusters_are_numbered_by_sorted_label_and_one_cluster_is_refused() {
        let c = Clusters::new(&["b", "a", "b", "c"]).unwrap();
        assert_eq!(c.membership(), [1, 0, 1, 2]);
        assert_eq!(c.sizes(), [1, 2, 1]);
        assert_eq!(c.labels(), ["a", "b", "c"]);
        let err = Clusters::new(&["a", "a", "a"]).unwrap_err();
        assert!(err.to_string().contains("at least 2 clusters"), "{err}");
    }

    /// With every case its own cluster, CR2 is HC2 (Bell & McCaffrey 2002) and CR1 is HC1
    /// times n/(n − 1).
    #[test]
    fn one_case_per_cluster_gives_hc2() {
        let d = crate::stats::testdata::pmi();
        let ids: Vec<String> = (0..d.pmi.len()).map(|i| i.to_string()).collect();
        let clusters = Clusters::new(&ids).unwrap();
        let args = (
            &[d.cond.as_slice(), d.import.as_slice()],
            &["cond", "import"],
        );
        let spec = ClusterSpec {
            variable: "id".into(),
            clusters,
            vcov: ClusterVcov::Cr2,
        };
        let cr2 = fit(&OlsSpec::default(), &spec, "pmi", &d.pmi, args.0, args.1).unwrap();
        let hc2 = OlsSpec {
            hc: Some(crate::stats::ols::HcType::Hc2),
            ..OlsSpec::default()
        }
        .fit("pmi", &d.pmi, args.0, args.1)
        .unwrap();
        for (a, b) in cr2.terms.iter().zip(&hc2.terms) {
            assert!((a.se - b.se).abs() < 1e-10 * b.se, "{a:?} {b:?}");
        }
    }
}
