//! Replacing a batch's outputs together: the four summaries are staged (written to temporary
//! files) by `write` and `xlsx`, then renamed into place at once; the per-submission reports of
//! the previous run that this one did not write again are removed through a manifest.

use super::summary::Summary;
use super::write::{push_json_str, write_csv, write_json, write_overview};
use std::io::Write;
use std::path::Path;

/// Writes `summary.json`, `summary.csv`, `summary.xlsx` and `overview.html` into `out`, and
/// replaces them together: each is written to a temporary file first, and only when all four
/// are complete are they renamed into place (never a new `summary.json` beside an old
/// `summary.xlsx`). Temporaries go to `out/.hegui-tmp` when the run has made it
/// (`batch/guard`), else into `out`.
///
/// The four files are written at the same time, on their own threads (each is one sequential
/// stream, and together they cost about as much as reading the inputs). The first error, in
/// the order above, is returned, and then no file is replaced.
///
/// Per-submission reports: the reports written are listed in `out/.hegui-manifest.json`; the
/// reports the previous run listed there that this run did not write again are removed (and
/// nothing else: a file hegui did not list is never touched).
pub fn write_all(
    summary: &Summary,
    out: &Path,
    lang: hegui_core::text::Lang,
) -> Result<(), String> {
    use hegui_core::io::atomic::stage_with;
    let tmp = super::guard::out_tmp().unwrap_or_else(|| out.to_path_buf());
    let failed = |path: &Path| {
        let path = path.display().to_string();
        move |e: std::io::Error| format!("{path}: {e}")
    };
    let stage = |name: &str, body: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| {
        let path = out.join(name);
        stage_with(&path, &tmp, |w| body(w)).map_err(failed(&path))
    };
    let json = || stage("summary.json", &|w| write_json(summary, &mut &mut *w));
    let csv = || stage("summary.csv", &|w| write_csv(summary, &mut &mut *w));
    let xlsx = || super::xlsx::stage(summary, &out.join("summary.xlsx"), &tmp);
    let html = || {
        stage("overview.html", &|w| {
            write_overview(summary, lang, &mut &mut *w)
        })
    };
    let ((json, csv), (xlsx, html)) =
        rayon::join(|| rayon::join(json, csv), || rayon::join(xlsx, html));
    let mut staged = vec![json?, csv?, xlsx?, html?];
    // The reports of the previous run that this one did not write again.
    let manifest = out.join(super::MANIFEST);
    let mut stale = read_manifest(&manifest);
    let mut written = 0u64;
    {
        let mut lines = summary.lines().map_err(failed(out))?;
        while let Some(line) = lines.next().map_err(failed(out))? {
            if let Some(r) = &line.report {
                stale.remove(r);
                written += 1;
            }
        }
    }
    let mut stale: Vec<String> = stale.into_iter().collect();
    stale.sort();
    if written > 0 || !stale.is_empty() {
        // Until the stale reports are gone the manifest lists them too, so that a run
        // stopped in between still removes them next time.
        staged.push(
            stage_with(&manifest, &tmp, |w| write_manifest(summary, &stale, w))
                .map_err(failed(&manifest))?,
        );
    }
    // A target that cannot be replaced (a directory in its place) is found before any is.
    for s in &staged {
        if std::fs::symlink_metadata(s.target()).is_ok_and(|m| m.is_dir()) {
            return Err(format!(
                "{}: 是目录，无法替换 is a directory; no summary was replaced",
                s.target().display()
            ));
        }
    }
    for s in staged {
        let target = s.target().to_path_buf();
        s.commit().map_err(failed(&target))?;
    }
    if !stale.is_empty() {
        for r in &stale {
            if is_report_name(r) {
                let p = out.join(r);
                if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
                    std::fs::remove_file(&p).map_err(failed(&p))?;
                }
            }
        }
        if written > 0 {
            stage_with(&manifest, &tmp, |w| write_manifest(summary, &[], w))
                .and_then(hegui_core::io::atomic::Staged::commit)
                .map_err(failed(&manifest))?;
        } else {
            std::fs::remove_file(&manifest).map_err(failed(&manifest))?;
        }
    }
    Ok(())
}

/// The format of `.hegui-manifest.json`.
const MANIFEST_FORMAT: &str = "hegui.batch-manifest/1";

/// The reports a manifest lists (none if there is no manifest or it cannot be read: then no
/// file is removed).
fn read_manifest(path: &Path) -> std::collections::HashSet<String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        format: String,
        reports: Vec<String>,
    }
    let Ok(bytes) = hegui_core::io::input::read_file(path, 1 << 30) else {
        return Default::default();
    };
    match serde_json::from_slice::<Manifest>(&bytes) {
        Ok(m) if m.format == MANIFEST_FORMAT => m.reports.into_iter().collect(),
        _ => Default::default(),
    }
}

/// Whether `r` has the form of a report name a batch writes (`reports/NAME.EXT`, one plain
/// component): a manifest edited by hand cannot make a batch remove anything else.
fn is_report_name(r: &str) -> bool {
    r.strip_prefix("reports/").is_some_and(|name| {
        !name.is_empty()
            && !name.contains(['/', '\\', '\0'])
            && !name.starts_with('.')
            && [".html", ".md", ".json", ".docx"]
                .iter()
                .any(|e| name.ends_with(e))
    })
}

/// The manifest: the reports of `summary`, then `also` (one a line).
fn write_manifest(summary: &Summary, also: &[String], w: &mut impl Write) -> std::io::Result<()> {
    let mut buf = Vec::new();
    w.write_all(b"{\n  \"format\": \"")?;
    w.write_all(MANIFEST_FORMAT.as_bytes())?;
    w.write_all(b"\",\n  \"reports\": [")?;
    let mut first = true;
    let mut item = |w: &mut dyn Write, r: &str| -> std::io::Result<()> {
        buf.clear();
        buf.extend_from_slice(if first { b"\n    " } else { b",\n    " });
        first = false;
        push_json_str(&mut buf, r);
        w.write_all(&buf)
    };
    let mut lines = summary.lines()?;
    while let Some(line) = lines.next()? {
        if let Some(r) = &line.report {
            item(w, r)?;
        }
    }
    for r in also {
        item(w, r)?;
    }
    w.write_all(b"\n  ]\n}\n")
}
