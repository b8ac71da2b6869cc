//! Which wave a file holds, from its name: `T0`, `t1`, `wave0`, `wave_1`, `w2`, `baseline`,
//! `followup1`, `follow-up_2`, `fu1` (case-insensitive), or an explicit `--wave T1=path`.

use std::path::{Path, PathBuf};

use super::LoadError;

/// A wave file with its wave number (0 = baseline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveFile {
    pub wave: u32,
    pub path: PathBuf,
}

/// Wave label as printed everywhere: `T0`, `T1`, …
pub fn label(wave: u32) -> String {
    format!("T{wave}")
}

/// Every wave number named in a file name. More than one distinct number is ambiguous.
fn waves_in_name(path: &Path) -> Vec<u32> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    waves_in_text(&stem)
}

/// Every wave number named in a text (a file stem, or a wave value in a long file), by the
/// same rules as file names.
pub(super) fn waves_in_text(text: &str) -> Vec<u32> {
    let stem = text.to_lowercase();
    let tokens: Vec<&str> = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let mut found = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        let next_number = tokens.get(i + 1).and_then(|t| t.parse::<u32>().ok());
        let wave = match *tok {
            "baseline" => Some(0),
            "wave" | "followup" | "fu" => next_number,
            "follow" if tokens.get(i + 1) == Some(&"up") => {
                tokens.get(i + 2).and_then(|t| t.parse().ok())
            }
            _ => prefixed_number(tok),
        };
        if let Some(w) = wave {
            if !found.contains(&w) {
                found.push(w);
            }
        }
    }
    found
}

/// `t1`, `w2`, `wave3`, `followup1`, `fu2` → the number.
pub(super) fn prefixed_number(tok: &str) -> Option<u32> {
    ["followup", "wave", "fu", "t", "w"].iter().find_map(|p| {
        let rest = tok.strip_prefix(p)?;
        (!rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())).then(|| rest.parse().ok())?
    })
}

/// Assigns a wave to every file; `overrides` (from `--wave T1=path`) win over names.
/// Errors: a name with no or several waves, one file (same path, or a link to it) given for
/// two waves, or two files for one wave.
pub fn assign(paths: &[PathBuf], overrides: &[(u32, PathBuf)]) -> Result<Vec<WaveFile>, LoadError> {
    let mut files: Vec<WaveFile> = overrides
        .iter()
        .map(|(wave, path)| WaveFile {
            wave: *wave,
            path: path.clone(),
        })
        .collect();
    for path in paths {
        if overrides.iter().any(|(_, p)| p == path) {
            continue;
        }
        let waves = waves_in_name(path);
        let wave = match waves.as_slice() {
            [w] => *w,
            [] => return Err(LoadError::WaveUnknown { path: path.clone() }),
            many => {
                return Err(LoadError::WaveAmbiguous {
                    path: path.clone(),
                    waves: many
                        .iter()
                        .map(|w| label(*w))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        files.push(WaveFile {
            wave,
            path: path.clone(),
        });
    }
    same_file(&files)?;
    files.sort_by_key(|f| f.wave);
    for pair in files.windows(2) {
        if pair[0].wave == pair[1].wave {
            return Err(LoadError::WaveDuplicate {
                wave: label(pair[0].wave),
                first: pair[0].path.clone(),
                second: pair[1].path.clone(),
            });
        }
    }
    match files.first() {
        None => Err(LoadError::NoFiles),
        Some(f) if f.wave != 0 => Err(LoadError::NoBaseline {
            first: label(f.wave),
            path: f.path.clone(),
        }),
        Some(_) => Ok(files),
    }
}

/// Refuses one file given twice: the same path, or two paths (links) to one file.
fn same_file(files: &[WaveFile]) -> Result<(), LoadError> {
    let real: Vec<PathBuf> = files
        .iter()
        .map(|f| std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone()))
        .collect();
    for (j, second) in files.iter().enumerate() {
        if let Some(i) = real[..j].iter().position(|r| *r == real[j]) {
            let first = &files[i];
            let how = if first.path == second.path {
                "the same file, given twice".to_string()
            } else {
                format!("the same file ({})", real[j].display())
            };
            return Err(LoadError::SameFile {
                first: first.path.clone(),
                first_wave: label(first.wave),
                second: second.path.clone(),
                second_wave: label(second.wave),
                how,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wave_of(name: &str) -> Vec<u32> {
        waves_in_name(Path::new(name))
    }

    #[test]
    fn recognises_the_common_namings() {
        for (name, w) in [
            ("data/T0.csv", 0),
            ("t1.csv", 1),
            ("cohort_T2.csv", 2),
            ("wave0.csv", 0),
            ("wave_1.csv", 1),
            ("study-W2.csv", 2),
            ("Baseline.csv", 0),
            ("followup1.csv", 1),
            ("follow-up_2.csv", 2),
            ("FU1.csv", 1),
            ("sp_wave 2.tsv", 2),
        ] {
            assert_eq!(wave_of(name), vec![w], "{name}");
        }
        assert!(wave_of("survey.csv").is_empty());
        assert!(wave_of("twelve.csv").is_empty());
        assert_eq!(wave_of("t0_to_t1.csv"), vec![0, 1]);
    }

    #[test]
    fn duplicates_ambiguity_and_overrides() {
        let p = |s: &str| PathBuf::from(s);
        let err = assign(&[p("a/T1.csv"), p("b/wave1.csv"), p("T0.csv")], &[]).unwrap_err();
        assert!(
            err.to_string().contains("a/T1.csv") && err.to_string().contains("b/wave1.csv"),
            "{err}"
        );
        assert!(assign(&[p("t0_vs_t1.csv")], &[])
            .unwrap_err()
            .to_string()
            .contains("T0, T1"));
        let files = assign(&[p("T0.csv"), p("survey.csv")], &[(1, p("survey.csv"))]).unwrap();
        assert_eq!(files.iter().map(|f| f.wave).collect::<Vec<_>>(), [0, 1]);
        assert!(matches!(
            assign(&[p("T1.csv")], &[]),
            Err(LoadError::NoBaseline { .. })
        ));
    }

    #[test]
    fn one_file_cannot_be_two_waves() {
        let p = |s: &str| PathBuf::from(s);
        let err = assign(&[], &[(0, p("a.csv")), (1, p("a.csv"))]).unwrap_err();
        assert!(matches!(err, LoadError::SameFile { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("a.csv (T0) and a.csv (T1)"), "{msg}");
        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let real = dir.path().join("T0.csv");
            std::fs::write(&real, "id\n1\n").unwrap();
            let link = dir.path().join("T1.csv");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            let err = assign(&[real, link], &[]).unwrap_err().to_string();
            assert!(
                err.contains("T0.csv (T0)") && err.contains("T1.csv (T1)"),
                "{err}"
            );
            assert!(err.contains("the same file"), "{err}");
        }
    }
}
