//! Several packs assessed on one set of answers: a [`PackSet`].
//!
//! Each pack is loaded on its own (every check, its library questions included); the set then
//! joins their questionnaires into one, where a question several packs ask appears once. A
//! question id may be shared only when every pack takes it from the question library with the
//! same definition (type, options, wording, conditions, range); two packs that define one id
//! differently, or that both define it themselves, do not load together, and the error says
//! which packs, where, and what differs. Every pack of the set is then re-indexed onto the
//! joint questionnaire (its rules', scopes' and questions' conditions point into it), so one
//! facts file is read once and each pack is evaluated on it unchanged. A pack keeps its own
//! questionnaire digest.

use crate::diag::{Diagnostic, Level, Loc};
use crate::model::{
    Condition, Entry, GIdx, Group, Operand, Pack, QIdx, Question, Questionnaire, Section,
};
use std::collections::HashMap;

/// Packs evaluated together on one set of answers.
#[derive(Clone, Debug)]
pub struct PackSet {
    /// The packs, in the order given; each reads the joint questionnaire (with its own
    /// questionnaire digest in `questionnaire.digest`).
    pub packs: Vec<Pack>,
    /// Every section of the packs, first definition first (the joint questionnaire's sections).
    pub sections: Vec<Section>,
    /// For several packs: one pack standing for the set where one pack is read (a facts file,
    /// a questionnaire): the joint questionnaire, every section, every pack's rules.
    view: Option<Box<Pack>>,
}

impl PackSet {
    /// The joint questionnaire every pack of the set reads.
    pub fn questionnaire(&self) -> Option<&Questionnaire> {
        self.packs.first().map(|p| &p.questionnaire)
    }

    /// The pack that stands for the whole set where one pack is read (facts files,
    /// questionnaires): the joint questionnaire, every pack's sections and rules, the first
    /// pack's identity. For one pack, that pack.
    pub fn view(&self) -> Option<&Pack> {
        self.view.as_deref().or_else(|| self.packs.first())
    }

    /// Whether the set has several packs.
    pub fn is_multi(&self) -> bool {
        self.packs.len() > 1
    }

    /// The pack with id `id`.
    pub fn pack(&self, id: &str) -> Option<&Pack> {
        self.packs.iter().find(|p| p.meta.id == id)
    }

