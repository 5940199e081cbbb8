//! Migration maps declared in a pack: `migrations/from-<old version>.yaml` says how answers
//! given for an older version of the pack carry over to this one, so that `hegui migrate`
//! needs only the installed binary (no copy of the old pack).
//!
//! ```yaml
//! from: 1.0.0
//! questionnaire_digest: sha256:…   # optional: the old questionnaire's digest
//! questions:
//!   scope.heilongjiang: carry                 # wording clarified, meaning unchanged
//!   real_name.methods: { map: { sms: mobile_verification } }   # old option -> new option
//!   licensing.filed: { split: { licensing.icp_licence: { map: { true: true, false: false } }, licensing.icp_filing: reask } }
//!   scope.telecom_role: reask                 # meaning changed
//! ```
//!
//! Keys are question ids of the old version. `carry`, `map` and `reask` act on the question of
//! the same id in this version; `split` names questions of this version, each with `carry`,
//! `map` or `reask`; `each` (fan-out) names members of groups of this version, each with
//! `carry`, `map` or `reask`, and gives the one old answer to every item of those groups.
//! `groups:` moves the items of an old group into a group of this version (`into`) and names
//! members asked again in every moved item (`ask`):
//!
//! ```yaml
//! groups:
//!   kiosks: { into: sites, ask: [kind] }      # every old kiosk becomes a site; its kind is asked
//! questions:
//!   org.policy_published: { each: { sites[*].policy: { map: { true: true } } } }   # yes for all -> yes per item
//! ```
//!
//! Questions not named keep their answer when their id is unchanged (a member of a moved group:
//! the member of the same id in the group it moves into). The map is validated when the pack
//! loads: unknown question or group ids, options the new question lacks, `map` on a question
//! without options, a new question reached twice, an `each` from a group member or to a
//! top-level question, and a `from` that is not an older version are errors naming the file,
//! line and column.

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::model::{QType, Question, Questionnaire};
use crate::syntax::node::{Node, NodeKind};
use std::collections::HashMap;

pub use crate::model::migration::{Carry, GroupMove, MapEntry, MigrationMap, Target, group_of};

/// Validates every `migrations/*.yaml` of a pack (parsed by the loader: `trees`, path and
/// tree) against its questionnaire.
/// `name` turns a path inside the pack into the name used in messages.
pub fn load(
    trees: Vec<(String, Node)>,
    name: &dyn Fn(&str) -> String,
    qn: &Questionnaire,
    version: &str,
) -> (Vec<MigrationMap>, Vec<Diagnostic>) {
    let mut maps = Vec::new();
    let mut diags = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (rel, root) in trees {
        let Some(file_name) = rel.strip_prefix("migrations/") else {
            continue;
        };
        let mut d = Diagnostics::new(name(&rel));
        if let Some(m) = read(file_name, root, qn, version, &mut d) {
            if let Some(prev) = seen.insert(m.from.clone(), m.file.clone()) {
                d.error(
                    Loc::UNKNOWN,
                    "",
                    format!(
                        "版本 {} 的迁移映射重复(另见 {prev}) / a second migration map from version {} (see also {prev})",
                        m.from, m.from
                    ),
                );
            } else {
                maps.push(m);
            }
        }
        diags.extend(d.into_vec());
    }
    (maps, diags)
}

/// Whether `rel` is a migration map file (`migrations/*.yaml`).
pub fn is_map_file(rel: &str) -> bool {
    rel.starts_with("migrations/") && (rel.ends_with(".yaml") || rel.ends_with(".yml"))
}

