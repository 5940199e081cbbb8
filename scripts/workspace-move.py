#!/usr/bin/env python3
"""The one-off path rewrite of the workspace move (issue 14), kept so the history stays readable.

The files were moved with `git mv` first (the list is in the commit message); this rewrites every
`crate::module` path of the old single crate to its new home: `crate::…` inside the crate that
now owns the module, `hegui_<crate>::…` elsewhere. Longer (two-segment) old paths win.
"""
import re, sys, pathlib

# old path (after `crate::`) -> (new crate, new path inside it)
MAP = {
    "diag": ("core", "diag"), "text": ("core", "text"),
    "input": ("core", "io::input"), "atomic": ("core", "io::atomic"),
    "node": ("core", "syntax::node"), "decode": ("core", "syntax::decode"),
    "model": ("core", "model"), "condition": ("core", "model::condition"),
    "digest": ("core", "model::digest"),
    "facts": ("core", "facts"), "fast_facts": ("core", "facts::fast"),
    "write": ("core", "facts::write"), "migrate": ("core", "facts::migrate"),
    "eval": ("core", "eval"), "assess": ("core", "eval::assess"),
    "load": ("core", "load"), "lint": ("core", "load::lint"),
    "selftest": ("core", "selftest"), "schema": ("core", "schema"),
    "render::score": ("core", "eval::score"), "render::Lang": ("core", "text::Lang"),
    "render::json": ("core", "result::json"),
    "render": ("report", "render"), "questionnaire::xlsx": ("office", "xlsx"),
    "questionnaire": ("report", "questionnaire"), "diff": ("report", "diff"),
    "embedded::template_names": ("report", "templates::template_names"),
    "embedded::template": ("report", "templates::template"),
    "embedded": ("packs", ""), "import": ("office", "import"),
    "batch": ("batch", ""), "synth": ("batch", "synth"),
    "cli": ("cli", "cli"), "show": ("report", "show"),
}
KEYS = sorted(MAP, key=lambda k: -len(k))
PAT = re.compile(r"\bcrate::(" + "|".join(re.escape(k) for k in KEYS) + r")\b(::)?")

def owner(path: pathlib.Path) -> str:
    parts = path.parts
    return parts[parts.index("crates") + 1] if "crates" in parts else "cli"

def rewrite(path: pathlib.Path) -> None:
    me = owner(path)
    text = path.read_text()
    def sub(m):
        krate, new = MAP[m.group(1)]
        sep = m.group(2) or ""
        root = "crate" if krate == me else f"hegui_{krate}"
        if not new:
            return root + sep
        return f"{root}::{new}{sep}"
    out = PAT.sub(sub, text)
    if out != text:
        path.write_text(out)

EXTERNAL = re.compile(r"\bhegui::(" + "|".join(re.escape(k) for k in KEYS) + r")\b(::)?")

def rewrite_external(path: pathlib.Path) -> None:
    """Tests, examples and fuzz targets named the old crate `hegui::…`: the owning crate now."""
    text = path.read_text()
    def sub(m):
        krate, new = MAP[m.group(1)]
        sep = m.group(2) or ""
        return f"hegui_{krate}{sep}" if not new else f"hegui_{krate}::{new}{sep}"
    out = EXTERNAL.sub(sub, text)
    if out != text:
        path.write_text(out)

# Usage: workspace-move.py crates/**/*.rs src/**/*.rs -- tests/*.rs examples/*.rs fuzz/**/*.rs
args = sys.argv[1:]
split = args.index("--") if "--" in args else len(args)
for arg in args[:split]:
    rewrite(pathlib.Path(arg))
for arg in args[split + 1:]:
    rewrite_external(pathlib.Path(arg))
