//! A fast, strict reader for facts files that are already valid — the batch's hot path.
//!
//! [`crate::facts::load_facts`] builds a located tree of the whole file before decoding it, so
//! that every problem can be reported with its line and column. That tree costs more than the
//! parse itself. This reader decodes answers straight from the parser into typed [`Facts`]
//! (a serde `DeserializeSeed` that carries the questionnaire), and only the small header
//! (pack, organisation, people, date, waivers) goes through the usual tree and checks.
//!
//! It is strict: on anything that is not plainly valid — an unknown or repeated key, a wrong
//! type, an option outside the list, a long-form answer, a blank group item, a breached limit
//! — it gives up and returns `None`, and the caller reads the file again with `load_facts`,
//! which reports every problem with its place. So it never has messages of its own, and for
//! every file it accepts it gives exactly what `load_facts` gives (tests/fast_facts.rs).

use crate::diag::Diagnostics;
use crate::facts::{
    Answer, AnswerState, DONT_KNOW_WORDS, Facts, Item, LoadedFacts, Organisation, PackRef, Person,
    Waiver, from_node, hidden_answers,
};
use crate::model::condition::parse_date;
use crate::model::{GIdx, Pack, QIdx, QType, Question, Value};
use crate::syntax::node::{self, Format, Key, Limits, Node, NodeKind, PlainNode};
use chrono::NaiveDate;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Decodes a valid facts file quickly; `None` means "read it with `load_facts`".
pub fn decode(text: &str, format: Format, pack: &Pack, limits: &Limits) -> Option<LoadedFacts> {
    // Limits far below the defaults are for load_facts to apply: the checks here assume that
    // a facts file's fixed shape (at most five levels, a few header entries) is within them.
    if text.len() > limits.max_file_bytes || limits.max_depth < 8 || limits.max_entries < 64 {
        return None;
    }
    let seed = FileSeed {
        pack,
        limits,
        // serde_json reads exactly the types asked for (a number is never a string), as the
        // located tree does; serde-saphyr reads a plain scalar as whatever type is asked for,
        // so YAML headers go through the tree.
        typed_header: format == Format::Json,
    };
    let parts = match format {
        Format::Json => {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let mut de = serde_json::Deserializer::from_str(text);
            let parts = seed.deserialize(&mut de).ok()?;
            de.end().ok()?;
            parts
        }
        Format::Yaml => serde_saphyr::with_deserializer_from_str_with_options(
            text,
            node::yaml_options(),
            |de| seed.deserialize(de),
        )
        .ok()?,
    };
    finish(parts, pack, limits)
}

/// What the reader collected before the final checks.
struct Parts {
    header: Header,
    answers: Vec<Option<Answer>>,
    groups: Vec<Option<Vec<Item>>>,
    /// Dates of past events, to compare with the assessment date once it is known.
    past_events: Vec<NaiveDate>,
}

/// The header (every top-level entry but `answers`): as a located tree, or decoded straight
/// into its types.
enum Header {
    Tree(Vec<(Key, Node)>),
    Typed(Box<TypedHeader>),
}

/// A header decoded into the types `from_node` decodes it into (the same `Deserialize`
/// impls), each key at most once.
#[derive(Default)]
struct TypedHeader {
    pack: Option<PackRef>,
    organisation: Option<Organisation>,
    prepared_by: Option<Person>,
    responsible_person: Option<Person>,
    assessment_date: Option<NaiveDate>,
    waivers: Option<Vec<Waiver>>,
    seen: u8,
}

