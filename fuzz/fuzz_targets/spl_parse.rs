//! Fuzzes the SPL validator: any bytes (as lossy UTF-8) must give diagnostics, never a panic,
//! a hang or a stack overflow, with every span inside the text. Half the inputs are checked
//! with a small macro set, so expansion is fuzzed too.
//!
//! Run: `cargo +nightly fuzz run spl_parse fuzz/corpus/spl_parse`
#![no_main]

use libfuzzer_sys::fuzz_target;
use siemc::diagnostic::SourceFile;
use siemc::query::spl::macros::{MacroDefinition, Macros};
use siemc::query::spl::{SplCheckOptions, check_query};
use std::sync::{Arc, OnceLock};

fn with_macros() -> &'static SplCheckOptions {
    static OPTIONS: OnceLock<SplCheckOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut macros = Macros::default();
        for (name, arguments, definition) in [
            ("m", vec![], "index=main | stats count"),
            ("f", vec!["x"], "eval y=$x$ | `m`"),
            ("loop", vec![], "`loop` `loop`"),
        ] {
            macros.insert(MacroDefinition {
                name: name.into(),
                arguments: arguments.into_iter().map(String::from).collect(),
                definition: definition.into(),
            });
        }
        SplCheckOptions {
            macros: Some(macros),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let file = Arc::new(SourceFile::new("fuzz.spl", text));
    let default = SplCheckOptions::default();
    let options = if selector % 2 == 0 { &default } else { with_macros() };
    for diagnostic in check_query(&file, options) {
        for label in &diagnostic.labels {
            assert!(label.span.start <= label.span.end && label.span.end <= file.text.len());
        }
    }
});
