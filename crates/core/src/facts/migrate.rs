//! Migrate: carry a facts file's answers over to a new version of its pack.
//!
//! The answers are read against the OLD pack (the one they were given for; `load_facts` refuses
//! them for another version whose questionnaire differs). A question is *unchanged* when the
//! new pack has a question with the same id, type, options (ids and exclusivity, in order),
//! Chinese label, range and `past_event`; its answer (with remark and evidence) is kept. Every
//! other question of the new pack is listed to be answered: new ones, and changed ones whose old
//! answer is dropped. Group items keep their unchanged members' answers. Waivers for rules the
//! new pack still has are kept. The result is checked against the new pack before it is written.
//!
//! Without the old pack, [`migrate_declared`] uses the migration map the new pack declares for
//! the answers' version (`migrations/from-<version>.yaml`, read by `migration_map`): each
//! answer is kept, mapped (old option → new option; one question split into several) or
//! asked again (written `null` with a comment). Questions the map does not name keep their
//! answer when their id is unchanged; an answer the new pack refuses is asked again too. The
//! map may move an old group's items into another group (`groups:`, members asked again with
//! `ask`) and give one top-level answer to every item of a group (`each`, fan-out: written only
//! in items that ask the member; an answer the map does not carry is asked again in each item).

use crate::facts::{Facts, load_facts};
use crate::model::{Pack, QType, Question};
use crate::text::Text;
use serde::Serialize;
use serde_json::{Map, Value as J};

/// Why a question of the new pack needs an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Not in the old pack.
    New,
    /// In the old pack, but its type, options, label, range or `past_event` changed; the old
    /// answer was dropped.
    Changed,
    /// Unchanged, but it was not answered (or answered 不清楚) before.
    Unanswered,
}

/// A question to answer in the migrated file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToAnswer {
    /// Question id.
    pub id: String,
    /// Label.
    pub label: Text,
    /// Why.
    pub why: Why,
    /// For a changed question: what changed.
    pub what: Vec<&'static str>,
}

/// The result of a migration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Migration {
    /// The new facts, in canonical JSON form.
    pub facts: J,
    /// Answers carried over.
    pub kept: usize,
    /// Questions to answer (new or changed; unanswered ones too).
    pub to_answer: Vec<ToAnswer>,
    /// Questions of the old pack that the new one no longer asks (their answers dropped).
    pub dropped: Vec<String>,
    /// Waivers dropped because their rule is gone.
    pub dropped_waivers: Vec<String>,
}

/// What differs between two versions of a question (empty: unchanged).
pub fn question_changes(old: &Question, new: &Question) -> Vec<&'static str> {
    let mut what = Vec::new();
    if old.qtype != new.qtype {
        what.push("type");
    }
    let opts = |q: &Question| -> Vec<(String, bool)> {
        q.options
            .iter()
            .map(|o| (o.id.clone(), o.exclusive))
            .collect()
    };
    if opts(old) != opts(new) {
        what.push("options");
    }
    if old.label.zh != new.label.zh {
        what.push("label");
    }
    if old.min != new.min || old.max != new.max {
        what.push("range");
    }
    if old.past_event != new.past_event {
        what.push("past_event");
    }
    if old.qtype == QType::Date && new.qtype == QType::Date && !date_precision_compatible(old, new)
    {
        what.push("precision");
    }
    what
}

fn old_question<'p>(old: &'p Pack, id: &str) -> Option<&'p Question> {
    let qn = &old.questionnaire;
    qn.question(id).and_then(|i| qn.questions.get(i))
}

