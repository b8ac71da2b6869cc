//! The plan: which analyses to run, in order, from the spec and the waves that were loaded.
//!
//! 1. The evaluation that needs no chain always runs: descriptives, reliability, baseline
//!    correlations, attrition and change across waves.
//! 2. `[model]` expands to the analyses spcure 1.x ran: change-score correlations, the baseline
//!    association, the change-score and residualised-change regressions, the change from the
//!    first to the last wave, the companion regressions of constructs outside the chain, and
//!    the serial mediation on change scores.
//! 3. Each `[[analysis]]` table adds one analysis (a multicategorical x in a serial mediation
//!    adds one per non-reference level: relative indirect effects, as PROCESS's `mcx`).
//!
//! A variable at a wave that no file provides is bad input, refused before anything runs.

use crate::error::UsageError;
use crate::load::{wave_label, Panel};
use crate::prepare::{MissingStrategy, Var};
use crate::spec::{AnalysisSpec, Missing, Model, StudySpec, VarRef};

use super::Kind;

/// One analysis to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub id: String,
    pub title: String,
    pub job: Job,
}

/// What to run, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Descriptives,
    Reliability,
    Correlations(CorrelationsJob),
    Attrition(AttritionJob),
    Change(ChangeJob),
    MixedModel(MixedJob),
    Regression(RegressionJob),
    SerialMediation(MediationJob),
    CountChange(CountChangeJob),
}

/// The change over the waves of one `kind = "count"` construct.
#[derive(Debug, Clone, PartialEq)]
pub struct CountChangeJob {
    pub construct: String,
}

