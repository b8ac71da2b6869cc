//! `spcure check`: compare reported quantities against expected values (for example the
//! published estimates of a study) and say, quantity by quantity, whether they agree within
//! a stated tolerance. The expected-file format is documented in docs/methods/check.md.
//!
//! parse ([`parse_expectations`]) → resolve each address in the results JSON → compare
//! ([`run_checks`]). Nothing here prints; [`render_table`] returns the side-by-side table.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

/// Why a check could not pass. Exit code: 2 for a malformed expected file or an address that
/// does not exist in the results (the question was wrong); 1 for a mismatch (the answer was).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CheckError {
    #[error("{source_name}: {message}")]
    Malformed {
        source_name: String,
        message: String,
    },
    #[error("{entry}: {message}")]
    NotFound { entry: String, message: String },
    #[error("{failed} of {total} expected value(s) do not match (see the table above)")]
    Mismatch { failed: usize, total: usize },
}

impl CheckError {
    /// True when the expected file or its addresses are at fault (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, CheckError::Mismatch { .. })
    }
}

/// One `[[expect]]` table exactly as written in the TOML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpectation {
    /// The id of an analysis in a schema-2 results.json; the address is looked up inside it.
    pub analysis: Option<String>,
    pub path: Option<String>,
    pub label: Option<String>,
    pub equation: Option<String>,
    pub term: Option<String>,
    pub effect: Option<String>,
    pub pointer: Option<String>,
    pub field: Option<String>,
    pub value: f64,
    pub abs_tol: Option<f64>,
    pub rel_tol: Option<f64>,
    /// Free text (where the value was published); shown nowhere, kept for the reader.
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    title: Option<String>,
    #[serde(default)]
    expect: Vec<RawExpectation>,
}

/// Where a quantity lives in the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Address {
    /// An indirect effect by its variable path, X … Y.
    Path(Vec<String>),
    /// An indirect effect (or contrast) by its label, e.g. "Ind3" or "Total".
    Label(String),
    /// A path coefficient (`term` given) or a whole equation (`field` such as `r2`). Without an
    /// equation, the `terms` of a `spcure regress --json` output.
    Equation {
        equation: Option<String>,
        term: Option<String>,
    },
    /// The total or direct effect of X on Y.
    Effect(EffectKind),
    /// A raw JSON pointer (RFC 6901).
    Pointer(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EffectKind {
    Total,
    Direct,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Tolerance {
    Abs(f64),
    Rel(f64),
}

impl Tolerance {
    pub fn allows(&self, expected: f64, got: f64) -> bool {
        let diff = (got - expected).abs();
        match *self {
            Tolerance::Abs(t) => diff <= t,
            Tolerance::Rel(t) => diff <= t * expected.abs(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Tolerance::Abs(t) if *t != 0.0 && t.abs() < 1e-3 => format!("±{t:e}"),
            Tolerance::Abs(t) => format!("±{t}"),
            Tolerance::Rel(t) => format!("±{}%", t * 100.0),
        }
    }
}

/// One validated expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// How the quantity is named in the table, e.g. "cond -> import -> reaction: boot_se".
    pub name: String,
    /// The analysis id the address is relative to (schema-2 results.json).
    pub analysis: Option<String>,
    pub address: Address,
    pub field: Option<String>,
    pub value: f64,
    pub tolerance: Tolerance,
}

/// The parsed expected file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedFile {
    pub title: Option<String>,
    pub expectations: Vec<Expectation>,
}

/// Parses and validates an expected-values TOML. `source_name` names it in errors.
pub fn parse_expectations(text: &str, source_name: &str) -> Result<ExpectedFile, CheckError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| CheckError::Malformed {
        source_name: source_name.to_string(),
        message: format!("not a valid expected-values file: {e}"),
    })?;
    if raw.expect.is_empty() {
        return Err(CheckError::Malformed {
            source_name: source_name.to_string(),
            message: "no [[expect]] entries; see docs/methods/check.md for the format".into(),
        });
    }
    let expectations = raw
        .expect
        .iter()
        .enumerate()
        .map(|(i, r)| validate(r, i + 1, source_name))
        .collect::<Result<_, _>>()?;
    Ok(ExpectedFile {
        title: raw.title,
        expectations,
    })
}

