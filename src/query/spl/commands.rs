//! The command catalogue: every command of Splunk's Search Reference, and for the commands
//! real detections use, the shape of their arguments. A plain data table; `check.rs` reads it.
//!
//! Option names and required arguments follow the Search Reference syntax of each command
//! (Splunk Enterprise 9.x); MLTK commands (`apply`, `fit`, `summary`) follow the Machine
//! Learning Toolkit reference.

/// How a command's arguments are checked.
#[derive(Debug, Clone, Copy)]
pub enum Syntax {
    /// Known by name; the grammar checks the arguments' structure only.
    Known,
    /// `search`, `where`, `eval`: their own grammar.
    Search,
    Where,
    Eval,
    /// Aggregations (`count`, `avg(x) as y`, `values(eval(...))`), options and `by` fields.
    Stats,
    /// Options and field names (`table a, b`, `dedup 3 x sortby -y`).
    Fields(FieldsShape),
    /// `rename old AS new, ...` (wildcards allowed).
    Rename,
    /// `rex [field=f] [max_match=n] "regex"` or `rex mode=sed "s/a/b/g"`.
    Rex,
    /// `regex [field=|field!=]"regex"`.
    Regex,
    /// `lookup [options] table field [AS f] ... [OUTPUT|OUTPUTNEW field [AS f] ...]`.
    Lookup,
    /// Options and one lookup table or file (`inputlookup`, `outputlookup`, `inputcsv` ...).
    Table,
    /// Options, optional fields, and a subsearch (`join`, `append`, `appendpipe`, `foreach`).
    Subsearch {
        fields: bool,
    },
    /// `map search="..."` or `map [subsearch]`.
    Map,
    /// `replace "a" WITH "b", ... [IN fields]`.
    Replace,
    /// `convert [timeformat=...] ctime(x) [AS y] ...`.
    Convert,
    /// `from datamodel:X`, `from datamodel X`, `from inputlookup:t`, `from savedsearch:s`.
    From,
    /// `apply model [options]`, `summary model`: a model name and options.
    Model,
}

/// Options and positional arguments of a [`Syntax::Fields`] command.
#[derive(Debug, Clone, Copy)]
pub struct FieldsShape {
    /// Fewest positional arguments (field names, numbers) the command needs.
    pub min: usize,
    /// Most positional arguments; `None`: any number.
    pub max: Option<usize>,
    /// Words that are part of the syntax, not field names (`by`, `as`, `sortby`, ...).
    pub keywords: &'static [&'static str],
    /// Functions allowed around a field (`sort num(x)`).
    pub calls: &'static [&'static str],
}

#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    pub name: &'static str,
    pub syntax: Syntax,
    /// Option names (`key=value`) the command accepts; compared case-insensitively.
    pub options: &'static [&'static str],
}

impl CommandSpec {
    /// Whether the command cannot run without arguments.
    pub fn requires_arguments(&self) -> bool {
        match self.syntax {
            Syntax::Known | Syntax::Search => false,
            Syntax::Fields(shape) => shape.min > 0,
            _ => true,
        }
    }

    /// Whether the arguments are checked beyond their structure.
    pub fn fully_checked(&self) -> bool {
        !matches!(self.syntax, Syntax::Known)
    }
}

