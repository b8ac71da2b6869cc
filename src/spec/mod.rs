//! The study spec: which columns make which construct, how they are scored, and which serial
//! chain to fit. Written in TOML; an embedded default describes the Social Cure model.
//!
//! Parsing is strict (unknown keys are errors) and every semantic error points at the TOML
//! line it comes from.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

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
    pub model: Model,
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
}

/// A baseline covariate read from the T0 file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covariate {
    pub name: Spanned<String>,
    #[serde(default)]
    pub label: String,
    pub column: String,
    pub min: Spanned<f64>,
    pub max: f64,
    #[serde(default)]
    pub categorical: bool,
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
        let mut seen: Vec<&str> = Vec::new();
        for c in &self.constructs {
            self.check_construct(c, &mut seen)
                .map_err(|m| err(c.name.span(), m))?;
        }
        for c in &self.covariates {
            check_name(c.name(), &mut seen).map_err(|m| err(c.name.span(), m))?;
            if c.min.get_ref() >= &c.max {
                return Err(err(
                    c.min.span(),
                    format!(
                        "covariate '{}': min ({}) must be below max ({})",
                        c.name(),
                        c.min.get_ref(),
                        c.max
                    ),
                ));
            }
        }
        self.check_model(&err)
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
        if c.min.get_ref() >= &c.max {
            return Err(format!(
                "construct '{name}': min ({}) must be below max ({})",
                c.min.get_ref(),
                c.max
            ));
        }
        let columns = c.columns();
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

    fn check_model(
        &self,
        err: &dyn Fn(std::ops::Range<usize>, String) -> SpecError,
    ) -> Result<(), SpecError> {
        let m = &self.model;
        let known = self
            .constructs
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ");
        let mut chain: Vec<&Spanned<String>> = vec![&m.x];
        chain.extend(m.mediators.get_ref().iter());
        chain.push(&m.y);
        for v in &chain {
            if self.construct(v.get_ref()).is_none() {
                return Err(err(
                    v.span(),
                    format!(
                        "the model names '{}', which is not a construct; known constructs: {known}",
                        v.get_ref()
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
        for w in [&m.from_wave, &m.to_wave] {
            if wave_number(w.get_ref()).is_none() {
                return Err(err(
                    w.span(),
                    format!("wave '{}' must look like T0, T1, T2", w.get_ref()),
                ));
            }
        }
        if wave_number(m.from_wave.get_ref()) >= wave_number(m.to_wave.get_ref()) {
            return Err(err(
                m.to_wave.span(),
                format!(
                    "to_wave ({}) must come after from_wave ({})",
                    m.to_wave.get_ref(),
                    m.from_wave.get_ref()
                ),
            ));
        }
        Ok(())
    }
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
        assert_eq!(spec.model.x(), "groups");
        assert_eq!(
            spec.model.mediators(),
            ["belonging", "support", "loneliness"]
        );
        assert_eq!(spec.model.y(), "hrqol");
        assert_eq!(spec.model.covariates(), ["age", "gender"]);
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
}