fn validate(r: &RawExpectation, index: usize, src: &str) -> Result<Expectation, CheckError> {
    let bad = |message: String| CheckError::Malformed {
        source_name: src.to_string(),
        message: format!("[[expect]] entry {index}: {message}"),
    };
    let address = address_of(r).map_err(bad)?;
    let tolerance = match (r.abs_tol, r.rel_tol) {
        (Some(t), None) if t >= 0.0 && t.is_finite() => Tolerance::Abs(t),
        (None, Some(t)) if t >= 0.0 && t.is_finite() => Tolerance::Rel(t),
        (Some(_), Some(_)) => return Err(bad("give either abs_tol or rel_tol, not both".into())),
        (None, None) => return Err(bad("give a tolerance: abs_tol or rel_tol".into())),
        _ => return Err(bad("a tolerance must be a finite number ≥ 0".into())),
    };
    if !r.value.is_finite() {
        return Err(bad("value must be a finite number".into()));
    }
    let mut name = match &r.field {
        Some(f) => format!("{}: {f}", describe(&address)),
        None => describe(&address),
    };
    if let Some(id) = &r.analysis {
        name = format!("[{id}] {name}");
    }
    Ok(Expectation {
        name,
        analysis: r.analysis.clone(),
        address,
        field: r.field.clone(),
        value: r.value,
        tolerance,
    })
}

fn address_of(r: &RawExpectation) -> Result<Address, String> {
    let given = [
        r.path.is_some(),
        r.label.is_some(),
        r.equation.is_some() || r.term.is_some(),
        r.effect.is_some(),
        r.pointer.is_some(),
    ];
    match given.iter().filter(|g| **g).count() {
        0 => {
            return Err(
                "say which quantity: path, label, equation (+ term), effect or pointer".into(),
            )
        }
        1 => {}
        _ => return Err("give only one of path, label, equation/term, effect, pointer".into()),
    }
    if let Some(p) = &r.path {
        let vars = split_path(p);
        if vars.len() < 3 || vars.iter().any(String::is_empty) {
            return Err(format!(
                "path \"{p}\" must name X, at least one mediator and Y, e.g. \"cond -> import -> reaction\""
            ));
        }
        return Ok(Address::Path(vars));
    }
    if let Some(l) = &r.label {
        return Ok(Address::Label(l.clone()));
    }
    if let Some(e) = &r.effect {
        return match e.to_ascii_lowercase().as_str() {
            "total" => Ok(Address::Effect(EffectKind::Total)),
            "direct" => Ok(Address::Effect(EffectKind::Direct)),
            _ => Err(format!("effect = \"{e}\": use \"total\" or \"direct\"")),
        };
    }
    if let Some(p) = &r.pointer {
        if !p.is_empty() && !p.starts_with('/') {
            return Err(format!(
                "pointer \"{p}\" must start with '/', e.g. \"/equations/0/r2\""
            ));
        }
        return Ok(Address::Pointer(p.clone()));
    }
    if r.term.is_none() && r.field.is_none() {
        return Err("equation without term: name a term, or a field such as field = \"r2\"".into());
    }
    Ok(Address::Equation {
        equation: r.equation.clone(),
        term: r.term.clone(),
    })
}

/// "cond -> import → reaction" → ["cond", "import", "reaction"].
pub fn split_path(p: &str) -> Vec<String> {
    p.replace('→', "->")
        .split("->")
        .map(|s| s.trim().to_string())
        .collect()
}

fn describe(a: &Address) -> String {
    match a {
        Address::Path(v) => v.join(" -> "),
        Address::Label(l) => format!("indirect {l}"),
        Address::Equation { equation, term } => match (equation, term) {
            (Some(e), Some(t)) => format!("{e} ~ {t}"),
            (Some(e), None) => format!("equation {e}"),
            (None, Some(t)) => format!("term {t}"),
            (None, None) => "model".into(),
        },
        Address::Effect(EffectKind::Total) => "total effect".into(),
        Address::Effect(EffectKind::Direct) => "direct effect".into(),
        Address::Pointer(p) => format!("pointer {p}"),
    }
}

/// One row of the comparison table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRow {
    pub quantity: String,
    pub expected: f64,
    pub got: f64,
    pub difference: f64,
    pub tolerance: String,
    pub ok: bool,
}