const fn fields(min: usize, max: Option<usize>) -> Syntax {
    Syntax::Fields(FieldsShape {
        min,
        max,
        keywords: &[],
        calls: &[],
    })
}
const fn fields_kw(min: usize, max: Option<usize>, keywords: &'static [&'static str]) -> Syntax {
    Syntax::Fields(FieldsShape {
        min,
        max,
        keywords,
        calls: &[],
    })
}
const fn spec(name: &'static str, syntax: Syntax, options: &'static [&'static str]) -> CommandSpec {
    CommandSpec {
        name,
        syntax,
        options,
    }
}
const fn known(name: &'static str) -> CommandSpec {
    spec(name, Syntax::Known, &[])
}

const STATS_OPTIONS: &[&str] = &["partitions", "allnum", "delim", "dedup_splitvals", "span"];
const TSTATS_OPTIONS: &[&str] = &[
    "prestats",
    "local",
    "append",
    "summariesonly",
    "include_reduced_buckets",
    "allow_old_summaries",
    "chunk_size",
    "fillnull_value",
    "datamodel",
    "span",
];
const MSTATS_OPTIONS: &[&str] = &[
    "prestats",
    "append",
    "backfill",
    "update_period",
    "fillnull_value",
    "chunk_size",
    "span",
    "every",
    "timewrap",
    "earliest",
    "latest",
    "index",
];
const CHART_OPTIONS: &[&str] = &[
    "sep",
    "format",
    "cont",
    "limit",
    "agg",
    "usenull",
    "useother",
    "nullstr",
    "otherstr",
    "span",
    "bins",
    "start",
    "end",
    "minspan",
    "partial",
    "fixedrange",
    "aligntime",
    "top",
    "bottom",
];
const BIN_OPTIONS: &[&str] = &["bins", "minspan", "span", "start", "end", "aligntime"];

/// The catalogue, sorted by name.
pub static COMMANDS: &[CommandSpec] = &[
    known("abstract"),
    known("accum"),
    known("addcoltotals"),
    spec("addinfo", fields(0, Some(0)), &[]),
    spec(
        "addtotals",
        fields(0, None),
        &["row", "col", "labelfield", "label", "fieldname"],
    ),
    known("analyzefields"),
    known("anomalies"),
    known("anomalousvalue"),
    known("anomalydetection"),
    spec(
        "append",
        Syntax::Subsearch { fields: false },
        &["extendtimerange", "maxtime", "maxout", "timeout"],
    ),
    spec(
        "appendcols",
        Syntax::Subsearch { fields: false },
        &[
            "override",
            "extendtimerange",
            "maxtime",
            "maxout",
            "timeout",
        ],
    ),
    spec(
        "appendpipe",
        Syntax::Subsearch { fields: false },
        &["run_in_preview"],
    ),
    spec(
        "apply",
        Syntax::Model,
        &[
            "threshold",
            "as",
            "show_density",
            "sample",
            "lower_threshold",
            "upper_threshold",
        ],
    ),
    known("arules"),
    known("associate"),
    known("audit"),
    known("autoregress"),
    spec("bin", fields_kw(1, Some(1), &["as"]), BIN_OPTIONS),
    spec("bucket", fields_kw(1, Some(1), &["as"]), BIN_OPTIONS),
    known("bucketdir"),
    known("cefout"),
    spec("chart", Syntax::Stats, CHART_OPTIONS),
    known("cluster"),
    known("cofilter"),
    spec(
        "collect",
        fields(0, None),
        &[
            "index",
            "addtime",
            "file",
            "spool",
            "marker",
            "testmode",
            "run_in_preview",
            "host",
            "source",
            "sourcetype",
            "output_format",
        ],
    ),
    known("concurrency"),
    known("contingency"),
    spec("convert", Syntax::Convert, &["timeformat"]),
    known("correlate"),
    known("ctable"),
    known("datamodel"),
    known("datamodelsimple"),
    known("dbinspect"),
    known("dbxquery"),
    spec(
        "dedup",
        fields_kw(1, None, &["sortby"]),
        &["keepevents", "keepempty", "consecutive"],
    ),
    known("delete"),
    known("delta"),
    known("diff"),
    known("dump"),
    known("entitymerge"),
    known("erex"),
    spec("eval", Syntax::Eval, &[]),
    known("eventcount"),
    spec(
        "eventstats",
        Syntax::Stats,
        &["allnum", "max_time", "time_window"],
    ),
    known("extract"),
    known("fieldformat"),
    spec("fields", fields(1, None), &[]),
    known("fieldsummary"),
    spec("filldown", fields(0, None), &[]),
    spec("fillnull", fields(0, None), &["value"]),
    known("findtypes"),
    known("fit"),
    known("folderize"),
    spec(
        "foreach",
        Syntax::Subsearch { fields: true },
        &[
            "fieldstr",
            "matchstr",
            "matchseg1",
            "matchseg2",
            "matchseg3",
            "mode",
        ],
    ),
    known("format"),
    spec("from", Syntax::From, &[]),
    spec("fromjson", fields(1, Some(1)), &["prefix"]),
    known("gauge"),
    known("gentimes"),
    known("geom"),
    known("geomfilter"),
    spec(
        "geostats",
        Syntax::Stats,
        &[
            "translatetoxy",
            "latfield",
            "longfield",
            "outputlatfield",
            "outputlongfield",
            "globallimit",
            "locallimit",
            "binspanlat",
            "binspanlong",
            "maxzoomlevel",
        ],
    ),
    spec("head", fields(0, Some(1)), &["limit", "null", "keeplast"]),
    known("highlight"),
    known("history"),
    known("iconify"),
    spec(
        "inputcsv",
        Syntax::Table,
        &["dispatch", "append", "start", "max", "events"],
    ),
    known("inputintelligence"),
    spec(
        "inputlookup",
        Syntax::Table,
        &["append", "strict", "start", "max"],
    ),
    spec(
        "iplocation",
        fields(1, Some(1)),
        &["prefix", "allfields", "lang"],
    ),
    spec(
        "join",
        Syntax::Subsearch { fields: true },
        &[
            "type",
            "usetime",
            "earlier",
            "overwrite",
            "max",
            "left",
            "right",
            "where",
            "return_multivalue",
        ],
    ),
    known("kmeans"),
    known("kv"),
    known("kvform"),
    known("loadjob"),
    known("localize"),
    known("localop"),
    spec(
        "lookup",
        Syntax::Lookup,
        &["local", "update", "event_time_field"],
    ),
    known("makecontinuous"),
    spec(
        "makemv",
        fields(1, Some(1)),
        &["delim", "tokenizer", "allowempty", "setsv"],
    ),
    spec(
        "makeresults",
        fields(0, Some(0)),
        &[
            "count",
            "annotate",
            "splunk_server",
            "splunk_server_group",
            "format",
            "data",
        ],
    ),
    spec("map", Syntax::Map, &["search", "maxsearches"]),
    known("mcatalog"),
    known("mcollect"),
    known("metadata"),
    known("metasearch"),
    known("meventcollect"),
    known("mpreview"),
    known("msearch"),
    spec("mstats", Syntax::Stats, MSTATS_OPTIONS),
    known("multikv"),
    spec("multisearch", Syntax::Subsearch { fields: false }, &[]),
    spec("mvcombine", fields(1, Some(1)), &["delim"]),
    spec("mvexpand", fields(1, Some(1)), &["limit"]),
    spec("nomv", fields(1, Some(1)), &[]),
    known("outlier"),
    known("outputcsv"),
    spec(
        "outputlookup",
        Syntax::Table,
        &[
            "append",
            "create_empty",
            "override_if_empty",
            "max",
            "key_field",
            "createinapp",
            "create_context",
            "output_format",
        ],
    ),
    known("outputtext"),
    known("overlap"),
    known("pivot"),
    known("predict"),
    known("rangemap"),
    spec(
        "rare",
        fields_kw(1, None, &["by"]),
        &[
            "countfield",
            "limit",
            "percentfield",
            "showcount",
            "showperc",
            "useother",
            "otherstr",
        ],
    ),
    known("redistribute"),
    spec("regex", Syntax::Regex, &[]),
    known("reltime"),
    spec("rename", Syntax::Rename, &[]),
    spec("replace", Syntax::Replace, &[]),
    known("require"),
    known("rest"),
    known("return"),
    spec("reverse", fields(0, Some(0)), &[]),
    spec(
        "rex",
        Syntax::Rex,
        &["field", "max_match", "offset_field", "mode"],
    ),
    known("rtorder"),
    known("run"),
    known("savedsearch"),
    known("script"),
    known("scrub"),
    spec("search", Syntax::Search, &[]),
    known("searchtxn"),
    known("selfjoin"),
    known("sendalert"),
    known("sendemail"),
    known("set"),
    known("setfields"),
    known("sichart"),
    known("sirare"),
    spec("sistats", Syntax::Stats, STATS_OPTIONS),
    known("sitimechart"),
    known("sitop"),
    spec(
        "sort",
        Syntax::Fields(FieldsShape {
            min: 1,
            max: None,
            keywords: &["d", "desc"],
            calls: &["auto", "str", "ip", "num"],
        }),
        &["limit"],
    ),
    spec("spath", fields(0, Some(1)), &["input", "output", "path"]),
    spec("stats", Syntax::Stats, STATS_OPTIONS),
    known("strcat"),
    spec(
        "streamstats",
        Syntax::Stats,
        &[
            "reset_on_change",
            "reset_before",
            "reset_after",
            "current",
            "window",
            "time_window",
            "global",
            "allnum",
        ],
    ),
    spec("summary", Syntax::Model, &[]),
    spec("table", fields(1, None), &[]),
    known("tags"),
    spec("tail", fields(0, Some(1)), &[]),
    spec("timechart", Syntax::Stats, CHART_OPTIONS),
    known("timewrap"),
    known("tojson"),
    spec(
        "top",
        fields_kw(1, None, &["by"]),
        &[
            "countfield",
            "limit",
            "percentfield",
            "showcount",
            "showperc",
            "useother",
            "otherstr",
        ],
    ),
    spec(
        "transaction",
        fields(0, None),
        &[
            "name",
            "maxspan",
            "maxpause",
            "maxevents",
            "startswith",
            "endswith",
            "connected",
            "unifyends",
            "keeporphans",
            "maxopentxn",
            "maxopenevents",
            "keepevicted",
            "mvlist",
            "delim",
            "nullstr",
            "mvraw",
        ],
    ),
    spec(
        "transpose",
        fields(0, Some(1)),
        &["column_name", "header_field", "include_empty"],
    ),
    known("trendline"),
    known("tscollect"),
    spec("tstats", Syntax::Stats, TSTATS_OPTIONS),
    known("typeahead"),
    known("typelearner"),
    known("typer"),
    known("union"),
    spec("uniq", fields(0, Some(0)), &[]),
    known("untable"),
    known("walklex"),
    spec("where", Syntax::Where, &[]),
    known("x11"),
    spec("xmlkv", fields(0, Some(1)), &["maxinputs"]),
    known("xmlunescape"),
    known("xpath"),
    known("xyseries"),
];

/// The catalogue entry of a command (names compared case-insensitively).
pub fn lookup(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS
        .binary_search_by(|spec| cmp_ignore_case(spec.name, name))
        .ok()
        .map(|index| &COMMANDS[index])
}

fn cmp_ignore_case(known: &str, name: &str) -> std::cmp::Ordering {
    known
        .bytes()
        .cmp(name.bytes().map(|b| b.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_sorted_and_unique() {
        for pair in COMMANDS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
    }

    #[test]
    fn catalogue_size() {
        // Splunk's Search Reference documents about 160 commands; every ESCU command is checked.
        assert_eq!(COMMANDS.len(), 162);
        assert_eq!(COMMANDS.iter().filter(|c| c.fully_checked()).count(), 59);
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(lookup("STATS").map(|s| s.name), Some("stats"));
        assert!(lookup("stast").is_none());
    }
}
