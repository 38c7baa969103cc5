//! Rules: loading YAML files into the typed Sigma model.
//!
//! Takes: paths given on the command line. Gives: [`RuleDocument`]s (detection rules,
//! correlation rules, filters) with spans, plus diagnostics for everything wrong with them.

mod load;
mod model;

pub use load::{
    LoadedFile, MAX_FILE_BYTES, METADATA_KEYS, collect_files, collect_rule_paths,
    is_rule_file_name, load_rule_file, load_rule_file_with_yaml, may_hold_key, read_source,
    source_from_bytes,
};
pub use model::*;
