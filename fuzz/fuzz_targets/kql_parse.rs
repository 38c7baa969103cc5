//! Bytes as a KQL query through the full KQL validator (siemc_fuzz::kql_query).
//!
//! Run (nightly): `cargo +nightly fuzz run kql_parse fuzz/corpus/kql_parse` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siemc_fuzz::kql_query(data));
