//! Migrate answers given for several packs at once (`hegui migrate` on a facts file whose
//! header lists several packs, or with several `--pack`/`--rules`).
//!
//! Each pack's answers are carried by that pack's own migration map ([`migrate_declared`],
//! `migrations/from-<version>.yaml`); a pack whose version did not change keeps its answers as
//! they are. The packs' results are then joined into one file: a question several packs ask (a
//! question of the shared library, or a library group's member) is carried once, and when two
//! packs carry it differently — one map asks it again while another keeps it, or two maps turn
//! it into different answers — the migration is refused, naming the question and both packs.
//! The header lists every pack at its new version (`format: hegui.facts/2`). Waivers for rules
//! no pack of the set still has are dropped. The result is checked against the set's joint
//! questionnaire before it is written ([`migrate_set_checked`]).

use crate::diag::Diagnostic;
use crate::facts::load_facts;
use crate::facts::migrate::{
    Declared, DeclaredError, FanOut, Fate, QuestionFate, migrate_declared, reask_rejected,
};
use crate::model::Pack;
use crate::text::Text;
use serde_json::{Map, Value as J};

/// What happened to one pack of the set.
#[derive(Clone, Debug, PartialEq)]
pub struct PackStep {
    /// Pack id.
    pub id: String,
    /// The version the answers were given for.
    pub from: String,
    /// The version they are carried to (the same when the pack did not change).
    pub to: String,
    /// Answers kept, mapped and asked again for this pack's questions (a shared question counts
    /// for every pack that asks it).
    pub kept: usize,
    /// Answers carried through the pack's map.
    pub mapped: usize,
    /// Answers asked again.
    pub reasked: usize,
}

/// What became of the answers to one question, and the packs that ask it.
#[derive(Clone, Debug, PartialEq)]
pub struct SetFate {
    /// The question's fate (counted once, however many packs ask it).
    pub fate: QuestionFate,
    /// The packs that ask it, in the set's order.
    pub packs: Vec<String>,
}

/// The result of migrating answers for several packs.
#[derive(Clone, Debug, PartialEq)]
pub struct SetMigration {
    /// The new facts document (re-asked answers are `null`).
    pub facts: J,
    /// Pack by pack.
    pub packs: Vec<PackStep>,
    /// Per question with an old answer, once each.
    pub questions: Vec<SetFate>,
    /// Answers kept, over the whole file (a shared question once).
    pub kept: usize,
    /// Answers mapped.
    pub mapped: usize,
    /// Answers asked again.
    pub reasked: usize,
    /// Old answers to questions no pack of the set asks any more.
    pub dropped: Vec<String>,
    /// Waivers dropped because no pack of the set has their rule.
    pub dropped_waivers: Vec<String>,
    /// Old top-level answers a pack's map gave to every item of a group (`each`), pack by pack.
    pub fan_out: Vec<FanOut>,
}

/// Why answers for several packs cannot be migrated.
#[derive(Clone, Debug, PartialEq)]
pub enum SetError {
    /// The file names no pack (`pack` or `packs`).
    NoHeader,
    /// A pack of the set is not among those the answers were given for.
    NotAnswered {
        /// The pack.
        id: String,
        /// The packs the header lists.
        listed: Vec<String>,
    },
    /// The header lists packs that are not in the set.
    NotNamed(Vec<String>),
    /// Every pack is already at the version answered.
    NothingToMigrate(String),
    /// One pack's map cannot be applied.
    Pack {
        /// The pack.
        id: String,
        /// Why.
        error: DeclaredError,
    },
    /// Two packs carry a question they share differently.
    Disagree(Box<Disagreement>),
    /// The migrated answers do not load against the packs.
    Invalid(Vec<Diagnostic>),
}

