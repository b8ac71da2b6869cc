//! Every worked example in examples/*/README.md runs as documented. A README holds pairs of
//! fenced blocks: a ```sh block (run with `sh -e` from the repository root, with the built
//! `spcure` first on PATH) followed by a ```text block, the exact standard output of the sh
//! block. The documentation cannot drift from what the program prints.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// (commands, expected stdout) pairs of one README.
fn cases(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = readme.lines();
    let mut pending: Option<String> = None;
    while let Some(line) = lines.next() {
        let fence = line.trim_start();
        let kind = match fence {
            "```sh" => "sh",
            "```text" => "text",
            _ => continue,
        };
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| l.trim_start() != "```")
            .collect();
        let body = body.join("\n");
        match (kind, pending.take()) {
            ("sh", None) => pending = Some(body),
            ("text", Some(cmd)) => out.push((cmd, body)),
            (k, p) => panic!("unpaired ```{k} block (pending command: {p:?})"),
        }
    }
    assert!(
        pending.is_none(),
        "a ```sh block has no ```text block after it"
    );
    out
}

fn run(cmd: &str) -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_spcure")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .args(["-e", "-c", cmd])
        .current_dir(ROOT)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`{cmd}` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn trimmed(s: &str) -> String {
    s.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn readmes() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path().join("README.md"))
        .filter(|p| p.exists())
        .collect();
    v.sort();
    v
}

#[test]
fn every_example_readme_prints_what_it_says() {
    let all = readmes();
    assert!(
        all.len() >= 4,
        "expected at least four worked examples, found {all:?}"
    );
    for readme in all {
        let text = std::fs::read_to_string(&readme).unwrap();
        let cases = cases(&text);
        assert!(
            !cases.is_empty(),
            "{}: no ```sh / ```text pair",
            readme.display()
        );
        for (cmd, expected) in cases {
            let got = run(&cmd);
            assert_eq!(
                trimmed(&got),
                trimmed(&expected),
                "{}: output of `{cmd}` differs from the README",
                readme.display()
            );
        }
    }
}
