//! `--help`, shell completions and the man page: every option says what it
//! does, and the generated scripts and page cover every subcommand.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

mod common;

use clap::CommandFactory;
use common::{ok, Repo};
use lanes::cli::Cli;
use std::io::Write;
use std::process::{Command, Stdio};

/// Every subcommand and argument below `cmd`, with their paths, that has
/// no help text (clap's own help and version flags aside).
fn missing_help(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if id == "help" || id == "version" {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} <{id}>"));
        }
    }
    for sub in cmd.get_subcommands() {
        let name = format!("{path} {}", sub.get_name());
        if sub.get_name() != "help" && sub.get_about().is_none() && sub.get_long_about().is_none() {
            out.push(name.clone());
        }
        missing_help(sub, &name, out);
    }
}

#[test]
fn every_subcommand_and_option_has_help_text() {
    let cmd = Cli::command();
    cmd.clone().debug_assert();
    let mut missing = Vec::new();
    missing_help(&cmd, "lanes", &mut missing);
    assert!(
        missing.is_empty(),
        "add a /// line in src/cli/args.rs for: {missing:#?}"
    );
}

/// The names of the visible subcommands.
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}

#[test]
fn completions_cover_every_subcommand() {
    let r = Repo::new();
    // The scripts ask lanes itself on Tab, so they list what this binary
    // parses: every visible subcommand is offered after `lanes `.
    let offered = ok(&r.lanes_env(&["--", "lanes", ""], &[("LANES_COMPLETE", "fish")]));
    let offered: Vec<&str> = offered
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default())
        .collect();
    for name in subcommands() {
        assert!(
            offered.contains(&name.as_str()),
            "`lanes <Tab>` lacks {name}: {offered:?}"
        );
    }
    assert!(
        !offered.contains(&"merge-driver"),
        "hidden commands stay out"
    );
    let bash = ok(&r.lanes(&["completions", "bash"]));
    assert!(
        bash.contains("-F _clap_complete_lanes lanes") && bash.contains("LANES_COMPLETE=\"bash\""),
        "{bash}"
    );
    // The script is valid bash.
    let check = Command::new("bash")
        .args(["-n", "-c", &bash])
        .output()
        .expect("run bash");
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let text = ok(&r.lanes(&["completions", shell]));
        assert!(
            text.contains("LANES_COMPLETE") && text.contains(shell),
            "{shell} completions do not ask lanes: {text}"
        );
    }
    // zsh: autoloaded from $fpath as _lanes, the first Tab completes too.
    let zsh = ok(&r.lanes(&["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef lanes"), "{zsh}");
    assert!(
        zsh.contains("[[ ${funcstack[1]} = _lanes ]] && _clap_dynamic_completer_lanes"),
        "{zsh}"
    );
    let err = common::fails(&r.lanes(&["completions", "tcsh"]), 2);
    assert!(err.contains("possible values"), "{err}");
}

#[test]
fn man_page_lists_every_subcommand_and_renders() {
    let r = Repo::new();
    let page = ok(&r.lanes(&["man"]));
    assert!(page.starts_with(".TH lanes 1"), "{}", &page[..200]);
    for name in subcommands() {
        assert!(
            page.contains(&format!(".SS {name}\n")),
            "the man page has no section for {name}"
        );
    }
    assert!(!page.contains("merge-driver"), "hidden commands stay out");
    for section in [
        "ENVIRONMENT",
        "BOARD KEYS",
        "FILES",
        "EXIT STATUS",
        "EXAMPLES",
    ] {
        assert!(
            page.contains(&format!(".SH {section}\n"))
                || page.contains(&format!(".SH \"{section}\"\n")),
            "the man page has no {section} section"
        );
    }
    // Board keys, from the key-command table: every command's keys and
    // words, under help's topics.
    assert!(page.contains(".SH \"BOARD KEYS\"\n") || page.contains(".SH BOARD KEYS\n"));
    let roff = |t: &str| t.replace('-', "\\-").replace('\'', "\\*(Aq");
    for spec in lanes::tui::command::TABLE {
        let entry = format!(
            ".TP\n\\fB{} ({})\\fR\n{}\n",
            roff(&spec.keys.join(", ")),
            roff(spec.name),
            roff(spec.about)
        );
        assert!(
            page.contains(&entry),
            "BOARD KEYS does not list {}: {entry:?}",
            spec.name
        );
    }
    for var in [
        "LANES_BOARD",
        "LANES_CONFIG_DIR",
        "EDITOR",
        "NO_COLOR",
        "MLFLOW_TRACKING_URI",
    ] {
        assert!(page.contains(var), "ENVIRONMENT does not name {var}");
    }
    // Every key command of the board, with its config name and keys.
    for spec in lanes::tui::command::TABLE {
        let head = format!("\\fB{} ({})\\fR", spec.keys.join(", "), spec.name).replace('-', "\\-");
        assert!(page.contains(&head), "BOARD KEYS does not list {head}");
    }
    assert!(
        !page.contains("LANES_CRASH_AT"),
        "the crash-test hook is not for users"
    );
    for kind in lanes::ops::Kind::ALL {
        let code = kind.exit_code().to_string();
        assert!(
            page.contains(&format!(".TP\n\\fB{code}\\fR")),
            "EXIT STATUS does not list {code}"
        );
    }
    // Render it with man(1) where it is installed (CI does not install
    // it: the roff text is checked above either way).
    let man = Command::new("man")
        .args(["-l", "-"])
        .env("MANWIDTH", "80")
        .env("PAGER", "cat")
        .env("MANPAGER", "cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut man) = man else {
        let _ = writeln!(
            std::io::stderr(),
            "NOTE man_page_lists_every_subcommand_and_renders: no man(1) here; checked the roff text only"
        );
        return;
    };
    man.stdin
        .take()
        .expect("stdin")
        .write_all(page.as_bytes())
        .expect("write to man");
    let out = man.wait_with_output().expect("man");
    // Bold and underline come as overstrikes ("x\x08x"): keep the last
    // character of each.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&out.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    assert!(
        out.status.success(),
        "man -l -: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("COMMANDS"), "{text}");
    assert!(text.contains("lanes undo"), "{text}");
}

/// Every kind of link is offered by `lanes link`/`unlink` (one OTHER,
/// with its help from the kind's row) and by `lanes add`/`decide` (a new
/// card's links): the options are built from `Kind::ALL`, so a new kind
/// is offered everywhere without touching the command line.
#[test]
fn every_link_kind_is_an_option_of_link_add_and_decide() {
    use lanes::model::links::Kind;
    let cmd = Cli::command();
    let sub = |name: &str| cmd.find_subcommand(name).unwrap().clone();
    for name in ["link", "unlink", "add", "decide"] {
        let sub = sub(name);
        for k in Kind::ALL {
            let arg = sub
                .get_arguments()
                .find(|a| a.get_long() == Some(k.option()))
                .unwrap_or_else(|| panic!("lanes {name} has no --{}", k.option()));
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let want = if matches!(name, "link" | "unlink") {
                k.link_help()
            } else {
                k.new_help()
            };
            assert_eq!(help, want, "lanes {name} --{}", k.option());
        }
    }
}
