//! The checks over a parsed search: the command catalogue, each command's arguments, the eval
//! function catalogue, and a few warnings about searches that run but likely mean something else.
//!
//! Takes: a [`Pipeline`] and the text it was parsed from. Gives: diagnostics with spans into
//! that text (no file attached; the caller attaches it after mapping macro expansions back).

use super::ast::*;
use super::commands::{self, CommandSpec, FieldsShape, Syntax};
use super::functions::{self, Arity};
use crate::diagnostic::{Diagnostic, Span};

/// Checks a whole search.
pub fn check_pipeline(pipeline: &Pipeline, text: &str) -> Vec<Diagnostic> {
    let mut checker = Checker {
        text,
        diagnostics: Vec::new(),
    };
    checker.pipeline(pipeline, true);
    checker.diagnostics
}

struct Checker<'a> {
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
}

/// Options whose value is a filter string, which may be `(search)` or `eval(expression)`.
const FILTER_OPTIONS: [&str; 2] = ["startswith", "endswith"];

/// How a search term is written: `a`, `"a b"`, or something the checks cannot see into.
fn unquote(raw: &str) -> Option<&str> {
    raw.strip_prefix('"').and_then(|r| r.strip_suffix('"'))
}

impl<'a> Checker<'a> {
    fn slice(&self, span: Span) -> &'a str {
        &self.text[span.start..span.end]
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // ------------------------------------------------------------------ pipelines and stages

    fn pipeline(&mut self, pipeline: &Pipeline, top_level: bool) {
        let count = pipeline.stages.len();
        for (index, stage) in pipeline.stages.iter().enumerate() {
            match &stage.kind {
                StageKind::Empty => self.empty_stage(stage, index, count, top_level, pipeline.span),
                StageKind::Search { keyword, expr } => {
                    if let (Some(keyword), Some(previous)) = (keyword, index.checked_sub(1))
                        && let StageKind::Where {
                            keyword: where_kw, ..
                        } = &pipeline.stages[previous].kind
                    {
                        self.push(
                                Diagnostic::warning(
                                    "search-after-where",
                                    "`| search` right after `| where`: did you mean another `where` condition?",
                                )
                                .at(*keyword, "the search command matches terms, with wildcards and without case")
                                .with_note_at(*where_kw, "the where command compares values exactly")
                                .with_help(
                                    "combine the conditions in one `where` (`AND`), or keep `search` if you meant its wildcard, case-insensitive matching",
                                ),
                            );
                    }
                    if let Some(expr) = expr {
                        self.search(expr);
                    }
                }
                StageKind::Where { keyword, expr } => match expr {
                    Some(expr) => self.eval(expr),
                    None => self.push(missing(
                        *keyword,
                        "`where` needs a condition",
                        "write an eval expression, e.g. `| where count > 5`",
                    )),
                },
                StageKind::Eval {
                    keyword,
                    assignments,
                } => {
                    if assignments.is_empty() {
                        self.push(missing(
                            *keyword,
                            "`eval` needs an assignment",
                            "write `| eval field = expression`",
                        ));
                    }
                    for assignment in assignments {
                        self.eval(&assignment.value);
                    }
                }
                StageKind::Macro { args, .. } => self.nested_args(args),
                StageKind::Command(command) => self.command(command),
            }
        }
    }

    fn empty_stage(&mut self, stage: &Stage, index: usize, count: usize, top: bool, span: Span) {
        match stage.pipe {
            Some(pipe) => {
                let after_last = index + 1 == count;
                let message = if after_last {
                    "a pipe with nothing after it"
                } else {
                    "a pipe followed by another pipe: this stage is empty"
                };
                self.push(
                    Diagnostic::error("empty-stage", message)
                        .at(pipe, "no command after this `|`")
                        .with_help("every `|` must be followed by a command; remove the pipe or add the command"),
                );
            }
            // An empty first stage is fine before `| command` (`| tstats ...`).
            None if count > 1 => {}
            None => {
                let (code, message) = if top {
                    ("empty-search", "the search is empty")
                } else {
                    ("empty-subsearch", "the subsearch is empty")
                };
                self.push(
                    Diagnostic::error(code, message)
                        .at(span, "nothing to run")
                        .with_help("write search terms or a command"),
                );
            }
        }
    }

    fn command(&mut self, command: &Command) {
        let name = self.slice(command.name);
        let Some(spec) = commands::lookup(name) else {
            let mut diagnostic =
                Diagnostic::error("unknown-command", format!("unknown command `{name}`"))
                    .at(command.name, "not a Splunk search command");
            diagnostic = match functions::nearest(name, commands::COMMANDS.iter().map(|c| c.name)) {
                Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                None => diagnostic.with_help(
                    "see the Splunk Search Reference for the list of commands; a custom command from an app is not known to siemc",
                ),
            };
            self.push(diagnostic);
            self.nested_args(&command.args);
            return;
        };
        if let Some(clause) = &command.where_clause {
            match &clause.expr {
                Some(expr) => self.search(expr),
                None => self.push(missing(
                    clause.keyword,
                    "`where` needs a search condition",
                    "write search terms after `where`, e.g. `where index=main`",
                )),
            }
        }
        match spec.syntax {
            Syntax::Known => self.nested_args(&command.args),
            Syntax::Search | Syntax::Where | Syntax::Eval => self.nested_args(&command.args),
            Syntax::Stats => self.stats(command, spec),
            Syntax::Fields(shape) => self.fields(command, spec, shape),
            Syntax::Rename => self.rename(command),
            Syntax::Rex => self.rex(command, spec),
            Syntax::Regex => self.regex_command(command),
            Syntax::Lookup => self.lookup(command, spec),
            Syntax::Table => self.table(command, spec),
            Syntax::Subsearch { fields } => self.subsearch_command(command, spec, fields),
            Syntax::Map => self.map(command, spec),
            Syntax::Replace => self.replace(command),
            Syntax::Convert => self.convert(command, spec),
            Syntax::From => self.from(command),
            Syntax::Model => self.model(command),
        }
        if let Some(by) = &command.by_clause {
            if by.args.iter().all(|a| matches!(a.kind, ArgKind::Comma)) {
                self.push(missing(
                    by.keyword,
                    "`by` needs at least one field",
                    "name the fields to group by, or remove `by`",
                ));
            }
            for arg in &by.args {
                match &arg.kind {
                    ArgKind::Option { .. } => self.option(arg, spec),
                    ArgKind::Call { name, args }
                        if self.slice(*name).eq_ignore_ascii_case("prefix") =>
                    {
                        self.nested_args(args)
                    }
                    _ => self.nested_arg(arg),
                }
            }
        }
    }

