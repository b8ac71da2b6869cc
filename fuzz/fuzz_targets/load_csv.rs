//! Any bytes as a wave file or a flat CSV: the loader returns Ok or a `LoadError`, never
//! panics. The input is written to a file (the loader reads paths) and read three ways:
//! as a flat file (`mediate`/`regress`), as the baseline wave and as a follow-up wave of the
//! default spec (scoring, id checks, the merge onto the baseline).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use spcure::load::{load_study, read_flat, WaveFile};
use spcure::spec::StudySpec;

/// Small valid waves (the head of the bundled example) to pair with the input.
const T0: &[u8] = include_bytes!("../seeds/load_csv/T0_head.csv");
const T1: &[u8] = include_bytes!("../seeds/load_csv/T1_head.csv");

struct Fixture {
    dir: PathBuf,
    spec: StudySpec,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        // tmpfs when there is one: the input is written once per run.
        let base = ["/dev/shm"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("spcure-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("fixed_T0.csv"), T0).expect("write T0");
        std::fs::write(dir.join("fixed_T1.csv"), T1).expect("write T1");
        Fixture {
            dir,
            spec: StudySpec::default_spec(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let input = f.dir.join("input.csv");
    std::fs::write(&input, data).expect("write input");
    let _ = read_flat(&input, &["groups_1", "age"]);
    let wave = |wave: u32, path: PathBuf| WaveFile { wave, path };
    let _ = load_study(
        &[wave(0, input.clone()), wave(1, f.dir.join("fixed_T1.csv"))],
        &f.spec,
    );
    let _ = load_study(
        &[wave(0, f.dir.join("fixed_T0.csv")), wave(1, input)],
        &f.spec,
    );
});
