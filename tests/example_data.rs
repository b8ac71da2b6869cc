//! The bundled example cohort is what `spcure simulate` makes with its defaults, byte for byte
//! (the command data/README.md gives).

use std::process::Command;

#[test]
fn simulate_regenerates_the_bundled_example_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spcure"))
        .args(["simulate", "--seed", "20240601", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for wave in ["T0.csv", "T1.csv", "T2.csv"] {
        let made = std::fs::read(dir.path().join(wave)).unwrap();
        let bundled =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/example/").to_string() + wave)
                .unwrap();
        assert!(made == bundled, "{wave} differs from data/example/{wave}");
    }
}
