//! `lanes man` (the man page, every subcommand a section of it, with the
//! environment, board keys and exit codes from their tables) and `lanes
//! completions` (the shell script; [`super::complete`] answers its Tabs).

use super::{complete, Cli};
use crate::ops;
use crate::term;
use anyhow::Result;
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// `lanes man`.
pub(super) fn man() -> Result<ExitCode> {
    let mut out = term::stdout();
    man_page(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `lanes completions SHELL`.
pub(super) fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut out = term::stdout();
    complete::registration(shell, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The man page: `lanes` and, as sections of the same page, every
/// subcommand with its options (hidden ones left out).
pub fn man_page(out: &mut impl Write) -> Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    // `.TH` first, as man(7) has it: clap_mangen puts its definition of
    // the apostrophe string before it, and again before every section.
    let mut title = Vec::new();
    man.render_title(&mut title)?;
    let title = String::from_utf8_lossy(&title);
    let th: Vec<&str> = title.lines().filter(|l| l.starts_with(".TH")).collect();
    let rest: Vec<&str> = title.lines().filter(|l| !l.starts_with(".TH")).collect();
    writeln!(out, "{}", th.join("\n"))?;
    writeln!(out, "{}", rest.join("\n"))?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    let mut roff = clap_mangen::roff::Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        let mut usage = sub.clone().bin_name(format!("lanes {name}"));
        roff.control("SS", [name]);
        roff.text([clap_mangen::roff::roman(
            usage.render_usage().to_string().replace("Usage: ", ""),
        )]);
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        for para in about.split("\n\n") {
            roff.control("PP", []);
            roff.text([clap_mangen::roff::roman(para)]);
        }
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let mut head = Vec::new();
            if let Some(s) = arg.get_short() {
                head.push(format!("-{s}"));
            }
            if let Some(l) = arg.get_long() {
                head.push(format!("--{l}"));
            }
            let value = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map(|v| v.to_string())
                .unwrap_or_else(|| id.to_uppercase());
            if head.is_empty() {
                head.push(format!("<{value}>"));
            } else if arg.get_action().takes_values() {
                let last = head.len() - 1;
                head[last] = format!("{} <{value}>", head[last]);
            }
            roff.control("TP", []);
            roff.text([clap_mangen::roff::bold(head.join(", "))]);
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            roff.text([clap_mangen::roff::roman(help)]);
        }
    }
    man_sections(&mut roff);
    roff.to_writer(out)?;
    man.render_version_section(out)?;
    Ok(())
}

/// The man page's ENVIRONMENT (from [`crate::env::VARS`]), FILES, BOARD
/// KEYS (from the key-command table), EXIT STATUS (from [`ops::Kind`])
/// and EXAMPLES.
fn man_sections(roff: &mut clap_mangen::roff::Roff) {
    use clap_mangen::roff::{bold, roman};
    let item = |roff: &mut clap_mangen::roff::Roff, head: &str, text: &str| {
        roff.control("TP", []);
        roff.text([bold(head)]);
        roff.text([roman(text)]);
    };
    roff.control("SH", ["ENVIRONMENT"]);
    for v in crate::env::VARS.iter().filter(|v| v.documented) {
        item(roff, v.name, v.about);
    }
    roff.control("SH", ["BOARD KEYS"]);
    roff.text([roman(
        "The board screen's keys (lanes, or lanes tui), by topic, from its one table of key commands; each can be bound to other keys under keys: in the config file, by the name in brackets.",
    )]);
    for topic in crate::tui::command::Topic::ALL {
        roff.control("SS", [topic.title()]);
        for cmd in crate::tui::command::KeyCommand::in_topic(topic) {
            let spec = cmd.spec();
            item(
                roff,
                &format!("{} ({})", spec.keys.join(", "), spec.name),
                spec.about,
            );
        }
    }
    roff.control("SH", ["FILES"]);
    for (path, what) in [
        (".lanes/board.yaml", "the board: lanes, WIP limits, labels, settings (committed)"),
        (".lanes/cards/ID.yaml", "one card per file (committed)"),
        (".gitattributes", "names the card-by-card merge driver for board files (lanes init adds the lines; lanes setup enables it in a clone)"),
        (".git/lanes/", "caches and the transaction journal of this clone (never committed; safe to delete)"),
        ("$LANES_CONFIG_DIR/config.yaml", "your key bindings (keys:) and colours (theme:) for the board"),
        ("$LANES_CONFIG_DIR/templates/NAME.yaml", "your own board templates for lanes init --template"),
    ] {
        item(roff, path, what);
    }
    roff.control("SH", ["EXIT STATUS"]);
    item(roff, "0", "success");
    item(
        roff,
        "2",
        "a usage error: an unknown option or a missing argument",
    );
    for code in 1..=7u8 {
        let kinds: Vec<&str> = ops::Kind::ALL
            .iter()
            .filter(|k| k.exit_code() == code)
            .map(|k| k.describe())
            .collect();
        if !kinds.is_empty() {
            item(roff, &code.to_string(), &kinds.join("; or "));
        }
    }
    roff.control("SH", ["EXAMPLES"]);
    for (cmd, what) in [
        ("lanes demo", "open a demo board in a temporary folder"),
        (
            "lanes init --template crisp-dm",
            "start a board in this repository",
        ),
        ("lanes", "open the board"),
        (
            "lanes add 'Clean the clickstream' --lane data-preparation",
            "add a task",
        ),
        (
            "lanes move 3fk2 modeling --top",
            "move a card (any unique prefix of its id)",
        ),
        (
            "lanes result 3fk2 mlflow:RUN_ID",
            "record a run's value as a hypothesis's result, with its verdict",
        ),
        (
            "lanes run 3fk2 --metrics metrics.json -- python train.py",
            "run training, then record what it measured",
        ),
        (
            "lanes hypotheses --verdict refuted",
            "what the team learned",
        ),
        (
            "lanes report --format html > report.html",
            "a report for the people who never open a terminal",
        ),
        ("lanes sync", "fetch, merge card by card, push"),
    ] {
        item(roff, cmd, what);
    }
}
