//! FQL (Falcon Query Language): parser and evaluator.
//!
//! Grammar: `expr (('+' | ',') expr)*` where `+` is AND and `,` is OR (AND
//! binds tighter), `(...)` groups, and `expr` is `field:[op]value` with `op`
//! one of none, `!`, `>`, `>=`, `<`, `<=`, `~`, `!~`, `*`. Values are quoted
//! strings (`'...'` or `"..."`, with `\'` and `\\` escapes), integers,
//! `true`/`false`, `null`, lists `['a','b']`, ISO-8601 timestamps and
//! relative times such as `'now-7d'`.

use crate::fields::{self, Field, Kind, Val, ip_number};
use crate::model::Asset;
use crate::time::{TimeSpan, parse_time};

/// The most properties one filter may name.
pub const MAX_PROPERTIES: usize = 20;
/// The longest filter accepted, in bytes. The API documents no limit; this
/// is well above any filter of [`MAX_PROPERTIES`] properties with long lists
/// and bounds the work one request can ask for.
pub const MAX_FILTER_LEN: usize = 32 * 1024;
/// How deep groups `(` and negations `!` may nest. The API documents no
/// limit; with at most [`MAX_PROPERTIES`] properties a useful filter never
/// comes close, and the bound keeps the evaluator and the drop of the
/// expression tree, which recurse, within a small, fixed stack.
pub const MAX_DEPTH: usize = 64;

/// A compiled filter.
#[derive(Debug, Clone)]
pub enum Expr {
    /// Every branch matches.
    And(Vec<Expr>),
    /// At least one branch matches.
    Or(Vec<Expr>),
    /// Negation of a group.
    Not(Box<Expr>),
    /// A single comparison.
    Cmp(Box<Cmp>),
}

/// `field:[op]value`.
#[derive(Debug, Clone)]
pub struct Cmp {
    field: Field,
    test: Test,
    negate: bool,
}

#[derive(Debug, Clone)]
enum Test {
    Null,
    Eq(Lit),
    In(Vec<Lit>),
    Range(RangeOp, Lit),
    Text(Vec<String>),
    Wild(String),
}