/// Carries `facts` (valid for `old`) over to `new`.
pub fn migrate(old: &Pack, facts: &Facts, new: &Pack) -> Migration {
    let canonical = crate::facts::write::facts_json(old, facts);
    let old_answers = canonical
        .get("answers")
        .and_then(J::as_object)
        .cloned()
        .unwrap_or_default();
    let nq = &new.questionnaire;
    let mut answers = Map::new();
    let mut kept = 0;
    let mut to_answer = Vec::new();
    let mut note = |q: &Question, why: Why, what: Vec<&'static str>| {
        to_answer.push(ToAnswer {
            id: q.id.clone(),
            label: q.label.clone(),
            why,
            what,
        });
    };
    let is_dont_know = |v: &J| {
        v.as_str().is_some_and(|s| s == "不清楚")
            || v.get("dont_know").and_then(J::as_bool) == Some(true)
    };
    for entry in &nq.order {
        match entry {
            crate::model::Entry::Question(i) => {
                let Some(q) = nq.questions.get(*i) else {
                    continue;
                };
                match old_question(old, &q.id) {
                    None => note(q, Why::New, Vec::new()),
                    Some(oq) => {
                        let what = question_changes(oq, q);
                        if !what.is_empty() {
                            note(q, Why::Changed, what);
                        } else if let Some(v) = old_answers.get(&q.id) {
                            if is_dont_know(v) {
                                note(q, Why::Unanswered, Vec::new());
                            }
                            answers.insert(q.id.clone(), v.clone());
                            kept += 1;
                        } else {
                            note(q, Why::Unanswered, Vec::new());
                        }
                    }
                }
            }
            crate::model::Entry::Group(g) => {
                let Some(group) = nq.groups.get(*g) else {
                    continue;
                };
                let old_group = old.questionnaire.group(&group.id);
                let mut carry: Vec<&str> = Vec::new();
                for m in &group.members {
                    let Some(q) = nq.questions.get(*m) else {
                        continue;
                    };
                    match (old_group, old_question(old, &q.id)) {
                        (Some(_), Some(oq)) => {
                            let what = question_changes(oq, q);
                            if what.is_empty() {
                                carry.push(q.local_id.as_str());
                            } else {
                                note(q, Why::Changed, what);
                            }
                        }
                        _ => note(q, Why::New, Vec::new()),
                    }
                }
                match old_answers.get(&group.id).and_then(J::as_array) {
                    Some(items) if old_group.is_some() => {
                        let items: Vec<J> = items
                            .iter()
                            .map(|item| {
                                let mut m = Map::new();
                                if let Some(obj) = item.as_object() {
                                    for (k, v) in obj {
                                        if carry.contains(&k.as_str()) {
                                            m.insert(k.clone(), v.clone());
                                            kept += 1;
                                        }
                                    }
                                }
                                J::Object(m)
                            })
                            .filter(|m| m.as_object().is_some_and(|m| !m.is_empty()))
                            .collect();
                        answers.insert(group.id.clone(), J::Array(items));
                    }
                    _ => {}
                }
            }
        }
    }
    let mut dropped: Vec<String> = old
        .questionnaire
        .questions
        .iter()
        .filter(|q| nq.question(&q.id).is_none())
        .filter(|q| match q.group {
            None => old_answers.contains_key(&q.id),
            Some(g) => old
                .questionnaire
                .groups
                .get(g)
                .is_some_and(|g| old_answers.contains_key(&g.id)),
        })
        .map(|q| q.id.clone())
        .collect();
    dropped.sort();
    let (root, dropped_waivers) = carried_document(&canonical, new, answers);
    // The canonical form leaves the submission key out (it is no answer); the organisation's
    // file keeps it, as the declared path keeps everything of the old file but its answers.
    let mut doc = J::Object(root);
    crate::facts::write::add_submission(&mut doc, facts);
    Migration {
        facts: doc,
        kept,
        to_answer,
        dropped,
        dropped_waivers,
    }
}

/// The migrated facts as a YAML file: a header comment listing what to answer, then the facts.
pub fn yaml(m: &Migration) -> String {
    let mut out = String::new();
    out.push_str(
        "# hegui migrate: 已沿用未变化问题的答案 / answers to unchanged questions carried over\n",
    );
    let changed: Vec<&ToAnswer> = m
        .to_answer
        .iter()
        .filter(|t| t.why != Why::Unanswered)
        .collect();
    if changed.is_empty() {
        out.push_str("# 没有新增或变更的问题 / no new or changed questions\n");
    } else {
        out.push_str("# 请回答以下新增或变更的问题 / answer these new or changed questions:\n");
        for t in changed {
            let why = match t.why {
                Why::New => "新增 new".to_string(),
                _ => format!("已变更 changed: {}", t.what.join(", ")),
            };
            out.push_str(&format!(
                "#   {} ({why}) {} / {}\n",
                t.id,
                t.label.zh.replace('\n', " "),
                t.label.en.replace('\n', " ")
            ));
        }
    }
    out.push_str(&crate::facts::write::yaml_from_json(&m.facts));
    out
}

/// Migrates and checks the result loads against the new pack. `name` names the output in
/// messages.
pub fn migrate_checked(
    old: &Pack,
    facts: &Facts,
    new: &Pack,
    name: &str,
) -> Result<(Migration, String), Vec<crate::diag::Diagnostic>> {
    let m = migrate(old, facts, new);
    let text = if name.to_ascii_lowercase().ends_with(".json") {
        let mut s = serde_json::to_string_pretty(&m.facts).unwrap_or_default();
        s.push('\n');
        s
    } else {
        yaml(&m)
    };
    load_facts(name, &text, new)?;
    Ok((m, text))
}