fn read(
    file_name: &str,
    root: Node,
    qn: &Questionnaire,
    version: &str,
    d: &mut Diagnostics,
) -> Option<MigrationMap> {
    let Some(entries) = root.as_map() else {
        d.error(
            root.loc,
            "",
            "迁移映射应为含 from、questions 的映射 / a migration map is a mapping with `from` and `questions`",
        );
        return None;
    };
    let mut from = None;
    let mut digest = None;
    let mut questions = None;
    let mut groups_node = None;
    for (k, v) in entries {
        match k.name.as_str() {
            "from" => from = Some(v),
            "questionnaire_digest" => digest = Some(v),
            "questions" => questions = Some(v),
            "groups" => groups_node = Some(v),
            other => {
                d.error(k.loc, "", format!("未知的键 / unknown key `{other}`"))
                    .help("expected one of: from, questionnaire_digest, groups, questions");
            }
        }
    }
    let from = match from.map(|n| (n, scalar(n))) {
        Some((n, Some(s))) => {
            check_from(&s, n.loc, file_name, version, d);
            s
        }
        Some((n, None)) => {
            d.error(
                n.loc,
                "",
                "`from` 应为版本号 / `from` must be a version (1.0.0)",
            );
            return None;
        }
        None => {
            d.error(root.loc, "", "缺少 `from` / missing `from`");
            return None;
        }
    };
    let questionnaire_digest = match digest {
        None => None,
        Some(n) => match n.as_str() {
            Some(s) if s.starts_with("sha256:") => Some(s.to_string()),
            _ => {
                d.error(
                    n.loc,
                    "",
                    "`questionnaire_digest` 应为 sha256:… / `questionnaire_digest` must be `sha256:…`",
                );
                None
            }
        },
    };
    // Group moves first: entries for members of a moved group are checked against the group
    // the items move into.
    let mut moves = MigrationMap::default();
    if let Some(n) = groups_node {
        moves.groups = group_moves(n, qn, d);
    }
    let mut out = Vec::new();
    match questions.map(|n| (n, n.as_map())) {
        Some((_, Some(qs))) => {
            for (k, v) in qs {
                if let Some(e) = entry(&k.name, k.loc, v, qn, &moves, d) {
                    out.push(e);
                }
            }
        }
        Some((n, None)) if matches!(n.kind, NodeKind::Null) => {}
        Some((n, None)) => {
            d.error(
                n.loc,
                "",
                "`questions` 应为映射(旧问题 id: 处理方式) / `questions` must be a mapping (old question id: what to do)",
            );
        }
        None => {}
    }
    // A new question may take its answer from one place only: per old group its items come
    // from (top-level questions: one place), and a fan-out target from nothing else at all.
    let mut reached: HashMap<(Option<&str>, &str), (&str, Loc)> = HashMap::new();
    let mut fanned: HashMap<&str, &str> = HashMap::new();
    for e in out.iter().filter(|e| e.each) {
        for t in &e.targets {
            fanned.insert(&t.new_id, &e.old_id);
        }
    }
    for e in &out {
        for t in &e.targets {
            let clash = if e.each {
                reached.insert((Some("*"), &t.new_id), (&e.old_id, e.loc))
            } else if let Some(other) = fanned.get(t.new_id.as_str()) {
                Some((*other, e.loc))
            } else {
                reached.insert((group_of(&e.old_id), &t.new_id), (&e.old_id, e.loc))
            };
            if let Some((other, _)) = clash {
                d.error(
                    e.loc,
                    format!("question `{}`", e.old_id),
                    format!(
                        "新问题 `{}` 同时由 `{other}` 和 `{}` 得出答案(冲突) / new question `{}` would take its answer from both `{other}` and `{}` (conflicting entries)",
                        t.new_id, e.old_id, t.new_id, e.old_id
                    ),
                );
            }
        }
    }
    Some(MigrationMap {
        from,
        questionnaire_digest,
        entries: out,
        groups: moves.groups,
        file: d.file().to_string(),
    })
}

