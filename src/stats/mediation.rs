//! Serial mediation (Hayes' PROCESS Model 6): X → M1 → … → Mk → Y with covariates.
//!
//! Model (Hayes 2022, *Introduction to Mediation, Moderation, and Conditional Process
//! Analysis*, 3rd ed., ch. 5): OLS equations
//! M1 = i + a₁X + C;  Mj = i + aⱼX + Σ_{i<j} d_{ji}Mᵢ + C;  Y = i + c′X + Σⱼ bⱼMⱼ + C;
//! and the total-effect model Y = i + cX + C (C: covariates, entered in every equation).
//! The specific indirect effect through the ordered mediator subset s₁ < … < s_m is
//! a_{s₁}·d_{s₂s₁}·…·d_{s_m s_{m−1}}·b_{s_m}; the total indirect effect is their sum and
//! c = c′ + total indirect (exactly, for OLS with the same cases).
//! Standardized (Hayes 2022, §4.3): partially = effect / SD_Y, completely = effect·SD_X/SD_Y.
//!
//! Pipeline: spec → `validate` → equations (OLS, for the reported fits) → statistic from
//! moments (`Layout::evaluate`) → bootstrap engine ([`bootstrap::replicates`]) → assembled
//! result. The statistic of a resample is computed from its case counts by the moments
//! engine (`moments.rs`: one pass builds the weighted cross-products, each equation is a
//! small Cholesky solve of its normal equations), which is algebraically the OLS fit of the
//! resampled rows (verified against `OlsSpec` in tests). Resampling, redraws and intervals
//! belong to `bootstrap.rs`.

use serde::{Deserialize, Serialize};

use super::bootstrap::{self, BootSummary, Replicates, Resampling};
use super::cluster::{self, ClusterSpec};
use super::moments::{Centred, CrossProducts, Moments};
use super::ols::{HcType, OlsResult, OlsSpec};
use super::StatsError;

/// The bootstrap settings live with the engine; re-exported because configs, reports and
/// commands name them as `stats::mediation::{BootSpec, CiMethod}`.
pub use super::bootstrap::{BootSpec, CiMethod};

/// Version of the JSON written for a `MediationResult` (docs/mediation-json.md).
pub const SCHEMA_VERSION: &str = "1.0.0";
/// Bins of the `serial_distribution` histogram.
pub const HISTOGRAM_BINS: usize = 40;
/// The most mediators a chain may have (2^8 − 1 = 255 specific indirect effects).
/// Re-exported from `spec` (study specs check it too).
pub const MAX_MEDIATORS: usize = 8;

/// What to fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationSpec {
    pub x: String,
    pub mediators: Vec<String>,
    pub y: String,
    pub covariates: Vec<String>,
    pub hc: Option<HcType>,
    pub contrasts: bool,
    pub standardize: bool,
    pub boot: BootSpec,
}

/// The columns, complete cases, in the order of the spec's names.
#[derive(Debug, Clone)]
pub struct MediationData<'a> {
    pub x: &'a [f64],
    pub mediators: Vec<&'a [f64]>,
    pub y: &'a [f64],
    pub covariates: Vec<&'a [f64]>,
}

/// An effect with a normal-theory (t) test from one OLS equation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathEffect {
    pub estimate: f64,
    pub se: f64,
    pub t: f64,
    pub p: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Partially and completely standardized versions of an indirect effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardized {
    pub partial: BootSummary,
    pub complete: BootSummary,
}

/// A specific indirect effect (`Ind1`, …) or the total indirect effect (`Total`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndirectEffect {
    pub label: String,
    /// Variable names from X to Y; `None` for the total indirect effect.
    pub path: Option<Vec<String>>,
    pub estimate: f64,
    pub boot_se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standardized: Option<Standardized>,
}

/// A pairwise contrast `minuend − subtrahend` of specific indirect effects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contrast {
    pub label: String,
    pub minuend: String,
    pub subtrahend: String,
    pub estimate: f64,
    pub boot_se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// How the bootstrap was run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapInfo {
    pub samples: usize,
    pub seed: u64,
    pub ci: CiMethod,
    pub level: f64,
    /// Resamples redrawn because their design was singular or their outcome constant.
    pub replaced: usize,
    /// True when the seed was drawn at random (set by the command layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_drawn: Option<bool>,
    /// Labels whose interval limit fell outside the bootstrap distribution (BC/BCa) and was
    /// clamped to the extreme estimate: such limits are untrustworthy (as PROCESS warns).
    #[serde(default)]
    pub clamped: Vec<String>,
    /// The cluster bootstrap's cluster variable and number of clusters; absent for the case
    /// bootstrap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterBoot>,
}

/// What a cluster bootstrap resampled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterBoot {
    pub variable: String,
    pub clusters: usize,
}

/// Histogram of the bootstrap estimates of one indirect effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub label: String,
    pub path: Vec<String>,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