// ---- Migration with the map a pack declares (no old pack needed) ----

/// What became of an answer in a declared migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Carried as it was.
    Kept,
    /// Carried through the map (old option → new option, or into a split question).
    Mapped,
    /// Not carried: the question is asked again (its meaning changed, an option is not
    /// mapped, or the answer does not fit the new question).
    Reasked,
}

/// What became of the answers to one question of the new version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuestionFate {
    /// The new question's id.
    pub id: String,
    /// The old question its answer came from.
    pub from: String,
    /// Its label.
    pub label: Text,
    /// Kept, mapped or re-asked.
    pub fate: Fate,
    /// How many answers (one per item for a group member).
    pub answers: usize,
    /// Why it is asked again (re-asked only).
    pub why: Option<Text>,
}

/// The result of a declared migration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Declared {
    /// The new facts, in canonical JSON form (re-asked answers are `null`).
    pub facts: J,
    /// The version the answers were given for.
    pub from: String,
    /// The version they are carried to.
    pub to: String,
    /// Answers kept as they were.
    pub kept: usize,
    /// Answers carried through the map.
    pub mapped: usize,
    /// Answers not carried (asked again).
    pub reasked: usize,
    /// Per question of the new version that had an old answer, in questionnaire order.
    pub questions: Vec<QuestionFate>,
    /// Old answers to questions the new version no longer asks.
    pub dropped: Vec<String>,
    /// Waivers dropped because their rule is gone.
    pub dropped_waivers: Vec<String>,
    /// Per old top-level answer given to the items of a group (`each`): how many items took
    /// it. None means the group has no item to take it (or none that asks the member).
    pub fan_out: Vec<FanOut>,
}

/// One old top-level answer given to every item of one group (`each` in the map).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FanOut {
    /// The old question.
    pub from: String,
    /// The new group member it went to.
    pub to: String,
    /// How many items took it (answer or re-asked); 0: no item to carry it to.
    pub items: usize,
}

/// Why a declared migration cannot start.
#[derive(Clone, Debug, PartialEq)]
pub enum DeclaredError {
    /// The file has no `pack: {id, version}` header.
    NoHeader,
    /// The answers are for another pack.
    OtherPack(String),
    /// The answers are already for this version.
    SameVersion(String),
    /// The pack declares no migration from that version.
    NoMap(String),
    /// The file's questionnaire digest is not the one the map declares for that version.
    DigestMismatch {
        /// The version.
        version: String,
        /// The file's digest.
        found: String,
        /// The map's.
        expected: String,
    },
    /// The migrated answers do not load against the new pack.
    Invalid(Vec<crate::diag::Diagnostic>),
}

impl std::fmt::Display for DeclaredError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeclaredError::NoHeader => write!(
                f,
                "答卷缺少 pack: {{id, version}} / the answers have no `pack: {{id, version}}` header"
            ),
            DeclaredError::OtherPack(id) => write!(
                f,
                "答卷针对另一个规则包 `{id}` / the answers are for another pack, `{id}`"
            ),
            DeclaredError::SameVersion(v) => write!(
                f,
                "答卷已针对规则包 {v}，无需迁移 / the answers are already for pack {v}: nothing to migrate"
            ),
            DeclaredError::NoMap(v) => write!(
                f,
                "规则包未声明从 {v} 迁移的映射：请用 --from 指定旧规则包 / the pack declares no migration from {v}: name the old pack with --from"
            ),
            DeclaredError::DigestMismatch {
                version,
                found,
                expected,
            } => write!(
                f,
                "答卷的问卷摘要 `{found}` 不是规则包 {version} 的问卷摘要 `{expected}`(可能来自修改过的规则包) / the answers' questionnaire digest `{found}` is not that of pack {version}, `{expected}` (made from a modified copy?)"
            ),
            DeclaredError::Invalid(_) => write!(
                f,
                "迁移结果未通过新规则包的校验 / the migrated answers do not validate against the new pack"
            ),
        }
    }
}

fn is_dont_know(v: &J) -> bool {
    v.as_str()
        .is_some_and(|s| crate::facts::DONT_KNOW_WORDS.contains(&s.trim()))
        || v.get("dont_know").and_then(J::as_bool) == Some(true)
}