/// The outcome of all checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub rows: Vec<CheckRow>,
}

impl CheckReport {
    pub fn failed(&self) -> usize {
        self.rows.iter().filter(|r| !r.ok).count()
    }
}

/// Resolves every expectation in `results` and compares. An address that does not resolve
/// is an error (exit 2) naming the entry and what is available; mismatches are only
/// recorded (the caller turns them into [`CheckError::Mismatch`] after printing the table).
pub fn run_checks(expected: &ExpectedFile, results: &Value) -> Result<CheckReport, CheckError> {
    let rows = expected
        .expectations
        .iter()
        .map(|e| {
            let got = resolve(e, results)?;
            Ok(CheckRow {
                quantity: e.name.clone(),
                expected: e.value,
                got,
                difference: got - e.value,
                tolerance: e.tolerance.describe(),
                ok: e.tolerance.allows(e.value, got),
            })
        })
        .collect::<Result<_, CheckError>>()?;
    Ok(CheckReport { rows })
}

fn is_mediation(v: &Value) -> bool {
    v.get("indirect_effects").is_some()
        || v.get("equations").is_some()
        || v.get("total_effect").is_some()
}

/// The mediation object: at the root (`spcure mediate --json`), inside an analysis entry,
/// or, at the root of a results.json, the first serial mediation's.
fn mediation(scope: &Value) -> Option<&Value> {
    if is_mediation(scope) {
        return Some(scope);
    }
    if let Some(m) = scope.pointer("/output/result").filter(|m| is_mediation(m)) {
        return Some(m);
    }
    scope
        .get("analyses")?
        .as_array()?
        .iter()
        .filter(|e| e.get("kind").and_then(Value::as_str) == Some("serial_mediation"))
        .find_map(|e| e.pointer("/output/result"))
}

/// The object holding regression `terms`: a `regress --json` output, or a regression entry.
fn regression(scope: &Value) -> Option<&Value> {
    if scope.get("terms").is_some() {
        return Some(scope);
    }
    scope
        .pointer("/output/fit")
        .filter(|f| f.get("terms").is_some())
}

/// Where an expectation's address is looked up: the analysis it names, or the whole results.
fn scope<'a>(e: &Expectation, results: &'a Value) -> Result<&'a Value, String> {
    let Some(id) = &e.analysis else {
        return Ok(results);
    };
    let entries = results
        .get("analyses")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            format!("analysis = \"{id}\", but these results have no analyses list (they come from `mediate --json` or `regress --json`); drop the analysis key")
        })?;
    entries
        .iter()
        .find(|x| x.get("id").and_then(Value::as_str) == Some(id))
        .ok_or_else(|| {
            let ids: Vec<String> = entries
                .iter()
                .filter_map(|x| x.get("id").and_then(Value::as_str))
                .map(|i| format!("\"{i}\""))
                .collect();
            format!(
                "no analysis with id \"{id}\"; the ids are: {}",
                list_or_none(&ids)
            )
        })
}

fn resolve(e: &Expectation, results: &Value) -> Result<f64, CheckError> {
    let not_found = |message: String| CheckError::NotFound {
        entry: e.name.clone(),
        message,
    };
    let scope = scope(e, results).map_err(not_found)?;
    let object = locate(&e.address, scope).map_err(not_found)?;
    let field = e.field.as_deref();
    let value = match (object, field) {
        (Value::Number(_), None) => object,
        (Value::Object(map), f) => {
            let f = f.unwrap_or("estimate");
            map.get(f).ok_or_else(|| {
                let keys: Vec<&str> = map
                    .iter()
                    .filter(|(_, v)| v.is_number())
                    .map(|(k, _)| k.as_str())
                    .collect();
                not_found(format!(
                    "no field '{f}' here; the numeric fields are: {}",
                    keys.join(", ")
                ))
            })?
        }
        (_, Some(f)) => {
            return Err(not_found(format!(
                "field '{f}' asked of a value that is not an object"
            )))
        }
        (other, None) => other,
    };
    value.as_f64().ok_or_else(|| {
        not_found(format!(
            "the value there is {} , not a number",
            short_json(value)
        ))
    })
}

