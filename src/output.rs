//! The output directory: created by spcure (marked with a `.spcure-output` file), never an
//! input file's directory, never a non-empty directory spcure did not create unless
//! `--force`. Every file is written atomically: a temporary file, then a rename.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::UsageError;

/// Marker that says spcure made this directory, so re-running may overwrite it.
pub const MARKER: &str = ".spcure-output";

#[derive(Debug, Clone)]
pub struct OutputDir {
    pub path: PathBuf,
}

impl OutputDir {
    /// Checks and creates the directory. `inputs` are the files read by this run.
    pub fn prepare(path: &Path, force: bool, inputs: &[PathBuf]) -> Result<Self> {
        if path.exists() && !path.is_dir() {
            return Err(UsageError::new(format!(
                "--out {}: this is a file, not a directory",
                path.display()
            ))
            .into());
        }
        let canonical_out = path.canonicalize().ok();
        for input in inputs {
            let dir = input.parent().map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                }
            });
            let input_dir = dir.and_then(|d| d.canonicalize().ok());
            if canonical_out.is_some() && canonical_out == input_dir {
                return Err(UsageError::new(format!(
                    "--out {} is the directory of the input {}; choose a separate output directory so inputs are never overwritten",
                    path.display(), input.display())).into());
            }
        }
        if path.is_dir() && !path.join(MARKER).exists() && !force {
            let non_empty = fs::read_dir(path)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false);
            if non_empty {
                return Err(UsageError::new(format!(
                    "--out {} exists, is not empty and was not created by spcure; choose another directory or pass --force",
                    path.display())).into());
            }
        }
        fs::create_dir_all(path)
            .with_context(|| format!("cannot create the output directory {}", path.display()))?;
        let out = Self {
            path: path.to_path_buf(),
        };
        out.write(
            MARKER,
            b"This directory was written by spcure; re-running may overwrite its files.\n",
        )?;
        Ok(out)
    }

    /// Writes `name` (may contain subdirectories) atomically.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        write_atomic(&self.path.join(name), bytes)?;
        Ok(self.path.join(name))
    }
}

/// Writes via a temporary file in the same directory, then renames it into place.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", target.display()))
}
