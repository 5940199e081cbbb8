//! The document tree: YAML or JSON parsed into one generic, located form.
//!
//! Every loader starts here. [`parse`] turns text into a [`Node`] tree that keeps each value's
//! line and column (YAML through serde-saphyr's `Spanned`; JSON through serde_json, with
//! locations recovered on demand by [`relocate_json`]). Scalars keep the type the *syntax* gave
//! them, with YAML 1.1 guessing switched off: `yes`, `no`, `on` and `0755` stay text. What an
//! answer means is decided later by its question, never here. Duplicate keys are always an
//! error.
//!
//! YAML is read in two ways that give the same tree. The *direct reader* (module `direct`) builds
//! the tree straight from the events of serde-saphyr's own parser (granit-parser, with the
//! same parser options), resolving scalars exactly as serde-saphyr does with
//! [`yaml_options`]. It is several times faster than going through serde (every value wrapped
//! in `Spanned`, every mapping entry recorded and replayed), which matters because every
//! command loads the whole rule pack. It handles only the plain subset every pack and facts
//! file uses; at the first thing outside it (anchors, aliases, tags, merge keys, duplicate or
//! non-text keys, unusual numbers, deep nesting, large budgets, any syntax error) it gives up
//! and the document is read again through serde-saphyr, so every error, message and edge case
//! stays exactly serde-saphyr's. The tests compare both readers on every shipped YAML file
//! and on generated documents.

use crate::diag::Loc;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// One value in a document, with where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Where it starts (unknown for JSON until [`relocate_json`]).
    pub loc: Loc,
}

/// The shapes a value can have.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false` only.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Text.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key as text.
    pub name: String,
    /// Where it stands.
    pub loc: Loc,
}

/// The syntax of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// YAML (the default for anything not named `.json`).
    Yaml,
    /// JSON.
    Json,
}

impl Format {
    /// Guesses the format from a file name: `.json` is JSON, all else YAML.
    pub fn from_path(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

/// A syntax error: the document could not be parsed at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where parsing stopped.
    pub loc: Loc,
    /// What the parser said.
    pub message: String,
}

impl Node {
    /// A short name of the node's shape, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "text",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    /// The entries if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The text if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// The value as it would be written, for messages (`true`, `"text"`, `[a, b]`).
    pub fn display(&self) -> String {
        match &self.kind {
            NodeKind::Null => "null".into(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(x) => x.to_string(),
            NodeKind::Str(s) => format!("{s:?}"),
            NodeKind::Seq(items) => {
                let parts: Vec<String> = items.iter().map(Node::display).collect();
                format!("[{}]", parts.join(", "))
            }
            NodeKind::Map(_) => "{…}".into(),
        }
    }
}

/// Parses `text` in `format`. An empty YAML document is `Null`.
pub fn parse(text: &str, format: Format) -> Result<Node, SyntaxError> {
    match format {
        Format::Yaml => parse_yaml(text),
        Format::Json => parse_json(text),
    }
}

/// Resource limits for documents read from others (facts files, packs, workbooks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest input, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of lists and mappings.
    pub max_depth: usize,
    /// Longest single string, in bytes.
    pub max_string_bytes: usize,
    /// Most entries in one list or mapping.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 10 * 1024 * 1024,
            max_depth: 32,
            max_string_bytes: 1024 * 1024,
            max_entries: 10_000,
        }
    }
}

/// Checks a parsed tree against `limits`; returns (place, problem) for each breach.
pub fn check_limits(node: &Node, limits: &Limits) -> Vec<(Loc, String)> {
    let mut out = Vec::new();
    walk_limits(node, limits, 1, &mut out);
    out
}

