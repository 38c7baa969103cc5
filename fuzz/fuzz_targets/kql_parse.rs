//! Fuzzes the KQL validator: any bytes (read as lossy UTF-8, as `siemc query check` reads a
//! file) give diagnostics or none, never a panic, a hang or a stack overflow, and every span
//! lies inside the query on character boundaries.
//!
//! Run (nightly): `cargo +nightly fuzz run kql_parse fuzz/corpus/kql_parse -- -max_total_time=600`

#![no_main]

use libfuzzer_sys::fuzz_target;
use siemc::diagnostic::SourceFile;
use siemc::query::kql::{KqlCheckOptions, check_query};
use std::sync::{Arc, OnceLock};

fuzz_target!(|data: &[u8]| {
    static OPTIONS: OnceLock<KqlCheckOptions> = OnceLock::new();
    let options = OPTIONS.get_or_init(KqlCheckOptions::builtin);
    let text = String::from_utf8_lossy(data).into_owned();
    let file = Arc::new(SourceFile::new("fuzz.kql", text));
    for diagnostic in check_query(&file, options) {
        for label in &diagnostic.labels {
            assert!(label.span.start <= label.span.end && label.span.end <= file.text.len());
            assert!(file.text.is_char_boundary(label.span.start));
            assert!(file.text.is_char_boundary(label.span.end));
        }
    }
});