/// An answer carried to `q` as `carry` says: the new answer, or why it is asked again.
fn carry_answer(
    carry: &crate::model::migration::Carry,
    v: &J,
    q: &Question,
) -> Result<(J, Fate), Text> {
    use crate::model::migration::Carry;
    let pairs = match carry {
        Carry::Carry => return Ok((v.clone(), Fate::Kept)),
        Carry::Reask => {
            return Err(Text::new(
                "问题含义已变更",
                "the question's meaning changed",
            ));
        }
        Carry::Map(pairs) => pairs,
    };
    if is_dont_know(v) {
        return Ok((v.clone(), Fate::Kept));
    }
    let (inner, long) = match v.as_object() {
        Some(o) if o.contains_key("value") => (o.get("value").cloned().unwrap_or(J::Null), true),
        _ => (v.clone(), false),
    };
    let one = |x: &J| -> Result<J, Text> {
        let key = match x {
            J::Bool(b) => b.to_string(),
            J::String(s) => s.trim().to_string(),
            other => other.to_string(),
        };
        let key = match key.as_str() {
            "是" => "true".to_string(),
            "否" => "false".to_string(),
            _ => key,
        };
        match pairs.iter().find(|(old, _)| *old == key) {
            Some((_, new)) if q.qtype == QType::YesNo => Ok(J::Bool(new == "true")),
            Some((_, new)) => Ok(J::String(new.clone())),
            None => Err(Text::new(
                format!("旧选项 `{key}` 未在迁移映射中"),
                format!("old option `{key}` is not in the migration map"),
            )),
        }
    };
    let mapped = match &inner {
        J::Array(items) if q.qtype == QType::MultipleChoice => {
            let mut out: Vec<J> = Vec::new();
            for x in items {
                let m = one(x)?;
                if !out.contains(&m) {
                    out.push(m);
                }
            }
            J::Array(out)
        }
        J::Array(_) => {
            return Err(Text::new(
                "多选答案不能映射为单一答案",
                "a list of options cannot become a single answer",
            ));
        }
        x if q.qtype == QType::MultipleChoice => J::Array(vec![one(x)?]),
        x => one(x)?,
    };
    let fate = if mapped == inner {
        Fate::Kept
    } else {
        Fate::Mapped
    };
    let out = if long {
        let mut o = v.as_object().cloned().unwrap_or_default();
        o.insert("value".into(), mapped);
        J::Object(o)
    } else {
        mapped
    };
    Ok((out, fate))
}

/// [`carry_answer`] for an entry of the map: an answer that moves to another question (a
/// split) is always `mapped`, and one asked again after a split says so.
fn carried(
    old_id: &str,
    t: &crate::model::migration::Target,
    v: &J,
    q: &Question,
) -> Result<(J, Fate), Text> {
    if t.new_id == old_id {
        return carry_answer(&t.carry, v, q);
    }
    match carry_answer(&t.carry, v, q) {
        Ok((v, _)) => Ok((v, Fate::Mapped)),
        Err(_) if t.carry == crate::model::migration::Carry::Reask => Err(Text::new(
            format!("由 `{old_id}` 拆分而来，需单独回答"),
            format!("split from `{old_id}`: answer it on its own"),
        )),
        Err(e) => Err(e),
    }
}

/// Whether a date answer valid for `old` stays valid for `new`: widening a date question's
/// precision (a year or a month accepted where only a full date was) is not a change of the
/// question, so its answers carry; narrowing it (a full date needed where a month was enough)
/// is, since a month answer no longer fits.
pub fn date_precision_compatible(old: &Question, new: &Question) -> bool {
    old.qtype == QType::Date && new.qtype == QType::Date && new.precision >= old.precision
}

/// A per-question tally while migrating.
struct Tally {
    fates: Vec<QuestionFate>,
}

impl Tally {
    fn note(&mut self, q: &Question, from: &str, r: &Result<(J, Fate), Text>) {
        let (fate, why) = match r {
            Ok((_, f)) => (*f, None),
            Err(t) => (Fate::Reasked, Some(t.clone())),
        };
        if let Some(f) = self
            .fates
            .iter_mut()
            .find(|f| f.id == q.id && f.fate == fate && f.why == why)
        {
            f.answers += 1;
            return;
        }
        self.fates.push(QuestionFate {
            id: q.id.clone(),
            from: from.to_string(),
            label: q.label.clone(),
            fate,
            answers: 1,
            why,
        });
    }
}

