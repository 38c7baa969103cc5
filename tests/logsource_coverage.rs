//! The README's logsource coverage table: every logsource of Sigma's taxonomy appendix
//! (`mappings/sigma-taxonomy-logsources.txt`), where the built-in mappings place it in each
//! target, and what is refused. The table is generated from the mappings; this fails when it is
//! out of date: `SIEMC_UPDATE_README=1 cargo test --test logsource_coverage` rewrites it.

mod common;

use common::{siemc, temp_dir};
use siemc::mapping::coverage::{coverage, coverage_markdown, parse_logsource_list};
use std::path::Path;

fn taxonomy() -> Vec<Vec<(String, String)>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/sigma-taxonomy-logsources.txt");
    parse_logsource_list(&std::fs::read_to_string(path).unwrap())
}

#[test]
fn readme_lists_the_coverage_of_every_taxonomy_logsource() {
    common::assert_readme_section(
        "logsource-coverage",
        &coverage_markdown(&coverage(&taxonomy())),
        "logsource_coverage",
    );
}

/// Every taxonomy logsource is placed in both targets, except those refused on purpose (no
/// table or add-on holds them); a mapping change that drops one fails here.
#[test]
fn every_taxonomy_logsource_is_placed_or_refused_on_purpose() {
    let rows = coverage(&taxonomy());
    assert_eq!(rows.len(), 140);
    let refused: Vec<(&str, bool, bool)> = rows
        .iter()
        .filter(|r| r.kql.is_none() || r.spl.is_none())
        .map(|r| (r.logsource.as_str(), r.kql.is_none(), r.spl.is_none()))
        .collect();
    assert_eq!(refused, [("{product: modsecurity}", true, true)]);
}

/// A refused logsource is a located error that says which mapping entry to add, per target.
#[test]
fn a_refused_logsource_names_the_entry_to_add() {
    let dir = temp_dir("modsecurity");
    let rule = dir.join("modsec.yml");
    std::fs::write(
        &rule,
        "title: ModSecurity block\nid: 44444444-4444-4444-8444-444444444444\nlogsource:\n    product: modsecurity\ndetection:\n    keywords: ['Access denied with code 403']\n    condition: keywords\n",
    )
    .unwrap();
    for (target, needs) in [
        (
            "kql",
            "`table: <the Sentinel table that holds these events>`",
        ),
        (
            "spl",
            "`search: '<the base search that selects these events>'`",
        ),
    ] {
        let output = siemc(&["compile", rule.to_str().unwrap(), "--target", target]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains(&format!(
                "error[unmapped-logsource]: no {target} mapping for logsource {{product: modsecurity}}"
            )),
            "{stderr}"
        );
        assert!(stderr.contains("modsec.yml:4:5"), "{stderr}");
        assert!(
            stderr.contains("add the entry `- logsource: {product: modsecurity}`"),
            "{stderr}"
        );
        assert!(stderr.contains(needs), "{stderr}");
    }
}

/// The taxonomy's two generic network logsources compile to real tables and searches.
#[test]
fn network_connection_and_dns_compile_for_both_targets() {
    let dir = temp_dir("network");
    let rule = dir.join("net.yml");
    std::fs::write(
        &rule,
        "title: DNS to a bad domain\nid: 55555555-5555-4555-8555-555555555555\nlogsource:\n    category: network\n    service: dns\ndetection:\n    selection:\n        query|endswith: '.evil.example'\n    condition: selection\n---\ntitle: Connection to a bad port\nid: 66666666-6666-4666-8666-666666666666\nlogsource:\n    category: network\n    service: connection\ndetection:\n    selection:\n        dst_port: 4444\n        dst_ip|cidr: 203.0.113.0/24\n    condition: selection\n",
    )
    .unwrap();
    let kql = siemc(&["compile", rule.to_str().unwrap(), "--target", "kql"]);
    let text = String::from_utf8(kql.stdout).unwrap();
    assert_eq!(kql.status.code(), Some(0), "{text}");
    assert!(
        text.contains("DnsEvents\n| where Name endswith \".evil.example\""),
        "{text}"
    );
    assert!(
        text.contains("CommonSecurityLog\n| where DestinationPort == 4444"),
        "{text}"
    );
    let spl = siemc(&["compile", rule.to_str().unwrap(), "--target", "spl"]);
    let text = String::from_utf8(spl.stdout).unwrap();
    assert_eq!(spl.status.code(), Some(0), "{text}");
    assert!(
        text.contains("tag=network tag=resolution tag=dns query=\"*.evil.example\""),
        "{text}"
    );
    assert!(
        text.contains("tag=network tag=communicate dest_port=4444"),
        "{text}"
    );
}
