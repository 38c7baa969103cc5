//! Profiles: named, built-in mapping sets for one target (where each log source lives and what
//! each Sigma field is called there), built as layers over shared mapping files.
//!
//! Takes: a profile name (`--profile`, `siemc.toml`'s `profile`, or the target's default).
//! Gives: the profile's mapping layers (later layers win, then each `--mapping FILE`) and, for
//! KQL, its typed schema: the built-in Sentinel tables, the custom tables its mapping files
//! declare, and the ASIM parser functions it calls (`mappings/asim-parsers.json`), built once.

use super::Target;
use super::file::MappingFile;
use super::schema::{ColumnType, SentinelSchema};
use crate::diagnostic::SourceFile;
use std::sync::{Arc, OnceLock};

/// One embedded mapping file.
#[derive(Debug)]
pub struct Layer {
    pub path: &'static str,
    pub text: &'static str,
}

/// A named mapping set for one target.
#[derive(Debug)]
pub struct Profile {
    pub name: &'static str,
    pub target: Target,
    /// The default profile of its target.
    pub default: bool,
    /// One line: where the data is.
    pub summary: &'static str,
    /// Mapping files, base first; a later layer's entries win over equally specific ones.
    pub layers: &'static [Layer],
    /// KQL functions the profile's queries call (ASIM parsers); their result columns come
    /// from `mappings/asim-parsers.json`.
    pub functions: &'static [&'static str],
}

/// The embedded mapping file `mappings/NAME` as a layer.
macro_rules! builtin_layer {
    ($file:literal) => {
        Layer {
            path: concat!("<built-in>/mappings/", $file),
            text: include_str!(concat!("../../mappings/", $file)),
        }
    };
}

const KQL_SHARED: Layer = builtin_layer!("kql.yml");
const KQL_WINDOWS: Layer = builtin_layer!("sentinel-windows.yml");
const KQL_ASIM: Layer = builtin_layer!("sentinel-asim.yml");
const SPL_SHARED: Layer = builtin_layer!("spl.yml");
const SPL_CIM: Layer = builtin_layer!("splunk-cim.yml");

const ASIM_FUNCTIONS: &[&str] = &[
    "_Im_ProcessCreate",
    "_Im_NetworkSession",
    "_Im_Dns",
    "_Im_FileEvent",
    "_Im_RegistryEvent",
    "_Im_Authentication",
    "_Im_WebSession",
];

/// Every built-in profile, in the order `siemc profiles` lists them.
pub static PROFILES: &[Profile] = &[
    Profile {
        name: "sentinel-xdr",
        target: Target::Kql,
        default: true,
        summary: "Microsoft Sentinel with Defender XDR: endpoint events in the Device* tables (DeviceProcessEvents, ...), Windows Security events in SecurityEvent, other channels in WindowsEvent",
        layers: &[KQL_SHARED],
        functions: &[],
    },
    Profile {
        name: "sentinel-windows",
        target: Target::Kql,
        default: false,
        summary: "Microsoft Sentinel with Windows agents (Azure Monitor Agent) and no Defender XDR: Security events in SecurityEvent, Sysmon and the other channels in WindowsEvent (EventData as a dynamic object)",
        layers: &[KQL_SHARED, KQL_WINDOWS],
        functions: &[],
    },
    Profile {
        name: "sentinel-asim",
        target: Target::Kql,
        default: false,
        summary: "Microsoft Sentinel with ASIM normalisation: process, network, file, registry, DNS and web events through the ASIM unifying parsers (_Im_ProcessCreate, ...) with ASIM field names; event types ASIM has no schema for stay in the Defender XDR tables",
        layers: &[KQL_SHARED, KQL_ASIM],
        functions: ASIM_FUNCTIONS,
    },
    Profile {
        name: "splunk",
        target: Target::Spl,
        default: true,
        summary: "Splunk with the add-ons' sourcetypes (Windows, Sysmon, Microsoft Cloud Services, Linux, AWS, ...): raw searches",
        layers: &[SPL_SHARED],
        functions: &[],
    },
    Profile {
        name: "splunk-cim",
        target: Target::Spl,
        default: false,
        summary: "Splunk with CIM data models: process, file, registry, network, DNS and web rules as `| tstats ... from datamodel=...` with CIM field names when every field is in the model (refused otherwise, or the raw search with `cim: {fallback: raw}`); other log sources as `splunk`",
        layers: &[SPL_SHARED, SPL_CIM],
        functions: &[],
    },
];