fn short_json(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn locate<'a>(address: &Address, results: &'a Value) -> Result<&'a Value, String> {
    if let Address::Pointer(p) = address {
        return results
            .pointer(p)
            .or_else(|| mediation(results).and_then(|m| m.pointer(p)))
            .ok_or_else(|| {
                format!(
                    "JSON pointer {p} does not exist in the results; top-level keys: {}",
                    keys(results)
                )
            });
    }
    if let (Address::Equation { equation: None, .. }, Some(fit)) = (address, regression(results)) {
        return locate_term(fit, address);
    }
    let m = mediation(results).ok_or_else(|| {
        format!(
            "the results hold no mediation object (looked at the root and under 'mediation'; top-level keys: {})",
            keys(results)
        )
    })?;
    match address {
        Address::Path(vars) => find_indirect_by_path(m, vars),
        Address::Label(l) => find_by_label(m, l),
        Address::Effect(kind) => {
            let key = match kind {
                EffectKind::Total => "total_effect",
                EffectKind::Direct => "direct_effect",
            };
            m.get(key)
                .filter(|v| !v.is_null())
                .ok_or_else(|| format!("the results have no '{key}'"))
        }
        Address::Equation { .. } => find_equation(m, address),
        Address::Pointer(_) => unreachable!("handled above"),
    }
}

fn keys(v: &Value) -> String {
    match v.as_object() {
        Some(map) => map.keys().cloned().collect::<Vec<_>>().join(", "),
        None => "(the results are not a JSON object)".into(),
    }
}

fn array<'a>(m: &'a Value, key: &str) -> &'a [Value] {
    m.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn path_of(effect: &Value) -> Option<Vec<String>> {
    effect.get("path")?.as_array().map(|p| {
        p.iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect()
    })
}

fn find_indirect_by_path<'a>(m: &'a Value, vars: &[String]) -> Result<&'a Value, String> {
    let effects = array(m, "indirect_effects");
    effects
        .iter()
        .find(|e| path_of(e).as_deref() == Some(vars))
        .ok_or_else(|| {
            let available: Vec<String> = effects
                .iter()
                .filter_map(path_of)
                .map(|p| format!("\"{}\"", p.join(" -> ")))
                .collect();
            format!(
                "no indirect effect with this path; the paths are: {}",
                list_or_none(&available)
            )
        })
}

fn label_of(v: &Value) -> Option<&str> {
    v.get("label").and_then(Value::as_str)
}

fn find_by_label<'a>(m: &'a Value, label: &str) -> Result<&'a Value, String> {
    let candidates: Vec<&Value> = array(m, "indirect_effects")
        .iter()
        .chain(array(m, "contrasts"))
        .collect();
    let exact = candidates.iter().find(|v| label_of(v) == Some(label));
    // Labels are short codes (Ind1, Total); accept a different case rather than fail on it.
    let loose = || {
        candidates
            .iter()
            .find(|v| label_of(v).is_some_and(|l| l.eq_ignore_ascii_case(label)))
    };
    exact.or_else(loose).copied().ok_or_else(|| {
        let available: Vec<String> = candidates
            .iter()
            .filter_map(|v| label_of(v))
            .map(|l| format!("\"{l}\""))
            .collect();
        format!(
            "no indirect effect or contrast labelled \"{label}\"; the labels are: {}",
            list_or_none(&available)
        )
    })
}

fn find_equation<'a>(m: &'a Value, address: &Address) -> Result<&'a Value, String> {
    let Address::Equation {
        equation: Some(name),
        ..
    } = address
    else {
        return Err("name the equation (its outcome), e.g. equation = \"pmi\"".into());
    };
    let equations = array(m, "equations");
    let eq = equations
        .iter()
        .find(|e| e.get("outcome").and_then(Value::as_str) == Some(name))
        .ok_or_else(|| {
            let outcomes: Vec<String> = equations
                .iter()
                .filter_map(|e| e.get("outcome").and_then(Value::as_str))
                .map(|o| format!("\"{o}\""))
                .collect();
            format!(
                "no equation for outcome \"{name}\"; the equations are: {}",
                list_or_none(&outcomes)
            )
        })?;
    locate_term(eq, address)
}

