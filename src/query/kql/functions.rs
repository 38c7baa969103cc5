//! The built-in KQL functions with the number of arguments each takes (from Microsoft's KQL
//! reference, learn.microsoft.com/kusto/query/scalar-functions and aggregation-functions).
//!
//! A plain table: name, kind, fewest and most arguments ([`MANY`] for "any number"). Families
//! with dozens of members whose arities vary (`series_*`, `geo_*`) are matched by prefix and
//! not counted.

/// What a function computes; aggregates belong in `summarize`, `make-series` and the like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    Scalar,
    Aggregate,
    /// Returns a table: `cluster()`, `database()`, `table()`, `materialize()`, ...
    Tabular,
}

/// No upper bound on the number of arguments.
pub const MANY: usize = usize::MAX;

#[derive(Debug, Clone, Copy)]
pub struct BuiltinFunction {
    pub name: &'static str,
    pub kind: FunctionKind,
    pub min_args: usize,
    pub max_args: usize,
}

/// Function families matched by name prefix; any number of arguments.
const PREFIX_FAMILIES: &[&str] = &["series_", "geo_", "convert_"];

use FunctionKind::{Aggregate as A, Scalar as S, Tabular as T};

/// Sorted by name (ASCII order: `_` sorts before lower-case letters) (checked by a unit test), for binary search.
const FUNCTIONS: &[(&str, FunctionKind, usize, usize)] = &[
    // Microsoft Sentinel's workspace function for watchlists.
    ("_GetWatchlist", T, 1, 2),
    ("abs", S, 1, 1),
    ("acos", S, 1, 1),
    ("ago", S, 1, 1),
    ("any", A, 1, MANY),
    ("anyif", A, 2, 2),
    ("arg_max", A, 2, MANY),
    ("arg_min", A, 2, MANY),
    // Deprecated spellings that still run.
    ("argmax", A, 2, MANY),
    ("argmin", A, 2, MANY),
    ("array_concat", S, 1, MANY),
    ("array_iff", S, 3, 3),
    ("array_iif", S, 3, 3),
    ("array_index_of", S, 2, 4),
    ("array_length", S, 1, 1),
    ("array_reverse", S, 1, 1),
    ("array_rotate_left", S, 2, 2),
    ("array_rotate_right", S, 2, 2),
    ("array_shift_left", S, 2, 3),
    ("array_shift_right", S, 2, 3),
    ("array_slice", S, 3, 3),
    ("array_sort_asc", S, 1, MANY),
    ("array_sort_desc", S, 1, MANY),
    ("array_split", S, 2, 2),
    ("array_strcat", S, 2, 2),
    ("array_sum", S, 1, 1),
    ("arraylength", S, 1, 1),
    ("asin", S, 1, 1),
    ("assert", S, 2, 2),
    ("atan", S, 1, 1),
    ("atan2", S, 2, 2),
    ("avg", A, 1, 1),
    ("avgif", A, 2, 2),
    ("bag_has_key", S, 2, 2),
    ("bag_keys", S, 1, 1),
    ("bag_merge", S, 1, MANY),
    ("bag_pack", S, 0, MANY),
    ("bag_pack_columns", S, 1, MANY),
    ("bag_remove_keys", S, 2, 2),
    ("bag_set_key", S, 3, 3),
    ("bag_zip", S, 2, 2),
    ("base64_decode_toarray", S, 1, 1),
    ("base64_decode_toguid", S, 1, 1),
    ("base64_decode_tostring", S, 1, 1),
    ("base64_decodestring", S, 1, 1),
    ("base64_encode_fromarray", S, 1, 1),
    ("base64_encode_fromguid", S, 1, 1),
    ("base64_encode_tostring", S, 1, 1),
    ("base64_encodestring", S, 1, 1),
    ("beta_cdf", S, 3, 3),
    ("beta_inv", S, 3, 3),
    ("beta_pdf", S, 3, 3),
    ("bin", S, 2, 2),
    ("bin_at", S, 3, 3),
    ("bin_auto", S, 1, 1),
    ("binary_all_and", A, 1, 1),
    ("binary_all_or", A, 1, 1),
    ("binary_all_xor", A, 1, 1),
    ("binary_and", S, 2, 2),
    ("binary_not", S, 1, 1),
    ("binary_or", S, 2, 2),
    ("binary_shift_left", S, 2, 2),
    ("binary_shift_right", S, 2, 2),
    ("binary_xor", S, 2, 2),
    ("bitset_count_ones", S, 1, 1),
    ("buildschema", A, 1, 2),
    ("case", S, 3, MANY),
    ("ceiling", S, 1, 1),
    ("cluster", T, 1, 1),
    ("coalesce", S, 1, MANY),
    ("column_ifexists", S, 2, 2),
    ("columnifexists", S, 2, 2),
    ("cos", S, 1, 1),
    ("cot", S, 1, 1),
    ("count", A, 0, 1),
    ("count_distinct", A, 1, 1),
    ("count_distinctif", A, 2, 2),
    ("countif", A, 1, 1),
    ("countof", S, 2, 3),
    ("current_cluster_endpoint", S, 0, 0),
    ("current_database", S, 0, 0),
    ("current_principal", S, 0, 0),
    ("current_principal_details", S, 0, 0),
    ("current_principal_is_member_of", S, 1, MANY),
    ("cursor_after", S, 1, 1),
    ("cursor_before_or_at", S, 1, 1),
    ("cursor_current", S, 0, 0),
    ("database", T, 1, 1),
    ("datetime_add", S, 3, 3),
    ("datetime_diff", S, 3, 3),
    ("datetime_list_timezones", S, 0, 0),
    ("datetime_local_to_utc", S, 2, 2),
    ("datetime_part", S, 2, 2),
    ("datetime_utc_to_local", S, 2, 2),
    ("dayofmonth", S, 1, 1),
    ("dayofweek", S, 1, 1),
    ("dayofyear", S, 1, 1),
    ("dcount", A, 1, 2),
    ("dcount_hll", S, 1, 1),
    ("dcountif", A, 2, 3),
    ("degrees", S, 1, 1),
    ("dynamic_to_json", S, 1, 1),
    ("endofday", S, 1, 2),
    ("endofmonth", S, 1, 2),
    ("endofweek", S, 1, 2),
    ("endofyear", S, 1, 2),
    ("estimate_data_size", S, 1, MANY),
    ("exp", S, 1, 1),
    ("exp10", S, 1, 1),
    ("exp2", S, 1, 1),
    ("extent_id", S, 0, 0),
    ("extent_tags", S, 0, 0),
    ("external_table", T, 1, 2),
    ("extract", S, 3, 4),
    ("extract_all", S, 2, 3),
    ("extract_json", S, 2, 3),
    ("extractjson", S, 2, 3),
    ("floor", S, 2, 2),
    ("format_bytes", S, 1, 3),
    ("format_datetime", S, 2, 2),
    ("format_ipv4", S, 1, 2),
    ("format_ipv4_mask", S, 1, 2),
    ("format_timespan", S, 2, 2),
    ("gamma", S, 1, 1),
    ("getmonth", S, 1, 1),
    ("gettype", S, 1, 1),
    ("getyear", S, 1, 1),
    ("gzip_compress_to_base64_string", S, 1, 1),
    ("gzip_decompress_from_base64_string", S, 1, 1),
    ("has_any_index", S, 2, 2),
    ("has_any_ipv4", S, 2, MANY),
    ("has_any_ipv4_prefix", S, 2, MANY),
    ("has_ipv4", S, 2, 2),
    ("has_ipv4_prefix", S, 2, 2),
    ("hash", S, 1, 2),
    ("hash_combine", S, 2, MANY),
    ("hash_many", S, 1, MANY),
    ("hash_md5", S, 1, 1),
    ("hash_sha1", S, 1, 1),
    ("hash_sha256", S, 1, 1),
    ("hash_xxhash64", S, 1, 2),
    ("hll", A, 1, 2),
    ("hll_if", A, 2, 3),
    ("hll_merge", S, 1, MANY),
    ("hourofday", S, 1, 1),
    ("iff", S, 3, 3),
    ("iif", S, 3, 3),
    ("indexof", S, 2, 5),
    ("indexof_regex", S, 2, 4),
    ("ingestion_time", S, 0, 0),
    ("ipv4_compare", S, 2, 3),
    ("ipv4_is_in_any_range", S, 2, MANY),
    ("ipv4_is_in_range", S, 2, 2),
    ("ipv4_is_match", S, 2, 3),
    ("ipv4_is_private", S, 1, 1),
    ("ipv4_netmask_suffix", S, 1, 1),
    ("ipv4_range_to_cidr_list", S, 2, 2),
    ("ipv6_compare", S, 2, 3),
    ("ipv6_is_in_any_range", S, 2, MANY),
    ("ipv6_is_in_range", S, 2, 2),
    ("ipv6_is_match", S, 2, 3),
    ("isascii", S, 1, 1),
    ("isempty", S, 1, 1),
    ("isfinite", S, 1, 1),
    ("isinf", S, 1, 1),
    ("isnan", S, 1, 1),
    ("isnotempty", S, 1, 1),
    ("isnotnull", S, 1, 1),
    ("isnull", S, 1, 1),
    ("isutf8", S, 1, 1),
    ("jaccard_index", S, 2, 2),
    ("log", S, 1, 1),
    ("log10", S, 1, 1),
    ("log2", S, 1, 1),
    ("loggamma", S, 1, 1),
    ("make_bag", A, 1, 2),
    ("make_bag_if", A, 2, 3),
    ("make_datetime", S, 1, 7),
    ("make_dictionary", A, 1, 2),
    ("make_list", A, 1, 2),
    ("make_list_if", A, 2, 3),
    ("make_list_with_nulls", A, 1, 2),
    ("make_set", A, 1, 2),
    ("make_set_if", A, 2, 3),
    ("make_string", S, 1, MANY),
    ("make_timespan", S, 1, 4),
    ("makelist", A, 1, 2),
    ("makeset", A, 1, 2),
    ("materialize", T, 1, 1),
    ("materialized_view", T, 1, 2),
    ("max", A, 1, 1),
    ("max_of", S, 1, MANY),
    ("maxif", A, 2, 2),
    ("merge_tdigest", A, 1, 1),
    ("min", A, 1, 1),
    ("min_of", S, 1, MANY),
    ("minif", A, 2, 2),
    ("monthofyear", S, 1, 1),
    ("new_guid", S, 0, 0),
    ("next", S, 1, 3),
    ("not", S, 1, 1),
    ("notempty", S, 1, 1),
    ("notnull", S, 1, 1),
    ("now", S, 0, 1),
    ("pack", S, 0, MANY),
    ("pack_all", S, 0, 1),
    ("pack_array", S, 0, MANY),
    ("pack_dictionary", S, 0, MANY),
    ("parse_command_line", S, 2, 2),
    ("parse_csv", S, 1, 1),
    ("parse_ipv4", S, 1, 1),
    ("parse_ipv4_mask", S, 2, 2),
    ("parse_ipv6", S, 1, 1),
    ("parse_ipv6_mask", S, 2, 2),
    ("parse_json", S, 1, 1),
    ("parse_path", S, 1, 1),
    ("parse_url", S, 1, 1),
    ("parse_urlquery", S, 1, 1),
    ("parse_user_agent", S, 2, 2),
    ("parse_version", S, 1, 1),
    ("parse_xml", S, 1, 1),
    ("parsejson", S, 1, 1),
    ("percentile", A, 2, 2),
    ("percentile_array_tdigest", S, 2, MANY),
    ("percentile_tdigest", S, 2, 3),
    ("percentiles", A, 2, MANY),
    ("percentiles_array", A, 2, MANY),
    ("percentilesw", A, 3, MANY),
    ("percentilesw_array", A, 3, MANY),
    ("percentilew", A, 3, 3),
    ("percentrank_tdigest", S, 2, 3),
    ("pi", S, 0, 0),
    ("pow", S, 2, 2),
    ("prev", S, 1, 3),
    ("radians", S, 1, 1),
    ("rand", S, 0, 1),
    ("range", S, 3, 3),
    ("rank_tdigest", S, 2, 2),
    ("regex_quote", S, 1, 1),
    ("repeat", S, 2, 2),
    ("replace", S, 3, 3),
    ("replace_regex", S, 3, 3),
    ("replace_string", S, 3, 3),
    ("replace_strings", S, 3, 3),
    ("reverse", S, 1, 1),
    ("round", S, 1, 2),
    ("row_cumsum", S, 1, 2),
    ("row_number", S, 0, 2),
    ("row_rank_dense", S, 1, 2),
    ("row_rank_min", S, 1, 2),
    ("row_window_session", S, 4, 5),
    ("set_difference", S, 2, MANY),
    ("set_has_element", S, 2, 2),
    ("set_intersect", S, 2, MANY),
    ("set_union", S, 2, MANY),
    ("sign", S, 1, 1),
    ("sin", S, 1, 1),
    ("split", S, 2, 3),
    ("sqrt", S, 1, 1),
    ("startofday", S, 1, 2),
    ("startofmonth", S, 1, 2),
    ("startofweek", S, 1, 2),
    ("startofyear", S, 1, 2),
    ("stdev", A, 1, 1),
    ("stdevif", A, 2, 2),
    ("stdevp", A, 1, 1),
    ("stored_query_result", T, 1, 1),
    ("strcat", S, 1, MANY),
    ("strcat_array", S, 2, 2),
    ("strcat_delim", S, 2, MANY),
    ("strcmp", S, 2, 2),
    ("string_size", S, 1, 1),
    ("strlen", S, 1, 1),
    ("strrep", S, 2, 3),
    ("substring", S, 2, 3),
    ("sum", A, 1, 1),
    ("sumif", A, 2, 2),
    ("table", T, 1, 2),
    ("take_any", A, 1, MANY),
    ("take_anyif", A, 2, 2),
    ("tan", S, 1, 1),
    ("tdigest", A, 1, 2),
    ("tdigest_merge", A, 1, 1),
    ("to_utf8", S, 1, 1),
    ("tobool", S, 1, 1),
    ("toboolean", S, 1, 1),
    ("todatetime", S, 1, 1),
    ("todecimal", S, 1, 1),
    ("todouble", S, 1, 1),
    ("todynamic", S, 1, 1),
    ("toguid", S, 1, 1),
    ("tohex", S, 1, 2),
    ("toint", S, 1, 1),
    ("tolong", S, 1, 1),
    ("tolower", S, 1, 1),
    ("toobject", S, 1, 1),
    ("toreal", S, 1, 1),
    ("toscalar", S, 1, 1),
    ("tostring", S, 1, 1),
    ("totable", T, 1, 1),
    ("totimespan", S, 1, 1),
    ("toupper", S, 1, 1),
    ("translate", S, 3, 3),
    ("treepath", S, 1, 1),
    ("trim", S, 2, 2),
    ("trim_end", S, 2, 2),
    ("trim_start", S, 2, 2),
    ("unicode_codepoints_from_string", S, 1, 1),
    ("unicode_codepoints_to_string", S, 1, 1),
    ("unixtime_microseconds_todatetime", S, 1, 1),
    ("unixtime_milliseconds_todatetime", S, 1, 1),
    ("unixtime_nanoseconds_todatetime", S, 1, 1),
    ("unixtime_seconds_todatetime", S, 1, 1),
    ("url_decode", S, 1, 1),
    ("url_encode", S, 1, 1),
    ("url_encode_component", S, 1, 1),
    ("variance", A, 1, 1),
    ("varianceif", A, 2, 2),
    ("variancep", A, 1, 1),
    ("week_of_year", S, 1, 1),
    ("weekofyear", S, 1, 1),
    ("welch_test", S, 6, 7),
    ("zip", S, 1, MANY),
    ("zlib_compress_to_base64_string", S, 1, 1),
    ("zlib_decompress_from_base64_string", S, 1, 1),
];

