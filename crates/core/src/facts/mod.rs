//! Facts: one enterprise's answers, decoded and validated against a pack's questionnaire.
//!
//! Answers are typed by their question, never by YAML's guesses. Every problem is collected:
//! unknown questions (with did-you-mean), wrong types, options outside the list, exclusive
//! options combined with others, dates of past events after the assessment date, a bad credit
//! code, waivers for unknown rules, and a pack or questionnaire that does not match.

pub mod fast;
pub mod migrate;
pub mod write;

use crate::diag::{Diagnostic, Diagnostics, Loc, did_you_mean};
use crate::model::condition::parse_date;
use crate::model::{GIdx, Pack, QType, Question, Value};
use crate::syntax::decode::decode;
use crate::syntax::node::{self, Format, Node, NodeKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Words that mean "don't know" (不清楚) for any question.
pub const DONT_KNOW_WORDS: &[&str] = &["不清楚", "dont_know"];

/// Which pack the answers were given for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackRef {
    /// Pack id.
    pub id: String,
    /// Pack version answered.
    pub version: String,
    /// Digest of the questionnaire answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questionnaire_digest: Option<String>,
}

/// A contact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code_text"
    )]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The organisation assessed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Registered name.
    pub name: String,
    /// Unified social credit code (统一社会信用代码).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code_text"
    )]
    pub credit_code: Option<String>,
    /// Administrative division code (行政区划代码), six digits.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "code_text"
    )]
    pub region_code: Option<String>,
    /// Industry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// Reads a code written as text or, unquoted, as a whole number (`region_code: 230103`).
fn code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a code as text")
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.trim().to_string()).filter(|s| !s.is_empty()))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A person.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Name.
    pub name: String,
    /// Position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A piece of evidence attached to an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// What it is.
    pub title: String,
    /// Where to find it (document number, file, URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Its date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

/// A waiver: an accepted, time-boxed exception for one rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Rule id.
    pub rule: String,
    /// Why.
    pub justification: String,
    /// Who approved it.
    pub approved_by: String,
    /// Last day it applies (inclusive).
    pub expires: NaiveDate,
}

/// What an answer says.
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerState {
    /// 不清楚: evaluates like unanswered, reported on its own.
    DontKnow,
    /// A value of the question's type.
    Value(Value),
}

/// An answer with its remark and evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The answer.
    pub state: AnswerState,
    /// A remark.
    pub remark: Option<String>,
    /// Evidence.
    pub evidence: Vec<Evidence>,
}

/// One item of a repeatable group.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Answers by member position.
    pub answers: Vec<Option<Answer>>,
    /// How the item is named in findings.
    pub label: String,
}

/// One enterprise's answers, validated against a pack.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    /// Pack answered.
    pub pack: PackRef,
    /// Organisation.
    pub organisation: Organisation,
    /// Who prepared the answers.
    pub prepared_by: Option<Person>,
    /// Who answers for them.
    pub responsible_person: Option<Person>,
    /// Date the assessment refers to.
    pub assessment_date: NaiveDate,
    /// Top-level answers by question index (`None`: unanswered).
    pub answers: Vec<Option<Answer>>,
    /// Group items by group index (`None`: the group is unanswered).
    pub groups: Vec<Option<Vec<Item>>>,
    /// Waivers.
    pub waivers: Vec<Waiver>,
}

/// Largest facts file read by default, in bytes (see [`node::Limits`]).
pub const MAX_FACTS_FILE: usize = 10 * 1024 * 1024;