/// Everything `spcure mediate --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationResult {
    pub schema_version: String,
    pub n: usize,
    pub x: String,
    pub mediators: Vec<String>,
    pub y: String,
    pub covariates: Vec<String>,
    /// M1, …, Mk, then Y (the full model).
    pub equations: Vec<OlsResult>,
    /// Y ~ X + covariates.
    pub total_model: OlsResult,
    pub total_effect: PathEffect,
    pub direct_effect: PathEffect,
    /// Specific indirect effects in PROCESS order, then `Total`.
    pub indirect_effects: Vec<IndirectEffect>,
    pub contrasts: Vec<Contrast>,
    pub bootstrap: BootstrapInfo,
    /// Bootstrap distribution of the full serial indirect effect (X → M1 → … → Mk → Y).
    pub serial_distribution: Distribution,
}

impl MediationSpec {
    /// Fits the equations, the total-effect model and the bootstrap, in the current rayon pool.
    pub fn fit(&self, data: &MediationData<'_>) -> Result<MediationResult, StatsError> {
        self.fit_with_progress(data, None)
    }

    /// As `fit`, calling `progress` once per finished resample (for a progress bar).
    pub fn fit_with_progress(
        &self,
        data: &MediationData<'_>,
        progress: Option<&(dyn Fn() + Sync)>,
    ) -> Result<MediationResult, StatsError> {
        self.fit_units(data, None, progress)
    }

    /// As `fit_with_progress` for cases nested in clusters: the equations' tests are
    /// cluster-robust (`cluster.vcov`) and the bootstrap resamples whole clusters.
    pub fn fit_clustered(
        &self,
        data: &MediationData<'_>,
        cluster: &ClusterSpec,
        progress: Option<&(dyn Fn() + Sync)>,
    ) -> Result<MediationResult, StatsError> {
        self.fit_units(data, Some(cluster), progress)
    }

    fn fit_units(
        &self,
        data: &MediationData<'_>,
        cluster: Option<&ClusterSpec>,
        progress: Option<&(dyn Fn() + Sync)>,
    ) -> Result<MediationResult, StatsError> {
        let centred = self.validate(data)?;
        let units = match cluster {
            Some(c) if c.clusters.cases() != centred.n() => {
                return Err(StatsError::Invalid(format!(
                    "{} cluster ids for {} cases",
                    c.clusters.cases(),
                    centred.n()
                )))
            }
            Some(c) => Resampling::clusters(c.clusters.membership().to_vec())?,
            None => Resampling::Cases { n: centred.n() },
        };
        let (equations, total_model) = self.equations(data, cluster)?;
        let layout = Layout::new(self.mediators.len(), self.contrasts, self.standardize);
        let coefs: Vec<Vec<f64>> = equations
            .iter()
            .enumerate()
            .map(|(j, eq)| eq.terms[1..=1 + j].iter().map(|t| t.estimate).collect())
            .collect();
        let (sd_x, sd_y) = layout.sds(&Moments::full(&centred).centred_cross());
        let point = layout.statistics(&coefs, sd_x, sd_y);
        let boot = self.bootstrap(&centred, &layout, &point, &units, progress)?;
        let direct = path_effect(&equations[self.mediators.len()]);
        let total = path_effect(&total_model);
        let mut result = self.assemble(
            &centred,
            &layout,
            &point,
            boot,
            equations,
            total_model,
            total,
            direct,
        );
        result.bootstrap.cluster = cluster.map(|c| ClusterBoot {
            variable: c.variable.clone(),
            clusters: c.clusters.count(),
        });
        // A product of finite coefficients can still overflow: never report it as inf.
        for x in &result.indirect_effects {
            super::check_finite(&format!("the indirect effect {}", x.label), &[x.estimate])?;
        }
        Ok(result)
    }

    /// Indirect effects (specific and total) with bootstrap SEs and CIs only: no equation
    /// summaries, contrasts or standardized effects. For Monte Carlo power.
    pub fn indirect_cis(
        &self,
        data: &MediationData<'_>,
    ) -> Result<Vec<IndirectEffect>, StatsError> {
        let centred = self.validate(data)?;
        let layout = Layout::new(self.mediators.len(), false, false);
        let full = Moments::full(&centred);
        let point = layout
            .evaluate(&full, &centred)
            .ok_or_else(|| StatsError::Invalid("the design is singular".into()))?;
        let units = Resampling::Cases { n: centred.n() };
        let boot = self.bootstrap(&centred, &layout, &point, &units, None)?;
        Ok(self.indirect_list(&layout, &point, &boot))
    }

    fn validate(&self, data: &MediationData<'_>) -> Result<Centred, StatsError> {
        let k = self.mediators.len();
        if !(1..=MAX_MEDIATORS).contains(&k) {
            return Err(StatsError::Invalid(format!(
                "{k} mediators; give between 1 and {MAX_MEDIATORS}"
            )));
        }
        if data.mediators.len() != k || data.covariates.len() != self.covariates.len() {
            return Err(StatsError::Invalid(
                "the data do not have one column per named mediator and covariate".into(),
            ));
        }
        self.boot.check()?;
        let n = data.x.len();
        let p = k + self.covariates.len() + 2;
        if n <= p {
            return Err(StatsError::TooFewRows { n, p });
        }
        if n > u32::MAX as usize {
            return Err(StatsError::Invalid(format!("{n} rows: at most 2^32 − 1")));
        }
        let cols = columns(data);
        for (col, name) in cols.iter().zip(self.names()) {
            if col.len() != n {
                return Err(StatsError::Invalid(format!(
                    "column '{name}' has {} values, X has {n}",
                    col.len()
                )));
            }
            if col.iter().any(|v| !v.is_finite()) {
                return Err(StatsError::NonFinite {
                    what: format!("column '{name}'"),
                });
            }
        }
        Ok(Centred::new(&cols))
    }

