//! The Word report (`--format docx`, issue 18): what a client reads is in it, its headings are
//! real outline levels, its bytes do not depend on the clock, time zone or locale, the
//! branding of `--templates DIR/word.yaml` reaches it and a bad settings file is named with
//! its line and key. LibreOffice is not needed here (`.ci/run` converts every fixture's
//! report to PDF with it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use assert_cmd::Command;
use hegui_core::eval::assess::{AssessOptions, Outcome, assess};
use hegui_core::model::Level;
use hegui_core::text::Lang;
use hegui_report::render::ReportOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hegui() -> Command {
    let mut c = Command::cargo_bin("hegui").unwrap();
    c.env_remove("SOURCE_DATE_EPOCH").env("NO_COLOR", "1");
    c
}

fn pack() -> &'static hegui_core::model::Pack {
    static PACK: std::sync::OnceLock<hegui_core::model::Pack> = std::sync::OnceLock::new();
    PACK.get_or_init(|| {
        hegui_core::load::load_pack(&hegui_packs::pack_files(hegui_packs::DEFAULT_PACK).unwrap())
            .unwrap()
            .pack
    })
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/companies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 5, "{v:?}");
    v
}

/// One part of a .docx, as text.
fn part(docx: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut s = String::new();
    z.by_name(name)
        .unwrap_or_else(|_| panic!("no {name}"))
        .read_to_string(&mut s)
        .unwrap();
    s
}

fn names(docx: &[u8]) -> Vec<String> {
    let z = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    z.file_names().map(|n| n.unwrap().into_owned()).collect()
}