impl std::fmt::Display for SetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetError::NoHeader => write!(
                f,
                "答卷未列出规则包(pack 或 packs) / the answers name no pack (`pack` or `packs`)"
            ),
            SetError::NotAnswered { id, listed } => write!(
                f,
                "答卷不是针对规则包 `{id}` 填写的(答卷针对：{l})；迁移只能沿用已有的答案 / the answers were not given for pack `{id}` (they are for {l}): migration only carries answers given",
                l = listed.join(", ")
            ),
            SetError::NotNamed(ids) => write!(
                f,
                "答卷还针对规则包 {l}：请一并指定(--pack 或 --rules)，或不指定规则包以使用答卷列出的内置规则包 / the answers are also for {l}: name it too (--pack or --rules), or name no pack to use the embedded packs the header lists",
                l = ids.join(", ")
            ),
            SetError::NothingToMigrate(v) => write!(
                f,
                "答卷已针对这些规则包版本({v})，无需迁移 / the answers are already for these pack versions ({v}): nothing to migrate"
            ),
            SetError::Pack { id, error } => write!(f, "{id}: {error}"),
            SetError::Disagree(d) => {
                let Disagreement {
                    question,
                    item,
                    first,
                    second,
                } = d.as_ref();
                let shown = |v: &J| match v {
                    J::Null => "需重新回答 asked again".to_string(),
                    other => other.to_string(),
                };
                let at = item
                    .map(|i| format!(" (第 {i} 项 item {i})"))
                    .unwrap_or_default();
                write!(
                    f,
                    "规则包 `{a}` 与 `{b}` 的迁移映射对共用问题 `{question}`{at} 的处理不一致：`{a}` 得到 {va}，`{b}` 得到 {vb}；请先分别迁移或修正其中一个映射 / the migration maps of packs `{a}` and `{b}` disagree on the shared question `{question}`{at}: `{a}` gives {va}, `{b}` gives {vb}; migrate them one at a time or fix one of the maps",
                    a = first.0,
                    b = second.0,
                    va = shown(&first.1),
                    vb = shown(&second.1),
                )
            }
            SetError::Invalid(_) => write!(
                f,
                "迁移结果未通过新规则包的校验 / the migrated answers do not validate against the new packs"
            ),
        }
    }
}

/// Two packs carrying a question they share differently.
#[derive(Clone, Debug, PartialEq)]
pub struct Disagreement {
    /// The question (`apps[*].filed` for a group member).
    pub question: String,
    /// The item (1-based) for a group member.
    pub item: Option<usize>,
    /// The first pack and what it carries (`null`: asked again).
    pub first: (String, J),
    /// The second pack and what it carries.
    pub second: (String, J),
}

/// A header entry: id, version and questionnaire digest.
struct Listed {
    id: String,
    version: String,
    digest: Option<String>,
}

fn listed(old: &J) -> Result<Vec<Listed>, SetError> {
    let one = |p: &J| -> Option<Listed> {
        let id = p.get("id").and_then(J::as_str)?.to_string();
        let version = match p.get("version") {
            Some(J::String(s)) => s.clone(),
            Some(J::Number(n)) => n.to_string(),
            _ => return None,
        };
        let digest = p
            .get("questionnaire_digest")
            .and_then(J::as_str)
            .map(str::to_string);
        Some(Listed {
            id,
            version,
            digest,
        })
    };
    let list: Vec<Listed> = match (old.get("packs"), old.get("pack")) {
        (Some(J::Array(items)), _) => items.iter().filter_map(one).collect(),
        (_, Some(p)) => one(p).into_iter().collect(),
        _ => Vec::new(),
    };
    if list.is_empty() {
        return Err(SetError::NoHeader);
    }
    Ok(list)
}