    // ------------------------------------------------------------------ nested content

    /// Subsearches, eval expressions and groups inside arguments.
    fn nested_args(&mut self, args: &[Arg]) {
        for arg in args {
            self.nested_arg(arg);
        }
    }

    fn nested_arg(&mut self, arg: &Arg) {
        match &arg.kind {
            ArgKind::Subsearch(pipeline) => self.pipeline(pipeline, false),
            ArgKind::EvalCall(expr) => self.eval(expr),
            ArgKind::Group(args) | ArgKind::Call { args, .. } => self.nested_args(args),
            ArgKind::Option {
                value: Some(value), ..
            } => self.nested_arg(value),
            _ => {}
        }
    }

    /// A `key=value` argument: the key must be one of the command's options.
    fn option(&mut self, arg: &Arg, spec: &CommandSpec) {
        let ArgKind::Option {
            key,
            operator,
            value,
        } = &arg.kind
        else {
            return;
        };
        let name = self.slice(*key);
        if !spec.options.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            let mut diagnostic = Diagnostic::error(
                "unknown-option",
                format!("`{}` has no option `{name}`", spec.name),
            )
            .at(*key, "unknown option");
            diagnostic =
                match functions::nearest(name, spec.options.iter().copied()) {
                    Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                    None if spec.options.is_empty() => diagnostic
                        .with_help(format!("`{}` takes no `name=value` options", spec.name)),
                    None => diagnostic
                        .with_help(format!("its options are: {}", spec.options.join(", "))),
                };
            self.push(diagnostic);
        } else if self.slice(*operator) != "=" {
            self.push(
                Diagnostic::error("invalid-option", format!("option `{name}` is set with `=`"))
                    .at(*operator, "expected `=`"),
            );
        }
        match value {
            None => self.push(missing(
                arg.span,
                &format!("option `{name}` has no value"),
                &format!("write `{name}=value`"),
            )),
            Some(value) => {
                // `(search)` and `eval(expression)` are filter strings, which only transaction's
                // `startswith` / `endswith` take (Search Reference, "transaction").
                if matches!(value.kind, ArgKind::Group(_) | ArgKind::EvalCall(_))
                    && !FILTER_OPTIONS.iter().any(|o| o.eq_ignore_ascii_case(name))
                {
                    self.push(
                        Diagnostic::error(
                            "invalid-option",
                            format!(
                                "option `{name}` takes one value, not an expression in parentheses"
                            ),
                        )
                        .at(value.span, "not a value")
                        .with_help(format!("write `{name}=value`, or `{name}=\"...\"`")),
                    );
                }
                if name.eq_ignore_ascii_case("span") || name.eq_ignore_ascii_case("minspan") {
                    self.span_value(value);
                }
                if name.eq_ignore_ascii_case("earliest") || name.eq_ignore_ascii_case("latest") {
                    self.time_modifier(value.span);
                }
                self.nested_arg(value);
            }
        }
    }

    fn span_value(&mut self, value: &Arg) {
        if matches!(value.kind, ArgKind::Group(_) | ArgKind::EvalCall(_)) {
            return;
        }
        if !matches!(value.kind, ArgKind::Word | ArgKind::Quoted) {
            return;
        }
        let raw = self.slice(value.span);
        let text = unquote(raw).unwrap_or(raw);
        if !is_timespan(text) {
            self.push(
                Diagnostic::error("invalid-span", format!("`{text}` is not a time span"))
                    .at(value.span, "expected a number and a time unit")
                    .with_help("write e.g. `span=5m`, `span=1h`, `span=1d` (units: s, m, h, d, w, mon, q, y)"),
            );
        }
    }

    // ------------------------------------------------------------------ the search command

    fn search(&mut self, expr: &SearchExpr) {
        match &expr.kind {
            SearchKind::And(items) => {
                for item in items {
                    if let SearchKind::Term(value) = &item.kind
                        && matches!(value.kind, ValueKind::Word)
                    {
                        let word = self.slice(value.span);
                        if ["or", "and"].iter().any(|k| k.eq_ignore_ascii_case(word))
                            && word != word.to_ascii_uppercase()
                        {
                            self.push(
                                Diagnostic::warning(
                                    "lowercase-boolean-operator",
                                    format!("`{word}` is searched as a word, not as a boolean operator"),
                                )
                                .at(value.span, "a search term")
                                .with_help(format!(
                                    "boolean operators in the search command are uppercase: `{}`",
                                    word.to_ascii_uppercase()
                                )),
                            );
                        }
                    }
                    self.search(item);
                }
            }
            SearchKind::Or(items) => {
                for item in items {
                    self.search(item);
                }
            }
            SearchKind::Not { operand, .. } => self.search(operand),
            SearchKind::Group(inner) => match inner {
                Some(inner) => self.search(inner),
                // Splunk runs `()` (ESCU has `relative_time(now(), ...)` in a search), matching
                // nothing more: worth a warning, not an error.
                None => self.push(
                    Diagnostic::warning("empty-parentheses", "empty parentheses in a search")
                        .at(expr.span, "nothing inside")
                        .with_help("the search command does not call functions; use `| where` for expressions"),
                ),
            },
            SearchKind::Comparison {
                field,
                operator,
                value,
            } => {
                let field_name = self.slice(*field);
                let op = self.slice(*operator);
                match value {
                    None => self.push(missing(
                        expr.span,
                        &format!("`{field_name}{op}` has no value"),
                        &format!("write `{field_name}{op}value`, or `{field_name}{op}\"\"` for an empty value"),
                    )),
                    Some(value) => {
                        if field_name.eq_ignore_ascii_case("earliest")
                            || field_name.eq_ignore_ascii_case("latest")
                        {
                            self.time_modifier(value.span);
                        }
                        self.search_value(value);
                    }
                }
                if op == "!=" {
                    self.push(
                        Diagnostic::warning(
                            "not-equal-drops-missing",
                            format!("`{field_name}!=...` also drops events that have no `{field_name}` field"),
                        )
                        .at(*operator, "matches only events where the field exists")
                        .with_help(format!(
                            "if events without `{field_name}` should stay, write `NOT {field_name}=...`"
                        )),
                    );
                }
                if op == "==" {
                    self.push(
                        Diagnostic::error("invalid-operator", "`==` is not an operator of the search command")
                            .at(*operator, "use `=`")
                            .with_help("the search command compares with `=`, `!=`, `<`, `<=`, `>`, `>=`; `==` belongs to eval and where"),
                    );
                }
            }
            SearchKind::In { keyword, values, .. } => {
                if values.is_empty() {
                    self.push(
                        Diagnostic::error("empty-in-list", "`IN ()` lists no values")
                            .at(expr.span.join(*keyword), "nothing to match")
                            .with_help("list the values: `field IN (\"a\", \"b\")`"),
                    );
                }
                for value in values {
                    self.search_value(value);
                }
            }
            SearchKind::InWithoutList { field, keyword } => {
                let field_name = self.slice(*field);
                self.push(
                    Diagnostic::error("in-without-parentheses", "`IN` needs a parenthesized list of values")
                        .at(*keyword, "expected `(` after `IN`")
                        .with_help(format!(
                            "write `{field_name} IN (\"value1\", \"value2\")`; the search command's IN operator takes a list in parentheses"
                        )),
                );
            }
            SearchKind::Term(value) => self.search_value(value),
        }
    }

    fn search_value(&mut self, value: &SearchValue) {
        match &value.kind {
            ValueKind::Subsearch(pipeline) => self.pipeline(pipeline, false),
            ValueKind::Word | ValueKind::Quoted => {
                let raw = self.slice(value.span);
                let text = unquote(raw).unwrap_or(raw);
                // A note, not a warning: a substring or suffix match (Sigma's `contains`,
                // `endswith`; every generated search has them) has no faster exact form, so a
                // search that means it is right; the note says what it costs.
                if text.starts_with('*') && !text.trim_start_matches('*').is_empty() {
                    self.push(
                        Diagnostic {
                            severity: crate::diagnostic::Severity::Info,
                            ..Diagnostic::error(
                                "leading-wildcard",
                                "a value that starts with `*` makes Splunk scan every term of the index",
                            )
                        }
                        .at(value.span, "leading wildcard")
                        .with_help("searches are fastest with a fixed prefix; where a substring match is what the search means (Sigma's `contains`), nothing faster is exact; otherwise narrow the search first, or use a data model"),
                    );
                }
            }
            ValueKind::Case | ValueKind::Term | ValueKind::Macro(_) => {}
        }
    }

    fn time_modifier(&mut self, span: Span) {
        let raw = self.slice(span);
        let text = unquote(raw).unwrap_or(raw);
        if text.contains('$') || text.starts_with('`') {
            return;
        }
        if !is_time_modifier(text) {
            self.push(
                Diagnostic::error("invalid-time-modifier", format!("`{text}` is not a time modifier"))
                    .at(span, "expected a relative or absolute time")
                    .with_help("write e.g. `-24h`, `-7d@d`, `@w0`, `now`, `0`, an epoch time, or `%m/%d/%Y:%H:%M:%S`"),
            );
        }
    }

    // ------------------------------------------------------------------ eval expressions

    fn eval(&mut self, expr: &EvalExpr) {
        match &expr.kind {
            EvalKind::Chain { operands, .. } => {
                for operand in operands {
                    self.eval(operand);
                }
            }
            EvalKind::Unary { operand, .. } | EvalKind::Group(operand) => self.eval(operand),
            EvalKind::In { value, list, .. } => {
                self.eval(value);
                for item in list {
                    self.eval(item);
                }
            }
            EvalKind::Call { name, args } => {
                self.call(expr.span, *name, args);
                for arg in args {
                    self.eval(arg);
                }
            }
            EvalKind::Field
            | EvalKind::QuotedField
            | EvalKind::String
            | EvalKind::Number
            | EvalKind::Macro(_) => {}
        }
    }

    fn call(&mut self, span: Span, name: Span, args: &[EvalExpr]) {
        let function = self.slice(name);
        let Some(arity) = functions::eval_function(function) else {
            let mut diagnostic = Diagnostic::error(
                "unknown-function",
                format!("unknown evaluation function `{function}`"),
            )
            .at(name, "not an eval function");
            let near =
                functions::nearest(function, functions::EVAL_FUNCTIONS.iter().map(|(n, _)| *n));
            diagnostic = match (near, functions::stats_function(function)) {
                (Some(near), _) => diagnostic.with_help(format!("did you mean `{near}`?")),
                (None, Some(_)) => diagnostic.with_help(format!(
                    "`{function}` is an aggregation: use it in `stats`, `eventstats` or `timechart`, or as `{function}(eval(...))` there"
                )),
                (None, None) => diagnostic
                    .with_help("see Splunk's list of evaluation functions (Search Reference, \"Evaluation functions\")"),
            };
            self.push(diagnostic);
            return;
        };
        if !arity.accepts(args.len()) {
            self.push(wrong_count(span, name, function, arity, args.len()));
        }
        let lower = function.to_ascii_lowercase();
        // The pattern argument of the regex functions is PCRE.
        let pattern = match lower.as_str() {
            "match" | "replace" => args.get(1),
            _ => None,
        };
        if let Some(pattern) = pattern
            && matches!(pattern.kind, EvalKind::String)
        {
            self.regex_literal(pattern.span);
        }
    }

    fn regex_literal(&mut self, span: Span) {
        let raw = self.slice(span);
        let Some(body) = unquote(raw) else { return };
        if let Err(problem) = check_pcre(&unescape_quoted(body)) {
            self.push(
                Diagnostic::error(
                    "invalid-regex",
                    format!("invalid regular expression: {problem}"),
                )
                .at(span, "this pattern")
                .with_help("Splunk uses PCRE; escape literal parentheses and brackets with `\\`"),
            );
        }
    }

    // ------------------------------------------------------------------ catalogue commands

    fn stats(&mut self, command: &Command, spec: &CommandSpec) {
        let name = spec.name;
        let mut aggregations = 0;
        let mut opaque = false;
        let mut grouping = false;
        let mut expect_alias = None;
        let mut expect_dataset = false;
        for arg in &command.args {
            if let Some(as_span) = expect_alias.take() {
                // ESCU names a result `aceFlags(inheritance)`: a call-shaped alias runs.
                if matches!(
                    arg.kind,
                    ArgKind::Word
                        | ArgKind::Quoted
                        | ArgKind::SingleQuoted
                        | ArgKind::Macro(_)
                        | ArgKind::Call { .. }
                ) {
                    continue;
                }
                self.push(missing(
                    as_span,
                    "`AS` needs a new field name",
                    "write `AS name` after the function",
                ));
            }
            if expect_dataset {
                expect_dataset = false;
                if matches!(
                    arg.kind,
                    ArgKind::Word | ArgKind::Quoted | ArgKind::Macro(_)
                ) {
                    continue;
                }
            }
            match &arg.kind {
                ArgKind::Option { .. } => self.option(arg, spec),
                ArgKind::Macro(_) => opaque = true,
                ArgKind::Comma => {}
                ArgKind::Word => {
                    let word = self.slice(arg.span);
                    let lower = word.to_ascii_lowercase();
                    match lower.as_str() {
                        "as" => expect_alias = Some(arg.span),
                        "by" | "over" => grouping = true,
                        "from" if matches!(name, "tstats" | "mstats") => expect_dataset = true,
                        _ if grouping => {}
                        _ => match functions::stats_function(word) {
                            Some(arity) if arity.min == 0 => aggregations += 1,
                            Some(_) => self.push(
                                Diagnostic::error(
                                    "missing-argument",
                                    format!("`{word}` needs a field: `{word}(field)`"),
                                )
                                .at(arg.span, "no field given"),
                            ),
                            None => self.push(self.not_an_aggregation(arg.span, word, name)),
                        },
                    }
                }
                ArgKind::Quoted | ArgKind::SingleQuoted if grouping => {}
                ArgKind::Call {
                    name: function,
                    args,
                } => {
                    let function_name = self.slice(*function);
                    if grouping {
                        if function_name.eq_ignore_ascii_case("prefix") {
                            continue;
                        }
                        self.push(
                            Diagnostic::error(
                                "invalid-argument",
                                format!("`{function_name}(...)` after `by`: group-by fields are plain names"),
                            )
                            .at(arg.span, "not a field name")
                            .with_help("put aggregations before `by`"),
                        );
                        continue;
                    }
                    aggregations += 1;
                    match functions::stats_function(function_name) {
                        Some(arity) => {
                            let count = args
                                .iter()
                                .filter(|a| !matches!(a.kind, ArgKind::Comma))
                                .count();
                            if !arity.accepts(count) {
                                self.push(wrong_count(
                                    arg.span,
                                    *function,
                                    function_name,
                                    arity,
                                    count,
                                ));
                            }
                            for inner in args {
                                if let ArgKind::Call { .. } = inner.kind
                                    && !function_name.eq_ignore_ascii_case("sparkline")
                                {
                                    self.push(
                                        Diagnostic::error(
                                            "invalid-argument",
                                            format!("`{function_name}` takes a field name or `eval(...)`"),
                                        )
                                        .at(inner.span, "a function call here")
                                        .with_help(format!("compute it first with `eval`, or write `{function_name}(eval(...))`")),
                                    );
                                }
                            }
                            self.nested_args(args);
                        }
                        None => {
                            let diagnostic =
                                self.not_an_aggregation(*function, function_name, name);
                            self.push(diagnostic);
                        }
                    }
                }
                _ => self.push(
                    Diagnostic::error(
                        "invalid-argument",
                        format!("unexpected argument to `{name}`"),
                    )
                    .at(arg.span, "expected an aggregation, an option or `by`"),
                ),
            }
        }
        if let Some(as_span) = expect_alias {
            self.push(missing(
                as_span,
                "`AS` needs a new field name",
                "write `AS name` after the function",
            ));
        }
        if aggregations == 0 && !opaque {
            self.push(missing(
                command.name,
                &format!("`{name}` needs at least one aggregation function"),
                &format!("e.g. `| {name} count by host` or `| {name} dc(user) as users`"),
            ));
        }
    }

    fn not_an_aggregation(&self, span: Span, word: &str, command: &str) -> Diagnostic {
        let diagnostic = Diagnostic::error(
            "unknown-stats-function",
            format!("`{word}` is not an aggregation function of `{command}`"),
        )
        .at(span, "unknown aggregation");
        match functions::nearest(word, functions::STATS_FUNCTIONS.iter().map(|(n, _)| *n)) {
            Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
            None => diagnostic.with_help("aggregations are count, dc, sum, avg, min, max, values, list, earliest, latest, perc<N>, ..."),
        }
    }

    fn fields(&mut self, command: &Command, spec: &CommandSpec, shape: FieldsShape) {
        let mut positional = 0;
        let mut opaque = false;
        let mut after_as = false;
        for arg in &command.args {
            match &arg.kind {
                ArgKind::Option { .. } => self.option(arg, spec),
                ArgKind::Comma => {}
                ArgKind::Macro(_) => opaque = true,
                ArgKind::Word => {
                    let word = self.slice(arg.span);
                    if word == "+" || word == "-" {
                        continue;
                    }
                    if shape.keywords.iter().any(|k| k.eq_ignore_ascii_case(word)) {
                        after_as = word.eq_ignore_ascii_case("as");
                        continue;
                    }
                    if after_as {
                        after_as = false;
                        continue;
                    }
                    positional += 1;
                }
                ArgKind::Quoted | ArgKind::SingleQuoted => {
                    if after_as {
                        after_as = false;
                        continue;
                    }
                    positional += 1;
                }
                ArgKind::Call { name, args }
                    if shape
                        .calls
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(self.slice(*name))) =>
                {
                    positional += 1;
                    self.nested_args(args);
                }
                _ => {
                    let diagnostic = Diagnostic::error(
                        "invalid-argument",
                        format!("unexpected argument to `{}`", spec.name),
                    )
                    .at(arg.span, "expected a field name or an option");
                    self.push(diagnostic);
                    self.nested_arg(arg);
                }
            }
        }
        if opaque {
            return;
        }
        if positional < shape.min {
            let what = if shape.min == 1 {
                "a field name".to_string()
            } else {
                format!("{} field names", shape.min)
            };
            self.push(missing(
                command.name,
                &format!("`{}` needs {what}", spec.name),
                &format!("e.g. `| {} host`", spec.name),
            ));
        }
        if let Some(max) = shape.max
            && positional > max
        {
            let allowed = match max {
                0 => "no field names".to_string(),
                1 => "one field name".to_string(),
                n => format!("at most {n} field names"),
            };
            self.push(
                Diagnostic::error(
                    "too-many-arguments",
                    format!("`{}` takes {allowed}", spec.name),
                )
                .at(command.name, format!("{positional} given")),
            );
        }
    }

    /// Splits arguments into items separated by commas (a missing comma is tolerated).
    fn rename(&mut self, command: &Command) {
        let args: Vec<&Arg> = command
            .args
            .iter()
            .filter(|a| !matches!(a.kind, ArgKind::Comma))
            .collect();
        if args.is_empty() {
            self.push(missing(
                command.name,
                "`rename` needs `old AS new`",
                "e.g. `| rename src_ip AS src`, or with wildcards `| rename Processes.* AS *`",
            ));
            return;
        }
        let mut index = 0;
        while index < args.len() {
            let source = args[index];
            if let ArgKind::Macro(_) = source.kind {
                index += 1;
                continue;
            }
            if !self.is_name(source) {
                self.push(
                    Diagnostic::error("invalid-argument", "`rename` expects a field name")
                        .at(source.span, "not a field name"),
                );
                self.nested_arg(source);
                index += 1;
                continue;
            }
            let keyword = args.get(index + 1);
            let is_as = keyword.is_some_and(|k| {
                matches!(k.kind, ArgKind::Word) && self.slice(k.span).eq_ignore_ascii_case("as")
            });
            if !is_as {
                self.push(
                    Diagnostic::error(
                        "missing-as",
                        "`rename` needs `AS` between the old and the new name",
                    )
                    .at(source.span, "renamed to what?")
                    .with_help(format!("write `{} AS new_name`", self.slice(source.span))),
                );
                // `rename a b`: `b` is the intended new name; one diagnostic for the pair.
                index += if keyword.is_some_and(|k| self.is_name(k)) {
                    2
                } else {
                    1
                };
                continue;
            }
            let keyword = keyword.expect("checked above");
            match args.get(index + 2) {
                Some(target)
                    if self.is_name(target) || matches!(target.kind, ArgKind::Macro(_)) =>
                {
                    let from = self.slice(source.span).matches('*').count();
                    let to = self.slice(target.span).matches('*').count();
                    if to > 0 && from != to {
                        self.push(
                            Diagnostic::error(
                                "rename-wildcard-mismatch",
                                "the new name has a different number of `*` wildcards than the old one",
                            )
                            .at(target.span, format!("{to} wildcard(s) here"))
                            .with_note_at(source.span, format!("{from} here")),
                        );
                    }
                    index += 3;
                }
                _ => {
                    self.push(missing(
                        keyword.span,
                        "`AS` needs the new field name",
                        "write `old AS new`",
                    ));
                    index += 2;
                }
            }
        }
    }

    fn is_name(&self, arg: &Arg) -> bool {
        match arg.kind {
            ArgKind::Quoted | ArgKind::SingleQuoted => true,
            ArgKind::Word => {
                let word = self.slice(arg.span);
                !word.eq_ignore_ascii_case("as")
            }
            _ => false,
        }
    }

    fn rex(&mut self, command: &Command, spec: &CommandSpec) {
        let mut patterns = Vec::new();
        let mut sed = false;
        let mut opaque = false;
        for arg in &command.args {
            match &arg.kind {
                ArgKind::Option { key, value, .. } => {
                    self.option(arg, spec);
                    let key = self.slice(*key);
                    if key.eq_ignore_ascii_case("mode")
                        && let Some(value) = value
                    {
                        let mode = self.slice(value.span);
                        if mode == "sed" {
                            sed = true;
                        } else {
                            self.push(
                                Diagnostic::error(
                                    "invalid-option",
                                    format!("`mode={mode}`: the only mode is `sed`"),
                                )
                                .at(value.span, "expected `sed`"),
                            );
                        }
                    }
                    if key.eq_ignore_ascii_case("max_match")
                        && let Some(value) = value
                        && self.slice(value.span).parse::<u64>().is_err()
                    {
                        self.push(
                            Diagnostic::error("invalid-option", "`max_match` takes a whole number")
                                .at(value.span, "expected 0 (unlimited) or a positive number"),
                        );
                    }
                }
                ArgKind::Quoted => patterns.push(arg.span),
                ArgKind::Macro(_) => opaque = true,
                _ => {
                    self.push(
                        Diagnostic::error(
                            "invalid-argument",
                            "`rex` takes options and one quoted regular expression",
                        )
                        .at(arg.span, "unexpected here")
                        .with_help(
                            "quote the regular expression: `| rex field=x \"(?<name>...)\"`",
                        ),
                    );
                }
            }
        }
        match patterns.as_slice() {
            [] if !opaque => self.push(missing(
                command.name,
                "`rex` needs a regular expression",
                "e.g. `| rex field=_raw \"user=(?<user>\\w+)\"`",
            )),
            [] => {}
            [pattern] => {
                if sed {
                    self.sed_expression(*pattern);
                } else {
                    self.regex_literal(*pattern);
                    let body = self.slice(*pattern);
                    if !body.contains("(?<") && !body.contains("(?P<") {
                        self.push(
                            Diagnostic::warning("rex-without-named-group", "this `rex` extracts nothing: the regular expression has no named group")
                                .at(*pattern, "no `(?<name>...)` here")
                                .with_help("name the part to extract: `(?<field>...)`; use `| regex` to filter events"),
                        );
                    }
                }
            }
            [_, extra, ..] => self.push(
                Diagnostic::error("too-many-arguments", "`rex` takes one regular expression")
                    .at(*extra, "a second one"),
            ),
        }
    }

    fn sed_expression(&mut self, span: Span) {
        let raw = self.slice(span);
        let body = unquote(raw).unwrap_or(raw);
        let valid = match body.as_bytes() {
            [b's' | b'y', delimiter, rest @ ..] if !delimiter.is_ascii_alphanumeric() => {
                // `s/regex/replacement/flags`: two more unescaped delimiters.
                let mut count = 0;
                let mut escaped = false;
                for byte in rest {
                    match byte {
                        b'\\' if !escaped => escaped = true,
                        b if *b == *delimiter && !escaped => count += 1,
                        _ => escaped = false,
                    }
                    if *byte != b'\\' {
                        escaped = false;
                    }
                }
                count >= 2
            }
            _ => false,
        };
        if !valid {
            self.push(
                Diagnostic::error("invalid-sed-expression", "not a sed expression")
                    .at(span, "expected `s/regex/replacement/flags` or `y/from/to/`")
                    .with_help(
                        "with `mode=sed`, rex takes a substitution such as `\"s/\\d{4}/XXXX/g\"`",
                    ),
            );
        }
    }

    fn regex_command(&mut self, command: &Command) {
        let items: Vec<&Arg> = command.args.iter().collect();
        match items.as_slice() {
            [] => self.push(missing(
                command.name,
                "`regex` needs a regular expression",
                "e.g. `| regex process=\"(?i)\\\\temp\\\\\"` or `| regex \"pattern\"`",
            )),
            [single] => match &single.kind {
                ArgKind::Quoted => self.regex_literal(single.span),
                ArgKind::Option {
                    operator, value, ..
                } => {
                    let op = self.slice(*operator);
                    if op != "=" && op != "!=" {
                        self.push(
                            Diagnostic::error(
                                "invalid-operator",
                                format!("`regex` compares with `=` or `!=`, not `{op}`"),
                            )
                            .at(*operator, "expected `=` or `!=`"),
                        );
                    }
                    match value {
                        Some(value) if matches!(value.kind, ArgKind::Quoted) => {
                            self.regex_literal(value.span)
                        }
                        Some(_) => {}
                        None => self.push(missing(
                            single.span,
                            "`regex` needs a regular expression after the operator",
                            "write `field=\"pattern\"`",
                        )),
                    }
                }
                ArgKind::Word | ArgKind::Macro(_) => {}
                _ => self.push(
                    Diagnostic::error(
                        "invalid-argument",
                        "`regex` takes `[field=|field!=]\"regex\"`",
                    )
                    .at(single.span, "unexpected here")
                    .with_help("quote the regular expression"),
                ),
            },
            [_, extra, ..] => self.push(
                Diagnostic::error("too-many-arguments", "`regex` takes one regular expression")
                    .at(extra.span, "unexpected here")
                    .with_help("quote a regular expression that contains spaces or `|`"),
            ),
        }
    }

    fn lookup(&mut self, command: &Command, spec: &CommandSpec) {
        let mut table = None;
        let mut inputs = 0;
        let mut opaque = false;
        let mut output_keyword: Option<Span> = None;
        let mut outputs = 0;
        let mut after_as = false;
        for arg in &command.args {
            match &arg.kind {
                ArgKind::Option { .. } if table.is_none() => self.option(arg, spec),
                ArgKind::Comma => {}
                ArgKind::Macro(_) => opaque = true,
                ArgKind::Word | ArgKind::Quoted | ArgKind::SingleQuoted => {
                    let word = self.slice(arg.span);
                    if table.is_none() {
                        table = Some(arg.span);
                    } else if word.eq_ignore_ascii_case("output")
                        || word.eq_ignore_ascii_case("outputnew")
                    {
                        output_keyword = Some(arg.span);
                    } else if word.eq_ignore_ascii_case("as") {
                        after_as = true;
                    } else if after_as {
                        after_as = false;
                    } else if output_keyword.is_some() {
                        outputs += 1;
                    } else {
                        inputs += 1;
                    }
                }
                _ => self.push(
                    Diagnostic::error("invalid-argument", "unexpected argument to `lookup`")
                        .at(arg.span, "expected a lookup table or a field name"),
                ),
            }
        }
        if opaque {
            return;
        }
        match table {
            None => self.push(missing(
                command.name,
                "`lookup` needs a lookup table and the fields to match",
                "e.g. `| lookup users_lookup user AS src_user OUTPUT department`",
            )),
            Some(table) if inputs == 0 => self.push(missing(
                table,
                "`lookup` needs at least one field to match",
                "name the lookup field, and the event field with `AS` if the names differ",
            )),
            Some(_) => {}
        }
        if let Some(keyword) = output_keyword
            && outputs == 0
        {
            self.push(missing(
                keyword,
                "`OUTPUT` needs at least one field",
                "name the lookup fields to add",
            ));
        }
    }

    fn table(&mut self, command: &Command, spec: &CommandSpec) {
        let mut tables = Vec::new();
        let mut opaque = false;
        for arg in &command.args {
            match &arg.kind {
                ArgKind::Option { .. } => self.option(arg, spec),
                ArgKind::Word | ArgKind::Quoted => tables.push(arg.span),
                ArgKind::Macro(_) => opaque = true,
                _ => self.push(
                    Diagnostic::error(
                        "invalid-argument",
                        format!("unexpected argument to `{}`", spec.name),
                    )
                    .at(arg.span, "expected a lookup table name or an option"),
                ),
            }
        }
        match tables.as_slice() {
            [] if !opaque => self.push(missing(
                command.name,
                &format!("`{}` needs a lookup table or file name", spec.name),
                &format!("e.g. `| {} my_lookup.csv`", spec.name),
            )),
            [_, extra, ..] => self.push(
                Diagnostic::error(
                    "too-many-arguments",
                    format!("`{}` takes one table", spec.name),
                )
                .at(*extra, "a second name")
                .with_help("for a condition, write `where ...` after the table"),
            ),
            _ => {}
        }
    }

    fn subsearch_command(&mut self, command: &Command, spec: &CommandSpec, fields: bool) {
        let mut subsearches = 0;
        let mut field_count = 0;
        let mut opaque = false;
        for arg in &command.args {
            match &arg.kind {
                ArgKind::Option { .. } => self.option(arg, spec),
                ArgKind::Subsearch(pipeline) => {
                    subsearches += 1;
                    self.pipeline(pipeline, false);
                }
                ArgKind::Comma => {}
                ArgKind::Macro(_) => opaque = true,
                ArgKind::Word | ArgKind::Quoted | ArgKind::SingleQuoted if fields => {
                    field_count += 1
                }
                _ => self.push(
                    Diagnostic::error(
                        "invalid-argument",
                        format!("unexpected argument to `{}`", spec.name),
                    )
                    .at(
                        arg.span,
                        if fields {
                            "expected options, fields and a subsearch"
                        } else {
                            "expected options and a subsearch"
                        },
                    ),
                ),
            }
        }
        if subsearches == 0 && !opaque {
            self.push(missing(
                command.name,
                &format!("`{}` needs a subsearch in square brackets", spec.name),
                &format!("e.g. `| {} [search index=main | fields user]`", spec.name),
            ));
        }
        if spec.name == "foreach" && field_count == 0 && !opaque {
            self.push(missing(
                command.name,
                "`foreach` needs the fields to iterate over",
                "e.g. `| foreach count_* [eval <<FIELD>> = <<FIELD>> * 2]`",
            ));
        }
    }

    fn map(&mut self, command: &Command, spec: &CommandSpec) {
        let mut has_search = false;
        for arg in &command.args {
            match &arg.kind {
                ArgKind::Option { key, .. } => {
                    self.option(arg, spec);
                    has_search |= self.slice(*key).eq_ignore_ascii_case("search");
                }
                ArgKind::Subsearch(pipeline) => {
                    has_search = true;
                    self.pipeline(pipeline, false);
                }
                ArgKind::Word | ArgKind::Quoted | ArgKind::Macro(_) => has_search = true,
                _ => self.push(
                    Diagnostic::error("invalid-argument", "unexpected argument to `map`").at(
                        arg.span,
                        "expected `search=\"...\"`, a subsearch or a saved search name",
                    ),
                ),
            }
        }
        if !has_search {
            self.push(missing(
                command.name,
                "`map` needs a search to run",
                "write `| map search=\"search ... $field$\"`",
            ));
        }
    }

    fn replace(&mut self, command: &Command) {
        let args: Vec<&Arg> = command
            .args
            .iter()
            .filter(|a| !matches!(a.kind, ArgKind::Comma))
            .collect();
        let mut pairs = 0;
        let mut index = 0;
        let mut opaque = false;
        while index < args.len() {
            let arg = args[index];
            let text = self.slice(arg.span);
            if matches!(arg.kind, ArgKind::Macro(_)) {
                opaque = true;
                index += 1;
                continue;
            }
            if matches!(arg.kind, ArgKind::Word) && text.eq_ignore_ascii_case("in") {
                if index + 1 == args.len() {
                    self.push(missing(
                        arg.span,
                        "`IN` needs the fields to replace in",
                        "name fields after `IN`",
                    ));
                }
                break;
            }
            let with = args.get(index + 1).filter(|w| {
                matches!(w.kind, ArgKind::Word) && self.slice(w.span).eq_ignore_ascii_case("with")
            });
            match (with, args.get(index + 2)) {
                (Some(_), Some(_)) => {
                    pairs += 1;
                    index += 3;
                }
                _ => {
                    self.push(
                        Diagnostic::error("missing-with", "`replace` needs `old WITH new`")
                            .at(arg.span, "replaced with what?")
                            .with_help("write `| replace \"old\" WITH \"new\" IN field`"),
                    );
                    return;
                }
            }
        }
        if pairs == 0 && !opaque {
            self.push(missing(
                command.name,
                "`replace` needs `old WITH new`",
                "write `| replace \"old\" WITH \"new\" IN field`",
            ));
        }
    }

    fn convert(&mut self, command: &Command, spec: &CommandSpec) {
        const CONVERSIONS: &[&str] = &[
            "auto", "ctime", "dur2sec", "memk", "mktime", "mstime", "none", "num", "rmcomma",
            "rmunit",
        ];
        let mut conversions = 0;
        let mut opaque = false;
        for arg in &command.args {
            match &arg.kind {
                ArgKind::Option { .. } => self.option(arg, spec),
                ArgKind::Call { name, args } => {
                    let function = self.slice(*name);
                    if CONVERSIONS.iter().any(|c| c.eq_ignore_ascii_case(function)) {
                        conversions += 1;
                        let count = args
                            .iter()
                            .filter(|a| !matches!(a.kind, ArgKind::Comma))
                            .count();
                        if count != 1 {
                            self.push(wrong_count(
                                arg.span,
                                *name,
                                function,
                                Arity {
                                    min: 1,
                                    max: Some(1),
                                    pairs: false,
                                },
                                count,
                            ));
                        }
                    } else {
                        // Counted as a conversion: the problem is its name, not its absence.
                        conversions += 1;
                        let mut diagnostic = Diagnostic::error(
                            "unknown-function",
                            format!("`{function}` is not a conversion of `convert`"),
                        )
                        .at(*name, "unknown conversion");
                        if let Some(near) =
                            functions::nearest(function, CONVERSIONS.iter().copied())
                        {
                            diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
                        }
                        self.push(diagnostic);
                    }
                }
                ArgKind::Macro(_) => opaque = true,
                ArgKind::Word | ArgKind::Quoted | ArgKind::SingleQuoted | ArgKind::Comma => {}
                _ => self.push(
                    Diagnostic::error("invalid-argument", "unexpected argument to `convert`")
                        .at(arg.span, "expected a conversion such as `ctime(field)`"),
                ),
            }
        }
        if conversions == 0 && !opaque {
            self.push(missing(
                command.name,
                "`convert` needs a conversion",
                "e.g. `| convert ctime(firstTime)`",
            ));
        }
    }

    fn from(&mut self, command: &Command) {
        let words: Vec<&Arg> = command.args.iter().collect();
        match words.as_slice() {
            [] => self.push(missing(
                command.name,
                "`from` needs a dataset",
                "e.g. `| from datamodel:Authentication.Authentication` or `| from inputlookup:users.csv`",
            )),
            [single] if matches!(single.kind, ArgKind::Word) && !self.slice(single.span).contains(':') => {
                let word = self.slice(single.span);
                if ["datamodel", "lookup", "inputlookup", "savedsearch"].iter().any(|k| k.eq_ignore_ascii_case(word)) {
                    self.push(missing(single.span, &format!("`from {word}` needs a dataset name"), &format!("write `from {word}:name`")));
                }
            }
            _ => self.nested_args(&command.args),
        }
    }

    fn model(&mut self, command: &Command) {
        let has_model = command
            .args
            .iter()
            .any(|a| matches!(a.kind, ArgKind::Word | ArgKind::Quoted | ArgKind::Macro(_)));
        if !has_model {
            self.push(missing(
                command.name,
                &format!("`{}` needs a model name", self.slice(command.name)),
                "name a model trained with `fit ... into <model>`",
            ));
        }
        self.nested_args(&command.args);
    }
}

