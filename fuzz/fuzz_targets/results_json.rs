//! Any text as results.json: `spcure report`'s parser (schema version, serde shape and the
//! consistency checks) returns Ok or a usage error, and whatever it accepts must build into
//! a report and render to Markdown and the terminal without a panic (the report trusts the
//! shapes that `validate` checked).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spcure::commands::report::parse;
use spcure::report::build::build;
use spcure::report::markdown::MarkdownRenderer;
use spcure::report::model::render_to_string;
use spcure::report::table::TerminalRenderer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(results) = parse(text, "results.json") {
        let report = build(&results);
        let _ = render_to_string(&MarkdownRenderer, &report);
        let _ = render_to_string(&TerminalRenderer::default(), &report);
    }
});