#[derive(Debug, Clone, Copy)]
enum RangeOp {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
enum Lit {
    Str(String),
    Int(i64),
    Time(TimeSpan),
    Bool(bool),
    Ip(u128, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Raw {
    Quoted(String),
    Bare(String),
    List(Vec<Raw>),
}

struct Parser<'s> {
    src: &'s str,
    pos: usize,
    now: i64,
    properties: usize,
    depth: usize,
}

/// Parses and checks `src` against the field tables. `now` anchors relative
/// times. Errors are messages for a 400 reply; a filter longer than
/// [`MAX_FILTER_LEN`] or nested deeper than [`MAX_DEPTH`] is one of them.
pub fn parse(src: &str, now: i64) -> Result<Expr, String> {
    if src.len() > MAX_FILTER_LEN {
        return Err(format!(
            "invalid filter: the filter is {} bytes long, at most {MAX_FILTER_LEN} bytes are allowed",
            src.len()
        ));
    }
    let mut p = Parser {
        src,
        pos: 0,
        now,
        properties: 0,
        depth: 0,
    };
    p.skip_ws();
    if p.pos >= src.len() {
        return Err("invalid filter: empty expression".into());
    }
    let e = p.expr()?;
    p.skip_ws();
    if p.pos < src.len() {
        return Err(format!(
            "invalid filter: unexpected '{}' at position {}",
            &src[p.pos..].chars().next().unwrap_or(' '),
            p.pos
        ));
    }
    Ok(e)
}

/// A group being parsed: its finished OR branches, the AND terms of the
/// branch in progress, and the `!` in front of it.
#[derive(Default)]
struct Group {
    ors: Vec<Expr>,
    ands: Vec<Expr>,
    negations: usize,
}

impl Group {
    fn finish(mut self) -> Expr {
        self.ors.push(join(self.ands, Expr::And));
        join(self.ors, Expr::Or)
    }
}

/// One item as itself, several combined with `make`.
fn join(mut items: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        if let Some(one) = items.pop() {
            return one;
        }
    }
    make(items)
}

fn negate(e: Expr, times: usize) -> Expr {
    (0..times).fold(e, |e, _| Expr::Not(Box::new(e)))
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.src[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// `term (('+' | ',') term)*`, AND binding tighter than OR, where a
    /// term is `!`* followed by `(expr)` or a comparison. Groups are kept
    /// on an explicit stack rather than by recursion, so parsing uses the
    /// same stack at any depth; the depth is still bounded by
    /// [`MAX_DEPTH`] because evaluating and dropping the tree recurse.
    fn expr(&mut self) -> Result<Expr, String> {
        let mut open: Vec<Group> = Vec::new();
        let mut cur = Group::default();
        loop {
            // The start of a term: negations, then a group or a comparison.
            self.skip_ws();
            let mut negations = 0;
            while self.eat("!") {
                self.descend()?;
                negations += 1;
                self.skip_ws();
            }
            if self.eat("(") {
                self.descend()?;
                open.push(std::mem::replace(
                    &mut cur,
                    Group {
                        negations,
                        ..Group::default()
                    },
                ));
                continue;
            }
            let mut term = negate(self.comparison()?, negations);
            self.depth -= negations;
            // After a term: a separator, or the end of groups.
            loop {
                self.skip_ws();
                if self.eat("+") {
                    cur.ands.push(term);
                    break;
                }
                if self.eat(",") {
                    cur.ands.push(term);
                    let ands = std::mem::take(&mut cur.ands);
                    cur.ors.push(join(ands, Expr::And));
                    break;
                }
                cur.ands.push(term);
                let Some(parent) = open.pop() else {
                    return Ok(cur.finish());
                };
                if !self.eat(")") {
                    return Err(format!(
                        "invalid filter: missing ')' at position {}",
                        self.pos
                    ));
                }
                let negations = cur.negations;
                self.depth -= 1 + negations;
                term = negate(std::mem::replace(&mut cur, parent).finish(), negations);
            }
        }
    }

    /// Enters one more level of `(` or `!`, refusing to pass [`MAX_DEPTH`].
    fn descend(&mut self) -> Result<(), String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "invalid filter: groups '(' and negations '!' nest deeper than {MAX_DEPTH} levels at position {}; at most {MAX_DEPTH} are allowed",
                self.pos.saturating_sub(1)
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let name = &self.src[start..self.pos];
        if name.is_empty() {
            return Err(format!(
                "invalid filter: expected a field name at position {start}"
            ));
        }
        self.skip_ws();
        if !self.eat(":") {
            return Err(format!("invalid filter: expected ':' after field '{name}'"));
        }
        let field = fields::lookup(name)
            .ok_or_else(|| format!("invalid filter: unknown filter field '{name}'"))?;
        self.properties += 1;
        if self.properties > MAX_PROPERTIES {
            return Err(format!(
                "invalid filter: at most {MAX_PROPERTIES} properties are allowed in one filter"
            ));
        }
        self.skip_ws();
        let op = ["!~", "!*", "!", ">=", ">", "<=", "<", "~", "*"]
            .into_iter()
            .find(|op| self.eat(op))
            .unwrap_or("");
        self.skip_ws();
        let raw = self.value()?;
        let cmp = self.build(field, op, raw)?;
        Ok(Expr::Cmp(Box::new(cmp)))
    }

    fn value(&mut self) -> Result<Raw, String> {
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => {
                self.pos += 1;
                self.quoted(q)
            }
            Some(b'[') => {
                self.pos += 1;
                self.list()
            }
            _ => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if matches!(c, b'+' | b',' | b')' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                let v = &self.src[start..self.pos];
                if v.is_empty() {
                    return Err(format!(
                        "invalid filter: expected a value at position {start}"
                    ));
                }
                Ok(Raw::Bare(v.to_string()))
            }
        }
    }