/// Facts and the warnings found on the way.
#[derive(Debug)]
pub struct LoadedFacts {
    /// The facts.
    pub facts: Facts,
    /// Warnings.
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates a facts file. `name` names it in messages and picks the format
/// (`.json` is JSON, anything else YAML).
pub fn load_facts(name: &str, text: &str, pack: &Pack) -> Result<LoadedFacts, Vec<Diagnostic>> {
    load_facts_with(name, text, pack, &node::Limits::default())
}

/// [`load_facts`] with explicit resource limits.
pub fn load_facts_with(
    name: &str,
    text: &str,
    pack: &Pack,
    limits: &node::Limits,
) -> Result<LoadedFacts, Vec<Diagnostic>> {
    let format = Format::from_path(name);
    let mut diags = Diagnostics::new(name);
    if text.len() > limits.max_file_bytes {
        diags
            .error(
                Loc::UNKNOWN,
                "",
                format!(
                    "file too large: {} bytes; the limit is {} bytes",
                    text.len(),
                    limits.max_file_bytes
                ),
            )
            .help("split the submission, or raise the limit if the file is trusted");
        return Err(diags.into_vec());
    }
    let root = match node::parse(text, format) {
        Ok(n) => n,
        Err(e) => {
            let what = if format == Format::Json {
                "JSON"
            } else {
                "YAML"
            };
            diags.error(e.loc, "", format!("invalid {what}: {}", e.message));
            return Err(diags.into_vec());
        }
    };
    let breaches = node::check_limits(&root, limits);
    if !breaches.is_empty() {
        let located = if format == Format::Json {
            node::relocate_json(text).map(|n| node::check_limits(&n, limits))
        } else {
            None
        };
        for (loc, msg) in located
            .filter(|l| l.len() == breaches.len())
            .unwrap_or(breaches)
        {
            diags.error(loc, "", format!("input limit: {msg}"));
        }
        return Err(diags.into_vec());
    }
    let facts = from_node(&root, pack, &mut diags);
    if format == Format::Json && diags.items().iter().any(|d| !d.loc.is_known()) {
        // Find the places of the problems by reading the JSON again as YAML (which keeps them).
        if let Some(located) = node::relocate_json(text) {
            let mut again = Diagnostics::new(name);
            let _ = from_node(&located, pack, &mut again);
            if again.len() == diags.len() {
                diags = again;
            }
        }
    }
    match facts {
        Some(facts) if !diags.has_errors() => Ok(LoadedFacts {
            facts,
            warnings: diags.into_vec(),
        }),
        _ => Err(diags.into_vec()),
    }
}

const TOP_KEYS: &[&str] = &[
    "pack",
    "organisation",
    "prepared_by",
    "responsible_person",
    "assessment_date",
    "answers",
    "waivers",
];

/// Decodes a facts document already parsed into a tree.
pub fn from_node(root: &Node, pack: &Pack, d: &mut Diagnostics) -> Option<Facts> {
    let Some(entries) = root.as_map() else {
        d.error(
            root.loc,
            "",
            format!(
                "a facts file is a mapping with {}, found {}",
                TOP_KEYS.join(", "),
                root.kind_name()
            ),
        );
        return None;
    };
    for (k, _) in entries {
        if !TOP_KEYS.contains(&k.name.as_str()) {
            let help = did_you_mean(&k.name, TOP_KEYS.iter().copied())
                .unwrap_or_else(|| format!("expected one of: {}", TOP_KEYS.join(", ")));
            d.error(k.loc, "", format!("unknown key `{}`", k.name))
                .help(help);
        }
    }
    let pack_ref: Option<PackRef> = required(root, "pack", d).and_then(|n| decoded(n, d));
    let organisation: Option<Organisation> =
        required(root, "organisation", d).and_then(|n| decoded(n, d));
    let prepared_by: Option<Person> = root
        .get("prepared_by")
        .filter(|n| n.kind != NodeKind::Null)
        .and_then(|n| decoded(n, d));
    let responsible_person: Option<Person> = root
        .get("responsible_person")
        .filter(|n| n.kind != NodeKind::Null)
        .and_then(|n| decoded(n, d));
    let date_node = required(root, "assessment_date", d);
    let assessment_date = date_node.and_then(|n| match n.as_str().and_then(parse_date) {
        Some(date) => Some(date),
        None => {
            d.error(
                n.loc,
                "",
                format!(
                    "`assessment_date` is a date YYYY-MM-DD, found {}",
                    n.display()
                ),
            );
            None
        }
    });
    if let Some(p) = &pack_ref {
        check_pack(
            p,
            root.get("pack").map(|n| n.loc).unwrap_or(root.loc),
            pack,
            d,
        );
    }
    if let Some(org) = &organisation {
        check_organisation(org, Some(root.get("organisation").unwrap_or(root)), d);
    }
    let date = assessment_date.unwrap_or(NaiveDate::MIN);
    let qn = &pack.questionnaire;
    let mut answers: Vec<Option<Answer>> = vec![None; qn.questions.len()];
    let mut groups: Vec<Option<Vec<Item>>> = vec![None; qn.groups.len()];
    if let Some(ans) = root.get("answers") {
        match &ans.kind {
            NodeKind::Null => {}
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    if let Some(q) = qn
                        .question(&k.name)
                        .filter(|q| qn.questions.get(*q).is_some_and(|x| x.group.is_none()))
                    {
                        if let Some(question) = qn.questions.get(q) {
                            let a = answer(question, v, date, assessment_date.is_some(), d);
                            if let Some(slot) = answers.get_mut(q) {
                                *slot = a;
                            }
                        }
                    } else if let Some(g) = qn.group(&k.name) {
                        let items = group_items(pack, g, v, date, assessment_date.is_some(), d);
                        if let Some(slot) = groups.get_mut(g) {
                            *slot = items;
                        }
                    } else {
                        unknown_answer(&k.name, k.loc, pack, d);
                    }
                }
            }
            _ => {
                d.error(
                    ans.loc,
                    "",
                    format!(
                        "`answers` is a mapping from question id to answer, found {}",
                        ans.kind_name()
                    ),
                );
            }
        }
    }
    let waivers = waivers(root, pack, d);
    let facts = Facts {
        pack: pack_ref?,
        organisation: organisation?,
        prepared_by,
        responsible_person,
        assessment_date: assessment_date?,
        answers,
        groups,
        waivers,
    };
    hidden_answers(&facts, pack, Some(root), d);
    Some(facts)
}

