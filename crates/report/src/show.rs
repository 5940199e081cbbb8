//! Text views of a pack for people: rule list, one rule with its clause, clause coverage.

use crate::render::labels;
use hegui_core::model::{Level, Pack};
use std::fmt::Write as _;

/// One line per rule: id, level, severity, clause, title.
pub fn rules_list(pack: &Pack) -> String {
    let mut s = String::new();
    let w = pack.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in &pack.rules {
        let level = match r.level {
            Level::Required => "required",
            Level::Recommended => "recommended",
        };
        let _ = writeln!(
            s,
            "{:<w$}  {:<11}  {:<8}  {} {:>3}  {} / {}",
            r.id,
            level,
            r.severity.name(),
            r.source.document,
            r.source.clause,
            r.title.zh,
            r.title.en
        );
    }
    let _ = writeln!(
        s,
        "{} rules in {} {}",
        pack.rules.len(),
        pack.meta.id,
        pack.meta.version
    );
    s
}

/// A rule in full, with the clause it cites printed around the quote.
pub fn rule_show(pack: &Pack, id: &str) -> Option<String> {
    let r = pack.rule(id)?;
    let mut s = String::new();
    let _ = writeln!(s, "{}  {} / {}", r.id, r.title.zh, r.title.en);
    let _ = writeln!(
        s,
        "level: {:?}  severity: {}  section: {}",
        r.level,
        r.severity.name(),
        r.section
    );
    let _ = writeln!(s, "digest: {}", r.digest);
    let _ = writeln!(s, "defined in: {}:{}", r.file, r.loc.line);
    let cite = hegui_core::eval::assess::source_cite(pack, r);
    let _ = writeln!(
        s,
        "\n{} / {} [{}]",
        cite.cite.zh, cite.cite.en, r.source.document
    );
    let _ = writeln!(s, "quote:  “{}”", r.source.quote);
    if pack.basis_postdates_source(r) {
        let t = labels::label(if cite.kind == hegui_core::model::DocKind::PolicyDocument {
            "basis_after_source_policy"
        } else {
            "basis_after_source_other"
        });
        let _ = writeln!(s, "note:   {} / {}", t.zh, t.en);
    }
    if let Some(doc) = pack.source(&r.source.document) {
        let _ = writeln!(
            s,
            "\n── {} ({}), {} {} ──",
            doc.title.zh, doc.issuer.zh, doc.date, doc.path
        );
        if let Some(text) = doc.clause(&r.source.clause) {
            let q = hegui_core::load::normalise(&r.source.quote);
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let mark = if !q.is_empty() && hegui_core::load::normalise(line).contains(&q) {
                    "▶ "
                } else {
                    "  "
                };
                let _ = writeln!(s, "{mark}{}", line.trim());
            }
        }
    }
    for reference in &r.references {
        if let Some(ins) = pack.instrument(&reference.instrument) {
            let arts: Vec<String> = reference
                .articles
                .iter()
                .map(|(v, a)| {
                    let rating = pack
                        .citation(&reference.instrument, v, a)
                        .map_or("?", |c| c.rating.name());
                    let n = labels::article_number(ins.numbering, a);
                    format!("{v} 版{} ({rating})", n.zh)
                })
                .collect();
            let kind = labels::kind(ins.kind);
            let law = labels::label("law");
            let _ = writeln!(
                s,
                "\n{} / {}: {} / {} [{} / {}{}] — {}",
                law.zh,
                law.en,
                ins.title.zh,
                ins.title.en,
                kind.zh,
                kind.en,
                if ins.binds_companies() {
                    String::new()
                } else {
                    let n = labels::label("not_binding");
                    format!("; {} / {}", n.zh, n.en)
                },
                arts.join("; ")
            );
        }
    }
    if let Some(a) = &r.applies_when {
        let _ = writeln!(s, "\napplies when: {}", a.describe());
    }
    let _ = writeln!(s, "check: {}", r.check.describe());
    let _ = writeln!(s, "\nevidence:");
    for e in &r.evidence {
        let _ = writeln!(s, "  - {} / {}", e.zh, e.en);
    }
    let _ = writeln!(
        s,
        "remediation: {}\n             {}",
        r.remediation.zh, r.remediation.en
    );
    Some(s)
}