impl Profile {
    pub fn find(name: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|p| p.name == name)
    }

    pub fn default_for(target: Target) -> &'static Profile {
        PROFILES
            .iter()
            .find(|p| p.target == target && p.default)
            .expect("every target has a default profile")
    }

    /// The names of every profile, for error messages.
    pub fn names() -> String {
        PROFILES
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn index(&self) -> usize {
        PROFILES
            .iter()
            .position(|p| std::ptr::eq(p, self))
            .expect("profiles are the static ones")
    }

    /// The parsed mapping layers (parsed once per process).
    pub fn mapping_files(&'static self) -> &'static [MappingFile] {
        static FILES: [OnceLock<Vec<MappingFile>>; 8] = [const { OnceLock::new() }; 8];
        FILES[self.index()].get_or_init(|| {
            self.layers
                .iter()
                .map(|layer| {
                    let file = Arc::new(SourceFile::new(layer.path, layer.text));
                    MappingFile::parse(&file, Some(self.target)).unwrap_or_else(|errors| {
                        panic!("built-in mapping {} is invalid: {errors:?}", layer.path)
                    })
                })
                .collect()
        })
    }

    /// The typed schema the profile's queries run against (KQL; empty for SPL).
    pub fn schema(&'static self) -> Arc<SentinelSchema> {
        static SCHEMAS: [OnceLock<Arc<SentinelSchema>>; 8] = [const { OnceLock::new() }; 8];
        Arc::clone(SCHEMAS[self.index()].get_or_init(|| {
            if self.target != Target::Kql {
                return Arc::new(SentinelSchema::default());
            }
            let mut schema = SentinelSchema::builtin().clone();
            for file in self.mapping_files() {
                declare_custom_tables(&mut schema, file);
            }
            for function in self.functions {
                let columns = asim_function_columns(function).unwrap_or_else(|| {
                    panic!("ASIM parser {function} is not in asim-parsers.json")
                });
                schema.add_table(function, columns.iter().cloned());
            }
            Arc::new(schema)
        }))
    }

    /// The custom tables the profile's mapping files declare.
    pub fn custom_tables(&'static self) -> impl Iterator<Item = &'static super::file::CustomTable> {
        self.mapping_files()
            .iter()
            .flat_map(|file| file.custom_tables.iter())
    }
}

/// Adds a mapping file's custom tables to a schema.
pub(super) fn declare_custom_tables(schema: &mut SentinelSchema, file: &MappingFile) {
    for table in &file.custom_tables {
        schema.add_table(&table.name, table.columns.iter().cloned());
    }
}

/// An ASIM parser function with its parameters and result columns (asim-parsers.json).
#[derive(Debug, serde::Deserialize)]
pub struct AsimFunction {
    pub name: String,
    pub parameters: Vec<AsimColumn>,
    pub columns: Vec<AsimColumn>,
}

#[derive(Debug, serde::Deserialize)]
pub struct AsimColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Every ASIM parser of `mappings/asim-parsers.json` (parsed on first use).
pub fn asim_functions() -> &'static [AsimFunction] {
    #[derive(serde::Deserialize)]
    struct File {
        functions: Vec<AsimFunction>,
    }
    static FUNCTIONS: OnceLock<Vec<AsimFunction>> = OnceLock::new();
    FUNCTIONS.get_or_init(|| {
        serde_json::from_str::<File>(include_str!("../../mappings/asim-parsers.json"))
            .expect("the embedded ASIM parser list is valid JSON")
            .functions
    })
}

fn asim_function_columns(name: &str) -> Option<Vec<(String, ColumnType)>> {
    asim_functions().iter().find(|f| f.name == name).map(|f| {
        f.columns
            .iter()
            .map(|c| (c.name.clone(), ColumnType::from_name(&c.kind)))
            .collect()
    })
}
