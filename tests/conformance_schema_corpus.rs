//! `siemc schema` over SigmaHQ's rules (`../shared/corpus/sigma/rules`, run by scripts/test.sh
//! when the corpus exists): every rule document validates.

mod common;

use common::schema::{validate, yaml_files};
use common::temp_dir;
use std::path::Path;

#[test]
#[ignore = "needs ../shared/corpus; run by scripts/test.sh"]
fn every_sigmahq_rule_validates_against_the_schema() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigma/rules");
    let files = yaml_files(&corpus);
    let verdicts = validate(&files, &temp_dir("schema-corpus"));
    println!(
        "schema: {} files, {} documents, {} valid, {} rejected",
        files.len(),
        verdicts.documents,
        verdicts.documents - verdicts.rejected.len(),
        verdicts.rejected.len()
    );
    for rejection in verdicts.rejected.iter().take(20) {
        println!(
            "{}#{}: {:?}",
            rejection.path, rejection.document, rejection.errors
        );
    }
    assert!(files.len() > 3000, "{} files", files.len());
    assert!(verdicts.rejected.is_empty());
}
