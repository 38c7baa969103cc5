//! The KQL syntax tree: what the parser gives and the semantic checks read.
//!
//! Every node carries the byte span pest gave it. Chains of operators of one precedence level,
//! accessors (`a.b[0].c`) and prefix signs are stored flat, so the depth of the tree grows only
//! with bracket nesting (which the parser limits), never with the length of a query.

use crate::diagnostic::Span;

/// A whole query: `;`-separated statements.
#[derive(Debug, Clone)]
pub struct Query {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone)]
pub enum Statement {
    /// `let name = value`
    Let { name: Name, value: LetValue },
    /// `declare query_parameters(...)`
    DeclareParameters(Vec<Parameter>),
    /// `set option [= value]`, `alias database ...`: options that do not affect names.
    Option { span: Span },
    /// A tabular or scalar expression.
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub enum LetValue {
    /// `(params) { body }` or `view (params) { body }`.
    Function(FunctionDef),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub parameters: Vec<Parameter>,
    pub body: Vec<Statement>,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: Name,
    pub kind: ParameterKind,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone)]
pub enum ParameterKind {
    Scalar,
    /// A table parameter with the columns it is declared to have; `open` when `*` is among
    /// them (or there is no column list), meaning other columns may exist.
    Tabular {
        columns: Vec<ColumnDecl>,
        open: bool,
    },
}

/// `name: type`
#[derive(Debug, Clone)]
pub struct ColumnDecl {
    pub name: Name,
    pub type_name: String,
}

/// A name as written: `Account`, or bracketed `['odd name']` (then `text` is the inner text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Literal(LiteralKind),
    /// A column, variable or table name.
    Name(Name),
    /// `*` (in `where * has "x"` or `arg_max(t, *)`).
    Star,
    /// `$left` / `$right` in join conditions.
    JoinSide(JoinSide),
    /// `typeof(...)`
    TypeOf,
    Call(Call),
    /// `target.name`, `target['x']`, `target[0]`, `target.f(x)`.
    Path {
        target: Box<Expr>,
        steps: Vec<Accessor>,
    },
    /// Prefix signs: `-x`, `- -x`.
    Unary {
        signs: Vec<Span>,
        operand: Box<Expr>,
    },
    /// Operands joined by operators of one precedence level, left to right.
    Chain {
        operands: Vec<Expr>,
        operators: Vec<BinaryOperator>,
    },
    /// `x in (a, b)`, `x !in~ (T | project c)`, `x has_any (...)`, `x has_all (...)`.
    InList {
        operator: Name,
        left: Box<Expr>,
        items: Vec<Expr>,
    },
    /// `x between (a .. b)`, `x !between (a .. b)`.
    Between {
        negated: bool,
        left: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// A tabular expression: a source and its `| operator` stages.
    Pipeline(Box<Pipeline>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinSide {
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralKind {
    String,
    Number,
    Bool,
    Typed,
    Dynamic,
}

#[derive(Debug, Clone)]
pub struct BinaryOperator {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub name: Name,
    pub arguments: Vec<Argument>,
    /// The span of the whole call, name to closing parenthesis.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Argument {
    /// `name = value` arguments.
    pub name: Option<Name>,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub enum Accessor {
    Member(Name),
    Method(Call),
    Index(Expr),
}

#[derive(Debug, Clone)]
pub struct Pipeline {
    pub source: Source,
    pub operators: Vec<Operator>,
}

#[derive(Debug, Clone)]
pub enum Source {
    /// A table name, a call, a parenthesized pipeline, or any expression.
    Expr(Expr),
    /// A source operator: `union`, `datatable`, `print`, `range`, `find`, `search`,
    /// `externaldata`, `evaluate`.
    Operator(Operator),
}

#[derive(Debug, Clone)]
pub struct Operator {
    pub kind: OperatorKind,
    /// The whole operator, keyword to end.
    pub span: Span,
    /// The operator keyword (`where`, `summarize`, ...).
    pub keyword: Span,
}

/// `Name = expr`, `(A, B) = expr` or an unnamed `expr`.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub names: Vec<Name>,
    pub value: Expr,
}

/// A column named in `project-away` and the like, possibly with `*` wildcards.
#[derive(Debug, Clone)]
pub struct ColumnPattern {
    pub name: Name,
    pub wildcard: bool,
}

/// `name=value` options of an operator (`kind=inner`, `hint.strategy=shuffle`).
#[derive(Debug, Clone)]
pub struct OperatorParam {
    pub name: Name,
    pub value: Name,
}

#[derive(Debug, Clone)]
pub struct MvItem {
    pub name: Option<Name>,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub enum OperatorKind {
    Where(Expr),
    Project(Vec<Assignment>),
    ProjectAway(Vec<ColumnPattern>),
    ProjectKeep(Vec<ColumnPattern>),
    ProjectRename(Vec<(Name, Name)>),
    ProjectReorder(Vec<ColumnPattern>),
    Extend(Vec<Assignment>),
    Summarize {
        aggregates: Vec<Assignment>,
        by: Vec<Assignment>,
    },
    Join {
        params: Vec<OperatorParam>,
        right: Expr,
        on: Vec<Expr>,
        lookup: bool,
    },
    Union {
        params: Vec<OperatorParam>,
        tables: Vec<UnionItem>,
    },
    /// `parse`, `parse-where`: the columns the pattern names.
    Parse {
        source: Expr,
        columns: Vec<Name>,
    },
    ParseKv {
        source: Expr,
        columns: Vec<ColumnDecl>,
        properties: Vec<Expr>,
    },
    MvExpand {
        params: Vec<OperatorParam>,
        items: Vec<MvItem>,
        limit: Option<Expr>,
    },
    MvApply {
        params: Vec<OperatorParam>,
        items: Vec<MvItem>,
        limit: Option<Expr>,
        body: Vec<Operator>,
    },
    MakeSeries {
        aggregates: Vec<Assignment>,
        defaults: Vec<Expr>,
        axis: Expr,
        range: Vec<Expr>,
        by: Vec<Assignment>,
    },
    Top {
        count: Expr,
        by: Expr,
    },
    /// `top-nested`, `top-hitters`, `facet`, `reduce`, `scan`, `fork`, `partition`,
    /// `evaluate`, `invoke`, `search`, `find`, `consume`, ...: operators whose output columns
    /// the checks do not model; `exprs` are still checked against the input.
    Opaque {
        exprs: Vec<Expr>,
        /// Expressions evaluated in another context (plugin arguments, sub-queries).
        foreign: Vec<Expr>,
        bodies: Vec<Vec<Operator>>,
    },
    Sort(Vec<Expr>),
    Take(Expr),
    /// `distinct *` (`None`) or a list of columns.
    Distinct(Option<Vec<Assignment>>),
    Count,
    Render,
    As(Name),
    GetSchema,
    Sample(Expr),
    SampleDistinct {
        count: Expr,
        column: Expr,
    },
    Serialize(Vec<Assignment>),
    Datatable {
        columns: Vec<ColumnDecl>,
        rows: Vec<Expr>,
    },
    Print(Vec<Assignment>),
    Range {
        column: Name,
        bounds: Vec<Expr>,
    },
    ExternalData {
        columns: Vec<ColumnDecl>,
    },
    Evaluate {
        call: Call,
    },
    /// `invoke f(args)`: the input is the function's first argument.
    Invoke {
        call: Call,
    },
}

#[derive(Debug, Clone)]
pub enum UnionItem {
    /// `Security*`
    Wildcard(Name),
    Expr(Expr),
}
