//! `--cluster COL` for the flat-file commands (`regress`, `mediate`): the cluster id of every
//! case a model uses, checked, as a [`ClusterSpec`].

use std::path::Path;

use anyhow::Result;

use crate::config::ClusterChoice;
use crate::error::UsageError;
use crate::load::FlatLabels;
use crate::prepare::ModelFrame;
use crate::stats::cluster::{ClusterSpec, Clusters};

/// Below this many clusters a cluster bootstrap is flagged: Cameron, Gelbach & Miller (2008,
/// *Rev. Econ. Stat.* 90:414–427) found the pairs cluster bootstrap's tests over-reject with
/// 5 to 30 clusters (its intervals are too narrow), so with fewer than 30 its CIs are only
/// approximate.
pub const FEW_CLUSTERS: usize = 30;

/// The clusters of the cases in `frame` (its ids are 1-based data rows of the file). A used
/// case without a cluster id, or fewer than 2 clusters, is bad input naming file, line and
/// column.
pub fn cluster_spec(
    choice: &ClusterChoice,
    labels: &FlatLabels,
    frame: &ModelFrame,
    file: &Path,
) -> Result<ClusterSpec> {
    let mut ids: Vec<&str> = Vec::with_capacity(frame.n());
    for id in &frame.ids {
        let row = id
            .parse::<usize>()
            .ok()
            .filter(|r| (1..=labels.values.len()).contains(r))
            .ok_or_else(|| UsageError::new(format!("{}: no data row {id}", file.display())))?;
        match &labels.values[row - 1] {
            Some(label) => ids.push(label),
            None => {
                return Err(UsageError::new(format!(
                    "{}: line {} (data row {row}): column '{}' (--cluster) is empty or \
                     missing; every case in the model needs its cluster id: fill it in or \
                     remove the row",
                    file.display(),
                    labels.lines.get(row - 1).copied().unwrap_or(row + 1),
                    labels.column
                ))
                .into())
            }
        }
    }
    let distinct: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    if distinct.len() < 2 {
        return Err(UsageError::new(format!(
            "{}: column '{}' (--cluster) has {} distinct value(s) among the {} cases used; \
             cluster-robust inference needs at least 2 clusters (and many more to be \
             trustworthy): check the column, or drop --cluster",
            file.display(),
            labels.column,
            distinct.len(),
            ids.len()
        ))
        .into());
    }
    Ok(ClusterSpec {
        variable: choice.column.clone(),
        clusters: Clusters::new(&ids)?,
        vcov: choice.vcov,
    })
}

/// "SE: CR2, 12 clusters (site), Satterthwaite df" for a report line.
pub fn se_line(info: &crate::stats::ols::ClusterInfo) -> String {
    format!(
        "SE: {}, {} clusters ({}; {} to {} cases each), {} df",
        info.vcov, info.clusters, info.variable, info.smallest, info.largest, info.df_method
    )
}
