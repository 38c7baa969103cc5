//! Command-line tests of profiles (issue 10): `--profile`, `siemc.toml`'s `profile`,
//! `siemc profiles`, the `unmapped-field` refusal and its `--allow-unmapped` opt-in, product-
//! scoped field names, typed comparisons against the 2024 schema.

mod common;

use common::{siemc, stderr, stdout, temp_dir};
use std::path::Path;

const PROCESS: &str = "title: Whoami
id: 11111111-1111-4111-8111-111111111111
logsource: {category: process_creation, product: windows}
detection:
  selection:
    Image|endswith: '\\whoami.exe'
    Hashes|contains: 'SHA1=0123456789ABCDEF0123456789ABCDEF01234567'
  condition: selection
";

const IMAGE_LOAD: &str = "title: DLL description
id: 22222222-2222-4222-8222-222222222222
logsource: {category: image_load, product: windows}
detection:
  selection:
    ImageLoaded|endswith: '\\evil.dll'
    Description: 'Evil'
  condition: selection
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_field_the_table_lacks_is_refused_on_its_span_and_the_other_rules_still_compile() {
    let dir = temp_dir("profiles-unmapped");
    let good = write(&dir, "a.yml", PROCESS);
    let bad = write(&dir, "b.yml", IMAGE_LOAD);
    let output = siemc(&["compile", &good, &bad, "--target", "kql"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("SHA1 =~ \"0123456789ABCDEF0123456789ABCDEF01234567\""),
        "{text}"
    );
    assert!(
        !text.contains("evil.dll"),
        "the refused rule is not printed: {text}"
    );
    let errors = stderr(&output);
    assert!(
        errors.contains(
            "error[unmapped-field]: field `Description` has no column in `DeviceImageLoadEvents`"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("b.yml:7:5"),
        "on the field's span: {errors}"
    );
    assert!(
        errors.contains("InitiatingProcessVersionInfoFileDescription"),
        "nearest columns: {errors}"
    );

    let allowed = siemc(&["compile", &bad, "--target", "kql", "--allow-unmapped"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    assert!(stdout(&allowed).contains("Description =~ \"Evil\""));
    assert!(stderr(&allowed).contains("warning[unmapped-field]"));
}

#[test]
fn profile_chooses_the_tables_and_implies_the_target() {
    let dir = temp_dir("profiles-choose");
    let rule = write(&dir, "a.yml", PROCESS);
    let windows = siemc(&["compile", &rule, "--profile", "sentinel-windows"]);
    assert_eq!(windows.status.code(), Some(0), "{}", stderr(&windows));
    let text = stdout(&windows);
    assert!(text.starts_with("WindowsEvent\n| where Channel == \"Microsoft-Windows-Sysmon/Operational\" and EventID == 1"), "{text}");
    assert!(
        text.contains("tostring(EventData.Hashes) contains \"SHA1="),
        "{text}"
    );

    let asim = siemc(&["compile", &rule, "--profile", "sentinel-asim"]);
    assert_eq!(asim.status.code(), Some(0), "{}", stderr(&asim));
    let text = stdout(&asim);
    assert!(text.starts_with("_Im_ProcessCreate()\n"), "{text}");
    assert!(text.contains("TargetProcessName endswith"), "{text}");
    assert!(text.contains("TargetProcessSHA1 =~"), "{text}");

    let wrong = siemc(&[
        "compile",
        &rule,
        "--target",
        "spl",
        "--profile",
        "sentinel-asim",
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("is a kql profile"),
        "{}",
        stderr(&wrong)
    );
    let unknown = siemc(&["compile", &rule, "--profile", "sentinel-nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown)
            .contains("sentinel-xdr, sentinel-windows, sentinel-asim, splunk, splunk-cim")
    );
}

#[test]
fn siemc_toml_sets_the_profile_and_a_bad_name_is_located() {
    let dir = temp_dir("profiles-toml");
    let rule = write(&dir, "a.yml", PROCESS);
    let run = |dir: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_siemc"))
            .args(["compile", &rule, "--target", "kql"])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    std::fs::write(dir.join("siemc.toml"), "profile = \"sentinel-asim\"\n").unwrap();
    let output = run(&dir);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("_Im_ProcessCreate()"));

    std::fs::write(
        dir.join("siemc.toml"),
        "profile = [\"splunk\", \"sentinel-nope\"]\n",
    )
    .unwrap();
    let output = run(&dir);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains("unknown profile `sentinel-nope`"),
        "{errors}"
    );
    assert!(errors.contains("siemc.toml:1:11"), "{errors}");
}

#[test]
fn profiles_lists_what_each_covers_and_needs() {
    let output = siemc(&["profiles"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for name in [
        "sentinel-xdr (kql, default)",
        "sentinel-windows (kql)",
        "sentinel-asim (kql)",
        "splunk (spl, default)",
    ] {
        assert!(text.contains(name), "{text}");
    }
    assert!(text.contains("custom tables it needs: Auditd_CL"), "{text}");
    assert!(
        text.contains("functions it needs: _Im_ProcessCreate"),
        "{text}"
    );
    let asim = stdout(&siemc(&["profiles", "sentinel-asim"]));
    assert!(
        asim.contains("{product: windows, category: process_creation} -> _Im_ProcessCreate()"),
        "{asim}"
    );
    assert!(asim.contains("custom table Auditd_CL"), "{asim}");
    assert_eq!(siemc(&["profiles", "nope"]).status.code(), Some(2));
}

#[test]
fn windows_field_names_apply_to_windows_sources_only() {
    let dir = temp_dir("profiles-product-fields");
    let mapping = write(
        &dir,
        "acme.yml",
        "target: spl\nsources:\n  - logsource: {product: acme}\n    search: 'sourcetype=acme'\n",
    );
    let acme = write(
        &dir,
        "acme-rule.yml",
        "title: Acme\nlogsource: {product: acme}\ndetection:\n  selection: {EventID: 7}\n  condition: selection\n",
    );
    let windows = write(
        &dir,
        "win-rule.yml",
        "title: Win\nlogsource: {product: windows, service: security}\ndetection:\n  selection: {EventID: 4688}\n  condition: selection\n",
    );
    let output = siemc(&[
        "compile",
        &acme,
        &windows,
        "--target",
        "spl",
        "--mapping",
        &mapping,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("sourcetype=acme EventID=7"), "{text}");
    assert!(text.contains("EventCode=4688"), "{text}");
}

#[test]
fn values_compare_by_the_column_type() {
    let dir = temp_dir("profiles-typed");
    let rule = write(
        &dir,
        "typed.yml",
        "title: Typed\nlogsource: {product: windows, service: security}\ndetection:\n  selection:\n    EventID: '4688'\n    LogonType: ['2', '10']\n  filter: {EventID: '04688'}\n  condition: selection and not filter\n",
    );
    let output = siemc(&["compile", &rule, "--target", "kql"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("EventID == 4688"), "{text}");
    assert!(text.contains("LogonType in (2, 10)"), "{text}");
    assert!(
        text.contains("tostring(EventID) =~ \"04688\""),
        "not canonical: compared as text: {text}"
    );
}

#[test]
fn splunk_cim_uses_tstats_and_refuses_or_falls_back_outside_the_model() {
    let dir = temp_dir("profiles-cim");
    let rule = write(
        &dir,
        "a.yml",
        "title: Whoami\nlogsource: {category: process_creation, product: windows}\ndetection:\n  selection:\n    Image|endswith: '\\\\whoami.exe'\n  condition: selection\n",
    );
    let output = siemc(&["compile", &rule, "--profile", "splunk-cim"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim_end(),
        "| tstats summariesonly=true count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where Processes.process_path=\"*\\\\whoami.exe\" by Processes.dest Processes.user Processes.parent_process Processes.process_name Processes.process Processes.process_id Processes.parent_process_id"
    );
    let outside = write(
        &dir,
        "b.yml",
        IMAGE_LOAD
            .replace("image_load", "process_creation")
            .as_str(),
    );
    let refused = siemc(&["compile", &outside, "--profile", "splunk-cim"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains(
            "field `Description` is not a field of the CIM data model Endpoint.Processes"
        ),
        "{}",
        stderr(&refused)
    );
    let settings = write(
        &dir,
        "cim.yml",
        "target: spl\ncim: {summariesonly: false, fallback: raw}\n",
    );
    let fallback = siemc(&[
        "compile",
        &outside,
        &rule,
        "--profile",
        "splunk-cim",
        "--mapping",
        &settings,
    ]);
    assert_eq!(fallback.status.code(), Some(0), "{}", stderr(&fallback));
    let text = stdout(&fallback);
    assert!(
        text.contains("source=\"XmlWinEventLog:Microsoft-Windows-Sysmon/Operational\" EventCode=1"),
        "{text}"
    );
    assert!(text.contains("| tstats summariesonly=false"), "{text}");
    assert!(
        stderr(&fallback).contains("info[cim-fallback]"),
        "{}",
        stderr(&fallback)
    );
}