    /// The rest of a value quoted with `q`, after the opening quote; `\`
    /// escapes the next character.
    fn quoted(&mut self, q: u8) -> Result<Raw, String> {
        let mut out = String::new();
        loop {
            let Some(c) = self.src[self.pos..].chars().next() else {
                return Err("invalid filter: unterminated quoted value".into());
            };
            self.pos += c.len_utf8();
            if c == '\\' {
                if let Some(n) = self.src[self.pos..].chars().next() {
                    self.pos += n.len_utf8();
                    out.push(n);
                }
            } else if c as u32 == q as u32 {
                return Ok(Raw::Quoted(out));
            } else {
                out.push(c);
            }
        }
    }

    /// The rest of a list, after its `[`: values separated by `,`.
    fn list(&mut self) -> Result<Raw, String> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.eat("]") {
                break;
            }
            // Checked before reading the item, so `[[[…` never recurses.
            if self.peek() == Some(b'[') {
                return Err(format!(
                    "invalid filter: nested lists are not allowed (position {})",
                    self.pos
                ));
            }
            items.push(self.value()?);
            self.skip_ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                break;
            }
            return Err(format!(
                "invalid filter: expected ',' or ']' at position {}",
                self.pos
            ));
        }
        if items.is_empty() {
            return Err("invalid filter: empty list".into());
        }
        Ok(Raw::List(items))
    }

    fn lit(&self, field: &Field, raw: &Raw) -> Result<Lit, String> {
        let (text, quoted) = match raw {
            Raw::Quoted(s) => (s.as_str(), true),
            Raw::Bare(s) => (s.as_str(), false),
            Raw::List(_) => return Err("invalid filter: unexpected list".into()),
        };
        let bad = |what: &str| {
            format!(
                "invalid filter: field '{}' expects {what}, got '{text}'",
                field.name
            )
        };
        Ok(match field.kind {
            Kind::Str => Lit::Str(text.to_string()),
            Kind::Int => Lit::Int(text.trim().parse().map_err(|_| bad("an integer"))?),
            Kind::Bool => match text {
                "true" => Lit::Bool(true),
                "false" => Lit::Bool(false),
                _ => return Err(bad("true or false")),
            },
            Kind::Time => {
                if !quoted {
                    if let Ok(n) = text.parse::<i64>() {
                        return Ok(Lit::Time(TimeSpan {
                            start: n,
                            end: n.saturating_add(1),
                        }));
                    }
                }
                Lit::Time(parse_time(text, self.now).ok_or_else(|| {
                    bad("an ISO-8601 timestamp or a relative time such as 'now-7d'")
                })?)
            }
            Kind::Ip => Lit::Ip(ip_number(text).unwrap_or(u128::MAX), text.to_string()),
        })
    }

    fn build(&self, field: Field, op: &str, raw: Raw) -> Result<Cmp, String> {
        let name = field.name;
        let negate = matches!(op, "!" | "!~" | "!*");
        let test = if raw == Raw::Bare("null".into()) {
            if !matches!(op, "" | "!") {
                return Err(unsupported(name, &format!("operator '{op}' with null")));
            }
            Test::Null
        } else {
            match op {
                "" | "!" => self.equality(&field, &raw)?,
                "*" | "!*" => {
                    if !field.wildcard {
                        return Err(unsupported(name, "wildcards (*)"));
                    }
                    match &raw {
                        Raw::Quoted(s) | Raw::Bare(s) => Test::Wild(s.clone()),
                        Raw::List(_) => {
                            return Err(unsupported(name, "lists with the '*' operator"));
                        }
                    }
                }
                "~" | "!~" => {
                    if !field.exact && !field.wildcard {
                        return Err(unsupported(name, "text match (~)"));
                    }
                    match &raw {
                        Raw::Quoted(s) | Raw::Bare(s) => Test::Text(tokens(s)),
                        Raw::List(_) => {
                            return Err(unsupported(name, "lists with the '~' operator"));
                        }
                    }
                }
                _ => self.range(&field, op, &raw)?,
            }
        };
        Ok(Cmp {
            field,
            test,
            negate,
        })
    }

    /// `field:value`, `field:['a','b']` or `field:'a*'` (with or without `!`).
    fn equality(&self, field: &Field, raw: &Raw) -> Result<Test, String> {
        Ok(match raw {
            Raw::List(items) => {
                if !field.list {
                    return Err(unsupported(field.name, "lists ([v1, v2])"));
                }
                let lits = items
                    .iter()
                    .map(|r| self.lit(field, r))
                    .collect::<Result<Vec<_>, _>>()?;
                Test::In(lits)
            }
            Raw::Quoted(s) if s.contains('*') => {
                if !field.wildcard {
                    return Err(unsupported(field.name, "wildcards (*)"));
                }
                Test::Wild(s.clone())
            }
            _ => {
                if !field.exact && !field.list {
                    return Err(unsupported(field.name, "exact match"));
                }
                Test::Eq(self.lit(field, raw)?)
            }
        })
    }

    /// `field:>value` and the other comparisons.
    fn range(&self, field: &Field, op: &str, raw: &Raw) -> Result<Test, String> {
        let name = field.name;
        if !field.range {
            return Err(unsupported(name, &format!("range comparison ({op})")));
        }
        if matches!(raw, Raw::List(_)) {
            return Err(unsupported(name, "lists with range operators"));
        }
        let lit = self.lit(field, raw)?;
        if let Lit::Ip(u128::MAX, text) = &lit {
            return Err(format!(
                "invalid filter: field '{name}' expects an IP address, got '{text}'"
            ));
        }
        let rop = match op {
            ">" => RangeOp::Gt,
            ">=" => RangeOp::Ge,
            "<" => RangeOp::Lt,
            _ => RangeOp::Le,
        };
        Ok(Test::Range(rop, lit))
    }
}