fn missing(span: Span, message: &str, help: &str) -> Diagnostic {
    Diagnostic::error("missing-argument", message.to_string())
        .at(span, "missing argument")
        .with_help(help.to_string())
}

fn wrong_count(span: Span, name: Span, function: &str, arity: Arity, given: usize) -> Diagnostic {
    Diagnostic::error(
        "wrong-argument-count",
        format!("`{function}` takes {}, {given} given", arity.describe()),
    )
    .at(
        span,
        format!("{given} argument{}", if given == 1 { "" } else { "s" }),
    )
    .with_note_at(name, "this function")
}

/// The value of a double-quoted SPL string: `\\` is one backslash and `\"` a quote; other
/// backslashes stay (they belong to the regular expression: `"\d+"`).
pub fn unescape_quoted(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ ('\\' | '"')) => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A regular expression Splunk (PCRE) would reject. regex-syntax follows RE2 plus a little; the
/// PCRE features it lacks (look-around, backreferences, possessive quantifiers, `\K`, ...) are
/// accepted, and only mistakes PCRE also rejects are reported.
pub fn check_pcre(pattern: &str) -> Result<(), String> {
    use regex_syntax::ast::ErrorKind;
    // PCRE group forms regex-syntax lacks, rewritten to a plain group of the same structure:
    // look-around, atomic groups, branch reset.
    let pattern = ["(?<=", "(?<!"]
        .iter()
        .fold(pattern.to_string(), |p, form| p.replace(form, "(?:"));
    let pattern = ["(?=", "(?!", "(?>", "(?|"]
        .iter()
        .fold(pattern, |p, form| p.replace(form, "(?:"));
    match regex_syntax::ast::parse::Parser::new().parse(&pattern) {
        Ok(_) => Ok(()),
        // In PCRE a `{` that does not start a counted repetition is a literal (`(?<g>{.*?})`).
        Err(error)
            if *error.kind() == ErrorKind::RepetitionMissing
                && pattern[error.span().start.offset..].starts_with('{') =>
        {
            Ok(())
        }
        Err(error) => match error.kind() {
            ErrorKind::GroupUnclosed
            | ErrorKind::GroupUnopened
            | ErrorKind::ClassUnclosed
            | ErrorKind::ClassRangeInvalid
            | ErrorKind::RepetitionMissing
            | ErrorKind::RepetitionCountInvalid
            | ErrorKind::GroupNameDuplicate { .. }
            | ErrorKind::GroupNameEmpty => Err(error.kind().to_string()),
            _ => Ok(()),
        },
    }
}