    /// Names in the internal column order [X, M1..Mk, Y, covariates].
    fn names(&self) -> Vec<&str> {
        let mut names = vec![self.x.as_str()];
        names.extend(self.mediators.iter().map(String::as_str));
        names.push(self.y.as_str());
        names.extend(self.covariates.iter().map(String::as_str));
        names
    }

    /// The k + 1 model equations and the total-effect model, by QR (`OlsSpec`), with
    /// cluster-robust tests when `cluster` is given.
    fn equations(
        &self,
        data: &MediationData<'_>,
        cluster: Option<&ClusterSpec>,
    ) -> Result<(Vec<OlsResult>, OlsResult), StatsError> {
        let ols = OlsSpec {
            intercept: true,
            hc: self.hc,
            level: self.boot.level,
        };
        let k = self.mediators.len();
        let fit_one = |outcome: &str, y: &[f64], n_med: usize| {
            let mut cols: Vec<&[f64]> = vec![data.x];
            let mut names: Vec<&str> = vec![&self.x];
            cols.extend(&data.mediators[..n_med]);
            names.extend(self.mediators[..n_med].iter().map(String::as_str));
            cols.extend(&data.covariates);
            names.extend(self.covariates.iter().map(String::as_str));
            let mut fit = match cluster {
                Some(c) => cluster::fit(&ols, c, outcome, y, &cols, &names)?,
                None => ols.fit(outcome, y, &cols, &names)?,
            };
            fit.cov.clear(); // not part of the JSON; keeps a JSON round trip equal
            Ok::<_, StatsError>(fit)
        };
        let mut equations = Vec::with_capacity(k + 1);
        for j in 0..k {
            equations.push(fit_one(&self.mediators[j], data.mediators[j], j)?);
        }
        equations.push(fit_one(&self.y, data.y, k)?);
        let total = fit_one(&self.y, data.y, 0)?;
        Ok((equations, total))
    }

    /// The bootstrap summaries of every statistic column (see [`Layout`]).
    fn bootstrap(
        &self,
        centred: &Centred,
        layout: &Layout,
        point: &[f64],
        units: &Resampling,
        progress: Option<&(dyn Fn() + Sync)>,
    ) -> Result<BootRun, StatsError> {
        let (mut columns, replaced) = self.draws(centred, layout, units, progress)?;
        let accel = if self.boot.ci == CiMethod::Bca {
            jackknife_acceleration(centred, layout, point.len(), units)
        } else {
            vec![0.0; point.len()]
        };
        // Kept in resample order before the intervals sort the columns.
        let serial = columns[layout.subsets.len() - 1].clone();
        let (summaries, clamped) = bootstrap::summaries(&mut columns, point, &accel, &self.boot);
        Ok(BootRun {
            summaries,
            clamped,
            replaced,
            serial,
        })
    }

    /// The bootstrap estimates, one column per statistic (rows in resample order), and the
    /// number of redrawn resamples: the engine run on case counts, a resample being singular
    /// when `Layout::evaluate` is `None`.
    fn draws(
        &self,
        centred: &Centred,
        layout: &Layout,
        units: &Resampling,
        progress: Option<&(dyn Fn() + Sync)>,
    ) -> Result<(Vec<Vec<f64>>, usize), StatsError> {
        let statistic =
            |counts: &[u32]| layout.evaluate(&Moments::from_counts(centred, counts), centred);
        let Replicates { columns, replaced } = bootstrap::replicates(
            units,
            self.boot.samples,
            self.boot.seed,
            statistic,
            progress,
        )?;
        Ok((columns, replaced))
    }

    fn indirect_list(&self, layout: &Layout, point: &[f64], boot: &BootRun) -> Vec<IndirectEffect> {
        let m = layout.subsets.len();
        (0..=m)
            .map(|i| {
                let s = boot.summaries[i];
                let standardized = layout.standardize.then(|| Standardized {
                    partial: boot.summaries[layout.partial_start() + i],
                    complete: boot.summaries[layout.partial_start() + m + 1 + i],
                });
                IndirectEffect {
                    label: layout.label(i),
                    path: (i < m).then(|| self.path_names(&layout.subsets[i])),
                    estimate: point[i],
                    boot_se: s.boot_se,
                    ci_low: s.ci_low,
                    ci_high: s.ci_high,
                    standardized,
                }
            })
            .collect()
    }

