//! Typed settings for `spcure mixed`.

use std::path::PathBuf;

use crate::cli::{CovarianceArg, DfArg, MixedArgs};
use crate::error::UsageError;
use crate::stats::mmrm::{Covariance, DfMethod, MixedSpec};

#[derive(Debug, Clone)]
pub struct MixedConfig {
    pub file: PathBuf,
    pub id: String,
    pub time: String,
    pub y: String,
    pub group: Option<String>,
    pub covariates: Vec<String>,
    pub spec: MixedSpec,
    pub json: bool,
}

impl MixedConfig {
    pub fn from_args(a: &MixedArgs) -> Result<Self, UsageError> {
        let mut all: Vec<(&str, &String)> =
            vec![("--id", &a.id), ("--time", &a.time), ("--y", &a.y)];
        if let Some(g) = &a.group {
            all.push(("--group", g));
        }
        all.extend(a.cov.iter().map(|c| ("--cov", c)));
        for (i, (flag, v)) in all.iter().enumerate() {
            if v.trim().is_empty() {
                return Err(UsageError::new(format!(
                    "{flag} is empty; give a column name"
                )));
            }
            if let Some((other, _)) = all[..i].iter().find(|(_, w)| w == v) {
                return Err(UsageError::new(format!(
                    "column '{v}' is named by both {other} and {flag}; each column has one role"
                )));
            }
        }
        Ok(Self {
            file: a.file.clone(),
            id: a.id.clone(),
            time: a.time.clone(),
            y: a.y.clone(),
            group: a.group.clone(),
            covariates: a.cov.clone(),
            spec: MixedSpec {
                covariance: match a.covariance {
                    CovarianceArg::Unstructured => Covariance::Unstructured,
                    CovarianceArg::Intercept => Covariance::RandomIntercept,
                },
                df: match a.df {
                    DfArg::Satterthwaite => DfMethod::Satterthwaite,
                    DfArg::KenwardRoger => DfMethod::KenwardRoger,
                },
                level: super::level(a.level)?,
                ..MixedSpec::default()
            },
            json: a.json,
        })
    }
}