    /// The set's packs as `id version`, joined with `, `.
    pub fn describe(&self) -> String {
        self.packs
            .iter()
            .map(|p| format!("{} {}", p.meta.id, p.meta.version))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A set of one pack (nothing re-indexed).
    pub fn single(pack: Pack) -> PackSet {
        PackSet {
            sections: pack.sections.clone(),
            packs: vec![pack],
            view: None,
        }
    }
}

/// What differs between two definitions of one question, if anything.
pub fn definition_difference(a: &Question, b: &Question) -> Option<String> {
    let mut what = Vec::new();
    if a.qtype != b.qtype {
        what.push(format!("type {} ≠ {}", a.qtype.name(), b.qtype.name()));
    }
    let opts = |q: &Question| -> Vec<(String, bool, String, String)> {
        q.options
            .iter()
            .map(|o| {
                (
                    o.id.clone(),
                    o.exclusive,
                    o.label.zh.clone(),
                    o.label.en.clone(),
                )
            })
            .collect()
    };
    if opts(a) != opts(b) {
        what.push("options 选项".to_string());
    }
    if a.label != b.label || a.help != b.help {
        what.push("wording 措辞".to_string());
    }
    let cond = |q: &Question| q.ask_when.as_ref().map(Condition::describe);
    if cond(a) != cond(b) {
        what.push("ask_when".to_string());
    }
    if a.min != b.min || a.max != b.max {
        what.push("min/max".to_string());
    }
    if a.past_event != b.past_event {
        what.push("past_event".to_string());
    }
    if a.precision != b.precision {
        what.push("precision".to_string());
    }
    if a.library != b.library {
        what.push(format!(
            "library {} ≠ {}",
            a.library.as_deref().unwrap_or("—"),
            b.library.as_deref().unwrap_or("—")
        ));
    }
    (!what.is_empty()).then(|| what.join(", "))
}

fn group_difference(a: &Group, b: &Group) -> Option<String> {
    let mut what = Vec::new();
    if a.label != b.label || a.help != b.help {
        what.push("wording 措辞".to_string());
    }
    if a.item_key != b.item_key || a.item_details != b.item_details {
        what.push("item_key".to_string());
    }
    if a.ask_when.as_ref().map(Condition::describe) != b.ask_when.as_ref().map(Condition::describe)
    {
        what.push("ask_when".to_string());
    }
    if a.library != b.library {
        what.push(format!(
            "library {} ≠ {}",
            a.library.as_deref().unwrap_or("—"),
            b.library.as_deref().unwrap_or("—")
        ));
    }
    (!what.is_empty()).then(|| what.join(", "))
}

/// Points a condition at the joint questionnaire.
pub fn remap(c: &mut Condition, qmap: &[QIdx], gmap: &[GIdx]) {
    match c {
        Condition::All(cs) | Condition::Any(cs) => cs.iter_mut().for_each(|c| remap(c, qmap, gmap)),
        Condition::Not(c) => remap(c, qmap, gmap),
        Condition::ForItems {
            group,
            filter,
            check,
            ..
        } => {
            if let Some(g) = gmap.get(*group) {
                *group = *g;
            }
            if let Some(f) = filter {
                remap(f, qmap, gmap);
            }
            remap(check, qmap, gmap);
        }
        Condition::Leaf(l) => {
            if let Some(q) = qmap.get(l.lhs.q) {
                l.lhs.q = *q;
            }
            if let Operand::Question(r) = &mut l.rhs
                && let Some(q) = qmap.get(r.q)
            {
                r.q = *q;
            }
        }
    }
}

fn conflict(
    id: &str,
    first: (&Pack, &str, Loc),
    second: (&Pack, &str, Loc),
    why: String,
) -> Diagnostic {
    Diagnostic {
        level: Level::Error,
        file: second.1.to_string(),
        loc: second.2,
        subject: format!("question `{id}`"),
        message: format!(
            "规则包 {a} 与 {b} 对问题 `{id}` 的定义不同，不能一起加载 / packs `{a}` and `{b}` cannot be loaded together: they define question `{id}` differently ({why}); first defined in {f}:{l}",
            a = first.0.meta.id,
            b = second.0.meta.id,
            f = first.1,
            l = first.2.line,
        ),
        help: Some(
            "a question several packs ask comes from the question library, with one definition (docs/PACK-FORMAT.md); rename the pack's own question or use the library's".to_string(),
        ),
    }
}

/// Joins packs into a set. One pack is returned as it is. Fails with every conflicting
/// definition, or a pack given twice.
pub fn pack_set(packs: Vec<Pack>) -> Result<PackSet, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    for (i, p) in packs.iter().enumerate() {
        if packs.iter().take(i).any(|o| o.meta.id == p.meta.id) {
            diags.push(Diagnostic {
                level: Level::Error,
                file: String::new(),
                loc: Loc::UNKNOWN,
                subject: format!("pack `{}`", p.meta.id),
                message: format!(
                    "规则包 {} 给出了两次 / pack `{}` is given twice",
                    p.meta.id, p.meta.id
                ),
                help: Some("name each pack once (`--pack A --pack B`)".into()),
            });
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    if packs.len() <= 1 {
        let mut packs = packs;
        return Ok(match packs.pop() {
            Some(p) => PackSet::single(p),
            None => PackSet {
                packs: Vec::new(),
                sections: Vec::new(),
                view: None,
            },
        });
    }
    let mut qn = Questionnaire::default();
    // Joint index by full id → (question index, defining pack).
    let mut qids: HashMap<String, (QIdx, usize)> = HashMap::new();
    let mut gids: HashMap<String, (GIdx, usize)> = HashMap::new();
    let mut maps: Vec<(Vec<QIdx>, Vec<GIdx>)> = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    for (pi, p) in packs.iter().enumerate() {
        for s in &p.sections {
            if !sections.iter().any(|x| x.id == s.id) {
                sections.push(s.clone());
            }
        }
        let pq = &p.questionnaire;
        let mut qmap = vec![usize::MAX; pq.questions.len()];
        let mut gmap = vec![usize::MAX; pq.groups.len()];
        let mut added: Vec<QIdx> = Vec::new();
        let mut added_groups: Vec<GIdx> = Vec::new();
        // Takes question `q` of pack `pi` into the joint questionnaire (as a member of joint
        // group `jg`), or checks it against the definition there.
        let mut take = |q: QIdx,
                        jg: Option<GIdx>,
                        qn: &mut Questionnaire,
                        qmap: &mut Vec<QIdx>,
                        diags: &mut Vec<Diagnostic>|
         -> Option<QIdx> {
            let question = pq.questions.get(q)?;
            if let Some((u, owner)) = qids.get(&question.id).copied() {
                let prev = qn.questions.get(u)?;
                let first = packs.get(owner)?;
                let why = match definition_difference(prev, question) {
                    Some(why) => Some(why),
                    None if question.library.is_none() => Some(
                        "both packs define it themselves, not from the question library / 两个规则包各自定义".to_string(),
                    ),
                    None => None,
                };
                if let Some(why) = why {
                    diags.push(conflict(
                        &question.id,
                        (first, &prev.file, prev.loc),
                        (p, &question.file, question.loc),
                        why,
                    ));
                }
                if let Some(slot) = qmap.get_mut(q) {
                    *slot = u;
                }
                return None;
            }
            let u = qn.questions.len();
            let mut copy = question.clone();
            copy.group = jg;
            if let Some(g) = jg.and_then(|g| qn.groups.get_mut(g)) {
                copy.pos = g.members.len();
                g.members.push(u);
            }
            qn.questions.push(copy);
            qids.insert(question.id.clone(), (u, pi));
            if let Some(slot) = qmap.get_mut(q) {
                *slot = u;
            }
            Some(u)
        };
        for entry in &pq.order {
            match *entry {
                Entry::Question(q) => {
                    if let Some(u) = take(q, None, &mut qn, &mut qmap, &mut diags) {
                        qn.order.push(Entry::Question(u));
                        added.push(u);
                    }
                }
                Entry::Group(g) => {
                    let Some(group) = pq.groups.get(g) else {
                        continue;
                    };
                    let jg = match gids.get(&group.id).copied() {
                        Some((jg, owner)) => {
                            if let (Some(prev), Some(first)) = (qn.groups.get(jg), packs.get(owner))
                            {
                                let why = group_difference(prev, group).or_else(|| {
                                    group.library.is_none().then(|| {
                                        "both packs define the group themselves, not from the question library / 两个规则包各自定义".to_string()
                                    })
                                });
                                if let Some(why) = why {
                                    let mut d = conflict(
                                        &group.id,
                                        (first, &group_file(first, &group.id), prev.loc),
                                        (p, &group_file(p, &group.id), group.loc),
                                        why,
                                    );
                                    d.subject = format!("group `{}`", group.id);
                                    diags.push(d);
                                }
                            }
                            jg
                        }
                        None => {
                            let jg = qn.groups.len();
                            let mut copy = group.clone();
                            copy.members = Vec::new();
                            qn.groups.push(copy);
                            qn.order.push(Entry::Group(jg));
                            gids.insert(group.id.clone(), (jg, pi));
                            added_groups.push(jg);
                            jg
                        }
                    };
                    if let Some(slot) = gmap.get_mut(g) {
                        *slot = jg;
                    }
                    for m in &group.members {
                        if let Some(u) = take(*m, Some(jg), &mut qn, &mut qmap, &mut diags) {
                            added.push(u);
                        }
                    }
                }
            }
        }
        // The conditions of what this pack added read this pack's questions.
        for u in added {
            if let Some(c) = qn.questions.get_mut(u).and_then(|q| q.ask_when.as_mut()) {
                remap(c, &qmap, &gmap);
            }
        }
        for g in added_groups {
            if let Some(c) = qn.groups.get_mut(g).and_then(|g| g.ask_when.as_mut()) {
                remap(c, &qmap, &gmap);
            }
        }
        maps.push((qmap, gmap));
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    qn.reindex();
    let mut out = Vec::with_capacity(packs.len());
    for (p, (qmap, gmap)) in packs.into_iter().zip(maps) {
        let mut p = p;
        let own_digest = std::mem::take(&mut p.questionnaire.digest);
        p.questionnaire = qn.clone();
        p.questionnaire.digest = own_digest;
        for r in &mut p.rules {
            if let Some(a) = &mut r.applies_when {
                remap(a, &qmap, &gmap);
            }
            remap(&mut r.check, &qmap, &gmap);
        }
        for s in &mut p.scopes {
            remap(&mut s.when, &qmap, &gmap);
        }
        out.push(p);
    }
    let view = out.first().map(|first| {
        let mut v = first.clone();
        v.sections = sections.clone();
        v.rules = out.iter().flat_map(|p| p.rules.iter().cloned()).collect();
        v.members = out
            .iter()
            .map(|p| crate::model::PackMember {
                id: p.meta.id.clone(),
                version: p.meta.version.clone(),
                title: p.meta.title.clone(),
                questionnaire_digest: p.questionnaire.digest.clone(),
                migrates_from: p.migrations.iter().map(|m| m.from.clone()).collect(),
                rules: p.rules.iter().map(|r| r.id.clone()).collect(),
            })
            .collect();
        Box::new(v)
    });
    Ok(PackSet {
        packs: out,
        sections,
        view,
    })
}

/// The file group `id` of `p` is defined in (that of its first member).
fn group_file(p: &Pack, id: &str) -> String {
    p.questionnaire
        .groups
        .iter()
        .find(|g| g.id == id)
        .and_then(|g| g.members.first())
        .and_then(|m| p.questionnaire.questions.get(*m))
        .map(|q| q.file.clone())
        .unwrap_or_default()
}