    pub(crate) fn path_names(&self, subset: &[usize]) -> Vec<String> {
        let mut path = vec![self.x.clone()];
        path.extend(subset.iter().map(|&i| self.mediators[i].clone()));
        path.push(self.y.clone());
        path
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        &self,
        centred: &Centred,
        layout: &Layout,
        point: &[f64],
        boot: BootRun,
        equations: Vec<OlsResult>,
        total_model: OlsResult,
        total_effect: PathEffect,
        direct_effect: PathEffect,
    ) -> MediationResult {
        let m = layout.subsets.len();
        let contrasts = layout
            .contrast_pairs()
            .into_iter()
            .enumerate()
            .map(|(c, (i, j))| {
                let s = boot.summaries[m + 1 + c];
                Contrast {
                    label: format!("C{}", c + 1),
                    minuend: layout.label(i),
                    subtrahend: layout.label(j),
                    estimate: s.estimate,
                    boot_se: s.boot_se,
                    ci_low: s.ci_low,
                    ci_high: s.ci_high,
                }
            })
            .collect();
        let (edges, counts) = bootstrap::histogram(&boot.serial, HISTOGRAM_BINS);
        let serial_distribution = Distribution {
            label: layout.label(m - 1),
            path: self.path_names(&layout.subsets[m - 1]),
            edges,
            counts,
        };
        let clamped = (0..boot.clamped.len())
            .filter(|&c| boot.clamped[c])
            .map(|c| layout.column_name(c))
            .collect();
        MediationResult {
            schema_version: SCHEMA_VERSION.to_string(),
            n: centred.n(),
            x: self.x.clone(),
            mediators: self.mediators.clone(),
            y: self.y.clone(),
            covariates: self.covariates.clone(),
            indirect_effects: self.indirect_list(layout, point, &boot),
            equations,
            total_model,
            total_effect,
            direct_effect,
            contrasts,
            bootstrap: BootstrapInfo {
                samples: self.boot.samples,
                seed: self.boot.seed,
                ci: self.boot.ci,
                level: self.boot.level,
                replaced: boot.replaced,
                seed_drawn: None,
                clamped,
                cluster: None,
            },
            serial_distribution,
        }
    }
}

/// Bootstrap output: one summary per statistic column.
struct BootRun {
    summaries: Vec<BootSummary>,
    clamped: Vec<bool>,
    replaced: usize,
    /// Bootstrap estimates of the full serial indirect effect, in resample order.
    serial: Vec<f64>,
}

fn path_effect(eq: &OlsResult) -> PathEffect {
    let t = &eq.terms[1];
    PathEffect {
        estimate: t.estimate,
        se: t.se,
        t: t.t,
        p: t.p,
        ci_low: t.ci_low,
        ci_high: t.ci_high,
    }
}

fn columns<'a>(data: &MediationData<'a>) -> Vec<&'a [f64]> {
    let mut cols = vec![data.x];
    cols.extend(&data.mediators);
    cols.push(data.y);
    cols.extend(&data.covariates);
    cols
}

/// Jackknife acceleration per statistic column: leave one case out (by downdating the
/// moments) or, for a cluster bootstrap, one whole cluster (moments from 0/1 counts).
fn jackknife_acceleration(
    centred: &Centred,
    layout: &Layout,
    ncol: usize,
    units: &Resampling,
) -> Vec<f64> {
    if let Resampling::Cases { .. } = units {
        let full = Moments::full(centred);
        return bootstrap::jackknife_acceleration(centred.n(), ncol, |i| {
            layout.evaluate(&full.without(centred.row(i)), centred)
        });
    }
    bootstrap::jackknife_acceleration(units.units(), ncol, |u| {
        let mut counts = vec![0u32; centred.n()];
        units.leave_out(u, &mut counts);
        layout.evaluate(&Moments::from_counts(centred, &counts), centred)
    })
}

/// Which statistics are computed, in which column: the m = 2ᵏ − 1 specific indirect effects
/// (PROCESS order), the total indirect effect, then optionally the m(m − 1)/2 contrasts,
/// then optionally the m + 1 partially and the m + 1 completely standardized effects.
/// Shared with `fiml`, which computes the same statistics from ML moments.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    k: usize,
    /// Mediator indices of each specific indirect effect, by length then mediator order.
    pub(crate) subsets: Vec<Vec<usize>>,
    contrasts: bool,
    pub(crate) standardize: bool,
}