impl Job {
    pub fn kind(&self) -> Kind {
        match self {
            Job::Descriptives => Kind::Descriptives,
            Job::Reliability => Kind::Reliability,
            Job::Correlations(_) => Kind::Correlations,
            Job::Attrition(_) => Kind::Attrition,
            Job::Change(_) => Kind::Change,
            Job::MixedModel(_) => Kind::MixedModel,
            Job::Regression(_) => Kind::Regression,
            Job::SerialMediation(_) => Kind::SerialMediation,
            Job::CountChange(_) => Kind::CountChange,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationsJob {
    /// Each variable's values for every baseline participant are read pairwise.
    pub variables: Vec<Var>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttritionJob {
    /// Completers are the baseline participants present at this wave.
    pub completer_wave: u32,
    /// Variables of Little's MCAR test.
    pub mcar: Vec<Var>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChangeJob {
    pub constructs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MixedJob {
    pub constructs: Vec<String>,
    /// A categorical baseline variable (treatment arm): group × time.
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegressionJob {
    pub y: Var,
    pub x: Vec<Var>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MediationJob {
    pub x: Var,
    pub mediators: Vec<Var>,
    pub y: Var,
    pub covariates: Vec<Var>,
    /// Listwise, or FIML (then a `<id>_listwise` entry follows with the complete cases).
    pub missing: MissingStrategy,
    /// FIML auxiliary variables (saturated correlates): the baseline scores of the chain's
    /// change-score constructs, which carry the dropouts' information.
    pub aux: Vec<Var>,
}

impl MediationJob {
    /// A chain with the study's missing-data handling and, for FIML, its auxiliaries.
    fn new(
        x: Var,
        mediators: Vec<Var>,
        y: Var,
        covariates: Vec<Var>,
        missing: MissingStrategy,
    ) -> Self {
        let mut job = Self {
            x,
            mediators,
            y,
            covariates,
            missing,
            aux: Vec::new(),
        };
        if missing == MissingStrategy::Fiml {
            for v in std::iter::once(&job.x)
                .chain(&job.mediators)
                .chain([&job.y])
            {
                if let Var::Change {
                    construct, from, ..
                } = v
                {
                    let baseline = Var::score(construct, *from);
                    if !job.aux.contains(&baseline) {
                        job.aux.push(baseline);
                    }
                }
            }
        }
        job
    }
}

/// The strategy of a model: its own `missing`, else the study's, else FIML — except in a
/// clustered study (the spec refuses an explicit FIML there), which is analysed listwise with
/// the cluster bootstrap.
fn strategy(spec: &StudySpec, own: Option<Missing>) -> MissingStrategy {
    match own.or(spec.study.missing) {
        Some(Missing::Listwise) => MissingStrategy::Listwise,
        None if spec.study.cluster.is_some() => MissingStrategy::Listwise,
        Some(Missing::Fiml) | None => MissingStrategy::Fiml,
    }
}

/// The analyses to run on `panel`.
pub fn plan(spec: &StudySpec, panel: &Panel) -> Result<Vec<Planned>, UsageError> {
    let mut out = evaluation(spec, panel);
    if let Some(m) = &spec.model {
        check_waves(panel, &model_waves(m), "[model]")?;
        out.extend(model(spec, m, panel));
    }
    for (i, a) in spec.analyses.iter().enumerate() {
        out.extend(analysis(spec, a, i + 1, panel)?);
    }
    Ok(out)
}

fn model_waves(m: &Model) -> Vec<u32> {
    let (f, t) = m.waves();
    vec![f, t]
}

/// Refuses a plan that needs a wave no file provides.
fn check_waves(panel: &Panel, waves: &[u32], what: &str) -> Result<(), UsageError> {
    match waves.iter().find(|w| panel.wave_index(**w).is_none()) {
        Some(w) => Err(UsageError::new(format!(
            "the spec's {what} needs wave {}, but no {} file was given (waves loaded: {}); pass that wave's file or change the spec's waves",
            wave_label(*w),
            wave_label(*w),
            panel
                .waves
                .iter()
                .map(|w| wave_label(*w))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        None => Ok(()),
    }
}

fn planned(id: impl Into<String>, title: impl Into<String>, job: Job) -> Planned {
    Planned {
        id: id.into(),
        title: title.into(),
        job,
    }
}

/// The analyses that need no chain.
fn evaluation(spec: &StudySpec, panel: &Panel) -> Vec<Planned> {
    let first = panel.waves[0];
    // Completers: present at the model's follow-up wave, else at the second wave loaded.
    let completer_wave = spec
        .model
        .as_ref()
        .map(|m| m.waves().1)
        .or_else(|| panel.waves.get(1).copied());
    let mut out = vec![
        planned(
            "descriptives",
            "Descriptive statistics by wave",
            Job::Descriptives,
        ),
        planned(
            "reliability",
            "Internal consistency of the scales",
            Job::Reliability,
        ),
        planned(
            "correlations_baseline",
            "Correlations at baseline (pairwise complete)",
            Job::Correlations(CorrelationsJob {
                variables: baseline_variables(panel, first),
            }),
        ),
    ];
    if let Some(completer_wave) = completer_wave {
        out.push(planned(
            "attrition",
            format!(
                "Attrition: completers (present at {}) against non-completers",
                wave_label(completer_wave)
            ),
            Job::Attrition(AttritionJob {
                completer_wave,
                mcar: mcar_variables(spec, panel, first, completer_wave),
            }),
        ));
    }
    let is_count = |name: &str| {
        spec.construct(name)
            .is_some_and(|c| c.kind == crate::spec::ConstructKind::Count)
    };
    if panel.waves.len() > 1 {
        out.push(planned(
            "mixed_model",
            "Change across waves: mixed model (MMRM), every participant",
            Job::MixedModel(MixedJob {
                // Counts get their own log-linear model (count_change), not a Gaussian MMRM.
                constructs: panel
                    .constructs
                    .iter()
                    .filter(|c| !is_count(&c.name))
                    .map(|c| c.name.clone())
                    .collect(),
                group: super::mixed::arm(spec, panel),
            }),
        ));
    }
    out.push(planned(
        "change",
        "Paired change between waves",
        Job::Change(ChangeJob {
            constructs: panel
                .constructs
                .iter()
                .filter(|c| !is_count(&c.name))
                .map(|c| c.name.clone())
                .collect(),
        }),
    ));
    // Counts (GP appointments): a Poisson model over all waves, pairing respected.
    if panel.waves.len() > 1 {
        for c in panel.constructs.iter().filter(|c| is_count(&c.name)) {
            out.push(planned(
                format!("count_change_{}", c.name),
                format!(
                    "Change in {} (counts): Poisson rate ratios between waves, SEs clustered by participant",
                    if c.label.is_empty() { &c.name } else { &c.label }
                ),
                Job::CountChange(CountChangeJob {
                    construct: c.name.clone(),
                }),
            ));
        }
    }
    out
}

/// Every construct's score at `wave`, then the covariates.
fn baseline_variables(panel: &Panel, wave: u32) -> Vec<Var> {
    let mut vars: Vec<Var> = panel
        .constructs
        .iter()
        .map(|c| Var::score(&c.name, wave))
        .collect();
    vars.extend(panel.covariates.iter().map(|c| Var::baseline(&c.name)));
    vars
}

/// Little's test: the model's chain at both waves and its covariates (with a `[model]`), else
/// every construct at both waves and every covariate with at most two levels.
fn mcar_variables(spec: &StudySpec, panel: &Panel, from: u32, to: u32) -> Vec<Var> {
    let (constructs, covariates): (Vec<String>, Vec<String>) = match &spec.model {
        Some(m) => (
            chain(m)
                .into_iter()
                .filter(|c| panel.construct(c).is_some())
                .map(String::from)
                .collect(),
            m.covariates().iter().map(|c| c.to_string()).collect(),
        ),
        None => (
            panel.constructs.iter().map(|c| c.name.clone()).collect(),
            panel
                .covariates
                .iter()
                .filter(|c| c.levels.len() <= 2)
                .map(|c| c.name.clone())
                .collect(),
        ),
    };
    let mut vars = Vec::new();
    for c in &constructs {
        vars.push(Var::score(c, from));
        vars.push(Var::score(c, to));
    }
    vars.extend(covariates.iter().map(|c| Var::baseline(c)));
    vars
}

fn chain(m: &Model) -> Vec<&str> {
    std::iter::once(m.x())
        .chain(m.mediators())
        .chain([m.y()])
        .collect()
}

/// X of a `[model]`: a construct's change, or a baseline variable (e.g. a treatment arm).
fn model_x(spec: &StudySpec, m: &Model, from: u32, to: u32) -> Var {
    if spec.construct(m.x()).is_some() {
        Var::change(m.x(), from, to)
    } else {
        Var::baseline(m.x())
    }
}

/// The `[model]` shorthand: spcure 1.x's regressions and the serial mediation.
fn model(spec: &StudySpec, m: &Model, panel: &Panel) -> Vec<Planned> {
    let (from, to) = m.waves();
    let (x, y) = (m.x(), m.y());
    let (f, t) = (wave_label(from), wave_label(to));
    let covs: Vec<Var> = m.covariates().iter().map(|c| Var::baseline(c)).collect();
    let with_covs = |mut v: Vec<Var>| {
        v.extend(covs.iter().cloned());
        v
    };
    let x_is_construct = spec.construct(x).is_some();
    let dx = |to: u32| model_x(spec, m, from, to);
    let d = if x_is_construct { "Δ" } else { "" };
    let mut out = vec![planned(
        "correlations_change",
        format!("Correlations of change scores ({t} − {f})"),
        Job::Correlations(CorrelationsJob {
            variables: panel
                .constructs
                .iter()
                .map(|c| Var::change(&c.name, from, to))
                .collect(),
        }),
    )];
    let x_at_baseline = if x_is_construct {
        Var::score(x, from)
    } else {
        Var::baseline(x)
    };
    out.push(regression(
        format!("baseline_{f}"),
        format!("Baseline association: {y} on {x} at {f}"),
        Var::score(y, from),
        with_covs(vec![x_at_baseline]),
    ));
    out.push(regression(
        format!("change_{f}_{t}"),
        format!("Change-score regression: Δ{y} on {d}{x} ({t} − {f})"),
        Var::change(y, from, to),
        with_covs(vec![dx(to)]),
    ));
    out.push(regression(
        format!("residualised_{f}_{t}"),
        format!("Residualised change: {y} at {t} on {y} at {f} and {d}{x}"),
        Var::score(y, to),
        with_covs(vec![Var::score(y, from), dx(to)]),
    ));
    if let Some(&last) = panel.waves.last().filter(|w| **w > to) {
        let l = wave_label(last);
        out.push(regression(
            format!("change_{f}_{l}"),
            format!("Change-score regression: Δ{y} on {d}{x} ({l} − {f})"),
            Var::change(y, from, last),
            with_covs(vec![dx(last)]),
        ));
    }
    let in_chain = chain(m);
    // Constructs outside the chain (e.g. GP appointments): their change on X, the companion
    // analysis of service use.
    for c in panel
        .constructs
        .iter()
        .filter(|c| !in_chain.contains(&c.name.as_str()))
    {
        out.push(regression(
            format!("change_{}_{f}_{t}", c.name),
            format!("Change-score regression: Δ{} on {d}{x} ({t} − {f})", c.name),
            Var::change(&c.name, from, to),
            with_covs(vec![dx(to)]),
        ));
    }
    let job = MediationJob::new(
        dx(to),
        m.mediators()
            .iter()
            .map(|c| Var::change(c, from, to))
            .collect(),
        Var::change(y, from, to),
        covs.clone(),
        strategy(spec, m.missing),
    );
    out.extend(mediations(
        "mediation",
        &format!("Serial mediation on change scores ({t} − {f})"),
        job,
        panel,
    ));
    out
}

fn regression(id: String, title: String, y: Var, x: Vec<Var>) -> Planned {
    planned(id, title, Job::Regression(RegressionJob { y, x }))
}

/// One serial mediation, or, for an x with more than two levels, one per non-reference level
/// with the other levels' indicators as covariates (relative indirect effects). A FIML
/// mediation is followed by its listwise twin, `<id>_listwise`.
fn mediations(id: &str, title: &str, job: MediationJob, panel: &Panel) -> Vec<Planned> {
    let mut out = Vec::new();
    for p in mediations_by_level(id, title, job, panel) {
        let listwise = match &p.job {
            Job::SerialMediation(j) if j.missing == MissingStrategy::Fiml => Some(planned(
                format!("{}_listwise", p.id),
                format!("{} — complete cases (listwise)", p.title),
                Job::SerialMediation(MediationJob {
                    missing: MissingStrategy::Listwise,
                    aux: Vec::new(),
                    ..j.clone()
                }),
            )),
            _ => None,
        };
        out.push(p);
        out.extend(listwise);
    }
    out
}

fn mediations_by_level(id: &str, title: &str, job: MediationJob, panel: &Panel) -> Vec<Planned> {
    let levels = match &job.x {
        Var::Baseline { name } => panel
            .covariate(name)
            .map(|c| c.levels.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if levels.len() <= 2 {
        return vec![planned(id, title, Job::SerialMediation(job))];
    }
    let name = job.x.source_name().to_string();
    levels[1..]
        .iter()
        .map(|level| {
            let mut covariates: Vec<Var> = levels[1..]
                .iter()
                .filter(|l| *l != level)
                .map(|l| Var::Level {
                    name: name.clone(),
                    level: l.clone(),
                })
                .collect();
            covariates.extend(job.covariates.iter().cloned());
            planned(
                format!("{id}_{name}_{}", sanitize(level)),
                format!(
                    "{title}: {name} = {level} against {} (relative effect)",
                    levels[0]
                ),
                Job::SerialMediation(MediationJob {
                    x: Var::Level {
                        name: name.clone(),
                        level: level.clone(),
                    },
                    covariates,
                    ..job.clone()
                }),
            )
        })
        .collect()
}

/// A level as part of an id: letters, digits and underscores.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn to_var(r: VarRef) -> Var {
    match r {
        VarRef::Score { construct, wave } => Var::Score { construct, wave },
        VarRef::Change {
            construct,
            from,
            to,
        } => Var::Change {
            construct,
            from,
            to,
        },
        VarRef::Baseline { name } => Var::Baseline { name },
    }
}

/// One `[[analysis]]` table (the spec has validated its names).
fn analysis(
    spec: &StudySpec,
    a: &AnalysisSpec,
    index: usize,
    panel: &Panel,
) -> Result<Vec<Planned>, UsageError> {
    let waves = a.waves();
    let resolve = |text: &str| -> Result<Var, UsageError> {
        spec.resolve(text, waves)
            .map(to_var)
            .map_err(UsageError::new)
    };
    let kind = a.kind();
    let id =
        a.id.as_ref()
            .map_or_else(|| format!("{kind}_{index}"), |i| i.get_ref().clone());
    let what = format!("analysis '{id}'");
    let title = |default: String| a.title.clone().unwrap_or(default);
    let many = |names: &[toml::Spanned<String>]| -> Result<Vec<Var>, UsageError> {
        names.iter().map(|n| resolve(n.get_ref())).collect()
    };
    let job = match kind {
        "descriptives" => Job::Descriptives,
        "reliability" => Job::Reliability,
        "correlations" => Job::Correlations(CorrelationsJob {
            variables: if a.variables.is_empty() {
                baseline_variables(panel, panel.waves[0])
            } else {
                many(&a.variables)?
            },
        }),
        "attrition" => {
            let wave = a
                .completer_wave
                .as_ref()
                .and_then(|w| crate::spec::wave_number(w.get_ref()))
                .or_else(|| panel.waves.get(1).copied())
                .ok_or_else(|| {
                    UsageError::new(format!(
                        "{what}: attrition needs a follow-up wave; only one wave was loaded"
                    ))
                })?;
            Job::Attrition(AttritionJob {
                completer_wave: wave,
                mcar: mcar_variables(spec, panel, panel.waves[0], wave),
            })
        }
        "change" => Job::Change(ChangeJob {
            constructs: if a.constructs.is_empty() {
                panel.constructs.iter().map(|c| c.name.clone()).collect()
            } else {
                a.constructs.iter().map(|c| c.get_ref().clone()).collect()
            },
        }),
        "regression" | "serial_mediation" => {
            let y = resolve(
                a.y.as_ref()
                    .map(|y| y.get_ref().as_str())
                    .unwrap_or_default(),
            )?;
            let xs: Vec<Var> =
                a.x.as_ref()
                    .map(|x| x.get_ref().names())
                    .unwrap_or_default()
                    .into_iter()
                    .map(resolve)
                    .collect::<Result<_, _>>()?;
            let covariates = many(&a.covariates)?;
            let all_waves: Vec<u32> = xs
                .iter()
                .chain([&y])
                .chain(&covariates)
                .flat_map(Var::waves)
                .collect();
            if kind == "regression" {
                check_waves(panel, &all_waves, &what)?;
                let mut x = xs;
                x.extend(covariates);
                Job::Regression(RegressionJob { y, x })
            } else {
                let mediators = many(&a.mediators)?;
                let waves: Vec<u32> = all_waves
                    .into_iter()
                    .chain(mediators.iter().flat_map(Var::waves))
                    .collect();
                check_waves(panel, &waves, &what)?;
                let missing = strategy(spec, a.missing.as_ref().map(|m| *m.get_ref()));
                let job = MediationJob::new(xs[0].clone(), mediators, y, covariates, missing);
                let t = title(format!("Serial mediation: {}", describe_chain(&job)));
                return Ok(mediations(&id, &t, job, panel));
            }
        }
        other => unreachable!("the spec refuses analysis kind '{other}'"),
    };
    if let Job::Change(_) | Job::Attrition(_) = &job {
        if panel.waves.len() < 2 {
            return Err(UsageError::new(format!(
                "{what}: {kind} needs at least two waves; only one was loaded"
            )));
        }
    }
    let default_title = match &job {
        Job::Regression(r) => format!(
            "Regression: {} ~ {}",
            r.y.name(),
            r.x.iter().map(Var::name).collect::<Vec<_>>().join(" + ")
        ),
        _ => kind.replace('_', " "),
    };
    Ok(vec![planned(id, title(default_title), job)])
}

fn describe_chain(j: &MediationJob) -> String {
    std::iter::once(&j.x)
        .chain(&j.mediators)
        .chain([&j.y])
        .map(Var::name)
        .collect::<Vec<_>>()
        .join(" → ")
}