/// Carries the answers of `old` (a facts document, as JSON) to `new` with the migration map
/// `new` declares for the answers' version. Nothing is checked against the new pack here; see
/// [`migrate_declared_checked`].
pub fn migrate_declared(old: &J, new: &Pack) -> Result<Declared, DeclaredError> {
    let header = old.get("pack").ok_or(DeclaredError::NoHeader)?;
    let id = header
        .get("id")
        .and_then(J::as_str)
        .ok_or(DeclaredError::NoHeader)?;
    let version = match header.get("version") {
        Some(J::String(s)) => s.clone(),
        Some(J::Number(n)) => n.to_string(),
        _ => return Err(DeclaredError::NoHeader),
    };
    if id != new.meta.id {
        return Err(DeclaredError::OtherPack(id.to_string()));
    }
    if version == new.meta.version {
        return Err(DeclaredError::SameVersion(version));
    }
    let map = new
        .migration_from(&version)
        .ok_or_else(|| DeclaredError::NoMap(version.clone()))?;
    if let (Some(expected), Some(found)) = (
        &map.questionnaire_digest,
        header.get("questionnaire_digest").and_then(J::as_str),
    ) && expected != found
    {
        return Err(DeclaredError::DigestMismatch {
            version,
            found: found.to_string(),
            expected: expected.clone(),
        });
    }
    let old_answers = old
        .get("answers")
        .and_then(J::as_object)
        .cloned()
        .unwrap_or_default();
    let nq = &new.questionnaire;
    let mut answers = Map::new();
    let mut tally = Tally { fates: Vec::new() };
    let present = |v: Option<&J>| v.filter(|v| !v.is_null()).cloned();
    // (old question, new member) -> items that took a fanned-out answer.
    let mut fanned: std::collections::BTreeMap<(String, String), usize> =
        std::collections::BTreeMap::new();
    for entry in &nq.order {
        match entry {
            crate::model::Entry::Question(i) => {
                let Some(q) = nq.questions.get(*i) else {
                    continue;
                };
                let Some((from, r)) = carry_one(map, q, |id| present(old_answers.get(id))) else {
                    continue;
                };
                tally.note(q, &from, &r);
                answers.insert(q.id.clone(), r.map(|x| x.0).unwrap_or(J::Null));
            }
            crate::model::Entry::Group(g) => {
                let Some(group) = nq.groups.get(*g) else {
                    continue;
                };
                // Items come from the old group of the same id (unless the map moves it away)
                // and from the old groups the map moves into this one, in that order.
                let sources: Vec<(&str, &Vec<J>)> = map
                    .groups_into(&group.id)
                    .into_iter()
                    .filter_map(|sg| {
                        old_answers
                            .get(sg)
                            .and_then(J::as_array)
                            .map(|items| (sg, items))
                    })
                    .collect();
                if sources.is_empty() {
                    continue;
                }
                let mut out = Vec::new();
                for (sg, items) in sources {
                    let ask: &[String] = map
                        .groups
                        .iter()
                        .find(|m| m.old == sg)
                        .map_or(&[], |m| m.ask.as_slice());
                    for item in items {
                        let Some(obj) = item.as_object() else {
                            continue;
                        };
                        let mut m = Map::new();
                        for member in &group.members {
                            let Some(q) = nq.questions.get(*member) else {
                                continue;
                            };
                            let r = if ask.contains(&q.local_id) {
                                let why = if sg == group.id {
                                    Text::new(
                                        format!("组 `{sg}` 新增的问题，请为每一条目回答"),
                                        format!("new in group `{sg}`: answer it for each item"),
                                    )
                                } else {
                                    Text::new(
                                        format!("条目由组 `{sg}` 移入，需重新回答"),
                                        format!(
                                            "the item moved from group `{sg}`: answer it again"
                                        ),
                                    )
                                };
                                Some((format!("{sg}[*].{}", q.local_id), Err(why)))
                            } else {
                                carry_member(map, q, sg, obj, |id| present(old_answers.get(id)))
                            };
                            let Some((from, r)) = r else {
                                continue;
                            };
                            if let Some((e, _)) = map.each_target(&q.id) {
                                *fanned.entry((e.old_id.clone(), q.id.clone())).or_insert(0) += 1;
                            }
                            tally.note(q, &from, &r);
                            m.insert(q.local_id.clone(), r.map(|x| x.0).unwrap_or(J::Null));
                        }
                        out.push(J::Object(m));
                    }
                }
                answers.insert(group.id.clone(), J::Array(out));
            }
        }
    }
    // Old answers nothing carries: to questions the new version no longer has, or to a
    // question that now takes its answer from another old question (a split into it).
    let mut dropped: Vec<String> = old_answers
        .iter()
        .filter(|(k, v)| {
            !v.is_null()
                && !map.names_old(k)
                && !map.groups.iter().any(|g| g.old == **k)
                && match map.target(k) {
                    Some((e, _)) => e.old_id != **k,
                    None => nq.question(k).is_none() && nq.group(k).is_none(),
                }
        })
        .map(|(k, _)| k.clone())
        .collect();
    dropped.sort();
    // Every fanned-out old answer, with how many items took it (0: none to take it).
    let mut fan_out = Vec::new();
    for e in map.entries.iter().filter(|e| e.each) {
        if present(old_answers.get(&e.old_id)).is_none() {
            continue;
        }
        for t in &e.targets {
            fan_out.push(FanOut {
                from: e.old_id.clone(),
                to: t.new_id.clone(),
                items: fanned
                    .get(&(e.old_id.clone(), t.new_id.clone()))
                    .copied()
                    .unwrap_or(0),
            });
        }
    }
    let (root, dropped_waivers) = carried_document(old, new, answers);
    let mut d = Declared {
        facts: J::Object(root),
        from: version,
        to: new.meta.version.clone(),
        kept: 0,
        mapped: 0,
        reasked: 0,
        questions: tally.fates,
        dropped,
        dropped_waivers,
        fan_out,
    };
    d.count();
    Ok(d)
}

