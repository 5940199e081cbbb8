//! Facts: one enterprise's answers, decoded and validated against a pack's questionnaire.
//!
//! Answers are typed by their question, never by YAML's guesses. Every problem is collected:
//! unknown questions (with did-you-mean), wrong types, options outside the list, exclusive
//! options combined with others, dates of past events after the assessment date, a bad credit
//! code, waivers for unknown rules, and a pack or questionnaire that does not match.

pub mod fast;
pub mod migrate;
pub mod migrate_set;

use crate::diag::{Diagnostic, Diagnostics, Loc, did_you_mean};
use crate::model::condition::{parse_date, parse_date_answer};
use crate::model::{DatePrecision, GIdx, Pack, QType, Question, Value};
use crate::syntax::decode::decode;
use crate::syntax::node::{self, Format, Node, NodeKind};
use chrono::NaiveDate;

pub use crate::answers::write;
pub use crate::answers::{
    Answer, AnswerState, Contact, DONT_KNOW_WORDS, Evidence, Facts, Item, Organisation, PackRef,
    Person, Submission, SubmissionKey, Waiver,
};

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
        _ => Err(look_alike_help(diags.into_vec(), &root)),
    }
}

/// Adds a hint to each error that stands on a text value written like `key：value` — a key, a
/// full-width colon (or an ASCII colon and a full-width space), a value — or like `a，b`: YAML
/// reads either as one piece of text, not as an entry or two list items, so the error itself
/// ("expected a mapping, found text", "`a，b` is not an option") does not say why.
fn look_alike_help(mut diags: Vec<Diagnostic>, root: &Node) -> Vec<Diagnostic> {
    let mut spots: Vec<(Loc, String)> = Vec::new();
    fn walk(n: &Node, out: &mut Vec<(Loc, String)>) {
        match &n.kind {
            NodeKind::Str(s) => {
                let split = s
                    .split_once('\u{ff1a}')
                    .or_else(|| s.split_once(":\u{3000}"))
                    .or_else(|| s.split_once(":\u{a0}"));
                if let Some((key, value)) = split
                    && !key.is_empty()
                    && key.chars().count() <= 64
                    && !key.contains(char::is_whitespace)
                {
                    out.push((
                        n.loc,
                        format!(
                            "这里是一段文字，不是“键: 值”：冒号是全角“：”或冒号后是全角空格；应写作 `{fixed}` / this is one piece of text, not `key: value`: the colon is full-width `：` (or followed by a full-width space); write `{fixed}`",
                            fixed = format_args!("{key}: {}", value.trim_start())
                        ),
                    ));
                } else if s.contains(['\u{ff0c}', '\u{3001}']) {
                    let fixed = s.replace(['\u{ff0c}', '\u{3001}'], ", ");
                    out.push((
                        n.loc,
                        format!(
                            "这里用了全角逗号“，”或顿号“、”分隔；列表项之间要用半角逗号：`[{fixed}]` / separated by a full-width comma `，` or `、`, which YAML reads as part of the text: separate list items with an ASCII comma, `[{fixed}]`"
                        ),
                    ));
                }
            }
            NodeKind::Seq(items) => items.iter().for_each(|i| walk(i, out)),
            NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| walk(v, out)),
            _ => {}
        }
    }
    walk(root, &mut spots);
    for d in diags
        .iter_mut()
        .filter(|d| d.level == crate::diag::Level::Error)
    {
        if let Some((_, help)) = spots.iter().find(|(loc, _)| *loc == d.loc) {
            d.help = Some(help.clone());
        }
    }
    diags
}

pub use crate::answers::FACTS_FORMAT;

const TOP_KEYS: &[&str] = &[
    "format",
    "pack",
    "packs",
    "library",
    "organisation",
    "prepared_by",
    "responsible_person",
    "assessment_date",
    "answers",
    "waivers",
    "submission",
];