impl TypedHeader {
    /// Reads the value of top-level `key`; an unknown or repeated key gives up.
    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let bit = match key {
            "pack" => 1,
            "organisation" => 2,
            "prepared_by" => 4,
            "responsible_person" => 8,
            "assessment_date" => 16,
            "waivers" => 32,
            _ => return Err(bail()),
        };
        if self.seen & bit != 0 {
            return Err(bail());
        }
        self.seen |= bit;
        match bit {
            1 => self.pack = map.next_value()?,
            2 => self.organisation = map.next_value()?,
            4 => self.prepared_by = map.next_value()?,
            8 => self.responsible_person = map.next_value()?,
            16 => {
                let text = map.next_value::<KeyStr<'de>>()?;
                self.assessment_date = Some(parse_date(&text.0).ok_or_else(bail)?);
            }
            _ => self.waivers = map.next_value()?,
        }
        Ok(())
    }

    /// Whether every text is within the string limit and the waivers within the entry limit
    /// (what `check_limits` checks on the tree; the depth is fixed and far below the limit).
    fn within(&self, limits: &Limits) -> bool {
        let short = |s: &str| s.len() <= limits.max_string_bytes;
        let short_opt = |s: &Option<String>| s.as_deref().is_none_or(short);
        let person = |p: &Option<Person>| {
            p.as_ref()
                .is_none_or(|p| short(&p.name) && short_opt(&p.title))
        };
        let pack_ok = self.pack.as_ref().is_none_or(|p| {
            short(&p.id) && short(&p.version) && short_opt(&p.questionnaire_digest)
        });
        let org_ok = self.organisation.as_ref().is_none_or(|o| {
            short(&o.name)
                && short_opt(&o.credit_code)
                && short_opt(&o.region_code)
                && short_opt(&o.industry)
                && o.contact.as_ref().is_none_or(|c| {
                    short_opt(&c.name) && short_opt(&c.phone) && short_opt(&c.email)
                })
        });
        let waivers_ok = self.waivers.as_ref().is_none_or(|ws| {
            ws.len() <= limits.max_entries
                && ws
                    .iter()
                    .all(|w| short(&w.rule) && short(&w.justification) && short(&w.approved_by))
        });
        pack_ok
            && org_ok
            && person(&self.prepared_by)
            && person(&self.responsible_person)
            && waivers_ok
    }

    /// The facts' header, checked as `from_node` checks it (errors give up; warnings are
    /// kept in `d`).
    fn facts(self, pack: &Pack, limits: &Limits, d: &mut Diagnostics) -> Option<Facts> {
        if !self.within(limits) {
            return None;
        }
        let TypedHeader {
            pack: Some(pack_ref),
            organisation: Some(organisation),
            prepared_by,
            responsible_person,
            assessment_date: Some(assessment_date),
            waivers,
            ..
        } = self
        else {
            return None;
        };
        let here = crate::diag::Loc::UNKNOWN;
        crate::facts::check_header(std::slice::from_ref(&pack_ref), &[here], pack, d)?;
        crate::facts::check_organisation(&organisation, None, d);
        let mut checked = Vec::new();
        for w in waivers.unwrap_or_default() {
            crate::facts::add_waiver(w, here, pack, &mut checked, d);
        }
        Some(Facts {
            pack: pack_ref.clone(),
            organisation,
            prepared_by,
            responsible_person,
            assessment_date,
            answers: Vec::new(),
            groups: Vec::new(),
            packs: vec![pack_ref.clone()],
            ignored_answers: Vec::new(),
            waivers: checked,
        })
    }
}

fn finish(parts: Parts, pack: &Pack, limits: &Limits) -> Option<LoadedFacts> {
    let mut d = Diagnostics::new("");
    let mut facts = match parts.header {
        Header::Typed(h) => h.facts(pack, limits, &mut d)?,
        Header::Tree(entries) => {
            let header = Node {
                kind: NodeKind::Map(entries),
                loc: crate::diag::Loc::UNKNOWN,
            };
            if !node::check_limits(&header, limits).is_empty() {
                return None;
            }
            from_node(&header, pack, &mut d)?
        }
    };
    if d.has_errors() || parts.past_events.iter().any(|p| *p > facts.assessment_date) {
        return None;
    }
    facts.answers = parts.answers;
    facts.groups = parts.groups;
    let mut warnings = Diagnostics::new("");
    hidden_answers(&facts, pack, None, &mut warnings);
    let mut all = d.into_vec();
    all.extend(warnings.into_vec());
    Some(LoadedFacts {
        facts,
        warnings: all,
    })
}

fn bail<E: de::Error>() -> E {
    E::custom("not plainly valid: read with load_facts")
}

/// A key as text, borrowed when the parser allows.
struct KeyStr<'de>(std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for KeyStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyStr(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyStr(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(KeyStr(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A scalar that the syntax itself makes text (`deserialize_any`, as in the located tree): a
/// YAML `true` or `12` is not text here, exactly as it is not in `load_facts`.
struct TextScalar<'de>(std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for TextScalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TextScalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TextScalar(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TextScalar(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(TextScalar(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_any(V)
    }
}

