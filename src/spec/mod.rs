//! The study spec: which columns make which construct, how they are scored, and which serial
//! chain to fit. Written in TOML; an embedded default describes the Social Cure model.
//!
//! Parsing is strict (unknown keys are errors) and every semantic error points at the TOML
//! line it comes from.

mod analysis;
pub mod draft;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

pub use analysis::{AnalysisSpec, VarRef, Vars};

/// The embedded default spec (`spcure spec --print-default`).
pub const DEFAULT_SPEC: &str = include_str!("default.toml");

/// A spec that cannot be used (exit code 2).
#[derive(Debug, Error)]
pub enum SpecError {
    #[error("cannot parse the study spec {source_name}: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    #[error("{source_name}, line {line}: {message}")]
    Invalid {
        source_name: String,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudySpec {
    pub study: Study,
    #[serde(rename = "construct")]
    pub constructs: Vec<Construct>,
    #[serde(rename = "covariate", default)]
    pub covariates: Vec<Covariate>,
    /// Shorthand for the Social Cure analyses: the serial chain on change scores plus its
    /// companion regressions (see `crate::analysis::plan`).
    pub model: Option<Model>,
    /// Analyses named one by one (`[[analysis]]` tables).
    #[serde(rename = "analysis", default)]
    pub analyses: Vec<AnalysisSpec>,
    /// How a single long file names its waves (`[waves]`); see `crate::load`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waves: Option<WavesSpec>,
}

/// `[waves]`: the wave column of a long file and an explicit map of its values to waves,
/// e.g. `map = { screening = "T0", "6m" = "T1" }`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WavesSpec {
    pub column: Option<String>,
    #[serde(default)]
    pub map: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    #[serde(default = "default_name")]
    pub name: String,
    #[serde(default = "default_id")]
    pub id_column: String,
    #[serde(default)]
    pub missing_codes: Vec<String>,
    #[serde(default = "default_share")]
    pub min_item_share: Spanned<f64>,
    /// A baseline variable (`[[covariate]]`) naming each participant's cluster (site,
    /// practice, school): regressions then use CR2 standard errors with Satterthwaite df and
    /// mediations a cluster bootstrap (`stats::cluster`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Spanned<String>>,
    /// Study-wide handling of missing values in serial mediations (default FIML).
    #[serde(default)]
    pub missing: Option<Missing>,
}

/// `missing = "fiml" | "listwise"`: how a model handles missing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// Full-information ML under MAR, with the listwise result reported beside it.
    Fiml,
    /// Complete cases only (spcure 1.x).
    Listwise,
}

/// A measured construct: either one column per wave (`column`) or a multi-item scale (`items`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Construct {
    pub name: Spanned<String>,
    #[serde(default)]
    pub label: String,
    pub column: Option<String>,
    pub items: Option<Vec<String>>,
    #[serde(default)]
    pub reverse: Vec<Spanned<String>>,
    pub min: Spanned<f64>,
    pub max: f64,
    /// `"scale"` (the default) or `"count"` (e.g. GP appointments): a count construct gets a
    /// Poisson model of its change over the waves (`count_change`) instead of paired t tests.
    #[serde(default)]
    pub kind: ConstructKind,
}

/// What a construct measures, which decides how its change is analysed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstructKind {
    #[default]
    Scale,
    Count,
}

/// A baseline variable read from the T0 file: a numeric covariate (age), or with
/// `categorical = true` a category (a treatment arm, a site, a group) coded as text or as
/// numeric codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covariate {
    pub name: Spanned<String>,
    #[serde(default)]
    pub label: String,
    pub column: String,
    /// The allowed range: required for a numeric variable; optional for a categorical one,
    /// where it declares numeric codes (text and codes outside it are then cell errors).
    pub min: Option<Spanned<f64>>,
    pub max: Option<Spanned<f64>>,
    #[serde(default)]
    pub categorical: bool,
    /// Categorical only: the allowed levels in display order (`["TAU", "CBT"]` or `[0, 1, 2]`);
    /// any other value is a cell error. Without it the levels are those observed at
    /// baseline, numeric codes sorted numerically, then text sorted as strings.
    pub levels: Option<Spanned<Vec<Spanned<Level>>>>,
    /// Categorical only: the reference level for dummy coding; default: the first level.
    pub reference: Option<Spanned<Level>>,
}

