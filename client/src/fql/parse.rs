//! The FQL parser and the checks against a filter table.

use super::ast::{Comparison, MAX_PROPERTIES, Node, Op, Operand, join};
use super::error::{FqlError, FqlErrorKind as K};
use super::field::{FieldSpec, FilterTable, ValueType, unknown_field};
use super::value::Value;

/// Parentheses may nest this deep.
const MAX_DEPTH: usize = 32;

/// Parses `src` and, with a `table`, checks every field and operation.
pub(crate) fn parse(src: &str, table: Option<&FilterTable>) -> Result<Node, FqlError> {
    let mut p = Parser {
        src,
        pos: 0,
        table,
        properties: 0,
    };
    p.ws();
    if p.pos == src.len() {
        return Err(FqlError::new(K::Empty, Some(0), "the filter is empty"));
    }
    let node = p.seq(0)?;
    p.ws();
    match p.peek() {
        None => Ok(node),
        Some(b')') => Err(FqlError::new(
            K::UnbalancedParenthesis,
            Some(p.pos),
            format!("`)` at byte {} has no matching `(`", p.pos),
        )),
        Some(_) => Err(p.unexpected("`+`, `,` or the end of the filter")),
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    table: Option<&'a FilterTable>,
    properties: usize,
}

/// A value and the byte where it starts.
type Spanned = (Value, usize);

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.src.as_bytes().get(self.pos..self.pos + s.len()) == Some(s.as_bytes()) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// "expected X at byte N, found `c`" (or the end).
    fn unexpected(&self, expected: &str) -> FqlError {
        match self.peek_char() {
            Some(c) => FqlError::new(
                K::UnexpectedChar,
                Some(self.pos),
                format!("expected {expected} at byte {}, found `{c}`", self.pos),
            ),
            None => FqlError::new(
                K::UnexpectedEnd,
                Some(self.pos),
                format!(
                    "expected {expected} at byte {}, found the end of the filter",
                    self.pos
                ),
            ),
        }
    }

    /// Terms joined by one kind of connector.
    fn seq(&mut self, depth: usize) -> Result<Node, FqlError> {
        let mut items = vec![self.term(depth)?];
        let mut conn: Option<u8> = None;
        loop {
            self.ws();
            let Some(c @ (b'+' | b',')) = self.peek() else {
                break;
            };
            let at = self.pos;
            match conn {
                None => conn = Some(c),
                Some(k) if k != c => {
                    return Err(FqlError::new(
                        K::MixedOperators,
                        Some(at),
                        format!(
                            "`+` and `,` are mixed without parentheses at byte {at}; FQL documents no \
                             precedence between them, so group with parentheses"
                        ),
                    ));
                }
                Some(_) => {}
            }
            self.pos += 1;
            self.ws();
            if self.peek().is_none() {
                return Err(FqlError::new(
                    K::UnexpectedEnd,
                    Some(at),
                    format!("nothing follows `{}` at byte {at}", c as char),
                ));
            }
            items.push(self.term(depth)?);
        }
        Ok(join(items, conn != Some(b',')))
    }

    fn term(&mut self, depth: usize) -> Result<Node, FqlError> {
        self.ws();
        match self.peek() {
            Some(b'(') => {
                let open = self.pos;
                if depth >= MAX_DEPTH {
                    return Err(FqlError::new(
                        K::NestingTooDeep,
                        Some(open),
                        format!("parentheses nest more than {MAX_DEPTH} deep at byte {open}"),
                    ));
                }
                self.pos += 1;
                self.ws();
                if self.peek() == Some(b')') {
                    return Err(FqlError::new(
                        K::Empty,
                        Some(open),
                        format!("empty parentheses at byte {open}"),
                    ));
                }
                let node = self.seq(depth + 1)?;
                self.ws();
                match self.peek() {
                    Some(b')') => {
                        self.pos += 1;
                        Ok(node)
                    }
                    None => Err(FqlError::new(
                        K::UnbalancedParenthesis,
                        Some(open),
                        format!("`(` at byte {open} is not closed"),
                    )),
                    Some(_) => Err(self.unexpected("`+`, `,` or `)`")),
                }
            }
            Some(b'!') => {
                let bang = self.pos;
                self.pos += 1;
                self.ws();
                if self.peek() == Some(b'(') {
                    return Err(FqlError::new(
                        K::UnexpectedChar,
                        Some(bang),
                        format!(
                            "`!(` at byte {bang}: FQL negates single comparisons (`field:!'value'`), \
                             not groups; negate each comparison or use `Filter::negate`"
                        ),
                    ));
                }
                let mut c = self.comparison(Some(bang))?;
                c.op = c.op.negated();
                Ok(Node::Cmp(c))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                Ok(Node::Cmp(self.comparison(None)?))
            }
            _ => Err(self.unexpected("a field name or `(`")),
        }
    }

    fn comparison(&mut self, bang: Option<usize>) -> Result<Comparison, FqlError> {
        let start = self.pos;
        let name = self.field_name()?;
        self.ws();
        if !self.eat(":") {
            return Err(self.unexpected(&format!("`:` after the field `{name}`")));
        }
        self.properties += 1;
        if self.properties > MAX_PROPERTIES {
            return Err(FqlError::new(
                K::TooManyProperties,
                Some(start),
                format!(
                    "more than {MAX_PROPERTIES} properties in one filter: property {} (`{name}`) is at byte {start}",
                    self.properties
                ),
            ));
        }
        let spec = match self.table {
            Some(t) => Some(t.field(name).ok_or_else(|| unknown_field(t, name, start))?),
            None => None,
        };
        self.ws();
        let op_at = self.pos;
        let op = [
            ("!~", Op::NotMatch),
            ("!*", Op::NotWildcard),
            ("!", Op::Ne),
            (">=", Op::Ge),
            (">", Op::Gt),
            ("<=", Op::Le),
            ("<", Op::Lt),
            ("~", Op::Match),
            ("*", Op::Wildcard),
        ]
        .into_iter()
        .find(|(s, _)| self.eat(s))
        .map_or(Op::Eq, |(_, op)| op);
        self.ws();
        let operand = self.operand(name)?;
        let negated = op.is_negation() || bang.is_some();
        if let (Some(t), true) = (self.table, negated) {
            if !t.negation {
                return Err(FqlError::new(
                    K::UnsupportedOperation,
                    Some(bang.unwrap_or(op_at)),
                    format!("field `{name}` at byte {start} does not support negation (`!`)"),
                ));
            }
        }
        let (operand, positions) = operand;
        check(name, start, op, &operand, &positions, spec)?;
        Ok(Comparison {
            field: name.to_owned(),
            op,
            operand,
        })
    }

    fn field_name(&mut self) -> Result<&'a str, FqlError> {
        let src: &'a str = self.src;
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            self.pos += 1;
        }
        let name = &src[start..self.pos];
        if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            self.pos = start;
            return Err(self.unexpected("a field name"));
        }
        if name.ends_with('.') || name.contains("..") {
            return Err(FqlError::new(
                K::UnexpectedChar,
                Some(start),
                format!("`{name}` at byte {start} is not a field name"),
            ));
        }
        Ok(name)
    }

    fn operand(&mut self, field: &str) -> Result<(Operand, Vec<usize>), FqlError> {
        if self.peek() != Some(b'[') {
            let v = self.scalar(field)?;
            return Ok((Operand::One(v.0), vec![v.1]));
        }
        let open = self.pos;
        self.pos += 1;
        let mut values = Vec::new();
        let mut positions = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(b']') && values.is_empty() {
                return Err(FqlError::new(
                    K::EmptyValue,
                    Some(open),
                    format!("empty list for `{field}` at byte {open}"),
                ));
            }
            if self.peek() == Some(b'[') {
                return Err(self.unexpected("a value (lists do not nest)"));
            }
            let (v, at) = self.scalar(field)?;
            values.push(v);
            positions.push(at);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok((Operand::List(values), positions));
                }
                None => {
                    return Err(FqlError::new(
                        K::UnbalancedParenthesis,
                        Some(open),
                        format!("`[` at byte {open} is not closed"),
                    ));
                }
                Some(_) => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    fn scalar(&mut self, field: &str) -> Result<Spanned, FqlError> {
        let at = self.pos;
        match self.peek() {
            None => Err(FqlError::new(
                K::UnexpectedEnd,
                Some(at),
                format!("expected a value for `{field}` at byte {at}, found the end of the filter"),
            )),
            Some(q @ (b'\'' | b'"')) => self.quoted_text(q, field),
            Some(_) => self.bare(field),
        }
    }

    /// A quoted value (`'...'` or `"..."`, a backslash escaping the next
    /// character), its opening quote `q` at the current position.
    fn quoted_text(&mut self, q: u8, field: &str) -> Result<Spanned, FqlError> {
        let at = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                return Err(FqlError::new(
                    K::UnterminatedString,
                    Some(at),
                    format!("the quote at byte {at} is not closed"),
                ));
            };
            self.pos += c.len_utf8();
            if c == '\\' {
                let Some(n) = self.peek_char() else { continue };
                self.pos += n.len_utf8();
                out.push(n);
            } else if c == q as char {
                break;
            } else {
                out.push(c);
            }
        }
        if out.is_empty() {
            return Err(FqlError::new(
                K::EmptyValue,
                Some(at),
                format!("empty value for `{field}` at byte {at}"),
            ));
        }
        Ok((Value::Text(out), at))
    }

    /// An unquoted value: `null`, `true`, `false` or an integer.
    fn bare(&mut self, field: &str) -> Result<Spanned, FqlError> {
        let at = self.pos;
        while matches!(self.peek(), Some(c) if !b"+,()[]'\" \t\r\n".contains(&c)) {
            self.pos += 1;
        }
        let value = match &self.src[at..self.pos] {
            "" => {
                return Err(match self.peek_char() {
                    Some(c) => FqlError::new(
                        K::EmptyValue,
                        Some(at),
                        format!("no value for `{field}` at byte {at}, found `{c}`"),
                    ),
                    None => self.unexpected("a value"),
                });
            }
            "null" => Value::Null,
            "true" => Value::Boolean(true),
            "false" => Value::Boolean(false),
            t => match t.parse::<i64>() {
                Ok(n) => Value::Integer(n),
                Err(_) => {
                    return Err(FqlError::new(
                        K::UnquotedValue,
                        Some(at),
                        format!(
                            "the value `{t}` for `{field}` at byte {at} must be quoted: `'{t}'`"
                        ),
                    ));
                }
            },
        };
        Ok((value, at))
    }
}

