//! The evaluation functions of `eval`/`where` and the aggregation functions of `stats` & co,
//! with the number of arguments each takes (Splunk Search Reference, "Evaluation functions"
//! and "Statistical and charting functions"). Names are case-insensitive.

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arity {
    pub min: usize,
    /// `None`: no upper bound.
    pub max: Option<usize>,
    /// Arguments come in pairs (`case(cond, value, ...)`, `validate(cond, message, ...)`).
    pub pairs: bool,
}

impl Arity {
    pub fn accepts(&self, count: usize) -> bool {
        count >= self.min
            && self.max.is_none_or(|max| count <= max)
            && (!self.pairs || count.is_multiple_of(2))
    }

    /// "2", "1 or 2", "at least 1", "an even number (at least 2)".
    pub fn describe(&self) -> String {
        let base = match self.max {
            Some(max) if max == self.min => format!("{}", self.min),
            Some(max) if max == self.min + 1 => format!("{} or {max}", self.min),
            Some(max) => format!("{} to {max}", self.min),
            None => format!("at least {}", self.min),
        };
        if self.pairs {
            format!("an even number of arguments ({base})")
        } else if base == "1" {
            "1 argument".to_string()
        } else {
            format!("{base} arguments")
        }
    }
}

const fn exactly(n: usize) -> Arity {
    Arity {
        min: n,
        max: Some(n),
        pairs: false,
    }
}
const fn between(min: usize, max: usize) -> Arity {
    Arity {
        min,
        max: Some(max),
        pairs: false,
    }
}
const fn at_least(min: usize) -> Arity {
    Arity {
        min,
        max: None,
        pairs: false,
    }
}
const fn pairs(min: usize) -> Arity {
    Arity {
        min,
        max: None,
        pairs: true,
    }
}

/// Evaluation functions: name and arity.
pub static EVAL_FUNCTIONS: &[(&str, Arity)] = &[
    // Comparison and conditional
    ("case", pairs(2)),
    ("cidrmatch", exactly(2)),
    ("coalesce", at_least(1)),
    ("false", exactly(0)),
    ("if", exactly(3)),
    ("in", at_least(2)),
    ("like", exactly(2)),
    ("lookup", between(2, 3)),
    ("match", exactly(2)),
    ("null", exactly(0)),
    ("nullif", exactly(2)),
    ("searchmatch", exactly(1)),
    ("true", exactly(0)),
    ("validate", pairs(2)),
    // Conversion
    ("ipmask", exactly(2)),
    ("printf", at_least(1)),
    ("tonumber", between(1, 2)),
    ("tostring", between(1, 2)),
    // Cryptographic
    ("md5", exactly(1)),
    ("sha1", exactly(1)),
    ("sha256", exactly(1)),
    ("sha512", exactly(1)),
    // Date and time
    ("now", exactly(0)),
    ("relative_time", exactly(2)),
    ("strftime", exactly(2)),
    ("strptime", exactly(2)),
    ("time", exactly(0)),
    // Informational
    ("isbool", exactly(1)),
    ("isint", exactly(1)),
    ("isnotnull", exactly(1)),
    ("isnull", exactly(1)),
    ("isnum", exactly(1)),
    ("isstr", exactly(1)),
    ("typeof", exactly(1)),
    // JSON
    ("json_append", at_least(3)),
    ("json_array", at_least(0)),
    ("json_array_to_mv", between(1, 2)),
    ("json_delete", at_least(2)),
    ("json_entries", exactly(1)),
    ("json_extend", at_least(3)),
    ("json_extract", at_least(1)),
    ("json_extract_exact", at_least(1)),
    ("json_has_key_exact", exactly(2)),
    ("json_keys", exactly(1)),
    ("json_object", at_least(0)),
    ("json_set", at_least(3)),
    ("json_set_exact", at_least(3)),
    ("json_valid", exactly(1)),
    // Mathematical
    ("abs", exactly(1)),
    ("bit_and", at_least(2)),
    ("bit_not", between(1, 2)),
    ("bit_or", at_least(2)),
    ("bit_shift_left", exactly(2)),
    ("bit_shift_right", exactly(2)),
    ("bit_xor", at_least(2)),
    ("ceil", exactly(1)),
    ("ceiling", exactly(1)),
    ("exact", exactly(1)),
    ("exp", exactly(1)),
    ("floor", exactly(1)),
    ("ln", exactly(1)),
    ("log", between(1, 2)),
    ("pi", exactly(0)),
    ("pow", exactly(2)),
    ("round", between(1, 2)),
    ("sigfig", exactly(1)),
    ("sqrt", exactly(1)),
    ("sum", at_least(1)),
    // Multivalue
    ("commands", exactly(1)),
    ("mvappend", at_least(1)),
    ("mvcount", exactly(1)),
    ("mvdedup", exactly(1)),
    ("mvfilter", exactly(1)),
    ("mvfind", exactly(2)),
    ("mvindex", between(2, 3)),
    ("mvjoin", exactly(2)),
    ("mvmap", exactly(2)),
    ("mvrange", between(2, 3)),
    ("mvsort", exactly(1)),
    ("mvzip", between(2, 3)),
    ("mv_to_json_array", between(1, 2)),
    ("split", exactly(2)),
    // Statistical
    ("avg", at_least(1)),
    ("max", at_least(1)),
    ("min", at_least(1)),
    ("random", exactly(0)),
    // Text
    ("len", exactly(1)),
    ("lower", exactly(1)),
    ("ltrim", between(1, 2)),
    ("replace", exactly(3)),
    ("rtrim", between(1, 2)),
    ("spath", exactly(2)),
    ("substr", between(2, 3)),
    ("trim", between(1, 2)),
    ("upper", exactly(1)),
    ("urldecode", exactly(1)),
    // Trigonometry and hyperbolic
    ("acos", exactly(1)),
    ("acosh", exactly(1)),
    ("asin", exactly(1)),
    ("asinh", exactly(1)),
    ("atan", exactly(1)),
    ("atan2", exactly(2)),
    ("atanh", exactly(1)),
    ("cos", exactly(1)),
    ("cosh", exactly(1)),
    ("hypot", exactly(2)),
    ("sin", exactly(1)),
    ("sinh", exactly(1)),
    ("tan", exactly(1)),
    ("tanh", exactly(1)),
];