/// The text a reader sees: the contents of every `<w:t>`, each paragraph on a line.
fn text_of(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        let Some(j) = rest[i..].find('>') else { break };
        let tag = &rest[i + 1..i + j];
        rest = &rest[i + j + 1..];
        if tag == "/w:p" {
            out.push('\n');
        } else if (tag == "w:t" || tag.starts_with("w:t ")) && !tag.ends_with('/') {
            let end = rest.find("</w:t>").unwrap();
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn docx_of(path: &Path, lang: Lang) -> (Vec<u8>, hegui_core::eval::assess::Assessment) {
    let text = std::fs::read_to_string(path).unwrap();
    let facts = hegui_core::facts::load_facts(path.to_str().unwrap(), &text, pack())
        .unwrap()
        .facts;
    let a = assess(pack(), &facts, AssessOptions::default());
    let bytes = hegui_word::report(
        &a,
        pack(),
        lang,
        &ReportOptions::default(),
        &hegui_word::Brand::default(),
    )
    .unwrap();
    (bytes, a)
}

#[test]
fn every_failed_or_undecided_required_rule_is_named_in_every_fixture() {
    let mut named = 0;
    for path in fixtures() {
        for lang in [Lang::Zh, Lang::En] {
            let (docx, a) = docx_of(&path, lang);
            let text = text_of(&part(&docx, "word/document.xml"));
            for f in a.findings().filter(|f| {
                f.level == Level::Required
                    && matches!(f.outcome, Outcome::Fail | Outcome::Unanswered)
            }) {
                let title = if lang == Lang::En {
                    &f.title.en
                } else {
                    &f.title.zh
                };
                assert!(
                    text.contains(title.as_str()),
                    "{}: {:?} rule {} ({title}) is not named in the Word report",
                    path.display(),
                    f.outcome,
                    f.rule_id
                );
                if f.outcome == Outcome::Fail {
                    assert!(
                        text.contains(&f.rule_id),
                        "{}: {}",
                        path.display(),
                        f.rule_id
                    );
                }
                named += 1;
            }
            // The verdict and the notice are on it, whatever the outcome.
            let notice = hegui_report::render::labels::label("notice");
            let notice = if lang == Lang::En {
                notice.en
            } else {
                notice.zh
            };
            assert!(text.contains(&notice), "{}: no notice", path.display());
            let v =
                hegui_core::eval::score::verdict(&hegui_core::eval::score::Score::of(a.findings()));
            let headline = if lang == Lang::En {
                &v.headline.en
            } else {
                &v.headline.zh
            };
            assert!(text.contains(headline.as_str()), "{}", path.display());
        }
    }
    assert!(
        named > 20,
        "only {named} rules checked: the fixtures changed?"
    );
}

#[test]
fn the_verdict_and_undecided_count_come_first() {
    let (docx, a) = docx_of(&root().join("fixtures/companies/half-blank.yaml"), Lang::Zh);
    let text = text_of(&part(&docx, "word/document.xml"));
    let s = hegui_core::eval::score::Score::of(a.findings());
    assert!(s.undecided > 0);
    let v = hegui_core::eval::score::verdict(&s);
    let verdict_at = text.find(&v.headline.zh).unwrap();
    let undecided_at = text.find(&format!("尚无定论: {}", s.undecided)).unwrap();
    // Coverage is under 100%: the score says it counts decided rules only.
    assert!(s.coverage.unwrap() < 100);
    let score_at = text
        .find("得分(仅计已判定规则：满足、未满足、豁免): ")
        .unwrap();
    let coverage_at = text.find("覆盖率: ").unwrap();
    assert!(verdict_at < coverage_at, "verdict first");
    assert!(
        coverage_at < score_at,
        "coverage before the score, as in the HTML headline"
    );
    // A complete assessment: the plain label, and no undecided count of zero.
    let (docx, _) = docx_of(
        &root().join("fixtures/companies/platform-compliant.yaml"),
        Lang::En,
    );
    let full = text_of(&part(&docx, "word/document.xml"));
    assert!(full.contains("Score: 100%"), "{full}");
    assert!(!full.contains("decided rules only") && !full.contains("Undecided: 0"));
    let contents_at = text.find("目录").unwrap();
    assert!(
        verdict_at < contents_at && undecided_at < contents_at,
        "{text}"
    );
    // The body follows the HTML report's order.
    let order = [
        "结论与评分",
        "本评估的局限",
        "整改计划",
        "强制性差距",
        "改进建议",
        "待回答的问题",
        "附录 A.",
        "附录 B.",
    ];
    let mut at = contents_at + text[contents_at..].find("附录 B.").unwrap();
    for h in order {
        let i = at
            + text[at..]
                .find(h)
                .unwrap_or_else(|| panic!("{h} missing or out of order"));
        at = i;
    }
}

#[test]
fn heading_styles_carry_outline_levels_and_the_document_uses_them() {
    let (docx, _) = docx_of(&root().join("fixtures/companies/news-app.yaml"), Lang::Both);
    let styles = part(&docx, "word/styles.xml");
    for (id, level) in [("Heading1", 0), ("Heading2", 1), ("Heading3", 2)] {
        let start = styles
            .find(&format!(r#"w:styleId="{id}""#))
            .unwrap_or_else(|| panic!("no style {id}"));
        let style = &styles[start..start + styles[start..].find("</w:style>").unwrap()];
        assert!(
            style.contains(&format!(r#"<w:outlineLvl w:val="{level}" />"#)),
            "{id}: {style}"
        );
        // East Asian fonts set apart from Latin ones, named only.
        assert!(style.contains(r#"w:eastAsia="黑体""#), "{style}");
        assert!(style.contains(r#"w:ascii="Arial""#), "{style}");
    }
    assert!(styles.contains(r#"w:eastAsia="宋体""#), "body font");
    assert!(
        !names(&docx)
            .iter()
            .any(|n| n.contains("font") && n != "word/fontTable.xml"),
        "no font is embedded: {:?}",
        names(&docx)
    );
    let doc = part(&docx, "word/document.xml");
    assert!(doc.matches(r#"<w:pStyle w:val="Heading1" />"#).count() >= 9);
    assert!(doc.contains(r#"<w:pStyle w:val="Heading2" />"#));
    // A4 portrait, a TOC field, page numbers in the footer, tables as tables.
    assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "A4");
    assert!(doc.contains(r#"TOC \o &quot;1-2&quot;"#), "TOC field");
    assert!(doc.matches("<w:tbl>").count() >= 8);
    let footer = part(&docx, "word/footer1.xml");
    assert!(
        footer.contains("PAGE") && footer.contains("NUMPAGES"),
        "{footer}"
    );
    let core = part(&docx, "docProps/core.xml");
    assert!(core.contains("<dc:title>合规差距报告 — "), "{core}");
    assert!(
        core.contains("<cp:keywords>hlj-2017-mobile-internet "),
        "{core}"
    );
    let custom = part(&docx, "docProps/custom.xml");
    assert!(custom.contains(r#"name="PackVersion""#), "{custom}");
}

/// document.xml with a line break after each paragraph, table row and table, for review.
fn readable(xml: &str) -> String {
    xml.replace("</w:p>", "</w:p>\n")
        .replace("</w:tr>", "</w:tr>\n")
        .replace("<w:tbl>", "\n<w:tbl>")
}

#[test]
fn document_xml_snapshot() {
    let (docx, _) = docx_of(&root().join("fixtures/companies/half-blank.yaml"), Lang::Zh);
    insta::assert_snapshot!(
        "word_document_half_blank",
        readable(&part(&docx, "word/document.xml"))
    );
    insta::assert_snapshot!("word_styles", readable(&part(&docx, "word/styles.xml")));
}

#[test]
fn same_bytes_whatever_the_clock_zone_and_locale() {
    let fixture = root().join("fixtures/companies/news-app.yaml");
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, tz: &str, lc: &str| {
        let out = dir.path().join(name);
        hegui()
            .env("TZ", tz)
            .env("LC_ALL", lc)
            .env("LANG", lc)
            .args([
                "assess",
                fixture.to_str().unwrap(),
                "--format",
                "docx",
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        std::fs::read(out).unwrap()
    };
    let a = run("a.docx", "UTC", "C");
    let b = run("b.docx", "Asia/Shanghai", "zh_CN.UTF-8");
    assert_eq!(a, b);
    // Every entry dated 1980-01-01 00:00; no creation time in the properties.
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&a)).unwrap();
    for i in 0..z.len() {
        let f = z.by_index(i).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day(), t.hour(), t.minute()),
            (1980, 1, 1, 0, 0)
        );
    }
    assert_eq!(
        z.by_index(0).unwrap().name().unwrap(),
        "[Content_Types].xml"
    );
    assert!(!part(&a, "docProps/core.xml").contains("dcterms:created"));
    // In one process, the second report is the same as the first (docx-rs counts ids
    // process-wide; the package renumbers them).
    let (one, _) = docx_of(&fixture, Lang::Zh);
    let (two, _) = docx_of(&fixture, Lang::Zh);
    assert_eq!(one, two);
    assert_eq!(one, a);
    // A creation time only when asked for.
    let out = dir.path().join("c.docx");
    hegui()
        .env("SOURCE_DATE_EPOCH", "1780000000")
        .args([
            "assess",
            fixture.to_str().unwrap(),
            "--format",
            "docx",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let c = std::fs::read(&out).unwrap();
    assert!(part(&c, "docProps/core.xml").contains(">2026-05-28T20:26:40Z</dcterms:created>"));
}

/// A 2×1 PNG (a valid file, made here, so nothing binary is shipped).
fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let chunk = |v: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        v.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        v.extend_from_slice(&c);
        v.extend_from_slice(&crc32(&c).to_be_bytes());
    };
    chunk(&mut v, b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    // zlib stored block of one row: filter 0 and two red pixels.
    let raw = [0u8, 255, 0, 0, 255, 0, 0];
    let mut z = vec![0x78, 0x01, 1, raw.len() as u8, 0, !(raw.len() as u8), 0xFF];
    z.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for x in raw {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    chunk(&mut v, b"IDAT", &z);
    chunk(&mut v, b"IEND", &[]);
    v
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn branding_from_word_yaml_reaches_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let brand = dir.path().join("品牌");
    std::fs::create_dir(&brand).unwrap();
    std::fs::write(brand.join("logo.png"), png()).unwrap();
    std::fs::write(
        brand.join("word.yaml"),
        "firm: 某某合规咨询 Example Compliance Consulting\nlogo: logo.png\naccent: \"#8b0000\"\nheader: 客户专用报告\nfooter: 北京市某某区 010-0000\nconfidentiality: 保密 — 仅供客户内部使用\n",
    )
    .unwrap();
    let out = dir.path().join("r.docx");
    let fixture = root().join("fixtures/companies/mini-program-shop.yaml");
    hegui()
        .args([
            "assess",
            fixture.to_str().unwrap(),
            "--format",
            "docx",
            "--lang",
            "both",
            "--templates",
        ])
        .arg(&brand)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let d = std::fs::read(&out).unwrap();
    let doc = part(&d, "word/document.xml");
    assert!(doc.contains("某某合规咨询 Example Compliance Consulting"));
    assert!(doc.contains("保密 — 仅供客户内部使用"));
    assert!(doc.contains(r#"w:fill="8B0000""#), "accent on table heads");
    assert!(part(&d, "word/styles.xml").contains(r#"<w:color w:val="8B0000" />"#));
    let header = part(&d, "word/header1.xml");
    assert!(
        header.contains("客户专用报告") && header.contains("rIdImage1"),
        "{header}"
    );
    // The header's picture relationship points at the logo's bytes in the package.
    let rels = part(&d, "word/_rels/header1.xml.rels");
    let target = rels
        .split("Target=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(
        target.starts_with("media/") && target.ends_with(".png"),
        "{rels}"
    );
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&d)).unwrap();
    let mut logo = Vec::new();
    z.by_name(&format!("word/{target}"))
        .unwrap()
        .read_to_end(&mut logo)
        .unwrap();
    assert_eq!(logo, png());
    let footer = part(&d, "word/footer1.xml");
    assert!(
        footer.contains("北京市某某区 010-0000") && footer.contains("保密"),
        "{footer}"
    );
    assert!(part(&d, "docProps/core.xml").contains("<dc:creator>某某合规咨询"));
    // Both languages: a Chinese label and its English.
    assert!(doc.contains("整改计划") && doc.contains("Remediation plan"));
}

#[test]
fn a_bad_settings_file_is_named_with_line_and_key_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("word.yaml"),
        "firm: 甲\ncolour: red\naccent: crimson\nlogo: ../escape.png\n",
    )
    .unwrap();
    let out = dir.path().join("r.docx");
    let fixture = root().join("fixtures/companies/news-app.yaml");
    let o = assess_docx(&fixture, dir.path(), &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("word.yaml:2:1: 未知的键 unknown key `colour`"),
        "{err}"
    );
    assert!(
        err.contains("word.yaml:3:9: `accent`: `crimson` 不是颜色 is not a colour"),
        "{err}"
    );
    assert!(err.contains("word.yaml:4:7: `logo`:"), "{err}");
    assert!(!out.exists());
    // HTML ignores word.yaml.
    hegui()
        .args([
            "assess",
            fixture.to_str().unwrap(),
            "--format",
            "html",
            "--templates",
        ])
        .arg(dir.path())
        .arg("-o")
        .arg(dir.path().join("r.html"))
        .assert()
        .success();
}

#[test]
fn docx_to_a_pipe_is_written_and_to_a_terminal_refused() {
    let fixture = root().join("fixtures/companies/news-app.yaml");
    let o = hegui()
        .args(["assess", fixture.to_str().unwrap(), "--format", "docx"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(o.stdout.starts_with(b"PK\x03\x04"));
    assert!(part(&o.stdout, "word/document.xml").contains("<w:body>"));
    // On a terminal (util-linux `script` gives the command one): refused, exit 2.
    let bin = env!("CARGO_BIN_EXE_hegui");
    let cmd = format!(
        "{bin} assess {} --format docx; echo \"exit=$?\"",
        fixture.display()
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("util-linux `script` is needed to give hegui a terminal");
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains("stdout is a terminal"), "{shown}");
    assert!(shown.contains("-o FILE.docx"), "{shown}");
    assert!(shown.contains("exit=2"), "{shown}");
    assert!(!shown.contains("PK\u{3}\u{4}"), "{shown}");
}

#[test]
fn batch_writes_one_word_report_per_submission() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("in");
    std::fs::create_dir(&inbox).unwrap();
    for f in ["news-app.yaml", "half-blank.yaml"] {
        std::fs::copy(root().join("fixtures/companies").join(f), inbox.join(f)).unwrap();
    }
    let out = dir.path().join("out");
    hegui()
        .args(["batch"])
        .arg(&inbox)
        .arg("--out")
        .arg(&out)
        .args(["--reports", "docx", "--as-of", "2026-12-31"])
        .assert()
        .success();
    let mut reports: Vec<String> = std::fs::read_dir(out.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    reports.sort();
    assert_eq!(reports.len(), 2, "{reports:?}");
    for r in &reports {
        assert!(r.ends_with(".docx"), "{r}");
        let d = std::fs::read(out.join("reports").join(r)).unwrap();
        let (name, _) = r.split_once('.').unwrap();
        let fixture = root()
            .join("fixtures/companies")
            .join(format!("{}.yaml", &name[7..]));
        // The same bytes as `assess --format docx` of that file.
        let (single, _) = docx_of(&fixture, Lang::Zh);
        assert_eq!(d, single, "{r}");
    }
    assert!(
        std::fs::read_to_string(out.join("summary.json"))
            .unwrap()
            .contains(".docx")
    );
}

#[test]
fn a_reference_document_gives_its_styles_matched_by_name() {
    // Styles as Word in Chinese writes them: `Normal` is `a`, `heading 1` is `1`.
    let styles = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:eastAsia="仿宋" w:hAnsi="Calibri" /></w:rPr></w:rPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal" /></w:style><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1" /><w:basedOn w:val="a" /><w:pPr><w:outlineLvl w:val="0" /></w:pPr><w:rPr><w:color w:val="123456" /></w:rPr></w:style></w:styles>"#;
    let dir = tempfile::tempdir().unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("word/styles.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut w, styles.as_bytes()).unwrap();
    std::fs::write(
        dir.path().join("样式.docx"),
        w.finish().unwrap().into_inner(),
    )
    .unwrap();
    std::fs::write(dir.path().join("word.yaml"), "reference: 样式.docx\n").unwrap();
    let out = dir.path().join("r.docx");
    let fixture = root().join("fixtures/companies/news-app.yaml");
    let o = assess_docx(&fixture, dir.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = std::fs::read(&out).unwrap();
    let st = part(&d, "word/styles.xml");
    assert!(
        st.contains(r#"w:eastAsia="仿宋""#),
        "the reference's defaults"
    );
    assert!(
        st.contains(r#"<w:color w:val="123456" />"#),
        "the reference's heading 1"
    );
    assert!(
        !st.contains(r#"w:styleId="Heading1""#),
        "hegui's heading 1 replaced"
    );
    assert!(
        st.contains(r#"w:styleId="Heading2""#),
        "hegui's heading 2 added"
    );
    assert!(st.contains(r#"w:styleId="Small""#) && st.contains(r#"<w:basedOn w:val="a" />"#));
    let doc = part(&d, "word/document.xml");
    assert!(doc.contains(r#"<w:pStyle w:val="1" />"#));
    assert!(!doc.contains(r#"<w:pStyle w:val="Heading1" />"#));
    assert!(!doc.contains(r#"<w:pStyle w:val="Normal" />"#));
    // A reference that is no Word document is named with its line and key.
    std::fs::write(dir.path().join("bad.docx"), "not a zip").unwrap();
    std::fs::write(
        dir.path().join("word.yaml"),
        "firm: 甲\nreference: bad.docx\n",
    )
    .unwrap();
    let o = assess_docx(&fixture, dir.path(), &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("word.yaml:2:12: `reference`: `bad.docx` 不是 .docx 文件 is not a .docx file"),
        "{err}"
    );
}

#[test]
fn an_imprecise_date_is_named_with_its_reason_as_in_the_html() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("month.yaml");
    std::fs::write(
        &path,
        format!(
            "pack: {{id: hlj-2017-mobile-internet, version: {}}}\norganisation: {{name: 测试公司}}\nassessment_date: 2026-05-20\nanswers:\n  scope.heilongjiang: true\n  scope.public_opinion: true\n  newtech.has_launches: true\n  features:\n    - {{name: 直播打赏, launch_date: 2025-09, assessed: true, security_assessment_date: 2025-09-10}}\n",
            pack().meta.version
        ),
    )
    .unwrap();
    let (docx, _) = docx_of(&path, Lang::Zh);
    let text = text_of(&part(&docx, "word/document.xml"));
    assert!(text.contains("日期不够精确的问题"), "{text}");
    assert!(text.contains("日期不够精确，无法判定"), "{text}");
    // The answer as written, with its item.
    assert!(text.contains("直播打赏: 2025-09"), "{text}");
    assert!(!text.contains("2025-09-01"), "{text}");
    // Without an imprecise date there is no such section.
    let (plain, _) = docx_of(&root().join("fixtures/companies/news-app.yaml"), Lang::Zh);
    assert!(!text_of(&part(&plain, "word/document.xml")).contains("日期不够精确的问题"));
}

/// `hegui assess FIXTURE --format docx --templates DIR -o OUT`.
fn assess_docx(fixture: &Path, templates: &Path, out: &Path) -> std::process::Output {
    hegui()
        .args(["assess", fixture.to_str().unwrap(), "--format", "docx"])
        .arg("--templates")
        .arg(templates)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// `assess --pack A --pack B --format docx`: one verdict per pack and the overall one, the plan
/// across packs (one action closing rules of both), the shared answers, each pack's part, and
/// every per-app finding naming app, platform and version; the same bytes twice.
#[test]
fn a_word_report_of_several_packs() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &Path, lang: &str| {
        let o = hegui()
            .current_dir(root())
            .args(["assess", "tests/data/multi/facts/a-and-b.yaml"])
            .args(["--rules", "tests/data/multi/rules/multi-a"])
            .args(["--rules", "tests/data/multi/rules/multi-b"])
            .args(["--format", "docx", "--lang", lang, "-o"])
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out).unwrap()
    };
    let bytes = run(&dir.path().join("set.docx"), "en");
    assert_eq!(bytes, run(&dir.path().join("again.docx"), "en"));
    let text = text_of(&part(&bytes, "word/document.xml"));
    assert!(
        text.contains("Multi-pack compliance self-assessment report"),
        "{text}"
    );
    // The overall verdict and each pack's, before the plan (headings in the body, after the
    // contents that list them too).
    let overall = text.rfind("Overall verdict").unwrap();
    let plan = text.rfind("Remediation plan (across packs)").unwrap();
    assert!(overall < plan, "{text}");
    for pack in ["Multi-pack test A", "Multi-pack test B"] {
        assert!(text.contains(pack), "{pack}: {text}");
    }
    assert!(text.contains("multi-a 1.0.0") && text.contains("multi-b 1.0.0"));
    // One action closes rules in both packs, naming the failing build.
    let plan_text = &text[plan..text
        .rfind("Answers that decide rules in several packs")
        .unwrap()];
    assert!(
        plan_text.contains("a.app-filed")
            && plan_text.contains("b.app-filed")
            && plan_text.contains("主App · ios · 3.2.0"),
        "{plan_text}"
    );
    assert!(text.contains("apps[*].filed"), "{text}");
    // Each pack's own part: its findings, with the failing app named.
    let part_b = text
        .rfind("Pack: Multi-pack test B (multi-b 1.0.0)")
        .unwrap();
    assert!(text[part_b..].contains("App filing") || text[part_b..].contains("Apps are filed"));
    assert!(text[part_b..].contains("主App · ios · 3.2.0"));
    // The properties name every pack; a fourth heading level for the packs' parts.
    let custom = part(&bytes, "docProps/custom.xml");
    assert!(custom.contains("multi-a, multi-b"), "{custom}");
    assert!(part(&bytes, "word/styles.xml").contains("w:styleId=\"Heading4\""));
    let zh = run(&dir.path().join("zh.docx"), "zh");
    let text = text_of(&part(&zh, "word/document.xml"));
    assert!(
        text.contains("多规则包合规自评报告") && text.contains("总体结论"),
        "{text}"
    );
}