impl Layout {
    pub(crate) fn new(k: usize, contrasts: bool, standardize: bool) -> Self {
        let mut subsets: Vec<Vec<usize>> = (1u32..1 << k)
            .map(|mask| (0..k).filter(|i| mask & (1 << i) != 0).collect())
            .collect();
        subsets.sort_by(|a: &Vec<usize>, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        Self {
            k,
            subsets,
            contrasts,
            standardize,
        }
    }

    pub(crate) fn contrast_pairs(&self) -> Vec<(usize, usize)> {
        let m = self.subsets.len();
        if !self.contrasts {
            return Vec::new();
        }
        (0..m)
            .flat_map(|i| (i + 1..m).map(move |j| (i, j)))
            .collect()
    }

    pub(crate) fn partial_start(&self) -> usize {
        let m = self.subsets.len();
        m + 1 + self.contrast_pairs().len()
    }

    /// `Ind1`, … for specific effects, `Total` for index m.
    pub(crate) fn label(&self, i: usize) -> String {
        if i < self.subsets.len() {
            format!("Ind{}", i + 1)
        } else {
            "Total".to_string()
        }
    }

    /// Human name of statistic column c (for notes about clamped intervals).
    pub(crate) fn column_name(&self, c: usize) -> String {
        let m = self.subsets.len();
        let nc = self.contrast_pairs().len();
        if c <= m {
            self.label(c)
        } else if c <= m + nc {
            format!("C{}", c - m)
        } else if c < m + 1 + nc + m + 1 {
            format!("{} (partially standardized)", self.label(c - m - 1 - nc))
        } else {
            format!(
                "{} (completely standardized)",
                self.label(c - 2 * (m + 1) - nc)
            )
        }
    }

    /// All statistics from the path coefficients: `coefs[j]` holds equation j's slopes on
    /// X then M1..Mj (j = k: the Y equation); `sd_x`, `sd_y` for the standardized effects.
    pub(crate) fn statistics(&self, coefs: &[Vec<f64>], sd_x: f64, sd_y: f64) -> Vec<f64> {
        let k = self.k;
        let mut out: Vec<f64> = self
            .subsets
            .iter()
            .map(|s| {
                let mut effect = coefs[s[0]][0];
                for w in s.windows(2) {
                    effect *= coefs[w[1]][1 + w[0]];
                }
                effect * coefs[k][1 + s[s.len() - 1]]
            })
            .collect();
        let m = out.len();
        out.push(out.iter().sum());
        for (i, j) in self.contrast_pairs() {
            out.push(out[i] - out[j]);
        }
        if self.standardize {
            for i in 0..=m {
                out.push(out[i] / sd_y);
            }
            for i in 0..=m {
                out.push(out[i] * sd_x / sd_y);
            }
        }
        out
    }

    /// Column of Y in the data order [X, M1..Mk, Y, covariates].
    fn y(&self) -> usize {
        self.k + 1
    }

    /// Sample SDs (n − 1) of X and Y.
    fn sds(&self, cross: &CrossProducts) -> (f64, f64) {
        (cross.sd(0), cross.sd(self.y()))
    }

    /// Statistics from (resampled) moments of `data`; `None` when a design is singular or a
    /// variable constant (PROCESS redraws such resamples).
    fn evaluate(&self, moments: &Moments, data: &Centred) -> Option<Vec<f64>> {
        let cross = moments.centred_cross();
        if cross.any_constant(data) {
            return None;
        }
        let covs: Vec<usize> = (self.k + 2..data.d()).collect();
        let mut coefs = Vec::with_capacity(self.k + 1);
        for j in 0..=self.k {
            let outcome = if j < self.k { 1 + j } else { self.y() };
            let mut preds: Vec<usize> = (0..=j).collect();
            preds.extend(&covs);
            let beta = cross.solve(&preds, outcome)?;
            coefs.push(beta[..=j].to_vec());
        }
        let (sd_x, sd_y) = self.sds(&cross);
        Some(self.statistics(&coefs, sd_x, sd_y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testdata::{pmi, Pmi};

    /// Point estimates: R `lm()` values printed to 6 decimals in tests/data/pmi.README.md.
    const PRINTED_TOL: f64 = 5e-7;
    /// Identities that hold exactly in exact arithmetic.
    const IDENTITY_TOL: f64 = 1e-10;

    fn spec(k_names: &[&str], samples: usize, ci: CiMethod) -> MediationSpec {
        MediationSpec {
            x: "cond".into(),
            mediators: k_names.iter().map(|s| s.to_string()).collect(),
            y: "reaction".into(),
            covariates: Vec::new(),
            hc: None,
            contrasts: true,
            standardize: true,
            boot: BootSpec {
                samples,
                seed: 20240601,
                ci,
                level: 0.95,
            },
        }
    }

    fn pmi_data(d: &Pmi) -> MediationData<'_> {
        MediationData {
            x: &d.cond,
            mediators: vec![&d.import, &d.pmi],
            y: &d.reaction,
            covariates: Vec::new(),
        }
    }

    #[test]
    fn pmi_point_estimates_match_r_lm() {
        let d = pmi();
        let r = spec(&["import", "pmi"], 200, CiMethod::Percentile)
            .fit(&pmi_data(&d))
            .unwrap();
        let est = |i: usize| r.indirect_effects[i].estimate;
        let want = [0.203344, 0.140204, 0.048750, 0.392299];
        for (i, w) in want.iter().enumerate() {
            assert!((est(i) - w).abs() < PRINTED_TOL, "{i}: {}", est(i));
        }
        let paths: Vec<_> = r.indirect_effects.iter().map(|e| e.path.clone()).collect();
        assert_eq!(
            paths[2].as_deref().unwrap(),
            ["cond", "import", "pmi", "reaction"]
        );
        assert_eq!(paths[3], None);
        let contrasts = [0.063140, 0.154594, 0.091454];
        for (c, w) in r.contrasts.iter().zip(contrasts) {
            assert!((c.estimate - w).abs() < PRINTED_TOL, "{c:?}");
        }
        assert!((r.direct_effect.estimate - 0.103391).abs() < PRINTED_TOL);
        assert!((r.direct_effect.se - 0.239099).abs() < PRINTED_TOL);
        assert!((r.total_effect.estimate - 0.495690).abs() < PRINTED_TOL);
        assert!((r.total_effect.se - 0.277545).abs() < PRINTED_TOL);
        assert!((r.equations[1].r2 - 0.096967).abs() < PRINTED_TOL);
        assert!((r.equations[0].mse - 2.941134).abs() < PRINTED_TOL * 10.0);
        assert_eq!(r.equations.len(), 3);
        assert_eq!(r.serial_distribution.counts.iter().sum::<u64>(), 200);
    }

    #[test]
    fn total_is_direct_plus_total_indirect() {
        let d = pmi();
        let mut sp = spec(&["import", "pmi"], 50, CiMethod::Percentile);
        sp.covariates = vec!["gender".into(), "age".into()];
        let data = MediationData {
            covariates: vec![&d.gender, &d.age],
            ..pmi_data(&d)
        };
        let r = sp.fit(&data).unwrap();
        let total_indirect = r.indirect_effects.last().unwrap().estimate;
        let gap = r.total_effect.estimate - r.direct_effect.estimate - total_indirect;
        assert!(gap.abs() < IDENTITY_TOL, "{gap}");
    }

    /// Per-resample estimates from the moments equal an `lm`-style QR refit of the
    /// resampled rows.
    #[test]
    fn resample_moments_equal_ols_refit() {
        let d = pmi();
        let data = MediationData {
            covariates: vec![&d.age],
            ..pmi_data(&d)
        };
        let centred = Centred::new(&columns(&data));
        let layout = Layout::new(2, false, false);
        let mut counts = vec![0u32; centred.n()];
        bootstrap::draw_counts(&mut bootstrap::resample_rng(11, 5), &mut counts);
        let got = layout
            .evaluate(&Moments::from_counts(&centred, &counts), &centred)
            .unwrap();
        let expand = |col: &[f64]| -> Vec<f64> {
            col.iter()
                .zip(&counts)
                .flat_map(|(v, &c)| std::iter::repeat_n(*v, c as usize))
                .collect()
        };
        let (x, m1, m2, y, age) = (
            expand(&d.cond),
            expand(&d.import),
            expand(&d.pmi),
            expand(&d.reaction),
            expand(&d.age),
        );
        let ols = OlsSpec::default();
        let e1 = ols.fit("m1", &m1, &[&x, &age], &["x", "age"]).unwrap();
        let e2 = ols
            .fit("m2", &m2, &[&x, &m1, &age], &["x", "m1", "age"])
            .unwrap();
        let e3 = ols
            .fit("y", &y, &[&x, &m1, &m2, &age], &["x", "m1", "m2", "age"])
            .unwrap();
        let b = |e: &OlsResult, i: usize| e.terms[i].estimate;
        let want = [
            b(&e1, 1) * b(&e3, 2),
            b(&e2, 1) * b(&e3, 3),
            b(&e1, 1) * b(&e2, 2) * b(&e3, 3),
        ];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < IDENTITY_TOL, "{g} vs {w}");
        }
    }

    #[test]
    fn row_order_does_not_change_estimates() {
        let d = pmi();
        let perm: Vec<usize> = (0..d.cond.len()).map(|i| (i * 37 + 11) % 123).collect();
        let p = |c: &[f64]| perm.iter().map(|&i| c[i]).collect::<Vec<f64>>();
        let (x, m1, m2, y) = (p(&d.cond), p(&d.import), p(&d.pmi), p(&d.reaction));
        let sp = spec(&["import", "pmi"], 20, CiMethod::Percentile);
        let a = sp.fit(&pmi_data(&d)).unwrap();
        let b = sp
            .fit(&MediationData {
                x: &x,
                mediators: vec![&m1, &m2],
                y: &y,
                covariates: Vec::new(),
            })
            .unwrap();
        for (ea, eb) in a.indirect_effects.iter().zip(&b.indirect_effects) {
            assert!((ea.estimate - eb.estimate).abs() < IDENTITY_TOL);
        }
        assert!((a.direct_effect.estimate - b.direct_effect.estimate).abs() < IDENTITY_TOL);
    }

    #[test]
    fn rescaling_x_rescales_effects() {
        let d = pmi();
        let s = 4.0;
        let xs: Vec<f64> = d.cond.iter().map(|v| v * s).collect();
        let sp = spec(&["import", "pmi"], 100, CiMethod::Percentile);
        let a = sp.fit(&pmi_data(&d)).unwrap();
        let b = sp
            .fit(&MediationData {
                x: &xs,
                ..pmi_data(&d)
            })
            .unwrap();
        for (ea, eb) in a.indirect_effects.iter().zip(&b.indirect_effects) {
            assert!((ea.estimate / s - eb.estimate).abs() < IDENTITY_TOL);
            // Same resamples, so the bootstrap scales too.
            assert!((ea.boot_se / s - eb.boot_se).abs() < IDENTITY_TOL);
            assert!((ea.ci_low / s - eb.ci_low).abs() < IDENTITY_TOL);
            // Completely standardized effects do not depend on the scale of X.
            let (sa, sb) = (ea.standardized.as_ref(), eb.standardized.as_ref());
            let (ca, cb) = (sa.unwrap().complete.estimate, sb.unwrap().complete.estimate);
            assert!((ca - cb).abs() < IDENTITY_TOL);
        }
        assert!((a.total_effect.estimate / s - b.total_effect.estimate).abs() < IDENTITY_TOL);
    }

    #[test]
    fn same_seed_same_json_for_any_thread_count() {
        let d = pmi();
        let sp = spec(&["import", "pmi"], 500, CiMethod::Bca);
        let json = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let r = pool.install(|| sp.fit(&pmi_data(&d))).unwrap();
            serde_json::to_string(&r).unwrap()
        };
        let one = json(1);
        assert_eq!(one, json(2));
        assert_eq!(one, json(16));
        let back: MediationResult = serde_json::from_str(&one).unwrap();
        assert_eq!(back.indirect_effects.len(), 4);
    }

