//! The `spcure` binary: parse flags, run, print the error chain, exit 0/1/2.

use clap::Parser;

fn main() {
    let cli = spcure::cli::Cli::parse();
    if let Err(err) = spcure::commands::run(cli) {
        eprintln!("error: {err}");
        for cause in err.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(spcure::error::exit_code(&err));
    }
}
