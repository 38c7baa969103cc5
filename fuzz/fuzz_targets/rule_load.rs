//! Bytes as a rule file through the YAML and rule loaders, every compiler profile and the linter (siemc_fuzz::rule_file).
//!
//! Run (nightly): `cargo +nightly fuzz run rule_load fuzz/corpus/rule_load` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siemc_fuzz::rule_file(data));
