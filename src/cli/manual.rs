//! `hegui completions SHELL` and `hegui man`: generated from the clap definition, so they
//! never drift from the real flags.

use clap::Command;

/// Shell completion script for `shell`.
pub(super) fn completions(mut cmd: Command, shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "hegui", &mut out);
    out
}

/// Visible subcommands (without clap's `help`).
fn visible(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// Sections of a man page for `cmd`, demoted to subsections under one `.SH` heading.
fn subcommand_sections(cmd: &Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let full = cmd
        .get_bin_name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("hegui {}", cmd.get_name()));
    // Global options are described once, at the top of the page.
    let globals: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().to_string())
        .collect();
    let mut own = cmd.clone();
    for id in &globals {
        own = own.mut_arg(id, |a| a.hide(true));
    }
    let mut body = Vec::new();
    let man = clap_mangen::Man::new(own.clone());
    man.render_synopsis_section(&mut body)?;
    man.render_description_section(&mut body)?;
    if own.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut body)?;
    }
    if cmd.get_after_help().is_some() {
        man.render_extra_section(&mut body)?;
    }
    let body = String::from_utf8_lossy(&body)
        .replace(".SH EXTRA", ".SS \"Examples and notes\"")
        .replace(".SH ", ".SS ");
    out.extend_from_slice(format!(".SH \"{}\"\n", full.to_uppercase()).as_bytes());
    out.extend_from_slice(body.as_bytes());
    for sub in visible(cmd) {
        subcommand_sections(sub, out)?;
    }
    Ok(())
}

/// The man page `hegui(1)` in roff: the overview, global options, exit codes, then one
/// section per subcommand with its synopsis, options and examples.
pub(super) fn man_page(mut cmd: Command) -> std::io::Result<Vec<u8>> {
    cmd.build();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .manual("hegui manual")
        .render(&mut out)?;
    for sub in visible(&cmd) {
        subcommand_sections(sub, &mut out)?;
    }
    Ok(out)
}