const TIME_UNITS: &[&str] = &[
    "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes", "h", "hr",
    "hrs", "hour", "hours", "d", "day", "days", "w", "week", "weeks", "mon", "month", "months",
    "q", "qtr", "qtrs", "quarter", "quarters", "y", "yr", "yrs", "year", "years", "ms", "us", "cs",
    "ds",
];

/// `span=` values: a number with an optional unit (`5m`, `1h`, `30`, `1.5d`), or `log` spans.
pub fn is_timespan(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("log") {
        return rest.is_empty() || rest.parse::<f64>().is_ok();
    }
    let digits = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits);
    !number.is_empty()
        && number.parse::<f64>().is_ok()
        && (unit.is_empty() || TIME_UNITS.contains(&unit))
}

/// Relative and absolute times of `earliest=` / `latest=` (Search Reference, "Time modifiers").
pub fn is_time_modifier(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if lower == "now" || lower == "now()" || lower.is_empty() {
        return true;
    }
    // Epoch seconds (with fractions).
    if lower.parse::<f64>().is_ok() {
        return true;
    }
    // %m/%d/%Y:%H:%M:%S
    if lower.len() >= 8
        && lower
            .chars()
            .all(|c| c.is_ascii_digit() || c == '/' || c == ':')
        && lower.contains('/')
    {
        return true;
    }
    let mut rest = lower.strip_prefix("rt").unwrap_or(&lower);
    if rest.is_empty() {
        return true;
    }
    // ([+-]N?unit)* (@unit([+-]N?unit)*)?
    let mut snapped = false;
    while !rest.is_empty() {
        let Some(first) = rest.chars().next() else {
            break;
        };
        match first {
            '+' | '-' => {
                rest = &rest[1..];
                let digits = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                rest = &rest[digits..];
                let letters = rest
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(rest.len());
                if letters == 0 || !TIME_UNITS.contains(&&rest[..letters]) {
                    return false;
                }
                rest = &rest[letters..];
            }
            '@' if !snapped => {
                snapped = true;
                rest = &rest[1..];
                let letters = rest
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(rest.len());
                let unit = &rest[..letters];
                if !TIME_UNITS.contains(&unit) {
                    return false;
                }
                rest = &rest[letters..];
                // `@w0` .. `@w7`: the day of the week.
                if unit.starts_with('w') {
                    let digits = rest
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(rest.len());
                    rest = &rest[digits..];
                }
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_modifiers() {
        for ok in [
            "-24h@h",
            "@d",
            "-7d@w0",
            "now",
            "0",
            "1700000000",
            "rt-30s",
            "-1d@d+1h",
            "10/19/2024:00:00:00",
            "-15m",
        ] {
            assert!(is_time_modifier(ok), "{ok}");
        }
        for bad in ["-24x", "yesterday", "-1d@", "--1h"] {
            assert!(!is_time_modifier(bad), "{bad}");
        }
    }

    #[test]
    fn timespans() {
        for ok in ["5m", "1h", "30", "1.5d", "10s", "1mon", "log2"] {
            assert!(is_timespan(ok), "{ok}");
        }
        for bad in ["h", "5x", "abc", ""] {
            assert!(!is_timespan(bad), "{bad}");
        }
    }

    #[test]
    fn pcre_checks_accept_what_pcre_accepts() {
        assert!(check_pcre(r"(?<name>\w+)(?=x)\1").is_ok());
        assert!(check_pcre(r"a++").is_ok());
        assert!(check_pcre(r"(abc").is_err());
        assert!(check_pcre(r"[a-").is_err());
        assert!(check_pcre(r"*a").is_err());
    }
}