fn required<'n>(root: &'n Node, key: &str, d: &mut Diagnostics) -> Option<&'n Node> {
    match root.get(key) {
        Some(n) if n.kind != NodeKind::Null => Some(n),
        _ => {
            d.error(root.loc, "", format!("missing `{key}`"));
            None
        }
    }
}

fn decoded<T: serde::de::DeserializeOwned>(n: &Node, d: &mut Diagnostics) -> Option<T> {
    match decode(n) {
        Ok(v) => Some(v),
        Err(e) => {
            d.error(e.loc, "", e.message);
            None
        }
    }
}

/// Checks that the answers are for `pack` (id, and version or questionnaire digest).
pub(crate) fn check_pack(p: &PackRef, loc: Loc, pack: &Pack, d: &mut Diagnostics) {
    let meta = &pack.meta;
    if p.id != meta.id {
        d.error(
            loc,
            "",
            format!(
                "answers are for pack `{}`, but the pack used is `{}`",
                p.id, meta.id
            ),
        )
        .help("assess with the pack the questionnaire came from (`--pack` / `--rules`)");
        return;
    }
    if p.version == meta.version {
        if let Some(digest) = &p.questionnaire_digest
            && digest != &pack.questionnaire.digest
        {
            d.error(
                loc,
                "",
                format!(
                    "questionnaire digest `{digest}` does not match pack `{}` {} (`{}`)",
                    meta.id, meta.version, pack.questionnaire.digest
                ),
            )
            .help("the file was made from a modified copy of this pack version");
        }
        return;
    }
    match &p.questionnaire_digest {
        Some(digest) if digest == &pack.questionnaire.digest => {}
        Some(_) => {
            d.error(loc, "", format!("answers are for version {} of pack `{}`; version {} asks a different questionnaire", p.version, meta.id, meta.version))
                .help("the questions changed between the versions (questionnaire digests differ): carry the answers over with `hegui migrate`, or assess with the pack version they were given for");
        }
        None => {
            d.error(loc, "", format!("answers are for version {} of pack `{}`, this is version {} and the file has no `questionnaire_digest` to show the questions are unchanged", p.version, meta.id, meta.version))
                .help("add the questionnaire digest printed by `hegui questionnaire`, or assess with the pack version the answers were given for");
        }
    }
}

