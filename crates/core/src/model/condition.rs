//! Compiling conditions: structured YAML → a type-checked [`Condition`].
//!
//! Every comparison is checked against its question at load time: an unknown question, a
//! misspelt option, an operator that does not fit the type, a literal of the wrong type or an
//! empty `all`/`any` is a load error naming the file, line and rule (with a did-you-mean when a
//! name is close). The syntax is documented in `docs/PACK-FORMAT.md`.

use crate::diag::{Diagnostics, Loc, did_you_mean};
use crate::model::{
    Condition, DatePrecision, GIdx, Leaf, Op, Operand, Period, QRef, QType, Question,
    Questionnaire, Value,
};
use crate::syntax::node::{Node, NodeKind};
use chrono::NaiveDate;

/// Names that start a compound condition; no question may be called this.
pub const KEYWORDS: &[&str] = &["all", "any", "not", "every", "some"];

/// What a condition is for; decides whether `answered` is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A rule's `check`: `answered` is not allowed.
    Check,
    /// `applies_when`, `ask_when` or a scope's `when`: `answered` is allowed.
    Scoping,
}

/// Compiles conditions of one subject (a rule, a question, a scope).
pub struct Compiler<'a> {
    qn: &'a Questionnaire,
    subject: String,
    purpose: Purpose,
    diags: &'a mut Diagnostics,
    next_leaf: usize,
    /// For a member's `ask_when`: the group whose item is implicitly current.
    implicit_item: Option<GIdx>,
}

impl<'a> Compiler<'a> {
    /// A compiler for conditions of `subject` (e.g. "rule `x`").
    pub fn new(
        qn: &'a Questionnaire,
        subject: impl Into<String>,
        purpose: Purpose,
        diags: &'a mut Diagnostics,
    ) -> Self {
        Compiler {
            qn,
            subject: subject.into(),
            purpose,
            diags,
            next_leaf: 0,
            implicit_item: None,
        }
    }

    /// Treats references to `group`'s members as the current item (for member `ask_when`).
    pub fn within_item(mut self, group: Option<GIdx>) -> Self {
        self.implicit_item = group;
        self
    }

    /// Sets what the next conditions are for.
    pub fn purpose(&mut self, purpose: Purpose) {
        self.purpose = purpose;
    }

    /// Compiles one condition; `None` if it had errors (they are recorded).
    pub fn compile(&mut self, node: &Node) -> Option<Condition> {
        let bound = self.implicit_item;
        self.node(node, bound)
    }

    fn err(&mut self, loc: Loc, msg: impl Into<String>) -> &mut crate::diag::Diagnostic {
        let subject = self.subject.clone();
        self.diags.error(loc, subject, msg)
    }

