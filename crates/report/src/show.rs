//! Text views of a pack for people: rule list, one rule with its clause, clause coverage.

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
    let _ = writeln!(
        s,
        "\nsource: {} clause {}",
        r.source.document, r.source.clause
    );
    let _ = writeln!(s, "quote:  “{}”", r.source.quote);
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
                .map(|(v, a)| format!("{v} 版第{a}条"))
                .collect();
            let _ = writeln!(
                s,
                "\nlaw: {} / {} — {} (rating {})",
                ins.title.zh,
                ins.title.en,
                arts.join("; "),
                reference.rating
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
        let _ = writeln!(s, "{} — {} / {}", doc.id, doc.title.zh, doc.title.en);
        for (n, text) in &doc.clauses {
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
                            "  {n:>3} {heading}\n      no rule ({}): {} / {}",
                            c.addressee, c.reason.zh, c.reason.en
                        );
                    }
                    None => {
                        let _ = writeln!(
                            s,
                            "  {n:>3} {heading}\n      NOT COVERED: no rule and no reason in coverage.yaml"
                        );
                    }
                }
            } else {
                let _ = writeln!(s, "  {n:>3} {heading}\n      {}", rules.join(", "));
            }
        }
    }
    let _ = writeln!(s, "\nrule → clause");
    for r in &pack.rules {
        let _ = writeln!(s, "  {} → {} {}", r.id, r.source.document, r.source.clause);
    }
    s
}