/// The built-in function of this name (names are case-sensitive in KQL).
pub fn lookup(name: &str) -> Option<BuiltinFunction> {
    if let Ok(index) = FUNCTIONS.binary_search_by(|(candidate, ..)| (*candidate).cmp(name)) {
        let (name, kind, min_args, max_args) = FUNCTIONS[index];
        return Some(BuiltinFunction {
            name,
            kind,
            min_args,
            max_args,
        });
    }
    PREFIX_FAMILIES
        .iter()
        .any(|prefix| name.starts_with(prefix))
        .then_some(BuiltinFunction {
            name: "",
            kind: FunctionKind::Scalar,
            min_args: 0,
            max_args: MANY,
        })
}

/// Every built-in name, for "did you mean" help.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|(name, ..)| *name)
}

/// How an argument count is described in a diagnostic: `2`, `2 or 3`, `at least 2`.
pub fn describe_arity(function: &BuiltinFunction) -> String {
    match (function.min_args, function.max_args) {
        (min, MANY) => format!("at least {min}"),
        (min, max) if min == max => min.to_string(),
        (min, max) if max == min + 1 => format!("{min} or {max}"),
        (min, max) => format!("{min} to {max}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_has_no_duplicates() {
        for pair in FUNCTIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn arities_are_ranges() {
        for (name, _, min, max) in FUNCTIONS {
            assert!(min <= max, "{name}");
        }
    }

    #[test]
    fn looks_up_names_and_families() {
        assert_eq!(
            lookup("iff").map(|f| (f.min_args, f.max_args)),
            Some((3, 3))
        );
        assert_eq!(
            lookup("count").map(|f| f.kind),
            Some(FunctionKind::Aggregate)
        );
        assert!(lookup("series_decompose_anomalies").is_some());
        assert!(lookup("Iff").is_none());
        assert!(lookup("no_such_function").is_none());
        assert_eq!(describe_arity(&lookup("dcount").unwrap()), "1 or 2");
        assert_eq!(describe_arity(&lookup("strcat").unwrap()), "at least 1");
    }
}