    fn node(&mut self, node: &Node, bound: Option<GIdx>) -> Option<Condition> {
        let Some(entries) = node.as_map() else {
            self.err(node.loc, format!("expected a condition (a mapping such as `all: [...]` or `question.id: value`), found {}", node.kind_name()));
            return None;
        };
        let [(key, value)] = entries else {
            if entries.is_empty() {
                self.err(node.loc, "empty condition");
            } else {
                let keys: Vec<&str> = entries.iter().map(|(k, _)| k.name.as_str()).collect();
                self.err(
                    node.loc,
                    format!(
                        "a condition has exactly one key, found {}: `{}`",
                        keys.len(),
                        keys.join("`, `")
                    ),
                )
                .help("put several comparisons in a list under `all:` or `any:`");
            }
            return None;
        };
        match key.name.as_str() {
            "all" | "any" => {
                let Some(items) = (match &value.kind {
                    NodeKind::Seq(items) => Some(items),
                    _ => None,
                }) else {
                    self.err(
                        value.loc,
                        format!(
                            "`{}` takes a list of conditions, found {}",
                            key.name,
                            value.kind_name()
                        ),
                    );
                    return None;
                };
                if items.is_empty() {
                    self.err(key.loc, format!("empty `{}`", key.name))
                        .help("an empty list has no meaning here; remove it or add conditions");
                    return None;
                }
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match self.node(item, bound) {
                        Some(c) => out.push(c),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Some(if key.name == "all" {
                    Condition::All(out)
                } else {
                    Condition::Any(out)
                })
            }
            "not" => Some(Condition::Not(Box::new(self.node(value, bound)?))),
            "every" | "some" => self.quantifier(key.name == "every", value, bound),
            _ => self.comparison(&key.name, key.loc, value, bound),
        }
    }

    fn quantifier(&mut self, every: bool, value: &Node, bound: Option<GIdx>) -> Option<Condition> {
        let word = if every { "every" } else { "some" };
        let Some(entries) = value.as_map() else {
            self.err(
                value.loc,
                format!("`{word}` takes a mapping with `group`, optional `where` and `check`"),
            );
            return None;
        };
        for (k, _) in entries {
            if !["group", "where", "check"].contains(&k.name.as_str()) {
                let help = did_you_mean(&k.name, ["group", "where", "check"]);
                let d = self.err(k.loc, format!("unknown key `{}` in `{word}`", k.name));
                if let Some(h) = help {
                    d.help(h);
                }
                return None;
            }
        }
        let Some(group_node) = value.get("group") else {
            self.err(value.loc, format!("`{word}` needs `group`"));
            return None;
        };
        let Some(gname) = group_node.as_str() else {
            self.err(group_node.loc, "`group` takes a group id");
            return None;
        };
        let Some(group) = self.qn.group(gname) else {
            let help = did_you_mean(gname, self.qn.groups.iter().map(|g| g.id.as_str()));
            let d = self.err(group_node.loc, format!("unknown group `{gname}`"));
            if let Some(h) = help {
                d.help(h);
            }
            return None;
        };
        if bound.is_some() {
            self.err(
                value.loc,
                format!("`{word}` inside another quantifier: groups do not nest"),
            );
            return None;
        }
        let Some(check_node) = value.get("check") else {
            self.err(value.loc, format!("`{word}` needs `check`"));
            return None;
        };
        let filter = match value.get("where") {
            Some(w) => Some(Box::new(self.node(w, Some(group))?)),
            None => None,
        };
        let check = Box::new(self.node(check_node, Some(group))?);
        Some(Condition::ForItems {
            every,
            group,
            filter,
            check,
        })
    }

    /// Resolves `real_name.methods` or `apps[*].name`.
    fn resolve(&mut self, name: &str, loc: Loc) -> Option<usize> {
        if let Some(q) = self.qn.question(name) {
            return Some(q);
        }
        if let Some((g, m)) = name.split_once('.') {
            // `apps.name` for `apps[*].name`: a common slip.
            if self.qn.group(g).is_some() && self.qn.question(&format!("{g}[*].{m}")).is_some() {
                self.err(loc, format!("unknown question `{name}`"))
                    .help(format!("a group member is written `{g}[*].{m}`"));
                return None;
            }
        }
        let help = did_you_mean(name, self.qn.questions.iter().map(|q| q.id.as_str()));
        let d = self.err(loc, format!("unknown question `{name}`"));
        if let Some(h) = help {
            d.help(h);
        }
        None
    }

    fn comparison(
        &mut self,
        name: &str,
        key_loc: Loc,
        value: &Node,
        bound: Option<GIdx>,
    ) -> Option<Condition> {
        let q = self.resolve(name, key_loc)?;
        let question = self.qn.questions.get(q)?.clone();
        // Group membership: a member is read from the current item.
        let mut implicit = None;
        if let Some(g) = question.group {
            match bound {
                Some(b) if b == g => {}
                Some(b) => {
                    let (gid, bid) = (self.group_id(g), self.group_id(b));
                    self.err(key_loc, format!("`{name}` belongs to group `{gid}`, but this is inside a quantifier over `{bid}`"));
                    return None;
                }
                None => implicit = Some(g),
            }
        }
        let (op, operand_node, op_loc) = match value.as_map() {
            Some([(k, v)]) if k.name != "question" => {
                let Some(op) = Op::NAMES
                    .iter()
                    .find(|(n, _)| *n == k.name)
                    .map(|(_, o)| *o)
                else {
                    let help = did_you_mean(&k.name, Op::NAMES.iter().map(|(n, _)| *n));
                    let d = self.err(k.loc, format!("unknown operator `{}`", k.name));
                    match help {
                        Some(h) => d.help(h),
                        None => d.help(format!(
                            "operators: {}",
                            Op::NAMES
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    return None;
                };
                (op, v, k.loc)
            }
            Some(m) if m.len() > 1 => {
                self.err(value.loc, "one operator per comparison")
                    .help("put several comparisons in a list under `all:`");
                return None;
            }
            _ => (Op::Equals, value, value.loc),
        };
        let group_of_operand_ok = |qn: &Questionnaire, other: usize| -> bool {
            match qn.questions.get(other).and_then(|o| o.group) {
                None => true,
                Some(og) => Some(og) == question.group.or(bound),
            }
        };
        if !self.op_fits(&question, op) {
            let d = self.err(
                op_loc,
                format!(
                    "operator `{}` does not fit {} question `{name}`",
                    op.name(),
                    question.qtype.name()
                ),
            );
            d.help(format!(
                "{} questions take: {}",
                question.qtype.name(),
                fitting_ops(question.qtype).join(", ")
            ));
            return None;
        }
        if op == Op::Answered && self.purpose == Purpose::Check {
            self.err(op_loc, "`answered` is allowed only in `applies_when`, `ask_when` and scope conditions")
                .help("a check must say what a compliant answer is; an unanswered question already makes the rule `unanswered`");
            return None;
        }
        let rhs = if let Some(other) = operand_node
            .get("question")
            .filter(|_| operand_node.as_map().map(<[_]>::len) == Some(1))
        {
            let Some(oname) = other.as_str() else {
                self.err(other.loc, "`question` takes a question id");
                return None;
            };
            let o = self.resolve(oname, other.loc)?;
            if !group_of_operand_ok(self.qn, o) {
                self.err(
                    other.loc,
                    format!("`{oname}` is in another group than `{name}`"),
                );
                return None;
            }
            let oq = self.qn.questions.get(o)?;
            if oq.qtype != question.qtype
                || (question.qtype.is_choice()
                    && oq
                        .options
                        .iter()
                        .map(|c| &c.id)
                        .ne(question.options.iter().map(|c| &c.id)))
            {
                self.err(
                    other.loc,
                    format!(
                        "`{oname}` ({}) cannot be compared with `{name}` ({})",
                        oq.qtype.name(),
                        question.qtype.name()
                    ),
                );
                return None;
            }
            if matches!(
                op,
                Op::AnyOf | Op::AllOf | Op::NoneOf | Op::WithinDays | Op::Answered
            ) {
                self.err(
                    op_loc,
                    format!(
                        "operator `{}` takes a literal, not another question",
                        op.name()
                    ),
                );
                return None;
            }
            Operand::Question(QRef { q: o })
        } else {
            self.literal(&question, op, operand_node)?
        };
        let text = format!(
            "{name} {} {}",
            op.name(),
            operand_text(self.qn, &rhs, operand_node)
        );
        let leaf = Leaf {
            index: self.next_leaf,
            lhs: QRef { q },
            op,
            rhs,
            text,
            loc: key_loc,
        };
        self.next_leaf += 1;
        let cond = Condition::Leaf(leaf);
        Some(match implicit {
            Some(group) => Condition::ForItems {
                every: true,
                group,
                filter: None,
                check: Box::new(cond),
            },
            None => cond,
        })
    }

    fn group_id(&self, g: GIdx) -> String {
        self.qn
            .groups
            .get(g)
            .map(|g| g.id.clone())
            .unwrap_or_default()
    }

    fn op_fits(&self, q: &Question, op: Op) -> bool {
        fitting_ops(q.qtype).contains(&op.name())
    }

    fn literal(&mut self, q: &Question, op: Op, node: &Node) -> Option<Operand> {
        let name = q.id.clone();
        match op {
            Op::Answered => match node.kind {
                NodeKind::Bool(b) => Some(Operand::Flag(b)),
                _ => {
                    self.err(
                        node.loc,
                        format!("`answered` takes true or false, found {}", node.display()),
                    );
                    None
                }
            },
            Op::WithinDays => match node.kind {
                NodeKind::Int(n) if n >= 0 => Some(Operand::Days(n)),
                _ => {
                    self.err(
                        node.loc,
                        format!(
                            "`within_days` takes a whole number of days (0 or more), found {}",
                            node.display()
                        ),
                    );
                    None
                }
            },
            Op::AnyOf | Op::AllOf | Op::NoneOf => {
                let NodeKind::Seq(items) = &node.kind else {
                    self.err(
                        node.loc,
                        format!(
                            "`{}` takes a list of options of `{name}`, found {}",
                            op.name(),
                            node.display()
                        ),
                    );
                    return None;
                };
                if items.is_empty() {
                    self.err(node.loc, format!("empty option list for `{}`", op.name()));
                    return None;
                }
                let mut mask = 0u64;
                for item in items {
                    mask |= 1u64 << self.option(q, item)?;
                }
                Some(Operand::Literal(Value::Choices(mask)))
            }
            _ => {
                let v = match q.qtype {
                    QType::YesNo => match node.kind {
                        NodeKind::Bool(b) => Value::Bool(b),
                        _ => {
                            self.err(node.loc, format!("yes/no question `{name}` is compared with true or false, found {}", node.display()));
                            return None;
                        }
                    },
                    QType::SingleChoice => Value::Choice(self.option(q, node)?),
                    QType::MultipleChoice => {
                        let NodeKind::Seq(items) = &node.kind else {
                            self.err(node.loc, format!("multiple-choice question `{name}` is compared with a list of options, found {}", node.display()))
                                .help("to test for one option use `any_of: [option]`");
                            return None;
                        };
                        let mut mask = 0u64;
                        for item in items {
                            mask |= 1u64 << self.option(q, item)?;
                        }
                        Value::Choices(mask)
                    }
                    QType::Integer => match node.kind {
                        NodeKind::Int(i) => Value::Int(i),
                        _ => {
                            self.err(node.loc, format!("integer question `{name}` is compared with a whole number, found {}", node.display()));
                            return None;
                        }
                    },
                    QType::Decimal => {
                        match node.kind {
                            NodeKind::Int(i) => Value::Decimal(i as f64),
                            NodeKind::Float(x) if x.is_finite() => Value::Decimal(x),
                            _ => {
                                self.err(node.loc, format!("decimal question `{name}` is compared with a number, found {}", node.display()));
                                return None;
                            }
                        }
                    }
                    QType::Date => match node.as_str().and_then(parse_date) {
                        Some(d) => Value::Date(d),
                        None => {
                            self.err(node.loc, format!("date question `{name}` is compared with a date YYYY-MM-DD, found {}: {}", node.display(), node.as_str().map(date_problem).unwrap_or_default()));
                            return None;
                        }
                    },
                    QType::Text => match node.as_str() {
                        Some(s) => Value::Text(s.to_string()),
                        None => {
                            self.err(
                                node.loc,
                                format!(
                                    "text question `{name}` is compared with text, found {}",
                                    node.display()
                                ),
                            );
                            return None;
                        }
                    },
                };
                Some(Operand::Literal(v))
            }
        }
    }

    fn option(&mut self, q: &Question, node: &Node) -> Option<usize> {
        let Some(id) = node.as_str() else {
            self.err(
                node.loc,
                format!(
                    "options of `{}` are ids such as `{}`, found {}",
                    q.id,
                    q.options.first().map(|o| o.id.as_str()).unwrap_or(""),
                    node.display()
                ),
            );
            return None;
        };
        match q.option_index(id) {
            Some(i) => Some(i),
            None => {
                let help = did_you_mean(id, q.options.iter().map(|o| o.id.as_str()))
                    .unwrap_or_else(|| {
                        format!(
                            "options: {}",
                            q.options
                                .iter()
                                .map(|o| o.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                self.err(node.loc, format!("`{id}` is not an option of `{}`", q.id))
                    .help(help);
                None
            }
        }
    }
}

/// Operators that fit a question type.
pub fn fitting_ops(t: QType) -> &'static [&'static str] {
    match t {
        QType::YesNo => &["equals", "not_equals", "answered"],
        QType::SingleChoice => &["equals", "not_equals", "any_of", "none_of", "answered"],
        QType::MultipleChoice => &[
            "equals",
            "not_equals",
            "any_of",
            "all_of",
            "none_of",
            "answered",
        ],
        QType::Integer | QType::Decimal => {
            &["equals", "not_equals", "lt", "le", "gt", "ge", "answered"]
        }
        QType::Date => &[
            "equals",
            "not_equals",
            "lt",
            "le",
            "gt",
            "ge",
            "before",
            "after",
            "on_or_before",
            "on_or_after",
            "within_days",
            "answered",
        ],
        QType::Text => &["equals", "not_equals", "answered"],
    }
}

/// Parses an ISO calendar date `YYYY-MM-DD` strictly.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    // The usual `YYYY-MM-DD` directly (chrono's format machinery costs more than the rest of a
    // facts file's header); anything else, e.g. `+2026-1-05`, as chrono reads `%Y-%m-%d`.
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *s.as_bytes() {
        let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
        if digits.iter().all(u8::is_ascii_digit) {
            let n = |ds: &[u8]| {
                ds.iter()
                    .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
            };
            let year = i32::try_from(n(&[y0, y1, y2, y3])).ok()?;
            return NaiveDate::from_ymd_opt(year, n(&[m0, m1]), n(&[d0, d1]));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Parses a date answer as written: `YYYY-MM-DD` (a day), `YYYY-MM` (a month) or `YYYY` (a
/// year), strictly (four-digit year, two-digit month 01–12). Whether the question allows the
/// precision is the caller's business.
pub fn parse_date_answer(s: &str) -> Option<Value> {
    let t = s.trim();
    let b = t.as_bytes();
    let digits = |x: &[u8]| !x.is_empty() && x.iter().all(u8::is_ascii_digit);
    let num = |x: &[u8]| x.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    match b.len() {
        4 if digits(b) => {
            let year = i32::try_from(num(b)).ok()?;
            NaiveDate::from_ymd_opt(year, 1, 1).map(|first| {
                Value::Period(Period {
                    first,
                    precision: DatePrecision::Year,
                })
            })
        }
        7 => match b.split_at(4) {
            (y, [b'-', m @ ..]) if digits(y) && digits(m) => {
                let year = i32::try_from(num(y)).ok()?;
                NaiveDate::from_ymd_opt(year, num(m), 1).map(|first| {
                    Value::Period(Period {
                        first,
                        precision: DatePrecision::Month,
                    })
                })
            }
            _ => None,
        },
        _ => parse_date(t).map(Value::Date),
    }
}

/// Why `s` is not a date [`parse_date`] reads, in both languages: which part is impossible
/// (`2017-02-30`: February 2017 has no day 30; month 13), a time where only a date belongs, or
/// not the form `YYYY-MM-DD` at all.
pub fn date_problem(s: &str) -> String {
    let t = s.trim();
    let parts: Vec<&str> = t.splitn(3, '-').collect();
    let num = |p: &str| {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    if let [y, m, d] = parts.as_slice() {
        // A date followed by a time: `2027-03-31T00:00:00Z`, `2027-03-31 08:00`.
        let (day, time) = match d.find(['T', 't', ' ']) {
            Some(i) => (
                d.get(..i).unwrap_or(d),
                d.get(i..).is_some_and(|x| !x.is_empty()),
            ),
            None => (*d, false),
        };
        if let (Some(year), Some(month), Some(dd)) = (num(y), num(m), num(day))
            && y.len() == 4
            && m.len() == 2
            && day.len() == 2
        {
            let year = i32::try_from(year).unwrap_or(0);
            if !(1..=12).contains(&month) {
                return format!(
                    "月份 {month} 不存在（应为 01–12）/ there is no month {month} (months are 01–12)"
                );
            }
            let last = (28..=31)
                .rev()
                .find(|&n| NaiveDate::from_ymd_opt(year, month, n).is_some())
                .unwrap_or(28);
            if dd == 0 || dd > last {
                return format!(
                    "{year} 年 {month} 月没有 {dd} 日（该月只有 {last} 天）/ there is no day {dd} in {year}-{month:02} (that month has {last} days)"
                );
            }
            if time {
                return format!(
                    "只填日期，不带时间，例如 {} / a date without a time, e.g. {}",
                    t.get(..10).unwrap_or(t),
                    t.get(..10).unwrap_or(t)
                );
            }
        }
    }
    "应为 YYYY-MM-DD 格式的日期，例如 2026-05-20 / expected a date in the form YYYY-MM-DD, e.g. 2026-05-20".to_string()
}

/// Serde reader for a date field written `YYYY-MM-DD` (what [`parse_date`] reads), whose error
/// says what is wrong with the text ([`date_problem`]) instead of chrono's "input is out of
/// range"; `field` names the field in the message.
pub fn deserialize_date<'de, D: serde::Deserializer<'de>>(
    d: D,
    field: &'static str,
) -> Result<NaiveDate, D::Error> {
    struct V(&'static str);
    impl serde::de::Visitor<'_> for V {
        type Value = NaiveDate;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "`{}` as a date YYYY-MM-DD", self.0)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NaiveDate, E> {
            parse_date(v).ok_or_else(|| {
                E::custom(format!(
                    "`{}` is a date YYYY-MM-DD, found {v:?}: {}",
                    self.0,
                    date_problem(v)
                ))
            })
        }
    }
    d.deserialize_str(V(field))
}

/// A date as `YYYY-MM-DD`, written into `out`: what chrono's `Display` writes, without its
/// format machinery for the years 0 to 9999.
pub fn push_iso_date(out: &mut String, d: NaiveDate) {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    match u32::try_from(y) {
        Ok(y) if y <= 9999 => {
            for n in [y / 1000, y / 100 % 10, y / 10 % 10, y % 10] {
                out.push(char::from(b'0' + n as u8));
            }
            for (n, sep) in [(m, '-'), (day, '-')] {
                out.push(sep);
                out.push(char::from(b'0' + (n / 10) as u8));
                out.push(char::from(b'0' + (n % 10) as u8));
            }
        }
        _ => {
            use std::fmt::Write as _;
            let _ = write!(out, "{d}");
        }
    }
}

fn operand_text(qn: &Questionnaire, rhs: &Operand, node: &Node) -> String {
    match rhs {
        Operand::Question(r) => format!(
            "question {}",
            qn.questions.get(r.q).map(|q| q.id.as_str()).unwrap_or("?")
        ),
        _ => match &node.kind {
            NodeKind::Str(s) => s.clone(),
            NodeKind::Seq(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| i.display())
                    })
                    .collect();
                format!("[{}]", parts.join(", "))
            }
            _ => node.display(),
        },
    }
}