/// Clause → rules (or why none), then rule → clause.
pub fn coverage(pack: &Pack) -> String {
    let mut s = String::new();
    for doc in &pack.sources {
        let kind = labels::kind(doc.kind);
        let heading = labels::source_heading(labels::source_label(doc.kind));
        let _ = writeln!(
            s,
            "{} — {} / {} ({} / {}: {} / {})",
            doc.id, doc.title.zh, doc.title.en, kind.zh, kind.en, heading.zh, heading.en
        );
        for (n, text) in &doc.clauses {
            let number = doc.clause_number(n);
            let heading: String = text
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .chars()
                .take(24)
                .collect();
            let rules: Vec<&str> = pack
                .rules
                .iter()
                .filter(|r| r.source.document == doc.id && r.source.clause == *n)
                .map(|r| r.id.as_str())
                .collect();
            if rules.is_empty() {
                match pack
                    .coverage
                    .iter()
                    .find(|c| c.document == doc.id && c.clause == *n)
                {
                    Some(c) => {
                        let _ = writeln!(
                            s,
                            "  {} / {}  {heading}\n      no rule ({}): {} / {}",
                            number.zh, number.en, c.addressee, c.reason.zh, c.reason.en
                        );
                    }
                    None => {
                        let _ = writeln!(
                            s,
                            "  {} / {}  {heading}\n      NOT COVERED: no rule and no reason in coverage.yaml",
                            number.zh, number.en
                        );
                    }
                }
            } else {
                let _ = writeln!(
                    s,
                    "  {} / {}  {heading}\n      {}",
                    number.zh,
                    number.en,
                    rules.join(", ")
                );
            }
            if doc.is_unverified(n) {
                let u = hegui_core::model::unverified_mark();
                let _ = writeln!(s, "      UNVERIFIED: {} / {}", u.zh, u.en);
            }
            for g in pack
                .known_gaps
                .iter()
                .filter(|g| g.document == doc.id && g.clause == *n)
            {
                let _ = writeln!(
                    s,
                    "      known gap `{}` ({}): {} / {}\n        why not encoded: {} / {}\n        would need: {} / {}",
                    g.id,
                    g.addressee,
                    g.obligation.zh,
                    g.obligation.en,
                    g.why_not_encoded.zh,
                    g.why_not_encoded.en,
                    g.would_need.zh,
                    g.would_need.en
                );
            }
        }
        if !doc.unverified.is_empty() {
            let u = hegui_core::model::unverified_mark();
            let _ = writeln!(
                s,
                "  unverified items / 未核实条目 ({}; {} / {}): {}",
                doc.unverified.len(),
                u.zh,
                u.en,
                doc.unverified.join(", ")
            );
        }
    }
    let _ = writeln!(s, "\nrule → clause");
    for r in &pack.rules {
        let number = pack
            .source(&r.source.document)
            .map(|d| d.clause_number(&r.source.clause))
            .map_or_else(|| r.source.clause.clone(), |t| t.zh);
        let _ = writeln!(s, "  {} → {} {}", r.id, r.source.document, number);
    }
    s
}

/// The cross-pack map of a set of packs: each article of national law that rules of two or
/// more packs rest on, with those rules (`hegui coverage --pack A --pack B`).
pub fn cross_coverage(packs: &[Pack]) -> String {
    use std::collections::BTreeMap;
    // (instrument, version, article) → [(pack, rule)].
    let mut map: BTreeMap<(String, String, String), Vec<(String, String)>> = BTreeMap::new();
    let mut titles: BTreeMap<String, hegui_core::text::Text> = BTreeMap::new();
    for p in packs {
        for r in &p.rules {
            for l in &r.references {
                if let Some(i) = p.instrument(&l.instrument) {
                    titles
                        .entry(i.id.clone())
                        .or_insert_with(|| i.title.clone());
                }
                for (version, article) in &l.articles {
                    let e = map
                        .entry((l.instrument.clone(), version.clone(), article.clone()))
                        .or_default();
                    let item = (p.meta.id.clone(), r.id.clone());
                    if !e.contains(&item) {
                        e.push(item);
                    }
                }
            }
        }
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "跨规则包对照：多个规则包的规则所依据的同一国家法律条文 / Cross-pack map: articles of national law behind rules of several packs"
    );
    let mut any = false;
    for ((instrument, version, article), rules) in &map {
        let first = rules.first().map(|r| r.0.as_str());
        if !rules.iter().any(|r| Some(r.0.as_str()) != first) {
            continue;
        }
        any = true;
        let title = titles.get(instrument);
        let _ = writeln!(
            s,
            "  {instrument} {version} {article} — {} / {}",
            title.map_or("", |t| t.zh.as_str()),
            title.map_or("", |t| t.en.as_str())
        );
        for (pack, rule) in rules {
            let _ = writeln!(s, "      {pack}: {rule}");
        }
    }
    if !any {
        let _ = writeln!(
            s,
            "  (无 none: no article stands behind rules of more than one pack)"
        );
    }
    s
}