fn unsupported(name: &str, what: &str) -> String {
    format!("invalid filter: field '{name}' does not support {what}")
}

/// Parses `filter` exactly as the emulator parses a `filter` parameter or an
/// aggregation's `filter`, then evaluates it against a few generated assets.
/// Returns how many of them match, or the message of the 400 reply the
/// emulator would send. Meant for property tests and fuzzing: no input
/// panics, and nesting is bounded by [`MAX_DEPTH`] so the stack used is too.
pub fn check(filter: &str, now: i64) -> Result<usize, String> {
    static SAMPLE: std::sync::OnceLock<Vec<Asset>> = std::sync::OnceLock::new();
    let sample = SAMPLE.get_or_init(|| {
        let g = crate::generator::Generator::new(7, crate::config::DEFAULT_CID, 1_795_000_000);
        (0..16).map(|i| g.asset(i)).collect()
    });
    let expr = parse(filter, now)?;
    Ok(sample.iter().filter(|a| expr.matches(a)).count())
}

fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.to_lowercase())
        .collect()
}

/// Glob match where `*` stands for any run of characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = ti;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

fn lit_eq(lit: &Lit, v: &Val) -> bool {
    match (lit, v) {
        (Lit::Str(s), v) => v.text() == s.as_str(),
        (Lit::Int(i), Val::I(x)) => i == x,
        (Lit::Time(span), Val::T(t)) => span.start <= *t && *t < span.end,
        (Lit::Bool(b), Val::B(x)) => b == x,
        (Lit::Ip(n, text), Val::Ip(x, xt)) => {
            if *n == u128::MAX {
                text == xt
            } else {
                n == x
            }
        }
        _ => false,
    }
}

fn lit_range(op: RangeOp, lit: &Lit, v: &Val) -> bool {
    let (x, lo, hi): (i128, i128, i128) = match (lit, v) {
        (Lit::Int(i), Val::I(x)) => (*x as i128, *i as i128, *i as i128 + 1),
        (Lit::Time(s), Val::T(t)) => (*t as i128, s.start as i128, s.end as i128),
        (Lit::Ip(n, _), Val::Ip(x, _)) => (*x as i128, *n as i128, *n as i128 + 1),
        (Lit::Str(s), v) => {
            let t = v.text();
            return match op {
                RangeOp::Gt => t.as_ref() > s.as_str(),
                RangeOp::Ge => t.as_ref() >= s.as_str(),
                RangeOp::Lt => t.as_ref() < s.as_str(),
                RangeOp::Le => t.as_ref() <= s.as_str(),
            };
        }
        _ => return false,
    };
    match op {
        RangeOp::Gt => x >= hi,
        RangeOp::Ge => x >= lo,
        RangeOp::Lt => x < lo,
        RangeOp::Le => x < hi,
    }
}

