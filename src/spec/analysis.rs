//! `[[analysis]]` tables: analyses named one by one, each with a kind and its variables.
//!
//! A variable is written as
//! - `hrqol@T1`: a construct's score at a wave;
//! - `hrqol@T1-T0`: its change score (T1 − T0);
//! - `hrqol`: its change score between the analysis's `from_wave` and `to_wave`
//!   (default T0 and T1), as in `[model]`;
//! - `arm`: a baseline variable (`[[covariate]]`: a covariate, treatment arm or site).

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{check_waves, wave_number, ErrAt, SpecError, StudySpec, MAX_MEDIATORS};

/// One `[[analysis]]` table as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// descriptives | reliability | correlations | attrition | change | regression |
    /// serial_mediation
    pub kind: Spanned<String>,
    /// Unique id (default: the kind and its position, e.g. `regression_2`).
    pub id: Option<Spanned<String>>,
    pub title: Option<String>,
    /// Outcome (regression, serial_mediation).
    pub y: Option<Spanned<String>>,
    /// Predictor(s): one for serial_mediation, a list (or one) for regression.
    pub x: Option<Spanned<Vars>>,
    /// Mediators in causal order (serial_mediation).
    #[serde(default)]
    pub mediators: Vec<Spanned<String>>,
    /// Entered in every equation (regression, serial_mediation).
    #[serde(default)]
    pub covariates: Vec<Spanned<String>>,
    /// Constructs to compare across waves (change; default: all).
    #[serde(default)]
    pub constructs: Vec<Spanned<String>>,
    /// Variables to correlate (correlations; default: constructs and covariates at baseline).
    #[serde(default)]
    pub variables: Vec<Spanned<String>>,
    /// Completers are those present at this wave (attrition; default: the second wave).
    pub completer_wave: Option<Spanned<String>>,
    pub from_wave: Option<Spanned<String>>,
    pub to_wave: Option<Spanned<String>>,
    /// Overrides `[study] missing` (serial_mediation; regression takes only "listwise").
    pub missing: Option<Spanned<super::Missing>>,
}

/// One name or a list of names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Vars {
    One(String),
    Many(Vec<String>),
}