/// The equation itself (no term) or one of its `terms`.
fn locate_term<'a>(eq: &'a Value, address: &Address) -> Result<&'a Value, String> {
    let Address::Equation { term, .. } = address else {
        unreachable!("only equation addresses")
    };
    let Some(term) = term else {
        return Ok(eq);
    };
    let terms = array(eq, "terms");
    terms
        .iter()
        .find(|t| t.get("term").and_then(Value::as_str) == Some(term))
        .ok_or_else(|| {
            let names: Vec<String> = terms
                .iter()
                .filter_map(|t| t.get("term").and_then(Value::as_str))
                .map(|t| format!("\"{t}\""))
                .collect();
            format!(
                "no term \"{term}\" in this equation; the terms are: {}",
                list_or_none(&names)
            )
        })
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

/// Quantity, expected, got, difference, tolerance, ok — aligned.
pub fn render_table(report: &CheckReport, title: Option<&str>) -> String {
    let qw = report
        .rows
        .iter()
        .map(|r| r.quantity.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 44);
    let mut s = String::new();
    if let Some(t) = title {
        s.push_str(&format!("{t}\n"));
    }
    s.push_str(&format!(
        "{:<qw$} {:>12} {:>12} {:>11} {:>10}  ok\n",
        "quantity", "expected", "got", "difference", "tolerance"
    ));
    for r in &report.rows {
        s.push_str(&format!(
            "{:<qw$} {:>12} {:>12} {:>11} {:>10}  {}\n",
            r.quantity,
            fmt(r.expected),
            fmt(r.got),
            fmt_diff(r.difference),
            r.tolerance,
            if r.ok { "yes" } else { "NO" }
        ));
    }
    s.push_str(&format!(
        "{} of {} match\n",
        report.rows.len() - report.failed(),
        report.rows.len()
    ));
    s
}

fn fmt(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-3..1e6).contains(&a) {
        format!("{v:.6}")
    } else {
        format!("{v:.5e}")
    }
}

fn fmt_diff(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else {
        format!("{v:+.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(entry: &str) -> Result<ExpectedFile, CheckError> {
        parse_expectations(&format!("[[expect]]\n{entry}\n"), "t.toml")
    }

    #[test]
    fn arrows_of_both_kinds_split_a_path() {
        assert_eq!(split_path("a → b -> c"), vec!["a", "b", "c"]);
    }

    #[test]
    fn each_entry_needs_exactly_one_address_and_one_tolerance() {
        assert!(one("label = \"Ind1\"\nvalue = 1.0\nabs_tol = 0.1").is_ok());
        for bad in [
            "value = 1.0\nabs_tol = 0.1",
            "label = \"Ind1\"\neffect = \"total\"\nvalue = 1.0\nabs_tol = 0.1",
            "label = \"Ind1\"\nvalue = 1.0",
            "label = \"Ind1\"\nvalue = 1.0\nabs_tol = 0.1\nrel_tol = 0.1",
            "label = \"Ind1\"\nvalue = 1.0\nabs_tol = -1.0",
            "effect = \"indirect\"\nvalue = 1.0\nabs_tol = 0.1",
            "path = \"a -> b\"\nvalue = 1.0\nabs_tol = 0.1",
            "label = \"Ind1\"\nvalue = 1.0\nabs_tol = 0.1\ntypo = 1",
        ] {
            let err = one(bad).unwrap_err();
            assert!(err.is_bad_input(), "{bad}: {err}");
        }
    }

    #[test]
    fn relative_and_absolute_tolerances() {
        assert!(Tolerance::Rel(0.1).allows(0.115, 0.126));
        assert!(!Tolerance::Rel(0.1).allows(0.115, 0.127));
        assert!(Tolerance::Abs(0.03).allows(0.474, 0.444));
        assert!(!Tolerance::Abs(0.03).allows(0.474, 0.5041));
    }

    #[test]
    fn regress_output_terms_resolve_without_an_equation() {
        let results: Value =
            serde_json::from_str(r#"{"r2": 0.5, "terms": [{"term": "x", "estimate": 2.0}]}"#)
                .unwrap();
        let file = one("term = \"x\"\nvalue = 2.0\nabs_tol = 0.0").unwrap();
        assert!(run_checks(&file, &results).unwrap().rows[0].ok);
        let file = one("pointer = \"/r2\"\nvalue = 0.5\nabs_tol = 0.0").unwrap();
        assert!(run_checks(&file, &results).unwrap().rows[0].ok);
    }
}