impl Cmp {
    fn positive(&self, asset: &Asset) -> bool {
        let path = self.field.path;
        match &self.test {
            Test::Null => !fields::visit(asset, path, &mut |_| true),
            Test::Eq(lit) => fields::visit(asset, path, &mut |v| lit_eq(lit, &v)),
            Test::In(lits) => {
                fields::visit(asset, path, &mut |v| lits.iter().any(|l| lit_eq(l, &v)))
            }
            Test::Range(op, lit) => fields::visit(asset, path, &mut |v| lit_range(*op, lit, &v)),
            Test::Wild(p) => fields::visit(asset, path, &mut |v| wildcard_match(p, &v.text())),
            Test::Text(toks) => fields::visit(asset, path, &mut |v| {
                let hay = v.text().to_lowercase();
                toks.iter().all(|t| hay.contains(t.as_str()))
            }),
        }
    }
}

impl Expr {
    /// Whether `asset` matches.
    pub fn matches(&self, asset: &Asset) -> bool {
        match self {
            Expr::And(v) => v.iter().all(|e| e.matches(asset)),
            Expr::Or(v) => v.iter().any(|e| e.matches(asset)),
            Expr::Not(e) => !e.matches(asset),
            Expr::Cmp(c) => c.positive(asset) != c.negate,
        }
    }
}

/// One sort key.
#[derive(Debug, Clone)]
pub struct SortKey {
    /// The field.
    pub field: Field,
    /// Descending order.
    pub desc: bool,
}

/// Parses `field|asc`, `field|desc`, `field.asc`, `field.desc` or a bare
/// field (ascending); several keys may be separated by commas.
pub fn parse_sort(src: &str) -> Result<Vec<SortKey>, String> {
    let mut keys = Vec::new();
    for part in src.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, dir) = if let Some((n, d)) = part.split_once('|') {
            (n.trim(), d.trim())
        } else if let Some(n) = part.strip_suffix(".asc") {
            (n, "asc")
        } else if let Some(n) = part.strip_suffix(".desc") {
            (n, "desc")
        } else {
            (part, "asc")
        };
        let desc = match dir.to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(format!(
                    "invalid sort: direction '{dir}' must be asc or desc"
                ));
            }
        };
        let field = fields::lookup(name)
            .ok_or_else(|| format!("invalid sort: unknown sort field '{name}'"))?;
        keys.push(SortKey { field, desc });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*.example.com", "www.example.com"));
        assert!(wildcard_match("a*c*e", "abcde"));
        assert!(!wildcard_match("a*c", "abd"));
        assert!(wildcard_match("*", ""));
    }

    #[test]
    fn parse_errors() {
        assert!(parse("nope:'x'", 0).unwrap_err().contains("'nope'"));
        assert!(
            parse("criticality_description:*'x*'", 0)
                .unwrap_err()
                .contains("criticality_description")
        );
        assert!(
            parse("asset_type:>'ip'", 0)
                .unwrap_err()
                .contains("asset_type")
        );
        assert!(
            parse("ip.ip_address:['1.1.1.1']", 0)
                .unwrap_err()
                .contains("lists")
        );
        assert!(
            parse("ip.services.port:'abc'", 0)
                .unwrap_err()
                .contains("integer")
        );
        assert!(parse("(asset_type:'ip'", 0).is_err());
        assert!(parse("asset_type:'ip", 0).is_err());
        assert!(parse("asset_type:'ip'+", 0).is_err());
        assert!(parse("", 0).is_err());
    }

    #[test]
    fn parse_ok() {
        for f in [
            "asset_type:'ip'",
            "asset_type:!'ip'",
            "(criticality:'Critical',criticality:'High')+subsidiaries.name:'Acme'",
            "ip.services.port:[443,8443]",
            "last_seen:>'now-7d'+first_seen:<='2025-01-01T00:00:00Z'",
            "manual:true",
            "triage.status:null",
            "dns_domain.fqdn:*'*.example'",
            "dns_domain.fqdn:~'example'",
            "dns_domain.fqdn:!~'example'",
            "ip.ip_address:>='10.0.0.0'",
        ] {
            parse(f, 0).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
    }
}
