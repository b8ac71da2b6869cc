//! The `spcure` binary: parse flags, run, print the error chain, exit 0/1/2.
//!
//! A closed stdout (`spcure … | head -1`) is handled here, once: every command writes through
//! `write!`/`writeln!` and propagates the `io::Error`; when any cause in the chain is a broken
//! pipe, the reader has gone away and spcure exits 0 without a message (as ripgrep does).

use clap::Parser;

fn main() {
    let cli = spcure::cli::Cli::parse();
    if let Err(err) = spcure::commands::run(cli) {
        if is_broken_pipe(&err) {
            std::process::exit(0);
        }
        eprintln!("error: {err}");
        for cause in err.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(spcure::error::exit_code(&err));
    }
}

/// True when any cause is an I/O error of kind `BrokenPipe`.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