impl Declared {
    fn count(&mut self) {
        let n = |f: Fate| -> usize {
            self.questions
                .iter()
                .filter(|q| q.fate == f)
                .map(|q| q.answers)
                .sum()
        };
        (self.kept, self.mapped, self.reasked) = (n(Fate::Kept), n(Fate::Mapped), n(Fate::Reasked));
    }

    /// Removes fanned-out answers (`each`) from items that do not ask the member (its
    /// `ask_when` is false for the item), so that a one-for-all answer lands only where the
    /// question is asked. Whether anything was removed.
    fn drop_hidden_fan_out(&mut self, new: &Pack, facts: &Facts) -> bool {
        use crate::eval::{Env, Truth, truth};
        let Some(map) = new.migration_from(&self.from) else {
            return false;
        };
        let qn = &new.questionnaire;
        let env = Env::new(new, facts);
        let mut hidden: Vec<(String, usize, String, String)> = Vec::new();
        for e in map.entries.iter().filter(|e| e.each) {
            for t in &e.targets {
                let Some(q) = qn.question(&t.new_id).and_then(|i| qn.questions.get(i)) else {
                    continue;
                };
                let (Some(g), Some(c)) = (q.group, &q.ask_when) else {
                    continue;
                };
                let Some(Some(items)) = facts.groups.get(g) else {
                    continue;
                };
                let gid = qn.groups.get(g).map(|g| g.id.clone()).unwrap_or_default();
                let written = |i: usize| {
                    self.facts
                        .pointer(&format!("/answers/{gid}/{i}"))
                        .and_then(J::as_object)
                        .is_some_and(|o| o.contains_key(&q.local_id))
                };
                for i in 0..items.len() {
                    if written(i) && truth(c, &env.with_item(g, i)) == Truth::False {
                        hidden.push((gid.clone(), i, q.local_id.clone(), e.old_id.clone()));
                    }
                }
            }
        }
        let mut removed = false;
        if let Some(answers) = self.facts.get_mut("answers").and_then(J::as_object_mut) {
            for (g, i, local, old) in &hidden {
                if let Some(obj) = answers
                    .get_mut(g)
                    .and_then(J::as_array_mut)
                    .and_then(|items| items.get_mut(*i))
                    .and_then(J::as_object_mut)
                    && obj.remove(local).is_some()
                {
                    removed = true;
                    let id = format!("{g}[*].{local}");
                    if let Some(f) = self
                        .questions
                        .iter_mut()
                        .find(|f| f.id == id && f.from == *old && f.answers > 0)
                    {
                        f.answers -= 1;
                    }
                    if let Some(f) = self
                        .fan_out
                        .iter_mut()
                        .find(|f| f.from == *old && f.to == id && f.items > 0)
                    {
                        f.items -= 1;
                    }
                }
            }
        }
        if removed {
            self.questions.retain(|f| f.answers > 0);
            self.count();
        }
        removed
    }