/// Decodes a facts document already parsed into a tree.
pub fn from_node(root: &Node, pack: &Pack, d: &mut Diagnostics) -> Option<Facts> {
    if root.kind == NodeKind::Null {
        d.error(
            root.loc,
            "",
            "文件里没有内容（只有空行或注释）/ the file is empty (nothing but blank lines or comments)",
        )
        .help(format!(
            "a facts file is a mapping with {}; `hegui questionnaire` writes one to fill in",
            TOP_KEYS.join(", ")
        ));
        return None;
    }
    let facts_format = root
        .get("format")
        .and_then(Node::as_str)
        .filter(|f| f.starts_with("hegui.facts/"));
    if let Some(format) = root.get("format").and_then(Node::as_str)
        && format.starts_with("hegui.")
        && facts_format.is_none()
    {
        d.error(
            root.loc,
            "",
            format!(
                "这是 hegui 的输出（`{format}`），不是答卷 / this is a hegui output (`{format}`), not a facts file"
            ),
        )
        .help(if format.starts_with("hegui.assessment/") {
            "a result is what `hegui assess --format json` wrote; `hegui diff OLD NEW` compares two results, `assess` and `validate` read answers"
        } else {
            "`assess` and `validate` read answers (facts files)"
        });
        return None;
    }
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
            let help = node::look_alike_note(&k.name)
                .or_else(|| did_you_mean(&k.name, TOP_KEYS.iter().copied()))
                .unwrap_or_else(|| format!("expected one of: {}", TOP_KEYS.join(", ")));
            d.error(k.loc, "", format!("unknown key `{}`", k.name))
                .help(help);
        }
    }
    // facts/2: `format` first; `packs` and `library` only with it.
    let v2 = match (root.get("format"), facts_format) {
        (None, _) => false,
        (Some(_), Some(FACTS_FORMAT)) => true,
        (Some(n), _) => {
            d.error(
                n.loc,
                "",
                format!(
                    "未知的答卷格式 {f}(本程序读取 1 与 2 版)，请升级 hegui / unknown facts format {f} (this hegui reads versions 1 and 2): upgrade hegui",
                    f = n.as_str().unwrap_or("?")
                ),
            );
            return None;
        }
    };
    if !v2 {
        for key in ["packs", "library"] {
            if let Some((k, _)) = entries.iter().find(|(k, _)| k.name == key) {
                d.error(
                    k.loc,
                    "",
                    format!("`{key}` belongs to facts format 2 / `{key}` 是第 2 版答卷格式的键"),
                )
                .help(format!("add `format: {FACTS_FORMAT}` as the first line"));
            }
        }
    }
    let header_loc = |key: &str| root.get(key).map(|n| n.loc).unwrap_or(root.loc);
    let (refs, locs): (Vec<PackRef>, Vec<Loc>) = match (root.get("pack"), root.get("packs")) {
        (Some(_), Some(n)) => {
            d.error(
                n.loc,
                "",
                "`pack` and `packs` together: list every pack under `packs` / 不能同时写 pack 与 packs",
            );
            (Vec::new(), Vec::new())
        }
        (None, Some(n)) => match &n.kind {
            NodeKind::Seq(items) if !items.is_empty() => {
                let mut refs = Vec::new();
                let mut locs = Vec::new();
                for item in items {
                    if let Some(r) = decoded::<PackRef>(item, d) {
                        if refs.iter().any(|x: &PackRef| x.id == r.id) {
                            d.error(item.loc, "", format!("pack `{}` is listed twice", r.id));
                            continue;
                        }
                        refs.push(r);
                        locs.push(item.loc);
                    }
                }
                (refs, locs)
            }
            _ => {
                d.error(
                    n.loc,
                    "",
                    "`packs` is a non-empty list of {id, version, questionnaire_digest?}",
                );
                (Vec::new(), Vec::new())
            }
        },
        _ => {
            let r: Option<PackRef> = required(root, "pack", d).and_then(|n| decoded(n, d));
            (r.into_iter().collect(), vec![header_loc("pack")])
        }
    };
    if let Some(n) = root.get("library")
        && n.kind != NodeKind::Null
    {
        let _: Option<LibraryRef> = decoded(n, d);
    }
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
                    "`assessment_date` is a date YYYY-MM-DD, found {}{}",
                    n.display(),
                    date_why(DatePrecision::Day, n.as_str())
                ),
            );
            None
        }
    });
    let mut unloaded = Vec::new();
    if !refs.is_empty() {
        match check_header(&refs, &locs, pack, d) {
            // The answers belong to another questionnaire: one message, not one per answer.
            None => return None,
            Some(u) => unloaded = u,
        }
    }
    let mut ignored_answers: Vec<String> = Vec::new();
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
                        // Members of a pack the header lists but that is not assessed are
                        // ignored like its top-level answers (with the same note).
                        let ignore = (!unloaded.is_empty()).then_some(&mut ignored_answers);
                        let items =
                            group_items(pack, g, v, date, assessment_date.is_some(), ignore, d);
                        if let Some(slot) = groups.get_mut(g) {
                            *slot = items;
                        }
                    } else if !unloaded.is_empty() && qn.question(&k.name).is_none() {
                        // A question of a pack the header lists but that is not assessed.
                        ignored_answers.push(k.name.clone());
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
    if !ignored_answers.is_empty() {
        d.warning(
            header_loc("answers"),
            "",
            format!(
                "忽略了未评估的规则包({packs})的 {n} 个答案 / {n} answer(s) for pack(s) not assessed ({packs}) are ignored: {ids}",
                n = ignored_answers.len(),
                packs = unloaded.join(", "),
                ids = ignored_answers.join(", ")
            ),
        )
        .help("assess with those packs too (`--pack`), or leave out `--pack` so the header decides");
    }
    let waivers = waivers(root, pack, d);
    // The pack the answers stand for: the first listed pack that is assessed.
    let main_ref = refs
        .iter()
        .find(|r| !unloaded.contains(&r.id))
        .or(refs.first())
        .cloned();
    let submission = root.get("submission").and_then(|n| submission(n, d));
    let facts = Facts {
        pack: main_ref?,
        packs: refs,
        ignored_answers,
        organisation: organisation?,
        prepared_by,
        responsible_person,
        assessment_date: assessment_date?,
        answers,
        groups,
        waivers,
        submission,
    };
    hidden_answers(&facts, pack, Some(root), d);
    Some(facts)
}