/// The answers `pack` asks, from `answers` (top-level questions and groups, a group's items
/// cut to the pack's members), as kept.
fn own_answers(pack: &Pack, answers: &Map<String, J>) -> Map<String, J> {
    let qn = &pack.questionnaire;
    let mut out = Map::new();
    for (k, v) in answers {
        if v.is_null() {
            continue;
        }
        if let Some(q) = qn.question(k).and_then(|i| qn.questions.get(i))
            && q.group.is_none()
        {
            out.insert(k.clone(), v.clone());
        } else if let Some(g) = qn.group(k).and_then(|g| qn.groups.get(g)) {
            let items = v
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|item| {
                            let mut m = Map::new();
                            if let Some(obj) = item.as_object() {
                                for member in &g.members {
                                    if let Some(q) = qn.questions.get(*member)
                                        && let Some(x) = obj.get(&q.local_id)
                                        && !x.is_null()
                                    {
                                        m.insert(q.local_id.clone(), x.clone());
                                    }
                                }
                            }
                            J::Object(m)
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.insert(k.clone(), J::Array(items));
        }
    }
    out
}

/// The fates of answers kept as they are (a pack whose version did not change).
fn kept_fates(pack: &Pack, answers: &Map<String, J>) -> Vec<QuestionFate> {
    let qn = &pack.questionnaire;
    let mut fates: Vec<QuestionFate> = Vec::new();
    let mut note = |id: &str, label: &Text| {
        if let Some(f) = fates.iter_mut().find(|f| f.id == id) {
            f.answers += 1;
        } else {
            fates.push(QuestionFate {
                id: id.to_string(),
                from: id.to_string(),
                label: label.clone(),
                fate: Fate::Kept,
                answers: 1,
                why: None,
            });
        }
    };
    for (k, v) in answers {
        match v {
            J::Array(items) if qn.group(k).is_some() => {
                for item in items {
                    for (local, _) in item.as_object().into_iter().flatten() {
                        let id = format!("{k}[*].{local}");
                        if let Some(q) = qn.question(&id).and_then(|i| qn.questions.get(i)) {
                            note(&id, &q.label);
                        }
                    }
                }
            }
            _ => {
                if let Some(q) = qn.question(k).and_then(|i| qn.questions.get(i)) {
                    note(k, &q.label);
                }
            }
        }
    }
    fates
}

/// Old answer keys `pack` does not carry (it no longer asks them).
fn not_asked(pack: &Pack, answers: &Map<String, J>) -> Vec<String> {
    let qn = &pack.questionnaire;
    answers
        .iter()
        .filter(|(k, v)| !v.is_null() && qn.question(k).is_none() && qn.group(k).is_none())
        .map(|(k, _)| k.clone())
        .collect()
}

/// Joins `add` (pack `id`'s answers) into `merged` (whose entries `owner` says which pack
/// gave), refusing a shared answer carried differently.
fn join(
    merged: &mut Map<String, J>,
    owner: &mut Map<String, J>,
    id: &str,
    add: Map<String, J>,
    pack: &Pack,
) -> Result<(), SetError> {
    let qn = &pack.questionnaire;
    for (k, v) in add {
        let is_group = qn.group(&k).is_some();
        match merged.get_mut(&k) {
            None => {
                owner.insert(k.clone(), J::String(id.to_string()));
                merged.insert(k, v);
            }
            Some(have) if !is_group => {
                if *have != v {
                    let first = owner.get(&k).and_then(J::as_str).unwrap_or("").to_string();
                    return Err(SetError::Disagree(Box::new(Disagreement {
                        question: k,
                        item: None,
                        first: (first, have.clone()),
                        second: (id.to_string(), v),
                    })));
                }
            }
            Some(have) => {
                let (Some(have_items), Some(items)) = (have.as_array_mut(), v.as_array()) else {
                    continue;
                };
                let first = owner.get(&k).and_then(J::as_str).unwrap_or("").to_string();
                for (i, item) in items.iter().enumerate() {
                    let Some(obj) = item.as_object() else {
                        continue;
                    };
                    if have_items.len() <= i {
                        have_items.push(J::Object(Map::new()));
                    }
                    let Some(slot) = have_items.get_mut(i).and_then(J::as_object_mut) else {
                        continue;
                    };
                    for (local, x) in obj {
                        match slot.get(local) {
                            Some(y) if y != x => {
                                return Err(SetError::Disagree(Box::new(Disagreement {
                                    question: format!("{k}[*].{local}"),
                                    item: Some(i + 1),
                                    first: (first, y.clone()),
                                    second: (id.to_string(), x.clone()),
                                })));
                            }
                            Some(_) => {}
                            None => {
                                slot.insert(local.clone(), x.clone());
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Carries the answers of `old` (a facts document, as JSON, listing its packs in `pack` or
/// `packs`) to `packs` (each loaded on its own, at the version to migrate to), each by its own
/// declared map. Nothing is checked against the packs here; see [`migrate_set_checked`].
pub fn migrate_set(old: &J, packs: &[&Pack]) -> Result<SetMigration, SetError> {
    let listed = listed(old)?;
    let missing: Vec<String> = listed
        .iter()
        .filter(|l| !packs.iter().any(|p| p.meta.id == l.id))
        .map(|l| format!("{} {}", l.id, l.version))
        .collect();
    if !missing.is_empty() {
        return Err(SetError::NotNamed(missing));
    }
    let old_answers = old
        .get("answers")
        .and_then(J::as_object)
        .cloned()
        .unwrap_or_default();
    let mut merged = Map::new();
    let mut owner = Map::new();
    let mut steps = Vec::new();
    let mut fates: Vec<SetFate> = Vec::new();
    let mut dropped: Option<Vec<String>> = None;
    let mut any_change = false;
    let mut fan_out: Vec<FanOut> = Vec::new();
    for pack in packs {
        let id = pack.meta.id.as_str();
        let Some(l) = listed.iter().find(|l| l.id == id) else {
            return Err(SetError::NotAnswered {
                id: id.to_string(),
                listed: listed
                    .iter()
                    .map(|l| format!("{} {}", l.id, l.version))
                    .collect(),
            });
        };
        let (answers, pack_fates, pack_dropped) = if l.version == pack.meta.version {
            let own = own_answers(pack, &old_answers);
            let f = kept_fates(pack, &own);
            (own, f, not_asked(pack, &old_answers))
        } else {
            any_change = true;
            // The pack's own migration, on the file as if answered for this pack alone.
            let mut one = old.as_object().cloned().unwrap_or_default();
            for k in ["format", "packs", "library"] {
                one.remove(k);
            }
            let mut header = Map::new();
            header.insert("id".into(), J::String(l.id.clone()));
            header.insert("version".into(), J::String(l.version.clone()));
            if let Some(d) = &l.digest {
                header.insert("questionnaire_digest".into(), J::String(d.clone()));
            }
            one.insert("pack".into(), J::Object(header));
            let d: Declared =
                migrate_declared(&J::Object(one), pack).map_err(|error| SetError::Pack {
                    id: id.to_string(),
                    error,
                })?;
            let answers = d
                .facts
                .get("answers")
                .and_then(J::as_object)
                .cloned()
                .unwrap_or_default();
            for f in d.fan_out {
                if !fan_out.contains(&f) {
                    fan_out.push(f);
                }
            }
            (answers, d.questions, d.dropped)
        };
        join(&mut merged, &mut owner, id, answers, pack)?;
        let count = |f: Fate| -> usize {
            pack_fates
                .iter()
                .filter(|q| q.fate == f)
                .map(|q| q.answers)
                .sum()
        };
        steps.push(PackStep {
            id: id.to_string(),
            from: l.version.clone(),
            to: pack.meta.version.clone(),
            kept: count(Fate::Kept),
            mapped: count(Fate::Mapped),
            reasked: count(Fate::Reasked),
        });
        for q in pack_fates {
            match fates.iter_mut().find(|f| f.fate == q) {
                Some(f) => f.packs.push(id.to_string()),
                None => fates.push(SetFate {
                    fate: q,
                    packs: vec![id.to_string()],
                }),
            }
        }
        dropped = Some(match dropped {
            None => pack_dropped,
            Some(before) => before
                .into_iter()
                .filter(|k| pack_dropped.contains(k))
                .collect(),
        });
    }
    if !any_change {
        return Err(SetError::NothingToMigrate(
            steps
                .iter()
                .map(|s| format!("{} {}", s.id, s.to))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    let mut dropped = dropped.unwrap_or_default();
    dropped.sort();
    // Answers in questionnaire order: the packs' in turn, each question once.
    let mut ordered = Map::new();
    for pack in packs {
        let qn = &pack.questionnaire;
        for entry in &qn.order {
            let id = match entry {
                crate::model::Entry::Question(i) => qn.questions.get(*i).map(|q| &q.id),
                crate::model::Entry::Group(g) => qn.groups.get(*g).map(|g| &g.id),
            };
            if let Some(id) = id
                && let Some(v) = merged.remove(id)
            {
                ordered.insert(id.clone(), v);
            }
        }
    }
    ordered.append(&mut merged);
    let mut merged = ordered;
    // The header: every pack at its new version, and the library they use.
    let mut root = Map::new();
    root.insert(
        "format".into(),
        J::String(crate::answers::FACTS_FORMAT.into()),
    );
    root.insert(
        "packs".into(),
        J::Array(
            packs
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "id": p.meta.id, "version": p.meta.version,
                        "questionnaire_digest": p.questionnaire.digest,
                    })
                })
                .collect(),
        ),
    );
    if let Some(lib) = packs.iter().find_map(|p| p.library.as_ref()) {
        root.insert(
            "library".into(),
            serde_json::json!({"id": lib.id, "version": lib.version}),
        );
    }
    let mut dropped_waivers = Vec::new();
    for (k, v) in old.as_object().into_iter().flatten() {
        match k.as_str() {
            "format" | "pack" | "packs" | "library" => {}
            "answers" => {
                root.insert(k.clone(), J::Object(std::mem::take(&mut merged)));
            }
            "waivers" => {
                let keep: Vec<J> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|w| {
                        let rule = w.get("rule").and_then(J::as_str).unwrap_or("");
                        let only = w.get("pack").and_then(J::as_str);
                        let ok = packs.iter().any(|p| {
                            only.is_none_or(|id| id == p.meta.id) && p.rule(rule).is_some()
                        });
                        if !ok {
                            dropped_waivers.push(rule.to_string());
                        }
                        ok
                    })
                    .cloned()
                    .collect();
                if !keep.is_empty() {
                    root.insert(k.clone(), J::Array(keep));
                }
            }
            _ => {
                root.insert(k.clone(), v.clone());
            }
        }
    }
    if !root.contains_key("answers") {
        root.insert("answers".into(), J::Object(merged));
    }
    let mut m = SetMigration {
        facts: J::Object(root),
        packs: steps,
        questions: fates,
        kept: 0,
        mapped: 0,
        reasked: 0,
        dropped,
        dropped_waivers,
        fan_out,
    };
    m.count();
    Ok(m)
}

impl SetMigration {
    fn count(&mut self) {
        let n = |f: Fate| -> usize {
            self.questions
                .iter()
                .filter(|q| q.fate.fate == f)
                .map(|q| q.fate.answers)
                .sum()
        };
        (self.kept, self.mapped, self.reasked) = (n(Fate::Kept), n(Fate::Mapped), n(Fate::Reasked));
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
                    for item in answers
                        .get_mut(g)
                        .and_then(J::as_array_mut)
                        .into_iter()
                        .flatten()
                    {
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
        if changed {
            for f in self.questions.iter_mut().filter(|f| f.fate.id == id) {
                f.fate.fate = Fate::Reasked;
                f.fate.why = Some(why.clone());
            }
            self.count();
        }
        changed
    }

    /// The migration as one [`Declared`] (for its YAML form).
    fn as_declared(&self) -> Declared {
        Declared {
            facts: self.facts.clone(),
            from: String::new(),
            to: String::new(),
            kept: self.kept,
            mapped: self.mapped,
            reasked: self.reasked,
            questions: self.questions.iter().map(|f| f.fate.clone()).collect(),
            dropped: self.dropped.clone(),
            dropped_waivers: self.dropped_waivers.clone(),
            fan_out: self.fan_out.clone(),
        }
    }
}

/// The migrated answers as a YAML file: a header comment with each pack's versions and the
/// counts, then the facts, each re-asked answer written `null` with a comment saying why.
pub fn set_yaml(m: &SetMigration) -> String {
    let steps = m
        .packs
        .iter()
        .map(|s| format!("{} {} → {}", s.id, s.from, s.to))
        .collect::<Vec<_>>()
        .join(", ");
    let body = crate::facts::migrate::declared_yaml(&m.as_declared());
    // The one-pack header comment is replaced by the set's.
    let body = body.split_once('\n').map_or("", |(_, rest)| rest);
    format!(
        "# hegui migrate: 规则包 {steps}：沿用 {k}，映射 {mp}，需重新回答 {r} / packs {steps}: {k} kept, {mp} mapped, {r} to answer again\n{body}",
        k = m.kept,
        mp = m.mapped,
        r = m.reasked
    )
}

/// Migrates with each pack's declared map and checks the result loads against `view` (the
/// set's joint questionnaire). An answer the packs refuse is asked again rather than carried.
/// `name` names the output in messages (`.json` writes JSON).
pub fn migrate_set_checked(
    old: &J,
    packs: &[&Pack],
    view: &Pack,
    name: &str,
) -> Result<(SetMigration, String), SetError> {
    let mut m = migrate_set(old, packs)?;
    let json = name.to_ascii_lowercase().ends_with(".json");
    for _ in 0..8 {
        let text = if json {
            let mut s = serde_json::to_string_pretty(&m.facts).unwrap_or_default();
            s.push('\n');
            s
        } else {
            set_yaml(&m)
        };
        let diags = match load_facts(name, &text, view) {
            Ok(_) => return Ok((m, text)),
            Err(d) => d,
        };
        if !reask_rejected(&diags, |id, why| m.reask(id, why)) {
            return Err(SetError::Invalid(diags));
        }
    }
    Err(SetError::Invalid(Vec::new()))
}