/// Checks a unified social credit code (GB 32100-2015): 18 characters, check character last.
pub fn credit_code_ok(code: &str) -> Result<(), String> {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(format!(
            "has {} characters; a unified social credit code has 18",
            chars.len()
        ));
    }
    let mut sum = 0u32;
    for (i, c) in chars.iter().take(17).enumerate() {
        // A byte scan: `str::find` costs more than the rest of reading a submission's header.
        let Some(v) = ALPHABET.bytes().position(|b| char::from(b) == *c) else {
            return Err(format!(
                "character `{c}` at position {} is not allowed (digits and capitals except I, O, S, V, Z)",
                i + 1
            ));
        };
        sum += v as u32 * WEIGHTS.get(i).copied().unwrap_or(0);
    }
    let check = (31 - sum % 31) % 31;
    let expected = ALPHABET.chars().nth(check as usize).unwrap_or('?');
    match chars.get(17) {
        Some(c) if *c == expected => Ok(()),
        Some(c) => Err(format!(
            "check character is `{c}`, but the first 17 characters give `{expected}`"
        )),
        None => Err("is too short".into()),
    }
}

/// Checks the organisation's codes and warns about an empty name; places come from its `node`
/// when there is one.
pub(crate) fn check_organisation(org: &Organisation, node: Option<&Node>, d: &mut Diagnostics) {
    let here = node.map_or(Loc::UNKNOWN, |n| n.loc);
    let loc_of = |key: &str| node.and_then(|n| n.get(key)).map_or(here, |n| n.loc);
    if org.name.trim().is_empty() {
        d.warning(
            here,
            "",
            "`organisation.name` is empty: reports will carry no organisation name",
        );
    }
    if let Some(code) = &org.credit_code
        && let Err(why) = credit_code_ok(code)
    {
        d.error(
            loc_of("credit_code"),
            "",
            format!("invalid unified social credit code `{code}`: {why}"),
        );
    }
    if let Some(region) = &org.region_code
        && (region.len() != 6 || !region.chars().all(|c| c.is_ascii_digit()))
    {
        d.error(
            loc_of("region_code"),
            "",
            format!("`region_code` `{region}` is not a six-digit administrative division code"),
        )
        .help("write it in quotes, e.g. \"230103\"");
    }
}

fn unknown_answer(name: &str, loc: Loc, pack: &Pack, d: &mut Diagnostics) {
    let qn = &pack.questionnaire;
    if let Some(q) = qn.question(name).and_then(|q| qn.questions.get(q))
        && let Some(g) = q.group.and_then(|g| qn.groups.get(g))
    {
        d.error(
            loc,
            format!("question `{name}`"),
            "a group member is answered per item",
        )
        .help(format!(
            "write it under `{}:` as a list of items, each with `{}:`",
            g.id, q.local_id
        ));
        return;
    }
    let candidates = qn
        .questions
        .iter()
        .filter(|q| q.group.is_none())
        .map(|q| q.id.as_str())
        .chain(qn.groups.iter().map(|g| g.id.as_str()));
    let help = did_you_mean(name, candidates);
    let dg = d.error(loc, format!("question `{name}`"), "unknown question");
    if let Some(h) = help {
        dg.help(h);
    }
}

