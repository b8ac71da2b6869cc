//! The methods paragraphs: software, scoring, samples and missing data, the models.

use super::ci_kind;
use crate::analysis::{Kind, Output};
use crate::report::apa;
use crate::results::AnalysisResults;

pub fn methods(r: &AnalysisResults) -> Vec<String> {
    let mut out = vec![format!(
        "Analyses were run with spcure {} (results schema {}) on the study spec {}. Scale scores are the mean of the answered items when at least the spec's minimum share of items was answered; reverse-keyed items were reversed first. Descriptives, reliability, correlations and paired change use the participants observed on each statistic's variables (available cases); each regression and mediation uses the participants with complete data on its variables (listwise deletion, as PROCESS and lm); both are unbiased only if data are missing completely at random (MCAR). Every exclusion is counted by reason beside each table and in results.json. Categorical baseline variables enter models as indicator (dummy) variables against a reference level, with the coding printed under each table.",
        r.spcure_version, r.schema_version, r.spec_source
    )];
    if let Some(m) = r.outputs(Kind::SerialMediation).find_map(|(_, o)| match o {
        Output::SerialMediation(m) => Some(&m.result),
        _ => None,
    }) {
        let b = &m.bootstrap;
        out.push(format!(
            "The serial mediation model (Hayes' PROCESS Model 6) was estimated by OLS, one equation per mediator and one for the outcome, with covariates in every equation; {} standard errors. Indirect effects are products of coefficients along each path; their {} {}confidence intervals come from B = {} {} with seed {}{}. For an X with more than two levels, each non-reference level is its own X with the other levels' indicators as covariates (relative indirect effects, as PROCESS's indicator coding).",
            match m.equations.first().and_then(|e| e.cluster.as_ref()) {
                Some(c) => format!("{} cluster-robust ({} clusters of {}, tests on t with {} df)", c.vcov, c.clusters, c.variable, c.df_method),
                None => m.equations.first().and_then(|e| e.hc).map_or("classical OLS".to_string(), |h| format!("{h:?}").to_uppercase()),
            },
            apa::level_percent(b.level),
            ci_kind(b.ci).phrase(),
            b.samples,
            match &b.cluster {
                Some(c) => format!("cluster bootstrap samples (whole clusters of {} drawn with replacement from {}{})", c.variable, c.clusters, if c.clusters < 30 { "; with fewer than 30 clusters such intervals tend to be too narrow (Cameron, Gelbach & Miller, 2008)" } else { "" }),
                None => "nonparametric case-resampling bootstrap samples".to_string(),
            },
            b.seed,
            if b.seed_drawn == Some(true) { " (drawn at random; pass --seed to repeat the run)" } else { "" }
        ));
    }
    if let Some(m) = r.outputs(Kind::SerialMediation).find_map(|(_, o)| match o {
        Output::FimlMediation(m) => Some(&m.result),
        _ => None,
    }) {
        out.push(format!(
            "By default the serial mediation was estimated by full-information maximum likelihood (FIML): the ML mean vector and covariance of the model's variables, with covariates random and the auxiliary variables ({}) as saturated correlates (Graham, 2003), from every participant with at least one observed value (EM algorithm), the path coefficients being functions of them; standard errors from the observed information; unbiased if data are missing at random (MAR) given the observed variables. Indirect-effect intervals come from the FIML bootstrap (EM re-run on each resample). The complete-case (listwise) estimates are reported beside the FIML ones (the analysis id with _listwise appended); missing = \"listwise\" in the spec restores listwise estimation alone.",
            if m.auxiliary.is_empty() { "none".to_string() } else { m.auxiliary.join(", ") }
        ));
    }
    let files: Vec<String> = r
        .load
        .files
        .iter()
        .map(|f| format!("{} {} (SHA-256 {})", f.wave, f.path, f.sha256))
        .collect();
    out.push(format!("Input files: {}.", files.join("; ")));
    out
}