/// One level of a categorical variable, normalised so that the spec and the cells agree:
/// surrounding spaces are trimmed and numeric codes are written canonically, so `1`, `1.0`
/// and `" 1"` are all the level `"1"`. Text is compared exactly (case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Level(String);

impl Level {
    /// The level of a cell's or the spec's text (see the type's documentation).
    pub fn new(raw: &str) -> Self {
        let t = raw.trim();
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Self::number(v),
            _ => Self(t.to_string()),
        }
    }
    /// The level of a numeric code: `1.0` → `"1"`, `2.5` → `"2.5"`.
    pub fn number(v: f64) -> Self {
        // `+ 0.0` turns −0 into 0, so that "-0" and "0" are one level.
        Self(format!("{}", v + 0.0))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The numeric code, for a level that is one.
    pub fn code(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Level;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a level as text (\"TAU\") or a numeric code (1)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Level, E> {
                Ok(Level::new(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Level, E> {
                Ok(Level(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Level, E> {
                Ok(Level(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Level, E> {
                if v.is_finite() {
                    Ok(Level::number(v))
                } else {
                    Err(E::custom("a numeric level must be a finite number"))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The serial mediation chain, fitted on change scores `to_wave − from_wave`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub x: Spanned<String>,
    pub mediators: Spanned<Vec<Spanned<String>>>,
    pub y: Spanned<String>,
    #[serde(default)]
    pub covariates: Vec<Spanned<String>>,
    #[serde(default = "default_from")]
    pub from_wave: Spanned<String>,
    #[serde(default = "default_to")]
    pub to_wave: Spanned<String>,
    /// Overrides `[study] missing` for the model's serial mediation.
    #[serde(default)]
    pub missing: Option<Missing>,
}

fn default_name() -> String {
    "Untitled study".into()
}
fn default_id() -> String {
    "id".into()
}
fn default_share() -> Spanned<f64> {
    Spanned::new(0..0, 0.5)
}
fn default_from() -> Spanned<String> {
    Spanned::new(0..0, "T0".into())
}
fn default_to() -> Spanned<String> {
    Spanned::new(0..0, "T1".into())
}

/// The most mediators a chain may have (defined with the estimator, which enforces it).
pub use crate::stats::mediation::MAX_MEDIATORS;

impl Construct {
    pub fn name(&self) -> &str {
        self.name.get_ref()
    }
    /// The columns this construct reads (one column, or its items).
    pub fn columns(&self) -> Vec<&str> {
        match (&self.column, &self.items) {
            (Some(c), _) => vec![c.as_str()],
            (None, Some(items)) => items.iter().map(String::as_str).collect(),
            (None, None) => Vec::new(),
        }
    }
    pub fn is_reversed(&self, item: &str) -> bool {
        self.reverse.iter().any(|r| r.get_ref() == item)
    }
    pub fn label_or_name(&self) -> &str {
        if self.label.is_empty() {
            self.name()
        } else {
            &self.label
        }
    }
}

impl Covariate {
    pub fn name(&self) -> &str {
        self.name.get_ref()
    }
    pub fn label_or_name(&self) -> &str {
        if self.label.is_empty() {
            self.name()
        } else {
            &self.label
        }
    }
    /// `(min, max)` when both are given (always, for a valid numeric covariate).
    pub fn range(&self) -> Option<(f64, f64)> {
        Some((*self.min.as_ref()?.get_ref(), *self.max.as_ref()?.get_ref()))
    }
    /// The levels listed in the spec, in their order; `None` when they come from the data.
    pub fn levels(&self) -> Option<Vec<&Level>> {
        self.levels
            .as_ref()
            .map(|l| l.get_ref().iter().map(Spanned::get_ref).collect())
    }
    /// The reference level named in the spec, if any.
    pub fn reference(&self) -> Option<&Level> {
        self.reference.as_ref().map(Spanned::get_ref)
    }

    fn check(&self, missing_codes: &[String]) -> Result<(), (std::ops::Range<usize>, String)> {
        let name = self.name();
        let at_name = |m: String| (self.name.span(), m);
        if !self.categorical {
            if self.min.is_none() || self.max.is_none() {
                return Err(at_name(format!(
                    "covariate '{name}' is numeric and needs `min` and `max` (its allowed range); \
                     if it is a category (a treatment arm, site, group), set `categorical = true` instead"
                )));
            }
            if let Some(l) = &self.levels {
                return Err((l.span(), format!(
                    "covariate '{name}': `levels` applies only to a categorical variable; add `categorical = true` or remove `levels`"
                )));
            }
            if let Some(r) = &self.reference {
                return Err((r.span(), format!(
                    "covariate '{name}': `reference` applies only to a categorical variable; add `categorical = true` or remove `reference`"
                )));
            }
        }
        for (key, bound) in [("min", &self.min), ("max", &self.max)] {
            if let Some(b) = bound.as_ref().filter(|b| !b.get_ref().is_finite()) {
                return Err((
                    b.span(),
                    format!(
                        "covariate '{name}': {key} = {} must be a finite number",
                        b.get_ref()
                    ),
                ));
            }
        }
        match (&self.min, &self.max) {
            (Some(min), Some(max)) if min.get_ref() >= max.get_ref() => {
                return Err((
                    min.span(),
                    format!(
                        "covariate '{name}': min ({}) must be below max ({})",
                        min.get_ref(),
                        max.get_ref()
                    ),
                ))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(at_name(format!(
                    "covariate '{name}': give both `min` and `max`, or neither (they are optional for a categorical variable)"
                )))
            }
            _ => {}
        }
        let Some(levels) = &self.levels else {
            if let Some(r) = &self.reference {
                if r.get_ref().as_str().is_empty() {
                    return Err((
                        r.span(),
                        format!("covariate '{name}': `reference` is empty"),
                    ));
                }
            }
            return Ok(());
        };
        if levels.get_ref().is_empty() {
            return Err((levels.span(), format!(
                "covariate '{name}' has an empty `levels` list; list its levels, or leave `levels` out to take them from the data"
            )));
        }
        let missing: Vec<Level> = missing_codes.iter().map(|c| Level::new(c)).collect();
        for (i, l) in levels.get_ref().iter().enumerate() {
            let level = l.get_ref();
            if level.as_str().is_empty() {
                return Err((
                    l.span(),
                    format!(
                        "covariate '{name}': a level is empty; an empty cell is always missing"
                    ),
                ));
            }
            if levels.get_ref()[..i].iter().any(|p| p.get_ref() == level) {
                return Err((l.span(), format!(
                    "covariate '{name}': level \"{level}\" is listed twice (numeric codes are compared as numbers: 1 and 1.0 are one level)"
                )));
            }
            if missing.contains(level) {
                return Err((l.span(), format!(
                    "covariate '{name}': level \"{level}\" is also in study.missing_codes, so cells holding it would be missing; remove it from one of the two"
                )));
            }
            if let Some((min, max)) = self.range() {
                match level.code() {
                    Some(v) if !(min..=max).contains(&v) => {
                        return Err((l.span(), format!(
                            "covariate '{name}': level {level} is outside its range {min}–{max}"
                        )))
                    }
                    None => {
                        return Err((l.span(), format!(
                            "covariate '{name}': level \"{level}\" is text, but `min` and `max` declare numeric codes; remove `min` and `max` to allow text levels"
                        )))
                    }
                    _ => {}
                }
            }
        }
        if let Some(r) = &self.reference {
            if !levels.get_ref().iter().any(|l| l.get_ref() == r.get_ref()) {
                let listed: Vec<&str> = levels
                    .get_ref()
                    .iter()
                    .map(|l| l.get_ref().as_str())
                    .collect();
                return Err((
                    r.span(),
                    format!(
                        "covariate '{name}': reference \"{}\" is not one of its levels ({})",
                        r.get_ref(),
                        listed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl Model {
    pub fn x(&self) -> &str {
        self.x.get_ref()
    }
    pub fn y(&self) -> &str {
        self.y.get_ref()
    }
    pub fn mediators(&self) -> Vec<&str> {
        self.mediators
            .get_ref()
            .iter()
            .map(|m| m.get_ref().as_str())
            .collect()
    }
    pub fn covariates(&self) -> Vec<&str> {
        self.covariates
            .iter()
            .map(|c| c.get_ref().as_str())
            .collect()
    }
    /// Wave numbers (from, to) of the change scores (validated when the spec was parsed).
    pub fn waves(&self) -> (u32, u32) {
        let number = |w: &Spanned<String>| wave_number(w.get_ref()).unwrap_or_default();
        (number(&self.from_wave), number(&self.to_wave))
    }
}

/// Parses a wave label such as `T0`, `t2` into its number.
pub fn wave_number(label: &str) -> Option<u32> {
    let rest = label
        .strip_prefix('T')
        .or_else(|| label.strip_prefix('t'))?;
    rest.parse().ok()
}

impl StudySpec {
    /// The embedded default spec.
    pub fn default_spec() -> Self {
        Self::parse(DEFAULT_SPEC, "<default spec>").expect("the embedded default spec is valid")
    }

    /// Parses and validates a spec; `source_name` names it in error messages.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, SpecError> {
        let spec: StudySpec = toml::from_str(text).map_err(|e| SpecError::Parse {
            source_name: source_name.to_string(),
            message: describe_toml_error(text, &e),
        })?;
        spec.validate(text, source_name)?;
        Ok(spec)
    }

    pub fn construct(&self, name: &str) -> Option<&Construct> {
        self.constructs.iter().find(|c| c.name() == name)
    }

    pub fn covariate(&self, name: &str) -> Option<&Covariate> {
        self.covariates.iter().find(|c| c.name() == name)
    }

    fn validate(&self, text: &str, source: &str) -> Result<(), SpecError> {
        let err = |span: std::ops::Range<usize>, message: String| SpecError::Invalid {
            source_name: source.to_string(),
            line: line_of(text, span.start),
            message,
        };
        let share = *self.study.min_item_share.get_ref();
        if !(share > 0.0 && share <= 1.0) {
            return Err(err(
                self.study.min_item_share.span(),
                format!("study.min_item_share = {share} must be above 0 and at most 1 (e.g. 0.5)"),
            ));
        }
        if let Some(cluster) = &self.study.cluster {
            if self.covariate(cluster.get_ref()).is_none() {
                return Err(err(
                    cluster.span(),
                    format!(
                        "study.cluster = \"{}\" is not a baseline variable; declare it as a \
                         [[covariate]] (e.g. categorical = true for site names)",
                        cluster.get_ref()
                    ),
                ));
            }
            // The cluster bootstrap resamples sites of complete cases; a FIML bootstrap that
            // resamples sites is not implemented, so a clustered study is analysed listwise.
            let fiml = Some(Missing::Fiml);
            if self.study.missing == fiml
                || self.model.as_ref().is_some_and(|m| m.missing == fiml)
                || self
                    .analyses
                    .iter()
                    .any(|a| a.missing.as_ref().map(|m| *m.get_ref()) == fiml)
            {
                return Err(err(
                    cluster.span(),
                    "missing = \"fiml\" cannot be combined with study.cluster yet (the FIML \
                     bootstrap does not resample sites): remove missing = \"fiml\" to analyse \
                     the complete cases with CR2 and the cluster bootstrap"
                        .to_string(),
                ));
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for c in &self.constructs {
            self.check_construct(c, &mut seen)
                .map_err(|m| err(c.name.span(), m))?;
        }
        for c in &self.covariates {
            check_name(c.name(), &mut seen).map_err(|m| err(c.name.span(), m))?;
            c.check(&self.study.missing_codes)
                .map_err(|(span, m)| err(span, m))?;
        }
        if let Some(m) = &self.model {
            self.check_model(m, &err)?;
        }
        for a in &self.analyses {
            self.check_analysis(a, &err)?;
        }
        self.check_ids(&err)
    }

    fn check_construct<'a>(&self, c: &'a Construct, seen: &mut Vec<&'a str>) -> Result<(), String> {
        check_name(c.name(), seen)?;
        let name = c.name();
        match (&c.column, &c.items) {
            (Some(_), Some(_)) => {
                return Err(format!(
                    "construct '{name}' has both `column` and `items`; give one"
                ))
            }
            (None, None) => {
                return Err(format!(
                    "construct '{name}' needs `column = \"...\"` or `items = [...]`"
                ))
            }
            (None, Some(items)) if items.is_empty() => {
                return Err(format!("construct '{name}' has an empty `items` list"))
            }
            _ => {}
        }
        if !c.min.get_ref().is_finite() || !c.max.is_finite() {
            return Err(format!(
                "construct '{name}': min ({}) and max ({}) must be finite numbers",
                c.min.get_ref(),
                c.max
            ));
        }
        if c.min.get_ref() >= &c.max {
            return Err(format!(
                "construct '{name}': min ({}) must be below max ({})",
                c.min.get_ref(),
                c.max
            ));
        }
        let columns = c.columns();
        for (i, item) in columns.iter().enumerate() {
            if columns[..i].contains(item) {
                return Err(format!(
                    "construct '{name}': item '{item}' is listed twice in `items`"
                ));
            }
            if let Some(other) = self
                .constructs
                .iter()
                .take_while(|o| !std::ptr::eq(*o, c))
                .find(|o| o.columns().contains(item))
            {
                return Err(format!(
                    "construct '{name}': column '{item}' is already used by construct '{}'; a column may belong to one construct only",
                    other.name()
                ));
            }
        }
        if let Some(r) = c
            .reverse
            .iter()
            .find(|r| !columns.contains(&r.get_ref().as_str()))
        {
            return Err(format!(
                "construct '{name}': reverse-keyed item '{}' is not one of its items ({})",
                r.get_ref(),
                columns.join(", ")
            ));
        }
        Ok(())
    }

    fn check_model(&self, m: &Model, err: &ErrAt<'_>) -> Result<(), SpecError> {
        let known = self.known_names();
        let mut chain: Vec<&Spanned<String>> = vec![&m.x];
        chain.extend(m.mediators.get_ref().iter());
        chain.push(&m.y);
        // X may be a construct (its change score) or a baseline variable such as an arm.
        if self.construct(m.x()).is_none() && self.covariate(m.x()).is_none() {
            return Err(err(
                m.x.span(),
                format!(
                    "the model's x '{}' is neither a construct nor a baseline variable; known: {known}",
                    m.x()
                ),
            ));
        }
        for v in &chain[1..] {
            if self.construct(v.get_ref()).is_none() {
                return Err(err(
                    v.span(),
                    format!(
                        "the model names '{}' as a mediator or outcome, which is not a construct; known constructs: {}",
                        v.get_ref(),
                        self.constructs.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        for (i, v) in chain.iter().enumerate() {
            if chain[..i].iter().any(|u| u.get_ref() == v.get_ref()) {
                return Err(err(
                    v.span(),
                    format!("'{}' appears twice in the model chain", v.get_ref()),
                ));
            }
        }
        let k = m.mediators.get_ref().len();
        if !(1..=MAX_MEDIATORS).contains(&k) {
            return Err(err(
                m.mediators.span(),
                format!("the model has {k} mediators; give between 1 and {MAX_MEDIATORS}"),
            ));
        }
        for c in &m.covariates {
            if self.covariate(c.get_ref()).is_none() {
                let known: Vec<_> = self.covariates.iter().map(|c| c.name()).collect();
                return Err(err(
                    c.span(),
                    format!(
                        "model covariate '{}' is not declared as a [[covariate]]; declared: {}",
                        c.get_ref(),
                        known.join(", ")
                    ),
                ));
            }
        }
        check_waves(&m.from_wave, &m.to_wave, err).map(|_| ())
    }

    /// Names a variable may refer to, for error messages.
    fn known_names(&self) -> String {
        let mut names: Vec<&str> = self.constructs.iter().map(|c| c.name()).collect();
        names.extend(self.covariates.iter().map(|c| c.name()));
        names.join(", ")
    }

    /// Analysis ids must be unique (`spcure check` addresses results by them).
    fn check_ids(&self, err: &ErrAt<'_>) -> Result<(), SpecError> {
        let mut seen: Vec<&str> = Vec::new();
        for a in &self.analyses {
            if let Some(id) = &a.id {
                if seen.contains(&id.get_ref().as_str()) {
                    return Err(err(
                        id.span(),
                        format!("analysis id '{}' is used twice", id.get_ref()),
                    ));
                }
                seen.push(id.get_ref());
            }
        }
        Ok(())
    }
}

/// Builds a spec error pointing at the line of a span.
type ErrAt<'a> = dyn Fn(std::ops::Range<usize>, String) -> SpecError + 'a;

/// Wave numbers of a (from, to) pair, checked: both look like `Tn` and `to` comes later.
fn check_waves(
    from: &Spanned<String>,
    to: &Spanned<String>,
    err: &ErrAt<'_>,
) -> Result<(u32, u32), SpecError> {
    let number = |w: &Spanned<String>| {
        wave_number(w.get_ref()).ok_or_else(|| {
            err(
                w.span(),
                format!("wave '{}' must look like T0, T1, T2", w.get_ref()),
            )
        })
    };
    let (f, t) = (number(from)?, number(to)?);
    if f >= t {
        return Err(err(
            to.span(),
            format!(
                "to_wave ({}) must come after from_wave ({})",
                to.get_ref(),
                from.get_ref()
            ),
        ));
    }
    Ok((f, t))
}

fn check_name<'a>(name: &'a str, seen: &mut Vec<&'a str>) -> Result<(), String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "name '{name}' must be letters, digits and underscores"
        ));
    }
    if seen.contains(&name) {
        return Err(format!("name '{name}' is declared twice"));
    }
    seen.push(name);
    Ok(())
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => format!("line {}: {}", line_of(text, span.start), e.message()),
        None => e.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_spec_parses_and_describes_the_social_cure_chain() {
        let spec = StudySpec::default_spec();
        let model = spec.model.as_ref().unwrap();
        assert_eq!(model.x(), "groups");
        assert_eq!(model.mediators(), ["belonging", "support", "loneliness"]);
        assert_eq!(model.y(), "hrqol");
        assert_eq!(model.covariates(), ["age", "gender"]);
    }

    fn with(old: &str, new: &str) -> Result<StudySpec, SpecError> {
        assert!(DEFAULT_SPEC.contains(old), "{old}");
        StudySpec::parse(&DEFAULT_SPEC.replacen(old, new, 1), "s.toml")
    }

    fn line_containing(needle: &str) -> usize {
        DEFAULT_SPEC
            .lines()
            .position(|l| l.contains(needle))
            .unwrap()
            + 1
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let err = with(
            "min_item_share = 0.5",
            "min_item_share = 0.5\nmin_items = 2",
        )
        .unwrap_err()
        .to_string();
        let line = line_containing("min_item_share = 0.5") + 1;
        assert!(
            err.contains(&format!("line {line}")) && err.contains("min_items"),
            "{err}"
        );
    }

    #[test]
    fn chain_with_unknown_construct_points_at_the_model_line() {
        let err = with("y = \"hrqol\"", "y = \"wellbeing\"")
            .unwrap_err()
            .to_string();
        let line = line_containing("y = \"hrqol\"");
        assert!(
            err.contains(&format!("line {line}")) && err.contains("wellbeing"),
            "{err}"
        );
    }

    #[test]
    fn bad_range_and_bad_reverse_item_are_rejected() {
        assert!(with("min = 1\nmax = 3", "min = 3\nmax = 1")
            .unwrap_err()
            .to_string()
            .contains("min (3)"));
        let err = with("reverse = [\"support_4\"]", "reverse = [\"support_9\"]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("support_9"), "{err}");
    }

    #[test]
    fn non_finite_ranges_and_repeated_items_are_rejected() {
        for (old, new) in [
            ("min = 1\nmax = 3", "min = nan\nmax = 3"),
            ("min = 1\nmax = 3", "min = 1\nmax = inf"),
            ("min = 1\nmax = 3", "min = -inf\nmax = 3"),
        ] {
            let err = with(old, new).unwrap_err().to_string();
            let line = line_containing("name = \"loneliness\"");
            assert!(
                err.contains(&format!("line {line}:")) && err.contains("finite"),
                "{err}"
            );
        }
        err_at(
            with_covariate(
                "[[covariate]]\nname = \"bmi\"\ncolumn = \"bmi\"\nmin = nan\nmax = 60\n",
                "min = nan",
            ),
            &["'bmi'", "min = NaN", "finite"],
        );
        err_at(
            with_covariate(
                "[[covariate]]\nname = \"bmi\"\ncolumn = \"bmi\"\nmin = 10\nmax = inf\n",
                "max = inf",
            ),
            &["'bmi'", "max = inf", "finite"],
        );
        let err = with(
            "items = [\"belong_1\", \"belong_2\", \"belong_3\"]",
            "items = [\"belong_1\", \"belong_2\", \"belong_1\"]",
        )
        .unwrap_err()
        .to_string();
        let line = line_containing("name = \"belonging\"");
        assert!(
            err.contains(&format!("line {line}:")) && err.contains("'belong_1' is listed twice"),
            "{err}"
        );
        let err = with(
            "items = [\"belong_1\", \"belong_2\", \"belong_3\"]",
            "items = [\"belong_1\", \"belong_2\", \"groups_3\"]",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(&format!("line {line}:"))
                && err.contains("'groups_3' is already used by construct 'groups'"),
            "{err}"
        );
    }

    /// The default spec with one more `[[covariate]]` table; returns the parse and the
    /// line (in the edited text) of the first line of `table` containing `needle`.
    fn with_covariate(table: &str, needle: &str) -> (Result<StudySpec, SpecError>, usize) {
        let anchor = "# The serial chain";
        let text = DEFAULT_SPEC.replacen(anchor, &format!("{table}\n{anchor}"), 1);
        let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        (StudySpec::parse(&text, "s.toml"), line)
    }

    fn err_at(r: (Result<StudySpec, SpecError>, usize), needles: &[&str]) {
        let err = r.0.unwrap_err().to_string();
        assert!(err.contains(&format!("s.toml, line {}:", r.1)), "{err}");
        for n in needles {
            assert!(err.contains(n), "{n:?} not in {err}");
        }
    }

    #[test]
    fn categorical_covariates_take_text_levels_and_a_reference() {
        let (spec, _) = with_covariate(
            "[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\ncategorical = true\n\
             levels = [\"TAU\", \"CBT\", \"Group\"]\nreference = \"CBT\"\n\n\
             [[covariate]]\nname = \"site\"\ncolumn = \"site\"\ncategorical = true\n\
             levels = [3, \"1.0\", 2.0]\nreference = 1\n",
            "arm",
        );
        let spec = spec.unwrap();
        let arm = spec.covariate("arm").unwrap();
        let names = |c: &Covariate| -> Vec<String> {
            c.levels().unwrap().iter().map(|l| l.to_string()).collect()
        };
        assert_eq!(names(arm), ["TAU", "CBT", "Group"]);
        assert_eq!(arm.reference().unwrap().as_str(), "CBT");
        assert_eq!(arm.range(), None);
        let site = spec.covariate("site").unwrap();
        assert_eq!(names(site), ["3", "1", "2"]);
        assert_eq!(site.reference(), Some(&Level::new("1")));
        // The default spec's gender is unchanged: categorical with its 0–1 range, no levels.
        let gender = spec.covariate("gender").unwrap();
        assert!(gender.categorical && gender.levels().is_none() && gender.reference().is_none());
        assert_eq!(gender.range(), Some((0.0, 1.0)));
        assert_eq!(spec.covariate("age").unwrap().range(), Some((16.0, 110.0)));
    }

    #[test]
    fn levels_are_normalised_numbers_or_trimmed_text() {
        assert_eq!(Level::new(" 1.0 ").as_str(), "1");
        assert_eq!(Level::new("-0").as_str(), "0");
        assert_eq!(Level::new("2.50").as_str(), "2.5");
        assert_eq!(Level::new(" TAU ").as_str(), "TAU");
        assert_eq!(Level::new("nan").as_str(), "nan");
        assert_eq!(Level::new("2").code(), Some(2.0));
        assert_eq!(Level::new("CBT").code(), None);
    }

    #[test]
    fn a_numeric_covariate_needs_min_and_max() {
        err_at(
            with_covariate(
                "[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\n",
                "name = \"arm\"",
            ),
            &["'arm'", "`min` and `max`", "categorical = true"],
        );
        err_at(
            with_covariate(
                "[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\ncategorical = true\nmin = 1\n",
                "name = \"arm\"",
            ),
            &["both `min` and `max`, or neither"],
        );
    }

    #[test]
    fn bad_levels_and_references_point_at_their_line() {
        let cov = |rest: &str| format!("[[covariate]]\nname = \"arm\"\ncolumn = \"arm\"\n{rest}");
        err_at(
            with_covariate(
                &cov("categorical = true\nlevels = [\"TAU\", \"CBT\"]\nreference = \"Group\"\n"),
                "reference",
            ),
            &["reference \"Group\" is not one of its levels (TAU, CBT)"],
        );
        err_at(
            with_covariate(&cov("categorical = true\nlevels = []\n"), "levels"),
            &["empty `levels`"],
        );
        err_at(
            with_covariate(
                &cov("categorical = true\nlevels = [1, \"1.0\"]\n"),
                "levels",
            ),
            &["level \"1\" is listed twice"],
        );
        err_at(
            with_covariate(
                &cov("categorical = true\nlevels = [\"TAU\", \"NA\"]\n"),
                "levels",
            ),
            &["\"NA\"", "missing_codes"],
        );
        err_at(
            with_covariate(&cov("min = 0\nmax = 2\nlevels = [0, 1]\n"), "levels"),
            &[
                "`levels` applies only to a categorical variable",
                "categorical = true",
            ],
        );
        err_at(
            with_covariate(&cov("min = 0\nmax = 2\nreference = 0\n"), "reference"),
            &["`reference` applies only to a categorical variable"],
        );
        err_at(
            with_covariate(
                &cov("categorical = true\nmin = 0\nmax = 2\nlevels = [0, 3]\n"),
                "levels",
            ),
            &["level 3 is outside its range 0–2"],
        );
        err_at(
            with_covariate(
                &cov("categorical = true\nmin = 0\nmax = 2\nlevels = [0, \"TAU\"]\n"),
                "levels",
            ),
            &["\"TAU\" is text", "remove `min` and `max`"],
        );
    }
}