    #[test]
    fn process_order_for_three_mediators() {
        let l = Layout::new(3, true, false);
        let want: Vec<Vec<usize>> = vec![
            vec![0],
            vec![1],
            vec![2],
            vec![0, 1],
            vec![0, 2],
            vec![1, 2],
            vec![0, 1, 2],
        ];
        assert_eq!(l.subsets, want);
        assert_eq!(l.contrast_pairs().len(), 21);
        assert_eq!(Layout::new(8, false, false).subsets.len(), 255);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let d = pmi();
        let sp = spec(&["import", "pmi"], 10, CiMethod::Percentile);
        let short = &d.reaction[..10];
        let err = sp
            .fit(&MediationData {
                y: short,
                ..pmi_data(&d)
            })
            .unwrap_err();
        assert!(matches!(err, StatsError::Invalid(_)), "{err}");
        let mut nan = d.pmi.clone();
        nan[3] = f64::NAN;
        let err = sp
            .fit(&MediationData {
                mediators: vec![&d.import, &nan],
                ..pmi_data(&d)
            })
            .unwrap_err();
        assert!(matches!(err, StatsError::NonFinite { .. }), "{err}");
    }

    /// Jackknife acceleration from R `lm()` leave-one-out refits
    /// (tests/reference/mediation/jackknife.R → pmi_jackknife.json).
    #[test]
    fn jackknife_acceleration_matches_r_refits() {
        const ACCEL_TOL: f64 = 1e-9;
        let reference: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/reference/mediation/pmi_jackknife.json"
        ))
        .unwrap();
        let d = pmi();
        let sp = spec(&["import", "pmi"], 10, CiMethod::Bca);
        let centred = sp.validate(&pmi_data(&d)).unwrap();
        let layout = Layout::new(2, false, false);
        let got =
            jackknife_acceleration(&centred, &layout, 4, &Resampling::Cases { n: centred.n() });
        for (g, w) in got
            .iter()
            .zip(reference["acceleration"].as_array().unwrap())
        {
            assert!((g - w.as_f64().unwrap()).abs() < ACCEL_TOL, "{g} vs {w}");
        }
    }

    /// Published Mplus 7.11 results (tests/data/pmi.README.md; B = 10000, BC intervals).
    /// Different RNG: bootstrap SEs within 10 %, BC limits within 0.03.
    #[test]
    fn pmi_bootstrap_agrees_with_published_mplus() {
        const SE_REL_TOL: f64 = 0.10;
        const CI_TOL: f64 = 0.03;
        let d = pmi();
        let r = spec(&["import", "pmi"], 10_000, CiMethod::Bc)
            .fit(&pmi_data(&d))
            .unwrap();
        let mplus = [
            (0.115, -0.0, 0.015, 0.474),
            (0.099, 0.0, -0.035, 0.363),
            (0.036, 0.0, 0.004, 0.157),
        ];
        for (e, (se, _, lo, hi)) in r.indirect_effects.iter().zip(mplus) {
            assert!((e.boot_se / se - 1.0).abs() < SE_REL_TOL, "{e:?}");
            assert!((e.ci_low - lo).abs() < CI_TOL, "{e:?}");
            assert!((e.ci_high - hi).abs() < CI_TOL, "{e:?}");
        }
        let mplus_diff = [
            (0.156, -0.225, 0.389),
            (0.099, 0.011, 0.409),
            (0.107, -0.113, 0.313),
        ];
        for (c, (se, lo, hi)) in r.contrasts.iter().zip(mplus_diff) {
            assert!((c.boot_se / se - 1.0).abs() < SE_REL_TOL, "{c:?}");
            assert!((c.ci_low - lo).abs() < CI_TOL, "{c:?}");
            assert!((c.ci_high - hi).abs() < CI_TOL, "{c:?}");
        }
    }
}

