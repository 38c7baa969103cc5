//! Structure-aware rules (siemc_fuzz::generated) through the whole pipeline: YAML, loader,
//! every compiler profile, the linter; a generated query our validators reject is a crash.
//!
//! Run (nightly): `cargo +nightly fuzz run compile_generated fuzz/corpus/compile_generated`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use siemc_fuzz::generated::GeneratedRule;

fuzz_target!(|rule: GeneratedRule| {
    siemc_fuzz::compile_generated(&rule);
});