struct FileSeed<'a> {
    pack: &'a Pack,
    limits: &'a Limits,
    /// Decode the header straight into its types ([`TypedHeader`]) instead of a tree.
    typed_header: bool,
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = Parts;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parts, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = Parts;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a facts file")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts, A::Error> {
        let qn = &self.pack.questionnaire;
        let mut parts = Parts {
            header: if self.typed_header {
                Header::Typed(Box::default())
            } else {
                Header::Tree(Vec::new())
            },
            answers: std::iter::repeat_with(|| None)
                .take(qn.questions.len())
                .collect(),
            groups: vec![None; qn.groups.len()],
            past_events: Vec::new(),
        };
        let mut seen_answers = false;
        while let Some(key) = map.next_key::<KeyStr<'de>>()? {
            if key.0 == "answers" {
                if seen_answers {
                    return Err(bail());
                }
                seen_answers = true;
                map.next_value_seed(AnswersSeed {
                    pack: self.pack,
                    limits: self.limits,
                    parts: &mut parts,
                })?;
            } else {
                match &mut parts.header {
                    Header::Typed(h) => h.read(&key.0, &mut map)?,
                    Header::Tree(header) => {
                        // A facts file has seven top-level keys; more is for load_facts to
                        // report (and keeps this duplicate check from growing with hostile
                        // input).
                        if header.len() >= 8 || header.iter().any(|(k, _)| k.name == key.0) {
                            return Err(bail());
                        }
                        let value = map.next_value::<PlainNode>()?.0;
                        header.push((
                            Key {
                                name: key.0.into_owned(),
                                loc: crate::diag::Loc::UNKNOWN,
                            },
                            value,
                        ));
                    }
                }
            }
        }
        Ok(parts)
    }
}

struct AnswersSeed<'a, 'p> {
    pack: &'a Pack,
    limits: &'a Limits,
    parts: &'p mut Parts,
}

impl<'de> DeserializeSeed<'de> for AnswersSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnswersSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("answers")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let qn = &self.pack.questionnaire;
        let mut seen = vec![false; qn.questions.len() + qn.groups.len()];
        while let Some(key) = map.next_key::<KeyStr<'de>>()? {
            if let Some(q) = qn
                .question(&key.0)
                .filter(|q| qn.questions.get(*q).is_some_and(|x| x.group.is_none()))
            {
                let question = qn.questions.get(q).ok_or_else(bail)?;
                if std::mem::replace(seen.get_mut(q).ok_or_else(bail)?, true) {
                    return Err(bail());
                }
                let a = map.next_value_seed(AnswerSeed {
                    q: question,
                    limits: self.limits,
                    past_events: &mut self.parts.past_events,
                })?;
                *self.parts.answers.get_mut(q).ok_or_else(bail)? = a;
            } else if let Some(g) = qn.group(&key.0) {
                if std::mem::replace(seen.get_mut(qn.questions.len() + g).ok_or_else(bail)?, true) {
                    return Err(bail());
                }
                let items = map.next_value_seed(GroupSeed {
                    pack: self.pack,
                    g,
                    limits: self.limits,
                    past_events: &mut self.parts.past_events,
                })?;
                *self.parts.groups.get_mut(g).ok_or_else(bail)? = items;
            } else {
                return Err(bail());
            }
        }
        Ok(())
    }
}

struct GroupSeed<'a, 'p> {
    pack: &'a Pack,
    g: GIdx,
    limits: &'a Limits,
    past_events: &'p mut Vec<NaiveDate>,
}

impl<'de> DeserializeSeed<'de> for GroupSeed<'_, '_> {
    type Value = Option<Vec<Item>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for GroupSeed<'_, '_> {
    type Value = Option<Vec<Item>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("group items")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let qn = &self.pack.questionnaire;
        let mut items = Vec::new();
        while let Some(answers) = seq.next_element_seed(ItemSeed {
            pack: self.pack,
            g: self.g,
            limits: self.limits,
            past_events: self.past_events,
        })? {
            if items.len() >= self.limits.max_entries {
                return Err(bail());
            }
            // A blank item has rules of its own (left out, with a warning): leave it to load_facts.
            if answers.iter().all(Option::is_none) {
                return Err(bail());
            }
            let label = crate::facts::item_label(qn, self.g, &answers, items.len() + 1);
            items.push(Item { answers, label });
        }
        Ok(Some(items))
    }
}

struct ItemSeed<'a, 'p> {
    pack: &'a Pack,
    g: GIdx,
    limits: &'a Limits,
    past_events: &'p mut Vec<NaiveDate>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_, '_> {
    type Value = Vec<Option<Answer>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_, '_> {
    type Value = Vec<Option<Answer>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a group item")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let qn = &self.pack.questionnaire;
        let n = qn
            .groups
            .get(self.g)
            .map(|g| g.members.len())
            .ok_or_else(bail)?;
        let mut answers: Vec<Option<Answer>> = std::iter::repeat_with(|| None).take(n).collect();
        let mut seen = vec![false; n];
        while let Some(key) = map.next_key::<KeyStr<'de>>()? {
            let q: QIdx = qn.member(self.g, &key.0).ok_or_else(bail)?;
            let question = qn.questions.get(q).ok_or_else(bail)?;
            if std::mem::replace(seen.get_mut(question.pos).ok_or_else(bail)?, true) {
                return Err(bail());
            }
            let a = map.next_value_seed(AnswerSeed {
                q: question,
                limits: self.limits,
                past_events: self.past_events,
            })?;
            *answers.get_mut(question.pos).ok_or_else(bail)? = a;
        }
        Ok(answers)
    }
}

