//! Any text as a study spec: `StudySpec::parse` returns Ok or a `SpecError`, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spcure::spec::StudySpec;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = StudySpec::parse(text, "fuzz.toml");
    }
});