/// lavaan 0.6.14 references (tests/reference/mediation/make.R and its JSON outputs).
#[cfg(test)]
mod lavaan_tests {
    use super::*;
    use serde_json::Value;

    /// lavaan's ML path estimates equal OLS; its optimizer converges far below this.
    const POINT_TOL: f64 = 1e-6;
    /// Bootstrap SEs from independent RNGs (lavaan B = 2000, here B = 10000): the relative
    /// Monte Carlo SD of an SD estimate is about √((κ − 1)/4B) per run (κ the kurtosis of
    /// the bootstrap distribution, ≈ 3–6 for products of coefficients), about 3 % combined;
    /// 10 % is more than 3 Monte Carlo SDs.
    const SE_REL_TOL: f64 = 0.10;
    /// CI limits are compared on the probability scale: the share of our B = 10000 bootstrap
    /// estimates below lavaan's limit should equal the tail area of the interval (0.025 /
    /// 0.975 for percentile; Φ(2z₀ ∓ z) for BC). Its Monte Carlo SD is
    /// √(p(1 − p)(1/2000 + 1/10000)) ≈ 0.0038 (plus ≈ 0.002 from z₀ for BC), so 0.02 is more
    /// than 4 Monte Carlo SDs whatever the shape of the distribution (products of near-zero
    /// paths are far from normal, so a tolerance in SE units would not be shape-free).
    const CI_P_TOL: f64 = 0.02;

    fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<f64>>) {
        let mut lines = text.lines();
        let names: Vec<String> = lines
            .next()
            .unwrap()
            .split(',')
            .map(|s| s.trim_matches('"').to_string())
            .collect();
        let mut cols = vec![Vec::new(); names.len()];
        for line in lines.filter(|l| !l.trim().is_empty()) {
            for (c, v) in cols.iter_mut().zip(line.split(',')) {
                c.push(v.parse().unwrap());
            }
        }
        (names, cols)
    }

    fn check(csv: &str, json: &str, ci: CiMethod) {
        let reference: Value = serde_json::from_str(json).unwrap();
        let (names, cols) = read_csv(csv);
        let col = |n: &str| cols[names.iter().position(|x| x == n).unwrap()].as_slice();
        let k = reference["k"].as_u64().unwrap() as usize;
        let covs: Vec<String> = reference["covariates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let spec = MediationSpec {
            x: "x".into(),
            mediators: (1..=k).map(|j| format!("m{j}")).collect(),
            y: "y".into(),
            covariates: covs.clone(),
            hc: None,
            contrasts: true,
            standardize: false,
            boot: BootSpec {
                samples: 10_000,
                seed: 99,
                ci,
                level: 0.95,
            },
        };
        let data = MediationData {
            x: col("x"),
            mediators: spec.mediators.iter().map(|m| col(m)).collect(),
            y: col("y"),
            covariates: covs.iter().map(|c| col(c)).collect(),
        };
        let r = spec.fit(&data).unwrap();
        let centred = spec.validate(&data).unwrap();
        let layout = Layout::new(k, true, false);
        let (columns, _) = spec
            .draws(
                &centred,
                &layout,
                &Resampling::Cases { n: centred.n() },
                None,
            )
            .unwrap();
        let m = layout.subsets.len();
        // ind1 … ind(m), total, c1: columns 0..=m, then m + 1 (C1).
        let col_index = |label: &str| match label {
            "total" => m,
            "c1" => m + 1,
            _ => label[3..].parse::<usize>().unwrap() - 1,
        };
        let (lo_key, hi_key) = match ci {
            CiMethod::Percentile => ("perc_low", "perc_high"),
            _ => ("bc_low", "bc_high"),
        };
        let effects = reference["effects"].as_array().unwrap();
        // ind1 … ind(2^k − 1), total, then c1 = ind1 − ind2.
        let ours: Vec<(f64, f64, f64, f64)> = r
            .indirect_effects
            .iter()
            .map(|e| (e.estimate, e.boot_se, e.ci_low, e.ci_high))
            .chain(
                r.contrasts
                    .iter()
                    .take(1)
                    .map(|c| (c.estimate, c.boot_se, c.ci_low, c.ci_high)),
            )
            .collect();
        assert_eq!(ours.len(), effects.len());
        for ((est, se, lo, hi), want) in ours.into_iter().zip(effects) {
            let f = |key: &str| want[key].as_f64().unwrap();
            let label = want["label"].as_str().unwrap();
            assert!((est - f("estimate")).abs() < POINT_TOL, "{label}: {est}");
            assert!(
                (se / f("boot_se") - 1.0).abs() < SE_REL_TOL,
                "{label}: se {se}"
            );
            // Where lavaan's limits fall in our bootstrap distribution, against the tail
            // areas our own interval uses (shape-free, unlike a tolerance in SE units).
            let draws = &columns[col_index(label)];
            let share =
                |v: f64| draws.iter().filter(|d| **d < v).count() as f64 / draws.len() as f64;
            let (p_low, p_high) = bootstrap::tail_areas(ci, 0.95, share(est), 0.0);
            let (at_lo, at_hi) = (share(f(lo_key)), share(f(hi_key)));
            assert!(
                (at_lo - p_low).abs() < CI_P_TOL,
                "{label}: low {lo} vs {}",
                f(lo_key)
            );
            assert!(
                (at_hi - p_high).abs() < CI_P_TOL,
                "{label}: high {hi} vs {}",
                f(hi_key)
            );
        }
        let total = reference["ols_total_effect"].as_f64().unwrap();
        assert!((r.total_effect.estimate - total).abs() < POINT_TOL);
        for eq in &r.equations {
            let lm = &reference["ols"][&eq.outcome];
            for t in &eq.terms {
                let want = lm[&t.term].as_f64().unwrap();
                assert!(
                    (t.estimate - want).abs() < POINT_TOL,
                    "{}: {}",
                    eq.outcome,
                    t.term
                );
            }
        }
    }

    #[test]
    fn k3_percentile_matches_lavaan() {
        check(
            include_str!("../../tests/reference/mediation/sim_k3.csv"),
            include_str!("../../tests/reference/mediation/sim_k3.json"),
            CiMethod::Percentile,
        );
    }

    #[test]
    fn k3_bias_corrected_matches_lavaan_bca_simple() {
        check(
            include_str!("../../tests/reference/mediation/sim_k3.csv"),
            include_str!("../../tests/reference/mediation/sim_k3.json"),
            CiMethod::Bc,
        );
    }

    #[test]
    fn k5_with_covariates_matches_lavaan() {
        let csv = include_str!("../../tests/reference/mediation/sim_k5.csv");
        let json = include_str!("../../tests/reference/mediation/sim_k5.json");
        check(csv, json, CiMethod::Percentile);
        check(csv, json, CiMethod::Bc);
    }
}