    /// Asks question `id` again (its carried answer does not fit the new question).
    fn reask(&mut self, id: &str, why: &Text) -> bool {
        let mut changed = false;
        if let Some(answers) = self.facts.get_mut("answers").and_then(J::as_object_mut) {
            match id.split_once("[*].") {
                None => {
                    if let Some(v) = answers.get_mut(id)
                        && !v.is_null()
                    {
                        *v = J::Null;
                        changed = true;
                    }
                }
                Some((g, local)) => {
                    if let Some(items) = answers.get_mut(g).and_then(J::as_array_mut) {
                        for item in items {
                            if let Some(v) = item.get_mut(local)
                                && !v.is_null()
                            {
                                *v = J::Null;
                                changed = true;
                            }
                        }
                    }
                }
            }
        }
        if changed {
            for f in self.questions.iter_mut().filter(|f| f.id == id) {
                f.fate = Fate::Reasked;
                f.why = Some(why.clone());
            }
            self.count();
        }
        changed
    }
}

/// The declared migration as a YAML file: a header comment with the counts, then the facts,
/// each re-asked answer written `null` with a comment saying why.
pub fn declared_yaml(m: &Declared) -> String {
    let mut out = format!(
        "# hegui migrate: 规则包 {id} {from} → {to}：沿用 {k}，映射 {mp}，需重新回答 {r} / pack {id} {from} → {to}: {k} kept, {mp} mapped, {r} to answer again\n",
        id = m
            .facts
            .pointer("/pack/id")
            .and_then(J::as_str)
            .unwrap_or(""),
        from = m.from,
        to = m.to,
        k = m.kept,
        mp = m.mapped,
        r = m.reasked
    );
    for f in m.fan_out.iter().filter(|f| f.items == 0) {
        out.push_str(&format!(
            "# `{}` 的答案没有可承接的条目(`{}`) / the answer to `{}` has no item to go to (`{}`)\n",
            f.from, f.to, f.from, f.to
        ));
    }
    let body = crate::facts::write::yaml_from_json(&m.facts);
    let mut in_answers = false;
    let mut group: Option<String> = None;
    for line in body.lines() {
        out.push_str(line);
        if !line.starts_with(' ') {
            in_answers = line == "answers:";
            group = None;
        } else if in_answers && line.starts_with("  ") && !line.starts_with("   ") {
            group = line
                .trim()
                .strip_suffix(':')
                .map(|g| g.trim_matches('"').to_string());
        }
        if in_answers && let Some(key) = line.trim().strip_suffix(": null") {
            let key = key.trim_matches('"');
            let id = match (&group, line.starts_with("   ")) {
                (Some(g), true) => format!("{g}[*].{key}"),
                _ => key.to_string(),
            };
            if let Some(why) = m
                .questions
                .iter()
                .find(|f| f.id == id && f.fate == Fate::Reasked)
                .and_then(|f| f.why.as_ref())
            {
                out.push_str(&format!(
                    "  # 请重新回答：{} / answer again: {}",
                    why.zh, why.en
                ));
            }
        }
        out.push('\n');
    }
    out
}

/// Migrates with the declared map and checks the result loads against `new`. An answer the
/// new pack refuses (it no longer fits its question) is asked again rather than carried.
/// `name` names the output in messages (`.json` writes JSON).
pub fn migrate_declared_checked(
    old: &J,
    new: &Pack,
    name: &str,
) -> Result<(Declared, String), DeclaredError> {
    let mut m = migrate_declared(old, new)?;
    let json = name.to_ascii_lowercase().ends_with(".json");
    for _ in 0..8 {
        let text = if json {
            let mut s = serde_json::to_string_pretty(&m.facts).unwrap_or_default();
            s.push('\n');
            s
        } else {
            declared_yaml(&m)
        };
        let diags = match load_facts(name, &text, new) {
            Ok(loaded) => {
                if m.drop_hidden_fan_out(new, &loaded.facts) {
                    continue;
                }
                return Ok((m, text));
            }
            Err(d) => d,
        };
        if !reask_rejected(&diags, |id, why| m.reask(id, why)) {
            return Err(DeclaredError::Invalid(diags));
        }
    }
    Err(DeclaredError::Invalid(Vec::new()))
}

/// Asks again every question the loader refused a carried answer for (an error naming
/// ``question `ID` ``), through `reask`. Whether any answer was taken back.
pub(crate) fn reask_rejected(
    diags: &[crate::diag::Diagnostic],
    mut reask: impl FnMut(&str, &Text) -> bool,
) -> bool {
    let why = Text::new(
        "沿用的答案不符合新版本的问题",
        "the carried answer does not fit the new version of the question",
    );
    let mut changed = false;
    for d in diags
        .iter()
        .filter(|d| d.level == crate::diag::Level::Error)
    {
        if let Some(id) = d
            .subject
            .strip_prefix("question `")
            .and_then(|s| s.split('`').next())
        {
            changed |= reask(id, &why);
        }
    }
    changed
}