/// `groups:`: `old_group: { into: new_group, ask: [member, …] }` per old group.
fn group_moves(n: &Node, qn: &Questionnaire, d: &mut Diagnostics) -> Vec<GroupMove> {
    let Some(entries) = n.as_map() else {
        if !matches!(n.kind, NodeKind::Null) {
            d.error(
                n.loc,
                "",
                "`groups` 应为映射(旧组 id: {into: 新组 id, ask: [成员…]}) / `groups` must be a mapping (old group id: {into: new group id, ask: [member, …]})",
            );
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let subject = format!("group `{}`", k.name);
        if k.name.contains('.') || k.name.contains('[') || k.name.is_empty() {
            d.error(
                k.loc,
                &subject,
                format!(
                    "`{}` 不是组 id / `{}` is not a group id (a group id has no dots or brackets)",
                    k.name, k.name
                ),
            );
            continue;
        }
        let Some(kv) = v.as_map() else {
            d.error(
                v.loc,
                &subject,
                "应为 {into: 新组 id, ask: [成员…]} / expected {into: new group id, ask: [member, …]}",
            );
            continue;
        };
        let mut into = None;
        let mut ask = Vec::new();
        let mut ok = true;
        for (key, val) in kv {
            match key.name.as_str() {
                "into" => match val.as_str() {
                    Some(g) if qn.group(g).is_some() => into = Some(g.to_string()),
                    Some(g) => {
                        let e = d.error(
                            val.loc,
                            &subject,
                            format!("新版本没有组 `{g}` / this version has no group `{g}`"),
                        );
                        if let Some(h) =
                            crate::diag::did_you_mean(g, qn.groups.iter().map(|g| g.id.as_str()))
                        {
                            e.help(h);
                        }
                        ok = false;
                    }
                    None => {
                        d.error(
                            val.loc,
                            &subject,
                            "`into` 应为组 id / `into` must be a group id",
                        );
                        ok = false;
                    }
                },
                "ask" => match &val.kind {
                    NodeKind::Seq(items) => {
                        for it in items {
                            match it.as_str() {
                                Some(m) => ask.push((m.to_string(), it.loc)),
                                None => {
                                    d.error(
                                        it.loc,
                                        &subject,
                                        "`ask` 应列出成员 id / `ask` lists member ids",
                                    );
                                    ok = false;
                                }
                            }
                        }
                    }
                    _ => {
                        d.error(
                            val.loc,
                            &subject,
                            "`ask` 应为成员 id 列表 / `ask` must be a list of member ids",
                        );
                        ok = false;
                    }
                },
                other => {
                    d.error(
                        key.loc,
                        &subject,
                        format!("未知的键 / unknown key `{other}`"),
                    )
                    .help("expected one of: into, ask");
                    ok = false;
                }
            }
        }
        if kv.is_empty() {
            d.error(
                v.loc,
                &subject,
                "应至少写 into 或 ask / expected `into`, `ask` or both",
            );
            continue;
        }
        let into = match into {
            Some(g) => g,
            None if qn.group(&k.name).is_some() => k.name.clone(),
            None => {
                if ok {
                    d.error(
                        v.loc,
                        &subject,
                        format!(
                            "新版本没有组 `{}`：请用 `into` 指明其条目移入哪个组 / this version has no group `{}`: say with `into` which group its items move into",
                            k.name, k.name
                        ),
                    );
                }
                continue;
            }
        };
        let mut members = Vec::new();
        for (m, loc) in ask {
            let full = format!("{into}[*].{m}");
            if qn.question(&full).is_none() {
                let prefix = format!("{into}[*].");
                let e = d.error(
                    loc,
                    &subject,
                    format!("组 `{into}` 没有成员 `{m}` / group `{into}` has no member `{m}`"),
                );
                if let Some(h) = crate::diag::did_you_mean(
                    m.as_str(),
                    qn.questions
                        .iter()
                        .filter_map(|q| q.id.strip_prefix(&prefix)),
                ) {
                    e.help(h);
                }
                ok = false;
            } else {
                members.push(m);
            }
        }
        if ok {
            out.push(GroupMove {
                old: k.name.clone(),
                into,
                ask: members,
                loc: k.loc,
            });
        }
    }
    out
}

fn scalar(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Str(s) => Some(s.clone()),
        NodeKind::Bool(b) => Some(b.to_string()),
        NodeKind::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn check_from(from: &str, loc: Loc, file_name: &str, version: &str, d: &mut Diagnostics) {
    let stem = file_name
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .strip_prefix("from-");
    if stem != Some(from) {
        d.error(
            loc,
            "",
            format!(
                "`from: {from}` 与文件名不符(应为 migrations/from-{from}.yaml) / `from: {from}` does not match the file name (expected migrations/from-{from}.yaml)"
            ),
        );
    }
    match (
        semver::Version::parse(from),
        semver::Version::parse(version),
    ) {
        (Ok(old), Ok(new)) if old >= new => {
            d.error(
                loc,
                "",
                format!(
                    "`from: {from}` 不早于本规则包版本 {version} / `from: {from}` is not older than this pack's version {version}"
                ),
            );
        }
        (Err(_), _) => {
            d.error(
                loc,
                "",
                format!("`from: {from}` 不是语义化版本号 / `from: {from}` is not semver (MAJOR.MINOR.PATCH)"),
            );
        }
        _ => {}
    }
}

fn new_question<'q>(
    qn: &'q Questionnaire,
    id: &str,
    loc: Loc,
    subject: &str,
    d: &mut Diagnostics,
) -> Option<&'q Question> {
    match qn.question(id).and_then(|i| qn.questions.get(i)) {
        Some(q) => Some(q),
        None => {
            let help = crate::diag::did_you_mean(id, qn.questions.iter().map(|q| q.id.as_str()));
            let e = d.error(
                loc,
                subject,
                format!("新版本没有问题 `{id}` / this version has no question `{id}`"),
            );
            if let Some(h) = help {
                e.help(h);
            }
            None
        }
    }
}

