//! Key findings: one sentence each, shown first. Each sentence agrees with what its table
//! marks (change uses the Holm-adjusted p the change table marks).

use super::{fiml, mediation, Labels, ALPHA};
use crate::analysis::change::ChangeEntry;
use crate::analysis::mixed::ConstructModel;
use crate::analysis::{Kind, Output};
use crate::report::apa;
use crate::results::AnalysisResults;

pub fn key_findings(r: &AnalysisResults, labels: &Labels) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(first) = r.load.attrition.first() {
        let chain: Vec<String> = r.load.attrition.iter().map(|n| n.to_string()).collect();
        out.push(format!(
            "{} participants took part at baseline; follow-up retained {} ({}).",
            first,
            chain.join(" → "),
            r.load
                .files
                .iter()
                .map(|f| f.wave.clone())
                .collect::<Vec<_>>()
                .join(" → ")
        ));
    }
    let mediation = r.outputs(Kind::SerialMediation).find_map(|(_, o)| match o {
        Output::SerialMediation(m) => Some(m),
        _ => None,
    });
    // The outcome whose change the findings follow: the mediation's Y, else every construct.
    let outcome = mediation.and_then(|m| m.variables.get(m.result.mediators.len() + 1));
    // The mixed model over every participant comes first: it is the primary change estimate
    // (MAR), the paired completer tests follow as in the tables.
    for (_, o) in r.outputs(Kind::MixedModel) {
        if let Output::MixedModel(m) = o {
            out.extend(
                m.models
                    .iter()
                    .filter(|c| outcome.is_none_or(|y| y.source == c.construct))
                    .flat_map(|c| mixed_sentences(c, labels)),
            );
        }
    }
    for (_, o) in r.outputs(Kind::Change) {
        if let Output::Change(c) = o {
            out.extend(
                c.comparisons
                    .iter()
                    .filter(|c| outcome.is_none_or(|y| y.source == c.construct))
                    .filter(|c| outcome.is_some() || c.from == r.load.files[0].wave)
                    .map(|c| change_sentence(c, labels)),
            );
        }
    }
    for (e, o) in r.outputs(Kind::Regression) {
        if let Output::Regression(x) = o {
            // [model]'s own regressions are reported by its mediation; name the others.
            if !from_model(&e.id) {
                out.extend(regression_sentence(&e.title, x));
            }
        }
    }
    // The default (FIML) result when there is one; the listwise one otherwise.
    let by_fiml = r.outputs(Kind::SerialMediation).find_map(|(_, o)| match o {
        Output::FimlMediation(m) => Some(m),
        _ => None,
    });
    match (by_fiml, mediation) {
        (Some(f), _) => out.extend(fiml::findings(f, labels)),
        (None, Some(m)) => out.extend(mediation::findings(m, labels)),
        (None, None) => {}
    }
    out
}

/// Change from the first wave to each later one, by the mixed model (ungrouped models only:
/// with an arm, the between-arm contrasts are the finding and are read from the table).
fn mixed_sentences(c: &ConstructModel, labels: &Labels) -> Vec<String> {
    let fit = &c.fit;
    let Some(first) = fit.per_wave.first() else {
        return Vec::new();
    };
    let mean = |wave: &str| {
        fit.means
            .iter()
            .find(|m| m.wave == wave && m.group.is_none())
            .map(|m| m.est.estimate)
    };
    fit.contrasts
        .iter()
        .filter(|k| k.group.is_none() && !k.interaction)
        .filter_map(|k| {
            let (to, from) = k.contrast.split_once(" − ")?;
            if from != first.wave || !k.est.p.is_finite() {
                return None;
            }
            let e = &k.est;
            let direction = if e.p >= ALPHA {
                "did not change significantly"
            } else if e.estimate > 0.0 {
                "increased"
            } else {
                "decreased"
            };
            Some(format!(
                "By the mixed model over every participant (MAR; {} participants), {} {} from {} to {} (model means {} → {}, change {}, {} CI {}, t({}) = {}, {}).",
                fit.n_participants,
                labels.of(&c.construct),
                direction,
                from,
                to,
                apa::fixed(mean(from)?, 2),
                apa::fixed(mean(to)?, 2),
                apa::fixed(e.estimate, 2),
                apa::level_percent(fit.level),
                apa::ci(e.ci_low, e.ci_high, 2),
                apa::fixed(e.df, 1),
                apa::fixed(e.t, 2),
                apa::p_value(e.p)
            ))
        })
        .collect()
}

fn change_sentence(c: &ChangeEntry, labels: &Labels) -> String {
    let k = &c.comparison;
    // NaN (not computed) counts as not significant.
    let significant = c.p_t_holm < ALPHA;
    let direction = if !significant {
        "did not change significantly"
    } else if k.mean_change > 0.0 {
        "increased"
    } else {
        "decreased"
    };
    format!(
        "{} {} from {} to {} (M = {} → {}, mean change {}, {} CI {}, t({}) = {}, {}, Holm-adjusted {}; d_z = {}, n = {}).",
        labels.of(&c.construct),
        direction,
        c.from,
        c.to,
        apa::fixed(k.mean_from, 2),
        apa::fixed(k.mean_to, 2),
        apa::fixed(k.mean_change, 2),
        apa::level_percent(k.level),
        apa::ci(k.change_ci[0], k.change_ci[1], 2),
        apa::fixed(k.df, 0),
        apa::fixed(k.t, 2),
        apa::p_value(k.p_t),
        apa::p_value(c.p_t_holm),
        apa::fixed(k.d_z, 2),
        k.n
    )
}

/// The first predictor of a regression named in `[[analysis]]` (e.g. the arm in an ANCOVA):
/// every indicator of a categorical predictor.
fn regression_sentence(
    title: &str,
    x: &crate::analysis::regression::RegressionOutput,
) -> Option<String> {
    let fit = &x.fit;
    let first = fit.terms.iter().find(|t| t.term != "(Intercept)")?;
    let terms: Vec<&crate::stats::ols::Term> = match x
        .coding
        .iter()
        .find(|c| c.dummies.iter().any(|(column, _)| *column == first.term))
    {
        Some(c) => fit
            .terms
            .iter()
            .filter(|t| c.dummies.iter().any(|(column, _)| *column == t.term))
            .collect(),
        None => vec![first],
    };
    let parts: Vec<String> = terms
        .iter()
        .map(|t| {
            format!(
                "{} b = {}, {} CI {}, t({}) = {}, {}",
                t.term,
                apa::fixed(t.estimate, 3),
                apa::level_percent(fit.level),
                apa::ci(t.ci_low, t.ci_high, 3),
                fit.df2,
                apa::fixed(t.t, 2),
                apa::p_value(t.p)
            )
        })
        .collect();
    Some(format!("{title}: {} (n = {}).", parts.join("; "), fit.n))
}

/// Ids of the regressions the `[model]` shorthand plans (see `analysis::plan`).
fn from_model(id: &str) -> bool {
    ["baseline_", "change_", "residualised_"]
        .iter()
        .any(|p| id.starts_with(p))
}