/// The `submission` header: `{key: "HGK-…"}`. Only its shape is checked here, with a warning
/// (a campaign's `collect` checks the key itself); the key is never echoed in a message.
fn submission(n: &Node, d: &mut Diagnostics) -> Option<Submission> {
    if n.kind == NodeKind::Null {
        return None;
    }
    let key = n
        .as_map()
        .filter(|m| m.len() == 1)
        .and_then(|_| n.get("key"))
        .and_then(Node::as_str)
        .and_then(crate::answers::SubmissionKey::parse);
    match key {
        Some(k) => Some(Submission::Key(k)),
        None => {
            d.warning(
                n.loc,
                "",
                "报送码格式不正确 / the submission key is malformed",
            )
            .help(
                "`submission` is `{key: \"HGK-…\"}` as the invitation wrote it; copy it unchanged",
            );
            Some(Submission::Malformed)
        }
    }
}

/// `: ` and what is wrong with a date written as text ([`crate::model::condition::date_problem`]);
/// nothing for a value that is not text (the message says what was found).
fn date_why(precision: DatePrecision, written: Option<&str>) -> String {
    let Some(s) = written else {
        return String::new();
    };
    // A month or a year that is itself impossible (`2025-13`): say so; otherwise what a full
    // date needs.
    if precision > DatePrecision::Day && s.trim().len() < 10 {
        return String::new();
    }
    format!(": {}", crate::model::condition::date_problem(s))
}

/// The forms a date question of `precision` accepts, in words.
fn date_forms(precision: DatePrecision) -> &'static str {
    match precision {
        DatePrecision::Day => "a date YYYY-MM-DD",
        DatePrecision::Month => "a date YYYY-MM-DD or a month YYYY-MM",
        DatePrecision::Year => "a date YYYY-MM-DD, a month YYYY-MM or a year YYYY",
    }
}

fn precision_zh(precision: DatePrecision) -> &'static str {
    match precision {
        DatePrecision::Day => "完整日期 YYYY-MM-DD",
        DatePrecision::Month => "精确到月 YYYY-MM 或完整日期",
        DatePrecision::Year => "精确到年 YYYY、月或完整日期",
    }
}

fn example_form(precision: DatePrecision) -> &'static str {
    match precision {
        DatePrecision::Day => "2025-09-15",
        DatePrecision::Month => "2025-09",
        DatePrecision::Year => "2025",
    }
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

/// Whether the answers were given for an older version of `pack` from which it declares a
/// migration (and their questionnaire is not this version's): they must be migrated first.
pub(crate) fn awaits_migration(p: &PackRef, pack: &Pack) -> bool {
    p.id == pack.meta.id
        && p.version != pack.meta.version
        && p.questionnaire_digest.as_deref() != Some(pack.questionnaire.digest.as_str())
        && pack.migration_from(&p.version).is_some()
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
        _ if pack.migration_from(&p.version).is_some() => {
            d.error(
                loc,
                "",
                format!(
                    "该答卷针对规则包 {v}：请运行 hegui migrate / answers for pack {v}: run hegui migrate",
                    v = p.version
                ),
            )
            .help(format!(
                "`hegui migrate FILE -o NEW` carries the answers to {} {} with the migration the pack declares / 用规则包声明的迁移映射把答案迁移到新版本",
                meta.id, meta.version
            ));
        }
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

/// `library:` in a facts/2 header: the question library answered (its shape is checked; the
/// packs' own library is what counts).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct LibraryRef {
    id: String,
    version: String,
}