/// How an item of group `g` is named in findings: its `item_key` answer when that is text,
/// else `#n` for the `ordinal`-th item.
pub(crate) fn item_label(
    qn: &crate::model::Questionnaire,
    g: GIdx,
    answers: &[Option<Answer>],
    ordinal: usize,
) -> String {
    qn.groups
        .get(g)
        .and_then(|group| group.item_key.as_ref())
        .and_then(|key| qn.member(g, key))
        .and_then(|q| qn.questions.get(q))
        .and_then(|q| answers.get(q.pos))
        .and_then(|a| match a {
            Some(Answer {
                state: AnswerState::Value(Value::Text(t)),
                ..
            }) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_else(|| format!("#{ordinal}"))
}

fn group_items(
    pack: &Pack,
    g: GIdx,
    v: &Node,
    date: NaiveDate,
    have_date: bool,
    d: &mut Diagnostics,
) -> Option<Vec<Item>> {
    let qn = &pack.questionnaire;
    let group = qn.groups.get(g)?;
    let items = match &v.kind {
        NodeKind::Null => return None,
        NodeKind::Seq(items) => items,
        _ => {
            d.error(
                v.loc,
                format!("group `{}`", group.id),
                format!("expected a list of items, found {}", v.kind_name()),
            );
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    let mut blank = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut answers: Vec<Option<Answer>> = vec![None; group.members.len()];
        let Some(entries) = item.as_map() else {
            d.error(
                item.loc,
                format!("group `{}` item {}", group.id, i + 1),
                format!(
                    "an item is a mapping of its questions' answers, found {}",
                    item.kind_name()
                ),
            );
            continue;
        };
        for (k, val) in entries {
            let full = format!("{}[*].{}", group.id, k.name);
            match qn.question(&full).and_then(|q| qn.questions.get(q)) {
                Some(q) => {
                    let a = answer(q, val, date, have_date, d);
                    if let Some(slot) = answers.get_mut(q.pos) {
                        *slot = a;
                    }
                }
                None => {
                    let members: Vec<&str> = group
                        .members
                        .iter()
                        .filter_map(|m| qn.questions.get(*m))
                        .map(|q| q.local_id.as_str())
                        .collect();
                    let help =
                        did_you_mean(&k.name, members.iter().copied()).unwrap_or_else(|| {
                            format!("questions of `{}`: {}", group.id, members.join(", "))
                        });
                    d.error(
                        k.loc,
                        format!("question `{full}`"),
                        format!("unknown question in group `{}`", group.id),
                    )
                    .help(help);
                }
            }
        }
        let label = item_label(qn, g, &answers, i + 1);
        if answers.iter().all(Option::is_none)
            && entries.iter().all(|(_, v)| v.kind == NodeKind::Null)
        {
            blank.push(i + 1);
            continue;
        }
        out.push(Item { answers, label });
    }
    if !blank.is_empty() {
        if out.is_empty() {
            // Only the questionnaire's empty template item(s): the group is still unanswered.
            return None;
        }
        let list: Vec<String> = blank.iter().map(ToString::to_string).collect();
        d.warning(
            v.loc,
            format!("group `{}`", group.id),
            format!(
                "item(s) {} have no answers and are left out",
                list.join(", ")
            ),
        );
    }
    Some(out)
}

fn answer(
    q: &Question,
    v: &Node,
    date: NaiveDate,
    have_date: bool,
    d: &mut Diagnostics,
) -> Option<Answer> {
    let subject = format!("question `{}`", q.id);
    let (value_node, remark, evidence, dont_know) = match &v.kind {
        NodeKind::Map(entries) => {
            let mut value = None;
            let mut remark = None;
            let mut evidence = Vec::new();
            let mut dont_know = false;
            for (k, x) in entries {
                match k.name.as_str() {
                    "value" => value = Some(x),
                    "remark" => match &x.kind {
                        NodeKind::Str(s) => remark = Some(s.clone()),
                        NodeKind::Null => {}
                        _ => {
                            d.error(
                                x.loc,
                                &subject,
                                format!("`remark` is text, found {}", x.kind_name()),
                            );
                        }
                    },
                    "evidence" => match decode::<Vec<Evidence>>(x) {
                        Ok(e) => evidence = e,
                        Err(e) => {
                            d.error(e.loc, &subject, format!("evidence: {}", e.message))
                                .help("evidence is a list of {title, reference, date}");
                        }
                    },
                    "dont_know" => match x.kind {
                        NodeKind::Bool(b) => dont_know = b,
                        _ => {
                            d.error(x.loc, &subject, "`dont_know` is true or false");
                        }
                    },
                    other => {
                        let help = did_you_mean(other, ["value", "remark", "evidence", "dont_know"]).unwrap_or_else(|| "an answer in long form has value (or dont_know: true), remark and evidence".into());
                        d.error(
                            k.loc,
                            &subject,
                            format!("unknown key `{other}` in an answer"),
                        )
                        .help(help);
                    }
                }
            }
            if dont_know && value.is_some_and(|n| n.kind != NodeKind::Null) {
                d.error(
                    v.loc,
                    &subject,
                    "an answer has either `value` or `dont_know: true`, not both",
                );
            }
            (value, remark, evidence, dont_know)
        }
        _ => (Some(v), None, Vec::new(), false),
    };
    let state = if dont_know {
        Some(AnswerState::DontKnow)
    } else {
        match value_node {
            None => None,
            Some(n) => match &n.kind {
                NodeKind::Null => None,
                NodeKind::Str(s) if DONT_KNOW_WORDS.contains(&s.trim()) => {
                    Some(AnswerState::DontKnow)
                }
                _ => typed(q, n, date, have_date, d).map(AnswerState::Value),
            },
        }
    };
    match state {
        Some(state) => Some(Answer {
            state,
            remark,
            evidence,
        }),
        None if remark.is_some() || !evidence.is_empty() => {
            d.warning(
                v.loc,
                &subject,
                "remark or evidence given without an answer: the question counts as unanswered",
            );
            None
        }
        None => None,
    }
}

fn typed(
    q: &Question,
    n: &Node,
    date: NaiveDate,
    have_date: bool,
    d: &mut Diagnostics,
) -> Option<Value> {
    let subject = format!("question `{}`", q.id);
    match q.qtype {
        QType::YesNo => match &n.kind {
            NodeKind::Bool(b) => Some(Value::Bool(*b)),
            NodeKind::Str(s) if matches!(s.trim(), "是" | "true" | "True" | "TRUE") => {
                Some(Value::Bool(true))
            }
            NodeKind::Str(s) if matches!(s.trim(), "否" | "false" | "False" | "FALSE") => {
                Some(Value::Bool(false))
            }
            _ => {
                d.error(n.loc, &subject, format!("yes/no question expects true or false (是/否), found {}", n.display()))
                    .help("words such as yes, no, on, off are not read as answers: write true or false, or 是 or 否 (不清楚 if you don't know)");
                None
            }
        },
        QType::SingleChoice => {
            let Some(s) = n.as_str() else {
                d.error(
                    n.loc,
                    &subject,
                    format!(
                        "single-choice question expects one option id, found {}",
                        n.display()
                    ),
                )
                .help(options_help(q));
                return None;
            };
            option(q, s.trim(), n.loc, d).map(Value::Choice)
        }
        QType::MultipleChoice => {
            let NodeKind::Seq(items) = &n.kind else {
                let d2 = d.error(
                    n.loc,
                    &subject,
                    format!(
                        "multiple-choice question expects a list of option ids, found {}",
                        n.display()
                    ),
                );
                match n.as_str() {
                    Some(s) => d2.help(format!("write a list: [{s}]")),
                    None => d2.help(options_help(q)),
                };
                return None;
            };
            let mut mask = 0u64;
            let mut ok = true;
            for item in items {
                match item.as_str() {
                    Some(s) => match option(q, s.trim(), item.loc, d) {
                        Some(i) => {
                            if mask & (1 << i) != 0 {
                                d.error(
                                    item.loc,
                                    &subject,
                                    format!("option `{s}` is listed twice"),
                                );
                                ok = false;
                            }
                            mask |= 1 << i;
                        }
                        None => ok = false,
                    },
                    None => {
                        d.error(
                            item.loc,
                            &subject,
                            format!("expected an option id, found {}", item.display()),
                        )
                        .help(options_help(q));
                        ok = false;
                    }
                }
            }
            let exclusive: Vec<&str> = q
                .options
                .iter()
                .enumerate()
                .filter(|(i, o)| o.exclusive && mask & (1 << i) != 0)
                .map(|(_, o)| o.id.as_str())
                .collect();
            if !exclusive.is_empty() && mask.count_ones() > 1 {
                d.error(
                    n.loc,
                    &subject,
                    format!(
                        "option `{}` excludes the others but is combined with them",
                        exclusive.join("`, `")
                    ),
                );
                ok = false;
            }
            ok.then_some(Value::Choices(mask))
        }
        QType::Integer => {
            let v = match &n.kind {
                NodeKind::Int(i) => Some(*i),
                NodeKind::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(*x as i64),
                NodeKind::Str(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            let Some(v) = v else {
                d.error(
                    n.loc,
                    &subject,
                    format!(
                        "integer question expects a whole number, found {}",
                        n.display()
                    ),
                );
                return None;
            };
            range(q, v as f64, n, d).then_some(Value::Int(v))
        }
        QType::Decimal => {
            let v = match &n.kind {
                NodeKind::Int(i) => Some(*i as f64),
                NodeKind::Float(x) => Some(*x),
                NodeKind::Str(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|x| x.is_finite());
            let Some(v) = v else {
                d.error(
                    n.loc,
                    &subject,
                    format!("decimal question expects a number, found {}", n.display()),
                );
                return None;
            };
            range(q, v, n, d).then_some(Value::Decimal(v))
        }
        QType::Date => {
            let Some(v) = n.as_str().and_then(parse_date) else {
                d.error(
                    n.loc,
                    &subject,
                    format!(
                        "date question expects a date YYYY-MM-DD, found {}",
                        n.display()
                    ),
                );
                return None;
            };
            if q.past_event && have_date && v > date {
                d.error(n.loc, &subject, format!("{v} is after the assessment date {date}, but this is the date of a past event"));
                return None;
            }
            Some(Value::Date(v))
        }
        QType::Text => match &n.kind {
            NodeKind::Str(s) if s.trim().is_empty() => None,
            NodeKind::Str(s) => Some(Value::Text(s.clone())),
            _ => {
                d.error(
                    n.loc,
                    &subject,
                    format!("text question expects text, found {}", n.display()),
                )
                .help(format!(
                    "put it in quotes to keep it as written: \"{}\"",
                    n.display()
                ));
                None
            }
        },
    }
}

fn range(q: &Question, v: f64, n: &Node, d: &mut Diagnostics) -> bool {
    let subject = format!("question `{}`", q.id);
    if let Some(min) = q.min
        && v < min
    {
        d.error(
            n.loc,
            &subject,
            format!("{} is below the minimum {min}", n.display()),
        );
        return false;
    }
    if let Some(max) = q.max
        && v > max
    {
        d.error(
            n.loc,
            &subject,
            format!("{} is above the maximum {max}", n.display()),
        );
        return false;
    }
    true
}

fn options_help(q: &Question) -> String {
    format!(
        "options: {}",
        q.options
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn option(q: &Question, s: &str, loc: Loc, d: &mut Diagnostics) -> Option<usize> {
    match q.option_index(s) {
        Some(i) => Some(i),
        None => {
            let help = did_you_mean(s, q.options.iter().map(|o| o.id.as_str()))
                .unwrap_or_else(|| options_help(q));
            d.error(
                loc,
                format!("question `{}`", q.id),
                format!("`{s}` is not an option"),
            )
            .help(help);
            None
        }
    }
}

fn waivers(root: &Node, pack: &Pack, d: &mut Diagnostics) -> Vec<Waiver> {
    let mut out: Vec<Waiver> = Vec::new();
    let Some(node) = root.get("waivers") else {
        return out;
    };
    let items = match &node.kind {
        NodeKind::Null => return out,
        NodeKind::Seq(items) => items,
        _ => {
            d.error(node.loc, "", "`waivers` is a list");
            return out;
        }
    };
    for item in items {
        if let Some(w) = decoded::<Waiver>(item, d) {
            add_waiver(w, item.loc, pack, &mut out, d);
        }
    }
    out
}

/// Adds a decoded waiver to `out` if it names a rule of the pack, says why and who approved
/// it, and is the first for its rule; else reports why not.
pub(crate) fn add_waiver(
    w: Waiver,
    loc: Loc,
    pack: &Pack,
    out: &mut Vec<Waiver>,
    d: &mut Diagnostics,
) {
    let subject = format!("waiver for rule `{}`", w.rule);
    if pack.rule(&w.rule).is_none() {
        let help = did_you_mean(&w.rule, pack.rules.iter().map(|r| r.id.as_str()));
        let dg = d.error(loc, &subject, "unknown rule");
        if let Some(h) = help {
            dg.help(h);
        }
        return;
    }
    if w.justification.trim().is_empty() || w.approved_by.trim().is_empty() {
        d.error(
            loc,
            &subject,
            "a waiver needs a justification and who approved it",
        );
        return;
    }
    if out.iter().any(|o| o.rule == w.rule) {
        d.error(loc, &subject, "a second waiver for the same rule");
        return;
    }
    out.push(w);
}

/// Warns about answers to questions their `ask_when` hides (places from `root` when given).
pub(crate) fn hidden_answers(facts: &Facts, pack: &Pack, root: Option<&Node>, d: &mut Diagnostics) {
    use crate::eval::{Env, Truth, truth};
    let qn = &pack.questionnaire;
    let answers_node = root.and_then(|r| r.get("answers"));
    let loc_of = |id: &str| {
        answers_node
            .and_then(|a| a.as_map())
            .and_then(|m| m.iter().find(|(k, _)| k.name == id))
            .map(|(k, _)| k.loc)
            .unwrap_or(Loc::UNKNOWN)
    };
    let env = Env::new(pack, facts);
    for (i, q) in qn.questions.iter().enumerate() {
        if q.group.is_some() || facts.answers.get(i).is_none_or(Option::is_none) {
            continue;
        }
        if let Some(c) = &q.ask_when
            && truth(c, &env) == Truth::False
        {
            d.warning(
                loc_of(&q.id),
                format!("question `{}`", q.id),
                format!(
                    "answered, but not asked given the other answers ({}); the answer is kept",
                    c.describe()
                ),
            );
        }
    }
    for (g, group) in qn.groups.iter().enumerate() {
        let Some(Some(items)) = facts.groups.get(g) else {
            continue;
        };
        if let Some(c) = &group.ask_when
            && truth(c, &env) == Truth::False
        {
            d.warning(
                loc_of(&group.id),
                format!("group `{}`", group.id),
                format!(
                    "answered, but not asked given the other answers ({}); the answers are kept",
                    c.describe()
                ),
            );
            continue;
        }
        for (i, item) in items.iter().enumerate() {
            let env = env.with_item(g, i);
            for m in &group.members {
                let Some(q) = qn.questions.get(*m) else {
                    continue;
                };
                if item.answers.get(q.pos).is_none_or(Option::is_none) {
                    continue;
                }
                if let Some(c) = &q.ask_when
                    && truth(c, &env) == Truth::False
                {
                    d.warning(loc_of(&group.id), format!("question `{}` of item {}", q.id, item.label), format!("answered, but not asked given the other answers ({}); the answer is kept", c.describe()));
                }
            }
        }
    }
}