/// A parsed document as JSON (numbers, text, lists and mappings as they were written).
pub fn node_json(n: &crate::syntax::node::Node) -> J {
    use crate::syntax::node::NodeKind;
    match &n.kind {
        NodeKind::Null => J::Null,
        NodeKind::Bool(b) => J::Bool(*b),
        NodeKind::Int(i) => J::from(*i),
        NodeKind::Float(x) => serde_json::Number::from_f64(*x)
            .map(J::Number)
            .unwrap_or(J::Null),
        NodeKind::Str(s) => J::String(s.clone()),
        NodeKind::Seq(items) => J::Array(items.iter().map(node_json).collect()),
        NodeKind::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), node_json(v)))
                .collect(),
        ),
    }
}

/// An answer carried (with how), or why it must be asked again.
type Carried = Result<(J, Fate), Text>;

/// Where question `q` of the new version takes its answer from (the old question's id) and what
/// becomes of it, given `get`, the old answer to an old question id; `None` when there is
/// nothing to carry (no old answer, or the map names `q` only as an old question).
fn carry_one(
    map: &crate::model::migration::MigrationMap,
    q: &Question,
    get: impl Fn(&str) -> Option<J>,
) -> Option<(String, Carried)> {
    match map.target(&q.id) {
        Some((e, t)) => {
            let v = get(&e.old_id)?;
            Some((e.old_id.clone(), carried(&e.old_id, t, &v, q)))
        }
        None if map.names_old(&q.id) => None,
        None => get(&q.id).map(|v| (q.id.clone(), Ok((v, Fate::Kept)))),
    }
}

/// [`carry_one`] for member `q` of an item that came from old group `from_group`: a fanned-out
/// top-level answer (`each`; `top` reads old top-level answers), an entry for a member of
/// `from_group`, or the member of the same id (moved from another group: `mapped`).
fn carry_member(
    map: &crate::model::migration::MigrationMap,
    q: &Question,
    from_group: &str,
    item: &Map<String, J>,
    top: impl Fn(&str) -> Option<J>,
) -> Option<(String, Carried)> {
    let local_of = |id: &str| {
        id.split_once("[*].")
            .map(|(_, l)| l.to_string())
            .unwrap_or_default()
    };
    let own = |id: &str| item.get(&local_of(id)).filter(|v| !v.is_null()).cloned();
    if let Some((e, t)) = map.each_target(&q.id) {
        let v = top(&e.old_id)?;
        let r = carried(&e.old_id, t, &v, q).map_err(|_| {
            Text::new(
                format!("`{}` 原为各条目共同的回答，现请逐项回答", e.old_id),
                format!(
                    "`{}` was one answer for all items: answer it for each item",
                    e.old_id
                ),
            )
        });
        return Some((e.old_id.clone(), r));
    }
    if let Some((e, t)) = map.member_target(&q.id, from_group) {
        let v = own(&e.old_id)?;
        return Some((e.old_id.clone(), carried(&e.old_id, t, &v, q)));
    }
    let old_id = format!("{from_group}[*].{}", q.local_id);
    if map.names_old(&old_id) {
        return None;
    }
    let v = own(&old_id)?;
    let fate = if old_id == q.id {
        Fate::Kept
    } else {
        Fate::Mapped
    };
    Some((old_id, Ok((v, fate))))
}

/// The carried-over facts document: the old one with the new pack's header and `answers`, and
/// without waivers for rules the new pack does not have (returned, sorted as found).
fn carried_document(
    old: &J,
    new: &Pack,
    answers: serde_json::Map<String, J>,
) -> (serde_json::Map<String, J>, Vec<String>) {
    let mut root = old.as_object().cloned().unwrap_or_default();
    root.insert(
        "pack".into(),
        serde_json::json!({
            "id": new.meta.id, "version": new.meta.version,
            "questionnaire_digest": new.questionnaire.digest,
        }),
    );
    root.insert("answers".into(), J::Object(answers));
    let mut dropped_waivers = Vec::new();
    if let Some(ws) = root.get("waivers").and_then(J::as_array).cloned() {
        let keep: Vec<J> = ws
            .into_iter()
            .filter(|w| {
                let rule = w.get("rule").and_then(J::as_str).unwrap_or("");
                let ok = new.rule(rule).is_some();
                if !ok {
                    dropped_waivers.push(rule.to_string());
                }
                ok
            })
            .collect();
        if keep.is_empty() {
            root.remove("waivers");
        } else {
            root.insert("waivers".into(), J::Array(keep));
        }
    }
    (root, dropped_waivers)
}