impl Vars {
    pub fn names(&self) -> Vec<&str> {
        match self {
            Vars::One(s) => vec![s.as_str()],
            Vars::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A resolved variable reference (wave numbers, not labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarRef {
    Score {
        construct: String,
        wave: u32,
    },
    Change {
        construct: String,
        from: u32,
        to: u32,
    },
    Baseline {
        name: String,
    },
}

/// The kinds `[[analysis]]` accepts, as written.
pub const KINDS: [&str; 7] = [
    "descriptives",
    "reliability",
    "correlations",
    "attrition",
    "change",
    "regression",
    "serial_mediation",
];

impl AnalysisSpec {
    pub fn kind(&self) -> &str {
        self.kind.get_ref()
    }

    /// The (from, to) waves that bare construct names refer to.
    pub fn waves(&self) -> (u32, u32) {
        let number = |w: &Option<Spanned<String>>, default: u32| {
            w.as_ref()
                .and_then(|w| wave_number(w.get_ref()))
                .unwrap_or(default)
        };
        (number(&self.from_wave, 0), number(&self.to_wave, 1))
    }

    /// Every variable reference with its span, in the order written.
    fn references(&self) -> Vec<(std::ops::Range<usize>, &str)> {
        let spanned = self
            .y
            .iter()
            .chain(&self.mediators)
            .chain(&self.covariates)
            .chain(&self.variables);
        let mut out: Vec<(std::ops::Range<usize>, &str)> =
            spanned.map(|s| (s.span(), s.get_ref().as_str())).collect();
        if let Some(x) = &self.x {
            for name in x.get_ref().names() {
                out.push((x.span(), name));
            }
        }
        out
    }
}

impl StudySpec {
    /// Resolves `text` (see the module docs) with `waves` for bare construct names.
    pub fn resolve(&self, text: &str, waves: (u32, u32)) -> Result<VarRef, String> {
        let text = text.trim();
        let Some((name, at)) = text.split_once('@') else {
            if self.construct(text).is_some() {
                return Ok(VarRef::Change {
                    construct: text.to_string(),
                    from: waves.0,
                    to: waves.1,
                });
            }
            if self.covariate(text).is_some() {
                return Ok(VarRef::Baseline {
                    name: text.to_string(),
                });
            }
            return Err(format!(
                "'{text}' is neither a construct nor a baseline variable; known: {}",
                self.known_names()
            ));
        };
        if self.construct(name).is_none() {
            return Err(format!(
                "'{text}': '{name}' is not a construct (only constructs have waves); known constructs: {}",
                self.constructs.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
            ));
        }
        let wave = |w: &str| {
            wave_number(w.trim()).ok_or_else(|| {
                format!("'{text}': '{w}' is not a wave; write e.g. {name}@T1 or {name}@T1-T0")
            })
        };
        match at.split_once('-') {
            None => Ok(VarRef::Score {
                construct: name.to_string(),
                wave: wave(at)?,
            }),
            Some((to, from)) => {
                let (to, from) = (wave(to)?, wave(from)?);
                if from >= to {
                    return Err(format!(
                        "'{text}': a change score is later − earlier, e.g. {name}@T1-T0"
                    ));
                }
                Ok(VarRef::Change {
                    construct: name.to_string(),
                    from,
                    to,
                })
            }
        }
    }

    pub(super) fn check_analysis(
        &self,
        a: &AnalysisSpec,
        err: &ErrAt<'_>,
    ) -> Result<(), SpecError> {
        let kind = a.kind();
        if !KINDS.contains(&kind) {
            return Err(err(
                a.kind.span(),
                format!(
                    "unknown analysis kind '{kind}'; choose from {}",
                    KINDS.join(", ")
                ),
            ));
        }
        if let Some(m) = &a.missing {
            let fiml = *m.get_ref() == super::Missing::Fiml;
            if !matches!(kind, "regression" | "serial_mediation") {
                return Err(err(
                    m.span(),
                    format!("missing applies to regression and serial_mediation analyses, not {kind}; remove it"),
                ));
            }
            if kind == "regression" && fiml {
                return Err(err(
                    m.span(),
                    "missing = \"fiml\" is not available for a regression in analyse yet (only serial_mediation); run `spcure regress --missing fiml` on the panel.csv that `analyse --write-panel` writes, or remove the key".into(),
                ));
            }
        }
        if let (Some(f), Some(t)) = (&a.from_wave, &a.to_wave) {
            check_waves(f, t, err)?;
        } else {
            for w in [&a.from_wave, &a.to_wave].into_iter().flatten() {
                if wave_number(w.get_ref()).is_none() {
                    return Err(err(
                        w.span(),
                        format!("wave '{}' must look like T0, T1, T2", w.get_ref()),
                    ));
                }
            }
        }
        let waves = a.waves();
        if waves.0 >= waves.1 {
            let span = a
                .to_wave
                .as_ref()
                .or(a.from_wave.as_ref())
                .map_or(a.kind.span(), |w| w.span());
            return Err(err(span, "to_wave must come after from_wave".into()));
        }
        for (span, text) in a.references() {
            self.resolve(text, waves).map_err(|m| err(span, m))?;
        }
        if let Some(w) = &a.completer_wave {
            if wave_number(w.get_ref()).is_none() {
                return Err(err(
                    w.span(),
                    format!("wave '{}' must look like T0, T1, T2", w.get_ref()),
                ));
            }
        }
        for c in &a.constructs {
            if self.construct(c.get_ref()).is_none() {
                return Err(err(
                    c.span(),
                    format!("'{}' is not a construct", c.get_ref()),
                ));
            }
        }
        self.check_kind_keys(a, err)
    }

    /// Which keys each kind needs and accepts.
    fn check_kind_keys(&self, a: &AnalysisSpec, err: &ErrAt<'_>) -> Result<(), SpecError> {
        let at = a.kind.span();
        let kind = a.kind();
        let model_keys =
            a.y.is_some() || a.x.is_some() || !a.mediators.is_empty() || !a.covariates.is_empty();
        match kind {
            "regression" | "serial_mediation" => {
                let (Some(y), Some(x)) = (&a.y, &a.x) else {
                    return Err(err(at, format!("a {kind} analysis needs y = \"...\" and x = ...")));
                };
                if let Ok(VarRef::Baseline { name }) = self.resolve(y.get_ref(), a.waves()) {
                    return Err(err(
                        y.span(),
                        format!("the outcome '{name}' is a baseline variable; the outcome must be a construct (at a wave, or its change)"),
                    ));
                }
                if kind == "serial_mediation" {
                    if x.get_ref().names().len() != 1 {
                        return Err(err(x.span(), "serial_mediation takes one x".into()));
                    }
                    let k = a.mediators.len();
                    if !(1..=MAX_MEDIATORS).contains(&k) {
                        return Err(err(
                            at,
                            format!("serial_mediation has {k} mediators; give between 1 and {MAX_MEDIATORS}"),
                        ));
                    }
                    for m in &a.mediators {
                        if let Ok(VarRef::Baseline { .. }) = self.resolve(m.get_ref(), a.waves()) {
                            return Err(err(m.span(), format!("mediator '{}' must be a construct", m.get_ref())));
                        }
                    }
                } else if !a.mediators.is_empty() {
                    return Err(err(at, "mediators belong to serial_mediation; for a regression list predictors in x".into()));
                }
                Ok(())
            }
            _ if model_keys => Err(err(
                at,
                format!("x, y, mediators and covariates belong to regression and serial_mediation, not to {kind}"),
            )),
            _ => Ok(()),
        }
    }
}
