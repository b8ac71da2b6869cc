//! Settings of a count model on `spcure regress` (`--family poisson|negbin|auto`, `--offset`).

use crate::cli::{CountArgs, FamilyArg, RegressArgs};
use crate::error::UsageError;
use crate::stats::glm::{CountSpec, FamilyChoice};

#[derive(Debug, Clone)]
pub struct CountConfig {
    pub spec: CountSpec,
    /// Exposure column; its log is the offset.
    pub offset: Option<String>,
    /// Participant ID column: cluster-robust SEs by participant (Poisson only).
    pub id: Option<String>,
}

impl CountConfig {
    /// `None` for `--family gaussian` (OLS, where `--offset` is refused).
    pub fn from_args(c: &CountArgs, a: &RegressArgs) -> Result<Option<Self>, UsageError> {
        let family = match c.family {
            FamilyArg::Gaussian => {
                if let Some(col) = c.offset.as_ref().or(c.id.as_ref()) {
                    let flag = if c.offset.is_some() {
                        "--offset"
                    } else {
                        "--id"
                    };
                    return Err(UsageError::new(format!(
                        "{flag} {col} needs a count model: add --family poisson, negbin or auto"
                    )));
                }
                return Ok(None);
            }
            FamilyArg::Poisson => FamilyChoice::Poisson,
            FamilyArg::Negbin => FamilyChoice::NegBin,
            FamilyArg::Auto => FamilyChoice::Auto,
        };
        if a.hc.is_some() {
            return Err(UsageError::new(
                "--hc applies to OLS (--family gaussian); count models report model-based SEs",
            ));
        }
        if let Some(col) = &c.offset {
            if col == &a.y || a.x.contains(col) {
                return Err(UsageError::new(format!(
                    "--offset {col} is also the outcome or a predictor; name the exposure column \
                     (e.g. months of recall) only once"
                )));
            }
        }
        if let Some(id) = &c.id {
            if family != FamilyChoice::Poisson {
                return Err(UsageError::new(format!(
                    "--id {id} takes --family poisson: its participant-clustered (GEE) SEs are \
                     already robust to overdispersion, so no NB model is needed"
                )));
            }
            if id == &a.y || a.x.contains(id) || c.offset.as_ref() == Some(id) {
                return Err(UsageError::new(format!(
                    "--id {id} is also the outcome, a predictor or the offset"
                )));
            }
        }
        Ok(Some(Self {
            spec: CountSpec {
                family,
                intercept: !a.no_intercept,
                level: super::level(a.level)?,
            },
            offset: c.offset.clone(),
            id: c.id.clone(),
        }))
    }
}