/// One answer, typed by its question exactly as `load_facts` types it.
struct AnswerSeed<'a, 'p> {
    q: &'a Question,
    limits: &'a Limits,
    past_events: &'p mut Vec<NaiveDate>,
}

impl<'de> DeserializeSeed<'de> for AnswerSeed<'_, '_> {
    type Value = Option<Answer>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn plain(v: Value) -> Option<Answer> {
    Some(Answer {
        state: AnswerState::Value(v),
        remark: None,
        evidence: Vec::new(),
    })
}

impl AnswerSeed<'_, '_> {
    fn in_range<E: de::Error>(&self, x: f64) -> Result<(), E> {
        if self.q.min.is_some_and(|m| x < m) || self.q.max.is_some_and(|m| x > m) {
            return Err(bail());
        }
        Ok(())
    }

    fn int<E: de::Error>(&self, i: i64) -> Result<Option<Answer>, E> {
        match self.q.qtype {
            QType::Integer => {
                self.in_range(i as f64)?;
                Ok(plain(Value::Int(i)))
            }
            QType::Decimal => {
                self.in_range(i as f64)?;
                Ok(plain(Value::Decimal(i as f64)))
            }
            _ => Err(bail()),
        }
    }

    fn option(&self, s: &str) -> Option<usize> {
        self.q.option_index(s.trim())
    }
}

impl<'de> Visitor<'de> for AnswerSeed<'_, '_> {
    type Value = Option<Answer>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an answer")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        match self.q.qtype {
            QType::YesNo => Ok(plain(Value::Bool(v))),
            _ => Err(bail()),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.int(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.int(i64::try_from(v).map_err(|_| bail())?)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        match self.q.qtype {
            QType::Integer if v.fract() == 0.0 && v.abs() < 9.0e15 => self.int(v as i64),
            QType::Decimal if v.is_finite() => {
                self.in_range(v)?;
                Ok(plain(Value::Decimal(v)))
            }
            _ => Err(bail()),
        }
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        if s.len() > self.limits.max_string_bytes {
            return Err(bail());
        }
        let t = s.trim();
        if DONT_KNOW_WORDS.contains(&t) {
            return Ok(Some(Answer {
                state: AnswerState::DontKnow,
                remark: None,
                evidence: Vec::new(),
            }));
        }
        match self.q.qtype {
            QType::YesNo => match t {
                "是" | "true" | "True" | "TRUE" => Ok(plain(Value::Bool(true))),
                "否" | "false" | "False" | "FALSE" => Ok(plain(Value::Bool(false))),
                _ => Err(bail()),
            },
            QType::SingleChoice => self
                .option(s)
                .map(|i| plain(Value::Choice(i)))
                .ok_or_else(bail),
            QType::Integer => self.int(t.parse::<i64>().map_err(|_| bail())?),
            QType::Decimal => {
                let x = t
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(bail)?;
                self.in_range(x)?;
                Ok(plain(Value::Decimal(x)))
            }
            QType::Date => {
                let d = parse_date(s).ok_or_else(bail)?;
                if self.q.past_event {
                    self.past_events.push(d);
                }
                Ok(plain(Value::Date(d)))
            }
            QType::Text if t.is_empty() => Ok(None),
            QType::Text => Ok(plain(Value::Text(s.to_string()))),
            QType::MultipleChoice => Err(bail()),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if self.q.qtype != QType::MultipleChoice {
            return Err(bail());
        }
        let mut mask = 0u64;
        while let Some(id) = seq.next_element::<TextScalar<'de>>()? {
            let i = self.option(&id.0).ok_or_else(bail)?;
            let bit = u32::try_from(i)
                .ok()
                .and_then(|i| 1u64.checked_shl(i))
                .ok_or_else(bail)?;
            if mask & bit != 0 {
                return Err(bail());
            }
            mask |= bit;
        }
        let exclusive = self.q.options.iter().enumerate().any(|(i, o)| {
            o.exclusive
                && u32::try_from(i)
                    .ok()
                    .and_then(|i| 1u64.checked_shl(i))
                    .is_some_and(|b| mask & b != 0)
        });
        if exclusive && mask.count_ones() > 1 {
            return Err(bail());
        }
        Ok(plain(Value::Choices(mask)))
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<Self::Value, A::Error> {
        // The long form (value, remark, evidence) is rare in bulk: load_facts reads it.
        Err(bail())
    }
}