/// Checks the packs a header lists against the packs assessed (`pack`, or the members of the
/// set it stands for): each listed pack that is assessed as [`check_pack`] does. Returns the
/// ids of listed packs that are not assessed, or `None` when the answers must be migrated
/// first. Listing none of the assessed packs is an error.
pub(crate) fn check_header(
    refs: &[PackRef],
    locs: &[Loc],
    pack: &Pack,
    d: &mut Diagnostics,
) -> Option<Vec<String>> {
    if pack.members.is_empty() {
        // One pack: the first listed pack with its id, else the first (an error).
        let i = refs.iter().position(|r| r.id == pack.meta.id).unwrap_or(0);
        let r = refs.get(i)?;
        let loc = locs.get(i).copied().unwrap_or(Loc::UNKNOWN);
        check_pack(r, loc, pack, d);
        if awaits_migration(r, pack) {
            return None;
        }
        return Some(
            refs.iter()
                .filter(|x| x.id != pack.meta.id)
                .map(|x| x.id.clone())
                .collect(),
        );
    }
    let mut unloaded = Vec::new();
    let mut migrate = false;
    for (i, r) in refs.iter().enumerate() {
        let loc = locs.get(i).copied().unwrap_or(Loc::UNKNOWN);
        let Some(m) = pack.members.iter().find(|m| m.id == r.id) else {
            unloaded.push(r.id.clone());
            continue;
        };
        // The member's identity in a pack of its own, for the one check of versions.
        let mut alone = Pack {
            meta: pack.meta.clone(),
            sections: Vec::new(),
            scopes: Vec::new(),
            sources: Vec::new(),
            instruments: Vec::new(),
            citations: Vec::new(),
            questionnaire: crate::model::Questionnaire::default(),
            rules: Vec::new(),
            coverage: Vec::new(),
            known_gaps: Vec::new(),
            limits: Vec::new(),
            tests: Vec::new(),
            digest: String::new(),
            migrations: Vec::new(),
            library: None,
            members: Vec::new(),
        };
        alone.meta.id.clone_from(&m.id);
        alone.meta.version.clone_from(&m.version);
        alone
            .questionnaire
            .digest
            .clone_from(&m.questionnaire_digest);
        alone.migrations = m
            .migrates_from
            .iter()
            .map(|f| crate::model::migration::MigrationMap {
                from: f.clone(),
                ..Default::default()
            })
            .collect();
        check_pack(r, loc, &alone, d);
        migrate |= awaits_migration(r, &alone);
    }
    if unloaded.len() == refs.len() {
        let ids: Vec<&str> = pack.members.iter().map(|m| m.id.as_str()).collect();
        d.error(
            locs.first().copied().unwrap_or(Loc::UNKNOWN),
            "",
            format!(
                "answers are for pack(s) {}, but none of them is assessed (packs used: {})",
                unloaded.join(", "),
                ids.join(", ")
            ),
        )
        .help("assess with the packs the questionnaire came from (`--pack`), or leave out `--pack` so the header decides");
    }
    (!migrate).then_some(unloaded)
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
    let help = node::look_alike_note(name).or_else(|| did_you_mean(name, candidates));
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
    let Some(group) = qn.groups.get(g) else {
        return format!("#{ordinal}");
    };
    let text_of = |local: &str| -> Option<String> {
        let q = qn.member(g, local).and_then(|q| qn.questions.get(q))?;
        match answers.get(q.pos) {
            Some(Some(Answer {
                state: AnswerState::Value(v),
                ..
            })) => match v {
                Value::Text(t) if !t.trim().is_empty() => Some(t.clone()),
                Value::Choice(i) => q.options.get(*i).map(|o| o.id.clone()),
                Value::Text(_) => None,
                other => Some(crate::eval::display_value(q, other)),
            },
            _ => None,
        }
    };
    let key = group
        .item_key
        .as_deref()
        .and_then(text_of)
        .unwrap_or_else(|| format!("#{ordinal}"));
    if group.item_details.is_empty() {
        return key;
    }
    // `主App · android · 3.2.1`: the key, then each detail answered.
    let mut label = key;
    for d in &group.item_details {
        if let Some(t) = text_of(d) {
            label.push_str(" · ");
            label.push_str(&t);
        }
    }
    label
}