fn entry(
    old_id: &str,
    loc: Loc,
    v: &Node,
    qn: &Questionnaire,
    moves: &MigrationMap,
    d: &mut Diagnostics,
) -> Option<MapEntry> {
    let subject = format!("question `{old_id}`");
    if let Some(NodeKind::Map(kv)) = Some(&v.kind)
        && let [(k, targets)] = kv.as_slice()
        && k.name == "each"
    {
        return each(old_id, loc, targets, qn, &subject, d);
    }
    // The group the old member's items are in, in this version.
    let new_group = group_of(old_id).map(|g| moves.group_into(g));
    if let Some(NodeKind::Map(kv)) = Some(&v.kind)
        && let [(k, targets)] = kv.as_slice()
        && k.name == "split"
    {
        let Some(ts) = targets.as_map() else {
            d.error(
                targets.loc,
                &subject,
                "`split` 应为映射(新问题 id: 处理方式) / `split` must be a mapping (new question id: what to do)",
            );
            return None;
        };
        let mut out = Vec::new();
        for (nk, nv) in ts {
            if group_of(&nk.name) != new_group {
                d.error(
                    nk.loc,
                    &subject,
                    format!(
                        "`{}` 与 `{old_id}` 不在同一组 / `{}` and `{old_id}` are not in the same group: answers move only within a group (or the group its items move into, under `groups`) or between top-level questions; `each` gives a top-level answer to every item of a group",
                        nk.name, nk.name
                    ),
                );
                continue;
            }
            let Some(q) = new_question(qn, &nk.name, nk.loc, &subject, d) else {
                continue;
            };
            if let Some(carry) = how(q, nv, &subject, d) {
                out.push(Target {
                    new_id: nk.name.clone(),
                    carry,
                });
            }
        }
        if ts.is_empty() {
            d.error(
                targets.loc,
                &subject,
                "`split` 为空 / `split` names no question",
            );
        }
        return Some(MapEntry {
            old_id: old_id.to_string(),
            targets: out,
            each: false,
            loc,
        });
    }
    let new_id = moves.same_id_in_new(old_id);
    let q = new_question(qn, &new_id, loc, &subject, d)?;
    let carry = how(q, v, &subject, d)?;
    Some(MapEntry {
        old_id: old_id.to_string(),
        targets: vec![Target { new_id, carry }],
        each: false,
        loc,
    })
}