fn caps_list(spec: &FieldSpec) -> String {
    let caps: Vec<&str> = [
        (spec.exact, "exact match"),
        (spec.wildcard, "wildcard"),
        (spec.list, "list"),
        (spec.range, "range comparisons"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if caps.is_empty() {
        "nothing".to_owned()
    } else {
        caps.join(", ")
    }
}

/// Whether a field has the capability an operation needs.
type Capability = fn(&FieldSpec) -> bool;

/// What an operator needs of a field, given its operand.
enum Need {
    /// Nothing (`null` with `:` or `:!`).
    Nothing,
    /// This capability, described for the error.
    Capability(Capability, String),
    /// No field supports it; the description for the error.
    Impossible(String),
}

/// A text operator's operand must be quoted text.
fn quoted(v: &Value, at: usize, message: impl FnOnce() -> String) -> Result<(), FqlError> {
    match v {
        Value::Text(_) => Ok(()),
        _ => Err(FqlError::new(K::ValueType, Some(at), message())),
    }
}

/// What `op` with `operand` needs of the field `name`, whatever the field;
/// `first` is the position of the first value.
fn need(name: &str, op: Op, operand: &Operand, first: usize) -> Result<Need, FqlError> {
    let sym = op.as_str();
    Ok(match (op, operand) {
        (Op::Eq | Op::Ne, Operand::List(_)) => {
            Need::Capability(|s| s.list, "lists (`[...]`)".into())
        }
        (Op::Eq | Op::Ne, Operand::One(Value::Null)) => Need::Nothing,
        (Op::Eq | Op::Ne, Operand::One(Value::Text(t))) if t.contains('*') => {
            Need::Capability(|s| s.wildcard, "wildcard (`*` in the value)".into())
        }
        (Op::Eq | Op::Ne, Operand::One(_)) => {
            Need::Capability(|s| s.exact, format!("exact match (`:{sym}`)"))
        }
        (_, Operand::List(_)) => {
            Need::Impossible(format!("a list with `:{sym}` (lists take `:` or `:!`)"))
        }
        (_, Operand::One(Value::Null)) => {
            Need::Impossible(format!("`null` with `:{sym}` (null takes `:` or `:!`)"))
        }
        (Op::Match | Op::NotMatch, Operand::One(v)) => {
            quoted(v, first, || {
                format!("text match (`{sym}`) on `{name}` takes a quoted value (byte {first})")
            })?;
            Need::Capability(
                |s| s.value_type == ValueType::Text && (s.exact || s.wildcard),
                format!("text match (`{sym}`)"),
            )
        }
        (Op::Wildcard | Op::NotWildcard, Operand::One(v)) => {
            quoted(v, first, || {
                format!("the wildcard on `{name}` takes a quoted pattern (byte {first})")
            })?;
            Need::Capability(|s| s.wildcard, format!("wildcard (`{sym}`)"))
        }
        (_, Operand::One(Value::Boolean(_))) => {
            return Err(FqlError::new(
                K::ValueType,
                Some(first),
                format!("a range comparison on `{name}` cannot take a boolean (byte {first})"),
            ));
        }
        (_, Operand::One(_)) => {
            Need::Capability(|s| s.range, format!("range comparisons (`{sym}`)"))
        }
    })
}

/// Checks the operation and the values of one comparison.
fn check(
    name: &str,
    at: usize,
    op: Op,
    operand: &Operand,
    positions: &[usize],
    spec: Option<&FieldSpec>,
) -> Result<(), FqlError> {
    let unsupported = |what: &str| match spec {
        Some(s) => FqlError::new(
            K::UnsupportedOperation,
            Some(at),
            format!(
                "field `{name}` at byte {at} does not support {what}; it supports {}",
                caps_list(s)
            ),
        ),
        None => FqlError::new(
            K::UnsupportedOperation,
            Some(at),
            format!("`{name}` at byte {at}: {what} is not possible"),
        ),
    };
    let first = positions.first().copied().unwrap_or(at);
    let needed = match need(name, op, operand, first)? {
        Need::Impossible(what) => return Err(unsupported(&what)),
        Need::Nothing => None,
        Need::Capability(f, what) => Some((f, what)),
    };
    let Some(spec) = spec else { return Ok(()) };
    if let Some((f, what)) = needed {
        if !f(spec) {
            return Err(unsupported(&what));
        }
    }
    if matches!(
        op,
        Op::Match | Op::NotMatch | Op::Wildcard | Op::NotWildcard
    ) {
        return Ok(());
    }
    let values: &[Value] = match operand {
        Operand::One(v) => std::slice::from_ref(v),
        Operand::List(vs) => vs,
    };
    for (v, &pos) in values.iter().zip(positions) {
        check_type(name, spec.value_type, v, pos)?;
    }
    Ok(())
}

fn check_type(name: &str, ty: ValueType, v: &Value, at: usize) -> Result<(), FqlError> {
    let ok = match (ty, v) {
        (_, Value::Null) => true,
        (ValueType::Text, Value::Text(_)) => true,
        (ValueType::Integer, Value::Integer(_)) => true,
        (ValueType::Integer, Value::Text(t)) => t.contains('*') || t.trim().parse::<i64>().is_ok(),
        (ValueType::Boolean, Value::Boolean(_)) => true,
        (ValueType::Boolean, Value::Text(t)) => t == "true" || t == "false",
        (ValueType::Timestamp, Value::Timestamp(_) | Value::Relative(_)) => true,
        (ValueType::Timestamp, Value::Text(t)) => looks_like_time(t),
        (ValueType::IpAddress, Value::Ip(_) | Value::Text(_)) => true,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let wants = match ty {
        ValueType::Text => "quoted text",
        ValueType::Integer => "an integer",
        ValueType::Boolean => "`true` or `false`",
        ValueType::Timestamp => {
            "a quoted timestamp (`'2024-01-01T00:00:00Z'`, `'2024-01'`) or relative time (`'now-7d'`)"
        }
        ValueType::IpAddress => "a quoted IP address",
    };
    Err(FqlError::new(
        K::ValueType,
        Some(at),
        format!("field `{name}` takes {wants}; got `{v}` at byte {at}"),
    ))
}

/// `now`, `now-7d`, `now+1h`, or a (partial) ISO 8601 date-time.
fn looks_like_time(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("now") {
        if rest.is_empty() {
            return true;
        }
        let Some(rest) = rest.strip_prefix('-').or_else(|| rest.strip_prefix('+')) else {
            return false;
        };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let unit = &rest[digits..];
        return digits > 0 && !unit.is_empty() && unit.bytes().all(|b| b.is_ascii_alphabetic());
    }
    s.len() >= 4
        && s.bytes().take(4).all(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"-:.+TZtz ".contains(&b))
}