fn walk_limits(node: &Node, limits: &Limits, depth: usize, out: &mut Vec<(Loc, String)>) {
    if out.len() >= 20 {
        return;
    }
    if depth > limits.max_depth {
        out.push((
            node.loc,
            format!("nested deeper than {} levels", limits.max_depth),
        ));
        return;
    }
    match &node.kind {
        NodeKind::Str(s) if s.len() > limits.max_string_bytes => {
            out.push((
                node.loc,
                format!(
                    "text of {} bytes is longer than the limit of {} bytes",
                    s.len(),
                    limits.max_string_bytes
                ),
            ));
        }
        NodeKind::Seq(items) => {
            if items.len() > limits.max_entries {
                out.push((
                    node.loc,
                    format!(
                        "list of {} entries is longer than the limit of {}",
                        items.len(),
                        limits.max_entries
                    ),
                ));
                return;
            }
            items
                .iter()
                .for_each(|n| walk_limits(n, limits, depth + 1, out));
        }
        NodeKind::Map(entries) => {
            if entries.len() > limits.max_entries {
                out.push((
                    node.loc,
                    format!(
                        "mapping of {} entries is larger than the limit of {}",
                        entries.len(),
                        limits.max_entries
                    ),
                ));
                return;
            }
            for (k, v) in entries {
                if k.name.len() > limits.max_string_bytes {
                    out.push((k.loc, "key longer than the text limit".to_string()));
                }
                walk_limits(v, limits, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// The YAML reading options every hegui reader uses (YAML 1.1 guessing off, duplicate keys
/// refused, resource budgets on).
pub fn yaml_options() -> serde_saphyr::Options {
    // Budgets against hostile input: alias bombs, deep nesting and event storms are refused
    // early (serde-saphyr counts expanded nodes, not only alias jumps).
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_PARSE_DEPTH;
    budget.max_documents = 1;
    serde_saphyr::options! {
        budget: Some(budget),
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
    }
}

fn parse_yaml(text: &str) -> Result<Node, SyntaxError> {
    if text
        .trim()
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---")
    {
        return Ok(Node {
            kind: NodeKind::Null,
            loc: Loc { line: 1, col: 1 },
        });
    }
    let options = yaml_options();
    if let Some(node) = direct::read(text, &options) {
        return Ok(node);
    }
    parse_yaml_serde(text, options)
}

/// Reads YAML through serde-saphyr: the reference reader, used whenever the direct reader
/// declines.
fn parse_yaml_serde(text: &str, options: serde_saphyr::Options) -> Result<Node, SyntaxError> {
    match serde_saphyr::from_str_with_options::<Spanned<YamlNode>>(text, options) {
        Ok(sp) => Ok(located(sp)),
        Err(e) => {
            let loc = e
                .location()
                .map(|l| Loc {
                    line: l.line() as u32,
                    col: l.column() as u32,
                })
                .unwrap_or(Loc::UNKNOWN);
            Err(SyntaxError {
                loc,
                message: first_line(&e.to_string()),
            })
        }
    }
}

fn first_line(s: &str) -> String {
    // serde-saphyr appends a source snippet; the message is its first line, minus "line N column M: ".
    let line = s.lines().next().unwrap_or(s).trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    match line.find(": ") {
        Some(i) if line.starts_with("line ") => line.get(i + 2..).unwrap_or(line).to_string(),
        _ => line.to_string(),
    }
}

/// Deepest nesting either parser accepts. Kept low so that parsing stays shallow on the small
/// stacks of worker and test threads; [`Limits::max_depth`] is lower still.
pub const MAX_PARSE_DEPTH: usize = 40;

/// Finds where JSON text nests deeper than `max` lists/objects, without recursion.
fn json_too_deep(text: &str, max: usize) -> Option<Loc> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    let (mut line, mut col) = (1u32, 0u32);
    for c in text.chars() {
        col += 1;
        if c == '\n' {
            line += 1;
            col = 0;
        }
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => {
                depth += 1;
                if depth > max {
                    return Some(Loc { line, col });
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(loc) = json_too_deep(text, MAX_PARSE_DEPTH) {
        return Err(SyntaxError {
            loc,
            message: format!("nested deeper than {MAX_PARSE_DEPTH} levels"),
        });
    }
    match serde_json::from_str::<PlainNode>(text) {
        Ok(n) => Ok(n.0),
        Err(e) => {
            let msg = e.to_string();
            let msg = match msg.rfind(" at line ") {
                Some(i) => msg.get(..i).unwrap_or(&msg).to_string(),
                None => msg,
            };
            let mut loc = Loc {
                line: e.line() as u32,
                col: e.column() as u32,
            };
            if msg.starts_with("duplicate key") {
                // serde_json stops after the value; the YAML reader points at the second key itself.
                if let Err(y) = parse_yaml(text)
                    && y.loc.is_known()
                    && y.message.contains("duplicate")
                {
                    loc = y.loc;
                }
            }
            Err(SyntaxError { loc, message: msg })
        }
    }
}

/// Re-reads a JSON document through the YAML parser (JSON is YAML's flow syntax) to learn the
/// line and column of every value. Used only when there is an error to point at, so the fast
/// path stays fast. `None` if the text does not parse that way.
pub fn relocate_json(text: &str) -> Option<Node> {
    parse_yaml(text.strip_prefix('\u{feff}').unwrap_or(text)).ok()
}

fn located(sp: Spanned<YamlNode>) -> Node {
    let mut node = sp.value.0;
    node.loc = Loc {
        line: sp.referenced.line() as u32,
        col: sp.referenced.column() as u32,
    };
    node
}

/// A node read from YAML: children are read as `Spanned` to learn their place.
struct YamlNode(Node);
/// A node read without places (JSON, or any format when places are not needed): scalars
/// typed by the syntax alone, exactly as in a located tree.
pub struct PlainNode(pub Node);

trait Child: Sized {
    fn read_elem<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Option<Node>, A::Error>;
    fn read_entry<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<(Key, Node)>, A::Error>;
}

impl Child for YamlNode {
    fn read_elem<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Option<Node>, A::Error> {
        Ok(seq.next_element::<Spanned<YamlNode>>()?.map(located))
    }
    fn read_entry<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<(Key, Node)>, A::Error> {
        let Some(k) = map.next_key::<Spanned<KeyText>>()? else {
            return Ok(None);
        };
        let v = map.next_value::<Spanned<YamlNode>>()?;
        let key = Key {
            name: k.value.0,
            loc: Loc {
                line: k.referenced.line() as u32,
                col: k.referenced.column() as u32,
            },
        };
        Ok(Some((key, located(v))))
    }
}

impl Child for PlainNode {
    fn read_elem<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Option<Node>, A::Error> {
        Ok(seq.next_element::<PlainNode>()?.map(|n| n.0))
    }
    fn read_entry<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<(Key, Node)>, A::Error> {
        let Some(k) = map.next_key::<String>()? else {
            return Ok(None);
        };
        let v = map.next_value::<PlainNode>()?;
        Ok(Some((
            Key {
                name: k,
                loc: Loc::UNKNOWN,
            },
            v.0,
        )))
    }
}

struct NodeVisitor<C>(std::marker::PhantomData<C>);

fn leaf(kind: NodeKind) -> Node {
    Node {
        kind,
        loc: Loc::UNKNOWN,
    }
}

impl<'de, C: Child> Visitor<'de> for NodeVisitor<C> {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(leaf(NodeKind::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(leaf(NodeKind::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(leaf(match i64::try_from(v) {
            Ok(i) => NodeKind::Int(i),
            Err(_) => NodeKind::Float(v as f64),
        }))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(leaf(match i64::try_from(v) {
            Ok(i) => NodeKind::Int(i),
            Err(_) => NodeKind::Float(v as f64),
        }))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(leaf(match i64::try_from(v) {
            Ok(i) => NodeKind::Int(i),
            Err(_) => NodeKind::Float(v as f64),
        }))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(leaf(NodeKind::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(leaf(NodeKind::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(leaf(NodeKind::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(leaf(NodeKind::Null))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(leaf(NodeKind::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = C::read_elem(&mut seq)? {
            items.push(n);
        }
        Ok(leaf(NodeKind::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<(Key, Node)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some((k, v)) = C::read_entry(&mut map)? {
            if !seen.insert(k.name.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{}`", k.name)));
            }
            entries.push((k, v));
        }
        Ok(leaf(NodeKind::Map(entries)))
    }
}

impl<'de> Deserialize<'de> for YamlNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor::<YamlNode>(std::marker::PhantomData))
            .map(YamlNode)
    }
}

impl<'de> Deserialize<'de> for PlainNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor::<PlainNode>(std::marker::PhantomData))
            .map(PlainNode)
    }
}

/// A mapping key: any scalar, as text.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".into()))
            }
        }
        d.deserialize_str(V)
    }
}

/// The direct YAML reader: parser events straight to a located [`Node`] tree.
///
/// It must give exactly the tree serde-saphyr gives through `Spanned<YamlNode>` with
/// [`yaml_options`], or nothing (`None`: the caller then reads the document through
/// serde-saphyr). So it drives the same parser with the same options serde-saphyr derives from
/// [`yaml_options`], places each node where serde-saphyr does (the start of its event), and
/// resolves plain scalars by serde-saphyr's own order (null, YAML 1.2 booleans, the spellings
/// our options keep as text, integers, floats, text). It declines everything that order does
/// not settle plainly:
///
/// - anchors, aliases, tags, merge keys (`<<`), empty, non-text or duplicate keys;
/// - integers in another radix or out of range, and non-finite floats (`.inf`, `1e999`);
/// - more than one document, a `%YAML` directive, any event it does not know;
/// - nesting deeper than [`direct::DIRECT_MAX_DEPTH`] and counts near serde-saphyr's budget;
/// - any parser error;
/// - options other than the ones it implements.
mod direct {
    use super::{Key, Node, NodeKind};
    use crate::diag::Loc;
    use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle, Span, StrInput};

    /// Deepest nesting read directly; deeper documents go through serde-saphyr, which enforces
    /// [`super::MAX_PARSE_DEPTH`] itself.
    pub(super) const DIRECT_MAX_DEPTH: usize = 32;

    /// Budget counts (events, nodes, scalar and comment bytes) above which the reader declines,
    /// far below serde-saphyr's own limits, so it never accepts what the budget would refuse.
    fn budget_margin(limit: usize) -> usize {
        limit / 2
    }

    /// The parser options serde-saphyr derives from `options` (`Options::parser_options` and
    /// `Budget::parser_options` in serde-saphyr 2.2), so both readers see the same events.
    fn parser_options(options: &serde_saphyr::Options) -> Option<Options> {
        let budget = options.budget.as_ref()?;
        let mut p = Options::default();
        p.simple_key_max_lookahead = budget.simple_key_max_lookahead;
        p.flow_nesting_limit = budget.flow_nesting_limit;
        p.block_nesting_limit = p
            .block_nesting_limit
            .max(budget.max_depth.saturating_add(1));
        p.max_buffered_comment_events = budget.max_buffered_comment_events;
        p.emit_comments = options.emit_comments;
        p.strict_indentation = options.strict_indentation;
        p.bom_inside_document_as_content = options.bom_inside_document_as_content;
        Some(p)
    }

    /// Whether `options` resolve scalars and keys the way this reader does.
    fn supported(o: &serde_saphyr::Options) -> bool {
        o.strict_booleans
            && o.leading_zero_numbers_as_strings
            && o.underscored_numbers_as_strings
            && !o.legacy_octal_numbers
            && !o.null_as_string
            && !o.no_schema
            && !o.angle_conversions
            && matches!(o.duplicate_keys, serde_saphyr::DuplicateKeyPolicy::Error)
            && o.budget.is_some()
    }

    /// Reads `text`, or `None` if serde-saphyr must (see the module documentation).
    pub(super) fn read(text: &str, options: &serde_saphyr::Options) -> Option<Node> {
        if !supported(options) {
            return None;
        }
        let budget = options.budget.as_ref()?;
        let mut r = Reader {
            parser: Parser::new_from_str_with_options(text, parser_options(options)?),
            events: 0,
            nodes: 0,
            scalar_bytes: 0,
            comment_bytes: 0,
            max_events: budget_margin(budget.max_events),
            max_nodes: budget_margin(budget.max_nodes),
            max_scalar_bytes: budget_margin(budget.max_total_scalar_bytes),
            max_comment_bytes: budget_margin(budget.max_total_comment_bytes),
            max_depth: DIRECT_MAX_DEPTH.min(budget.max_depth),
        };
        if !matches!(r.next()?.0, Event::StreamStart) {
            return None;
        }
        if !matches!(r.next()?.0, Event::DocumentStart(_, None)) {
            return None;
        }
        let (event, span) = r.next()?;
        let root = r.node(event, &span, 0)?;
        if !matches!(r.next()?.0, Event::DocumentEnd) || !matches!(r.next()?.0, Event::StreamEnd) {
            return None;
        }
        // Nothing may follow the end of the stream.
        match r.parser.next() {
            None => Some(root),
            Some(_) => None,
        }
    }

    struct Reader<'a> {
        parser: Parser<'a, StrInput<'a>>,
        events: usize,
        nodes: usize,
        scalar_bytes: usize,
        comment_bytes: usize,
        max_events: usize,
        max_nodes: usize,
        max_scalar_bytes: usize,
        max_comment_bytes: usize,
        max_depth: usize,
    }

    /// Where serde-saphyr places a node: the start of its event, columns from 1.
    fn loc(span: &Span) -> Loc {
        Loc {
            line: span.start.line() as u32,
            col: span.start.col() as u32 + 1,
        }
    }

    impl<'a> Reader<'a> {
        /// The next event that is not a comment; `None` on a parser error or a budget count.
        fn next(&mut self) -> Option<(Event<'a>, Span)> {
            loop {
                let (event, span) = self.parser.next()?.ok()?;
                self.events += 1;
                if self.events > self.max_events {
                    return None;
                }
                match event {
                    Event::Comment(text, _) => {
                        self.comment_bytes += text.len();
                        if self.comment_bytes > self.max_comment_bytes {
                            return None;
                        }
                    }
                    event => return Some((event, span)),
                }
            }
        }

        /// Counts a node (and its scalar bytes) against the budget margin.
        fn count(&mut self, scalar_bytes: usize) -> Option<()> {
            self.nodes += 1;
            self.scalar_bytes += scalar_bytes;
            (self.nodes <= self.max_nodes && self.scalar_bytes <= self.max_scalar_bytes)
                .then_some(())
        }

        /// The node starting with `event`, at nesting `depth` (open collections around it).
        fn node(&mut self, event: Event<'a>, span: &Span, depth: usize) -> Option<Node> {
            let kind = match event {
                Event::Scalar(value, style, 0, None) => {
                    self.count(value.len())?;
                    if style == ScalarStyle::Plain {
                        plain(&value)?
                    } else {
                        NodeKind::Str(value.into_owned())
                    }
                }
                Event::SequenceStart(_, 0, None) if depth < self.max_depth => {
                    self.count(0)?;
                    let mut items = Vec::new();
                    loop {
                        match self.next()? {
                            (Event::SequenceEnd, _) => break,
                            (event, span) => items.push(self.node(event, &span, depth + 1)?),
                        }
                    }
                    NodeKind::Seq(items)
                }
                Event::MappingStart(_, 0, None) if depth < self.max_depth => {
                    self.count(0)?;
                    let mut entries: Vec<(Key, Node)> = Vec::new();
                    loop {
                        let key = match self.next()? {
                            (Event::MappingEnd, _) => break,
                            (Event::Scalar(name, style, 0, None), span) => {
                                self.count(name.len())?;
                                key(name.into_owned(), style, &span)?
                            }
                            _ => return None,
                        };
                        let (event, span) = self.next()?;
                        let value = self.node(event, &span, depth + 1)?;
                        entries.push((key, value));
                    }
                    if has_duplicates(&entries) {
                        return None;
                    }
                    NodeKind::Map(entries)
                }
                _ => return None,
            };
            Some(Node {
                kind,
                loc: loc(span),
            })
        }
    }

    /// A mapping key, if it is one serde-saphyr reads as plain text (`KeyText` via
    /// `deserialize_str`): not empty, not a merge key, and text by the scalar rules.
    fn key(name: String, style: ScalarStyle, span: &Span) -> Option<Key> {
        if name.is_empty() || name == "<<" {
            return None;
        }
        if style == ScalarStyle::Plain && !matches!(plain(&name)?, NodeKind::Str(_)) {
            return None;
        }
        Some(Key {
            name,
            loc: loc(span),
        })
    }

    fn has_duplicates(entries: &[(Key, Node)]) -> bool {
        if entries.len() <= 16 {
            // Small mappings (nearly all): compare pairwise, without allocating.
            return entries
                .iter()
                .enumerate()
                .any(|(i, (k, _))| entries.iter().skip(i + 1).any(|(o, _)| o.name == k.name));
        }
        let mut names: Vec<&str> = entries.iter().map(|(k, _)| k.name.as_str()).collect();
        names.sort_unstable();
        names.windows(2).any(|w| matches!(w, [a, b] if a == b))
    }

    /// A plain (unquoted, untagged) scalar as serde-saphyr's `deserialize_any` types it with
    /// our options, or `None` where that is not plainly settled here.
    pub(super) fn plain(v: &str) -> Option<NodeKind> {
        let text = || Some(NodeKind::Str(v.to_string()));
        // 1. Null (exact spellings, untrimmed, as `scalar_is_nullish`).
        if matches!(v, "" | "~" | "null" | "Null" | "NULL") {
            return Some(NodeKind::Null);
        }
        // serde-saphyr trims ASCII padding before the later steps; the parser never leaves
        // any on a plain scalar, but if it did, decline rather than reason about it.
        if v.trim_matches([' ', '\t', '\r', '\n']).len() != v.len() {
            return None;
        }
        // 2. YAML 1.2 booleans (`strict_booleans`).
        match v {
            "true" | "True" | "TRUE" => return Some(NodeKind::Bool(true)),
            "false" | "False" | "FALSE" => return Some(NodeKind::Bool(false)),
            _ => {}
        }
        // Neither an integer nor a float can start otherwise: text (the number parsers reject
        // it, and the alphabetic spellings Rust's float parser takes, such as `inf` and
        // `nan`, serde-saphyr keeps as text).
        if !matches!(v.as_bytes().first(), Some(b'0'..=b'9' | b'+' | b'-' | b'.')) {
            return text();
        }
        // 3. Spellings kept as text before any number parse: upper-case radix prefixes, signed
        // NaN, leading zeros (`leading_zero_numbers_as_strings`), underscores
        // (`underscored_numbers_as_strings`).
        let unsigned = v.strip_prefix(['+', '-']).unwrap_or(v);
        let signed = unsigned.len() != v.len();
        let digits = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
        if matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..])
            || (signed && matches!(unsigned, ".nan" | ".NaN" | ".NAN"))
            || (digits && unsigned.len() > 1 && unsigned.starts_with('0'))
            || v.contains('_')
        {
            return text();
        }
        // Radix integers and YAML's non-finite spellings: left to serde-saphyr.
        if matches!(unsigned.as_bytes(), [b'0', b'x' | b'o' | b'b', ..])
            || matches!(
                unsigned,
                ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
            )
        {
            return None;
        }
        // 4. Decimal integers: `-` signed (i64), otherwise unsigned (u64, then as the node
        // visitor maps it). Out of range: left to serde-saphyr (it then tries a float).
        if digits {
            return if v.starts_with('-') {
                v.parse::<i64>().ok().map(NodeKind::Int)
            } else {
                let u = v.parse::<u64>().ok()?;
                Some(match i64::try_from(u) {
                    Ok(i) => NodeKind::Int(i),
                    Err(_) => NodeKind::Float(u as f64),
                })
            };
        }
        // 5. Floats: finite ones as parsed; non-finite ones left to serde-saphyr; the rest is
        // text.
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(NodeKind::Float(x)),
            Ok(_) => None,
            Err(_) => text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Node {
        parse(s, Format::Yaml).unwrap()
    }

    #[test]
    fn yaml_11_words_stay_text() {
        let n = yaml("a: yes\nb: NO\nc: on\nd: 0755\ne: true\nf: 1_000\ng: 12\nh: 1.5\ni:\n");
        let get = |k: &str| n.get(k).unwrap().kind.clone();
        assert_eq!(get("a"), NodeKind::Str("yes".into()));
        assert_eq!(get("b"), NodeKind::Str("NO".into()));
        assert_eq!(get("c"), NodeKind::Str("on".into()));
        assert_eq!(get("d"), NodeKind::Str("0755".into()));
        assert_eq!(get("e"), NodeKind::Bool(true));
        assert_eq!(get("f"), NodeKind::Str("1_000".into()));
        assert_eq!(get("g"), NodeKind::Int(12));
        assert_eq!(get("h"), NodeKind::Float(1.5));
        assert_eq!(get("i"), NodeKind::Null);
    }

    #[test]
    fn yaml_locations_are_kept() {
        let n = yaml("top:\n  inner: [1, 2]\n  other: x\n");
        let top = n.get("top").unwrap();
        let (k, v) = &top.as_map().unwrap()[1];
        assert_eq!(k.name, "other");
        assert_eq!(k.loc, Loc { line: 3, col: 3 });
        assert_eq!(v.loc, Loc { line: 3, col: 10 });
    }

    #[test]
    fn duplicate_keys_are_errors_in_both_formats() {
        let e = parse("a: 1\nb: 2\na: 3\n", Format::Yaml).unwrap_err();
        assert_eq!(e.loc.line, 3, "{e:?}");
        assert!(e.message.contains("duplicate"), "{e:?}");
        let e = parse("{\"a\": 1,\n \"a\": 2}", Format::Json).unwrap_err();
        assert_eq!(e.loc.line, 2, "{e:?}");
        assert!(e.message.contains("duplicate key `a`"), "{e:?}");
    }

    #[test]
    fn json_relocates_through_yaml() {
        let text = "{\n  \"answers\": {\n    \"x\": \"yes\"\n  }\n}";
        let fast = parse(text, Format::Json).unwrap();
        assert_eq!(
            fast.get("answers").unwrap().get("x").unwrap().loc,
            Loc::UNKNOWN
        );
        let slow = relocate_json(text).unwrap();
        assert_eq!(slow.get("answers").unwrap().get("x").unwrap().loc.line, 3);
        assert_eq!(
            fast.get("answers").unwrap().get("x").unwrap().kind,
            slow.get("answers").unwrap().get("x").unwrap().kind
        );
    }

    #[test]
    fn syntax_errors_have_places() {
        let e = parse("a: [1, 2\nb: 3\n", Format::Yaml).unwrap_err();
        assert!(e.loc.is_known(), "{e:?}");
        let e = parse("{\"a\": }", Format::Json).unwrap_err();
        assert_eq!(e.loc, Loc { line: 1, col: 7 });
    }

    #[test]
    fn empty_yaml_is_null() {
        assert_eq!(yaml("# nothing\n").kind, NodeKind::Null);
    }

    /// Both YAML readers on `text`: the direct reader's tree (if it reads it) must be the one
    /// serde-saphyr gives, and it must decline whatever serde-saphyr refuses.
    fn same_as_serde(text: &str) -> Option<Node> {
        let serde = parse_yaml_serde(text, yaml_options());
        let direct = direct::read(text, &yaml_options());
        if let Some(d) = &direct {
            assert_eq!(Ok(d), serde.as_ref(), "direct reader differs on {text:?}");
        }
        direct
    }

    fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                out.push(path);
            }
        }
    }

    #[test]
    fn direct_reader_matches_serde_on_every_shipped_file() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut files = Vec::new();
        for dir in ["rules", "fixtures", "tests/data"] {
            yaml_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 50, "{files:?}");
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let read = same_as_serde(&text);
            // The shipped pack and the example facts take the fast path.
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.starts_with("rules/") || rel.starts_with("fixtures/companies/") {
                assert!(read.is_some(), "direct reader declined {rel}");
            }
        }
    }

    /// Scalar spellings around every step of serde-saphyr's typing.
    const SPELLINGS: &str = "~ null Null NULL nULL true True TRUE tRUE false FALSE yes no on \
        off y n 0 -0 +0 00 0755 -0755 +0755 12 -12 +12 1_000 0x1f 0X1F 0o17 0O17 0b101 0B101 \
        9223372036854775807 9223372036854775808 18446744073709551615 18446744073709551616 \
        -9223372036854775808 -9223372036854775809 1.5 -1.5 +1.5 .5 -.5 5. 1e3 1E3 -1e-3 1e999 \
        -1e999 0e5 00.5 .inf -.inf +.inf .Inf .INF .nan .NaN .NAN -.nan +.nan inf -inf nan NaN \
        infinity Infinity . - + -x +x .x 1.0.0 2017-11-08 2017-11-08T10:00:00Z 12:30 1,000 \
        中文 a#b 1__0 _1 1_ 0x 0xg 1e e1 --1 +-1 << = ?x @x `x";

    #[test]
    fn direct_reader_types_scalars_like_serde() {
        let spaced = ["", "3 4", "x y", "a: b", "a #b"];
        for v in SPELLINGS.split_whitespace().chain(spaced) {
            let quoted = v.replace('\'', "''");
            for text in [
                format!("k: {v}\n"),
                format!("k: '{quoted}'\n"),
                format!("k: \"{v}\"\n"),
                format!("k: |\n  {v}\n"),
                format!("- {v}\n"),
                format!("[{v}]\n"),
                format!("{{k: {v}}}\n"),
                format!("{v}: k\n"),
                format!("'{quoted}': k\n"),
                format!("{v}\n"),
            ] {
                same_as_serde(&text);
            }
        }
        assert_eq!(direct::plain("0755"), Some(NodeKind::Str("0755".into())));
        assert_eq!(direct::plain("1_000"), Some(NodeKind::Str("1_000".into())));
        assert_eq!(direct::plain("yes"), Some(NodeKind::Str("yes".into())));
        assert_eq!(direct::plain("-12"), Some(NodeKind::Int(-12)));
        assert_eq!(direct::plain("1.5"), Some(NodeKind::Float(1.5)));
        assert_eq!(direct::plain(".inf"), None);
        assert_eq!(direct::plain("0x1f"), None);
        assert!(same_as_serde("a: 1\nb: [x, {c: 'd'}]\n").is_some());
    }

    #[test]
    fn direct_reader_reads_the_usual_shapes() {
        for text in [
            "a: 1\n...\n",
            "--- \na: 1\n",
            "\u{feff}a: 1\n",
            "# head\na: 1 # right\n# end\n",
            "a:\n  - b\n  -\n  - c\n",
            "? a\n: b\n",
            "a: >\n  x\n  y\n\nb: |-\n  x\n   y\n",
            "a: \"esc\\t\\u00e9\\n\"\nb: 'it''s'\n",
            "a: multi\n  line plain\n",
            "a: {b: [1, {c: d}], e: }\n",
            "- [a, b]\n- {c: d}\n- - e\n  - f\n",
            "a:\n",
            "just text\n",
        ] {
            assert!(same_as_serde(text).is_some(), "{text:?}");
        }
    }

    #[test]
    fn direct_reader_declines_what_it_does_not_cover() {
        let fast = |t: &str| direct::read(t, &yaml_options());
        for text in [
            "a: &x 1\nb: *x\n",
            "base: &b {x: 1}\nother:\n  <<: *b\n",
            "a: !!str 12\n",
            "a: !custom x\n",
            "!!map {a: 1}\n",
            "a: 1\na: 2\n",
            "1: a\n",
            "~: a\n",
            "true: a\n",
            "? [a, b]\n: c\n",
            "'': a\n",
            "a: 1\n---\nb: 2\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: [1, 2\n",
            "a: .inf\n",
            "a: 0x10\n",
            "a: 99999999999999999999\n",
        ] {
            assert_eq!(fast(text), None, "{text:?}");
            same_as_serde(text);
        }
        // Deep nesting goes through serde-saphyr, which enforces MAX_PARSE_DEPTH.
        let nested = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert!(fast(&nested(direct::DIRECT_MAX_DEPTH)).is_some());
        same_as_serde(&nested(direct::DIRECT_MAX_DEPTH));
        assert_eq!(fast(&nested(direct::DIRECT_MAX_DEPTH + 1)), None);
        assert!(parse(&nested(direct::DIRECT_MAX_DEPTH + 1), Format::Yaml).is_ok());
        assert!(parse(&nested(MAX_PARSE_DEPTH + 1), Format::Yaml).is_err());
    }

    mod generated {
        use super::same_as_serde;
        use proptest::prelude::*;

        /// Scalars that stress typing: numbers, null and boolean spellings, padding, quotes,
        /// indicators and non-ASCII text.
        fn scalar() -> impl Strategy<Value = String> {
            prop_oneof![
                "[-+.0-9_eExXoObBaAfFnNiItTuUlL~]{0,6}",
                "[a-z0-9 .:#'\"\\-]{1,8}",
                Just("中文".to_string()),
                Just("<<".to_string()),
            ]
        }

        /// A value written in one of the ways YAML allows.
        fn written(s: String, style: u8) -> String {
            match style % 4 {
                0 => s,
                1 => format!("'{}'", s.replace('\'', "''")),
                2 => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
                _ => format!("[{s}]"),
            }
        }

        fn doc() -> impl Strategy<Value = String> {
            let entry = (scalar(), any::<u8>(), scalar(), any::<u8>());
            (prop::collection::vec(entry, 1..6), any::<bool>()).prop_map(|(entries, block)| {
                let parts: Vec<String> = entries
                    .into_iter()
                    .map(|(k, ks, v, vs)| format!("{}: {}", written(k, ks % 3), written(v, vs)))
                    .collect();
                if block {
                    format!("{}\n", parts.join("\n"))
                } else {
                    format!("{{{}}}\n", parts.join(", "))
                }
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn direct_reader_agrees_with_serde(text in doc()) {
                same_as_serde(&text);
            }

            #[test]
            fn direct_reader_agrees_on_any_scalar(s in scalar(), style in any::<u8>()) {
                same_as_serde(&format!("- {s}\n"));
                same_as_serde(&format!("k: {}\n", written(s, style)));
            }
        }
    }
}