fn group_items(
    pack: &Pack,
    g: GIdx,
    v: &Node,
    date: NaiveDate,
    have_date: bool,
    mut ignored: Option<&mut Vec<String>>,
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
                None if ignored.is_some() => {
                    if let Some(ids) = ignored.as_deref_mut()
                        && !ids.contains(&full)
                    {
                        ids.push(full);
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
                        let help = node::look_alike_note(other).or_else(|| did_you_mean(other, ["value", "remark", "evidence", "dont_know"])).unwrap_or_else(|| "an answer in long form has value (or dont_know: true), remark and evidence".into());
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
                let found = match n.kind {
                    NodeKind::Float(x) if x.fract() == 0.0 => format!(
                        "数值过大 a number too large to be read exactly (about {x:e}; at most 15 digits)"
                    ),
                    _ => n.display(),
                };
                d.error(
                    n.loc,
                    &subject,
                    format!("integer question expects a whole number, found {found}"),
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
            // A year may come as a YAML number (`2025`); a month or a year only where the
            // question's precision allows it.
            let written = match &n.kind {
                NodeKind::Int(i) if (1000..=9999).contains(i) => Some(i.to_string()),
                _ => n.as_str().map(str::to_string),
            };
            let Some(v) = written.as_deref().and_then(parse_date_answer) else {
                d.error(
                    n.loc,
                    &subject,
                    format!(
                        "date question expects {}, found {}{}",
                        date_forms(q.precision),
                        n.display(),
                        date_why(q.precision, written.as_deref())
                    ),
                );
                return None;
            };
            let precision = v.date_precision().unwrap_or_default();
            if precision > q.precision {
                d.error(
                    n.loc,
                    &subject,
                    format!(
                        "日期不够精确：本题需要{} / the date `{}` is not precise enough: this question needs {}",
                        precision_zh(q.precision),
                        written.as_deref().unwrap_or_default(),
                        date_forms(q.precision)
                    ),
                )
                .help(format!(
                    "例如 {ex}；不知道时填“不清楚” / e.g. {ex}; answer 不清楚 if you do not know",
                    ex = example_form(q.precision)
                ));
                return None;
            }
            if let Some((first, _)) = v.date_span()
                && q.past_event
                && have_date
                && first > date
            {
                let shown = match &v {
                    Value::Period(p) => p.written(),
                    _ => first.to_string(),
                };
                d.error(n.loc, &subject, format!("{shown} is after the assessment date {date}, but this is the date of a past event"));
                return None;
            }
            Some(v)
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
    // Several packs: the rule must be one of the named pack's, and a rule id two packs share
    // needs the pack named.
    if !pack.members.is_empty() {
        let owners: Vec<&str> = pack
            .members
            .iter()
            .filter(|m| m.rules.contains(&w.rule))
            .map(|m| m.id.as_str())
            .collect();
        match &w.pack {
            Some(p) if !pack.members.iter().any(|m| &m.id == p) => {
                d.warning(
                    loc,
                    &subject,
                    format!("规则包 `{p}` 未参与评估，豁免被忽略 / pack `{p}` is not assessed: the waiver is ignored"),
                );
                return;
            }
            Some(p) if !owners.contains(&p.as_str()) => {
                d.error(loc, &subject, format!("pack `{p}` has no such rule"));
                return;
            }
            None if owners.len() > 1 => {
                d.error(
                    loc,
                    &subject,
                    format!(
                        "rule id `{}` exists in packs {}: name the pack the waiver is for",
                        w.rule,
                        owners.join(", ")
                    ),
                )
                .help("add `pack: ID` to the waiver (facts format 2)");
                return;
            }
            _ => {}
        }
    } else if let Some(p) = &w.pack
        && p != &pack.meta.id
    {
        d.warning(
            loc,
            &subject,
            format!("规则包 `{p}` 未参与评估，豁免被忽略 / pack `{p}` is not assessed: the waiver is ignored"),
        );
        return;
    }
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
    if out.iter().any(|o| o.rule == w.rule && o.pack == w.pack) {
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

/// The pack ids a facts file's header lists (`packs[*].id`, or `pack.id`), in order; empty
/// when the file cannot be parsed or lists none (the loader then says why). Used to choose
/// the packs when none is named.
pub fn header_pack_ids(name: &str, text: &str) -> Vec<String> {
    let Ok(root) = node::parse(text, Format::from_path(name)) else {
        return Vec::new();
    };
    let id = |n: &Node| n.get("id").and_then(Node::as_str).map(str::to_string);
    match (root.get("packs").map(|n| &n.kind), root.get("pack")) {
        (Some(NodeKind::Seq(items)), _) => items.iter().filter_map(id).collect(),
        (_, Some(p)) => id(p).into_iter().collect(),
        _ => Vec::new(),
    }
}