/// `old: { each: { group[*].member: carry | reask | {map: …}, … } }`: fan-out of one top-level
/// answer to every item of the named groups.
fn each(
    old_id: &str,
    loc: Loc,
    targets: &Node,
    qn: &Questionnaire,
    subject: &str,
    d: &mut Diagnostics,
) -> Option<MapEntry> {
    if group_of(old_id).is_some() {
        d.error(
            loc,
            subject,
            format!(
                "`each` 只用于顶层问题：`{old_id}` 是组成员 / `each` gives a top-level answer to every item of a group, but `{old_id}` is a group member"
            ),
        );
        return None;
    }
    let Some(ts) = targets.as_map() else {
        d.error(
            targets.loc,
            subject,
            "`each` 应为映射(组成员 id: 处理方式) / `each` must be a mapping (group member id: what to do)",
        );
        return None;
    };
    if ts.is_empty() {
        d.error(
            targets.loc,
            subject,
            "`each` 为空 / `each` names no group member",
        );
        return None;
    }
    let mut out = Vec::new();
    for (nk, nv) in ts {
        if group_of(&nk.name).is_none() {
            d.error(
                nk.loc,
                subject,
                format!(
                    "`each` 的目标应为组成员(组[*].成员)：`{}` 是顶层问题 / `each` targets group members (group[*].member), but `{}` is a top-level question: use `split`",
                    nk.name, nk.name
                ),
            );
            continue;
        }
        let Some(q) = new_question(qn, &nk.name, nk.loc, subject, d) else {
            continue;
        };
        if let Some(carry) = how(q, nv, subject, d) {
            out.push(Target {
                new_id: nk.name.clone(),
                carry,
            });
        }
    }
    Some(MapEntry {
        old_id: old_id.to_string(),
        targets: out,
        each: true,
        loc,
    })
}

fn how(q: &Question, v: &Node, subject: &str, d: &mut Diagnostics) -> Option<Carry> {
    match &v.kind {
        NodeKind::Str(s) if s == "carry" => Some(Carry::Carry),
        NodeKind::Str(s) if s == "reask" => Some(Carry::Reask),
        NodeKind::Map(kv) if matches!(kv.as_slice(), [(k, _)] if k.name == "map") => {
            let pairs = kv.first().map(|(_, m)| m)?;
            let Some(pairs) = pairs.as_map() else {
                d.error(
                    pairs.loc,
                    subject,
                    "`map` 应为映射(旧选项: 新选项) / `map` must be a mapping (old option: new option)",
                );
                return None;
            };
            if !(q.qtype.is_choice() || q.qtype == QType::YesNo) {
                d.error(
                    v.loc,
                    subject,
                    format!(
                        "`{}` 是{}问题，没有可映射的选项 / `{}` is a {} question: it has no options to map",
                        q.id,
                        q.qtype.name(),
                        q.id,
                        q.qtype.name()
                    ),
                );
                return None;
            }
            let mut out = Vec::new();
            for (ok, nv) in pairs {
                let Some(new) = scalar(nv) else {
                    d.error(
                        nv.loc,
                        subject,
                        "新选项应为选项 id / the new option must be an option id",
                    );
                    continue;
                };
                let valid = match q.qtype {
                    QType::YesNo => matches!(new.as_str(), "true" | "false"),
                    _ => q.option_index(&new).is_some(),
                };
                if !valid {
                    let options: Vec<&str> = match q.qtype {
                        QType::YesNo => vec!["true", "false"],
                        _ => q.options.iter().map(|o| o.id.as_str()).collect(),
                    };
                    let e = d.error(
                        nv.loc,
                        subject,
                        format!(
                            "`{}` 没有选项 `{new}` / `{}` has no option `{new}`",
                            q.id, q.id
                        ),
                    );
                    e.help(
                        crate::diag::did_you_mean(&new, options.iter().copied())
                            .unwrap_or_else(|| format!("options: {}", options.join(", "))),
                    );
                    continue;
                }
                out.push((ok.name.clone(), new));
            }
            Some(Carry::Map(out))
        }
        _ => {
            d.error(
                v.loc,
                subject,
                "应为 carry、reask、{map: {…}}、{split: {…}} 或 {each: {…}} / expected carry, reask, {map: {…}}, {split: {…}} or {each: {…}}",
            );
            None
        }
    }
}