/// The arity of an evaluation function (name compared case-insensitively).
pub fn eval_function(name: &str) -> Option<Arity> {
    EVAL_FUNCTIONS
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, arity)| *arity)
}

/// Aggregation functions of stats, chart, timechart, eventstats, streamstats, tstats, mstats.
pub static STATS_FUNCTIONS: &[(&str, Arity)] = &[
    ("avg", exactly(1)),
    ("c", between(0, 1)),
    ("count", between(0, 1)),
    ("dc", exactly(1)),
    ("distinct_count", exactly(1)),
    ("earliest", exactly(1)),
    ("earliest_time", exactly(1)),
    ("estdc", exactly(1)),
    ("estdc_error", exactly(1)),
    ("first", exactly(1)),
    ("last", exactly(1)),
    ("latest", exactly(1)),
    ("latest_time", exactly(1)),
    ("list", exactly(1)),
    ("max", exactly(1)),
    ("mean", exactly(1)),
    ("median", exactly(1)),
    ("min", exactly(1)),
    ("mode", exactly(1)),
    ("per_day", exactly(1)),
    ("per_hour", exactly(1)),
    ("per_minute", exactly(1)),
    ("per_second", exactly(1)),
    ("range", exactly(1)),
    ("rate", exactly(1)),
    ("rate_avg", exactly(1)),
    ("rate_sum", exactly(1)),
    ("sparkline", between(1, 2)),
    ("stdev", exactly(1)),
    ("stdevp", exactly(1)),
    ("sum", exactly(1)),
    ("sumsq", exactly(1)),
    ("values", exactly(1)),
    ("var", exactly(1)),
    ("varp", exactly(1)),
];

/// The arity of an aggregation function; `perc95`, `p50`, `exactperc99`, `upperperc90` too.
pub fn stats_function(name: &str) -> Option<Arity> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, arity)) = STATS_FUNCTIONS.iter().find(|(known, _)| *known == lower) {
        return Some(*arity);
    }
    for prefix in ["exactperc", "upperperc", "perc", "p"] {
        if let Some(rest) = lower.strip_prefix(prefix)
            && !rest.is_empty()
            && rest
                .parse::<f64>()
                .is_ok_and(|n| (0.0..=100.0).contains(&n))
        {
            return Some(exactly(1));
        }
    }
    None
}

/// The closest name within a distance of 2 (or a third of the name's length).
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    // Names longer than any candidate cannot be near one; skip the quadratic comparison.
    if lower.len() > 40 {
        return None;
    }
    let limit = (lower.chars().count() / 3).max(2);
    candidates
        .map(|c| (crate::text::edit_distance(&lower, c), c))
        // A misspelling that keeps the start of the name (`lenght` for `len`) counts too.
        .filter(|(d, c)| *d <= limit || (c.len() >= 3 && lower.starts_with(c)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arities_accept_their_ranges() {
        let case = eval_function("CASE").unwrap();
        assert!(case.accepts(2) && case.accepts(4) && !case.accepts(3) && !case.accepts(0));
        let substr = eval_function("substr").unwrap();
        assert!(substr.accepts(2) && substr.accepts(3) && !substr.accepts(4));
        assert_eq!(substr.describe(), "2 or 3 arguments");
    }

    #[test]
    fn percentile_functions_are_recognised() {
        assert!(stats_function("perc95").is_some());
        assert!(stats_function("p50").is_some());
        assert!(stats_function("exactperc99.9").is_some());
        assert!(stats_function("perc").is_none());
        assert!(stats_function("pony").is_none());
    }

    #[test]
    fn nearest_suggests_a_close_name() {
        let names = ["stats", "table", "tstats"];
        assert_eq!(nearest("stast", names.iter().copied()), Some("stats"));
        assert_eq!(nearest("zzzzzz", names.iter().copied()), None);
    }
}
