//! How a card connects, drawn: its badges on the board (how many cards
//! it waits on, the first of its flags), its links in the details, the
//! neighbourhood view (`b`) and the card and link-kind pickers (`a`).
//! Everything is read from the board's links index
//! ([`crate::model::links::Index`], worked out once per change to the
//! board), never computed while drawing.

use super::text::{fit, width};
use crate::model::links::{flag_text, Mark};
use crate::model::text::for_grid;
use crate::model::{id, Card, Verdict};
use crate::tui::app::{App, LinkRow};
use crate::tui::command::KeyCommand;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

/// A flag's mark as the card shows it.
pub(super) fn mark_word(m: Mark) -> &'static str {
    match m {
        Mark::Cycle => "⚑cycle",
        Mark::DeadBlocked => "⚑dead",
        Mark::PremiseRefuted => "⚑premise",
        Mark::DependsOnSuperseded => "⚑superseded",
        Mark::DependsOnArchived => "⚑archived",
    }
}

fn mark_style(app: &App, m: Mark) -> Style {
    match m {
        Mark::Cycle | Mark::DeadBlocked | Mark::PremiseRefuted => app.theme.error(),
        Mark::DependsOnSuperseded | Mark::DependsOnArchived => app.theme.warn(),
    }
}

/// The card's badges on the board: `⊘N` when it waits on N cards that
/// are not done, and the first thing its flags say.
pub(super) fn badges(app: &App, card: &Card) -> Vec<Span<'static>> {
    let (waiting, mark) = app.links().badge(&card.id);
    let mut out = Vec::new();
    if waiting > 0 {
        out.push(Span::raw(" "));
        out.push(Span::styled(format!("⊘{waiting}"), app.theme.warn()));
    }
    if let Some(m) = mark {
        out.push(Span::raw(" "));
        out.push(Span::styled(mark_word(m), mark_style(app, m)));
    }
    out
}

/// How a linked card reads in a list: `c03x7m Title · Lane · verdict`,
/// fitted to `w` by cutting the title.
pub(super) fn card_spans(app: &App, id_: &str, w: usize) -> Vec<Span<'static>> {
    let t = &app.theme;
    let short = id::short(id_).to_string();
    let Some(card) = app.board.card(id_) else {
        return vec![
            Span::styled(short, t.muted()),
            Span::styled(" (no such card)", t.error()),
        ];
    };
    let lane = app
        .board
        .config
        .lane(&card.lane)
        .map_or_else(|| card.lane.clone(), |l| l.title.clone());
    let mut tail = vec![Span::styled(format!(" · {}", for_grid(&lane)), t.muted())];
    if card.archived {
        tail.push(Span::styled(" · archived", t.muted()));
    }
    if let Some(v) = card.verdict().filter(|v| *v != Verdict::Open) {
        tail.push(Span::raw(" · "));
        tail.push(Span::styled(v.to_string(), t.verdict(v)));
    } else if app
        .links()
        .index(id_)
        .is_some_and(|i| app.links().is_done(i))
    {
        // Done by its lane, or its lane's exit criteria met.
        tail.push(Span::styled(" · done", t.ok()));
    }
    let used = width(&short) + 1 + tail.iter().map(Span::width).sum::<usize>();
    let title_w = w.saturating_sub(used).max(8);
    let mut out = vec![
        Span::styled(short, t.muted()),
        Span::raw(" "),
        Span::raw(fit(&for_grid(&card.title), title_w)),
    ];
    out.extend(tail);
    out
}

/// The card's links in its details: each card it is linked to with its
/// title, lane and verdict, whether it waits, and its flags in words.
pub(super) fn detail_lines(app: &App, card: &Card, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let ix = app.links();
    let me = ix.index(&card.id);
    let label = |k: &str| Span::styled(format!("{k:<14}"), t.muted());
    let mut rows: Vec<(&str, String)> = Vec::new();
    // What the card stores, as stored (a link to a card that no longer
    // exists shows too); what others store, from the index.
    for d in &card.depends_on {
        rows.push(("depends on", d.clone()));
    }
    if let Some(p) = &card.parent {
        rows.push(("part of", p.clone()));
    }
    if let Some(i) = me {
        for c in ix.children(i) {
            rows.push(("has part", ix.id(c).to_string()));
        }
        for c in ix.blocks(i) {
            rows.push(("blocks", ix.id(c).to_string()));
        }
    }
    for s in &card.supersedes {
        rows.push(("supersedes", s.clone()));
    }
    if let Some(i) = me {
        for c in ix.superseded_by(i) {
            rows.push(("superseded by", ix.id(c).to_string()));
        }
    }
    for r in &card.relates {
        rows.push(("relates to", r.clone()));
    }
    if let Some(i) = me {
        for c in ix.related_by(i) {
            rows.push(("related from", ix.id(c).to_string()));
        }
    }
    if rows.is_empty() {
        return Vec::new();
    }
    let mut out = vec![
        Line::raw(""),
        Line::from(vec![
            Span::styled("Links", t.accent()),
            Span::styled(
                format!(
                    "  {} all of them, transitively · {} adds one",
                    app.keymap.hint(KeyCommand::Links),
                    app.keymap.hint(KeyCommand::AddLink)
                ),
                t.muted(),
            ),
        ]),
    ];
    if let Some(i) = me {
        let waits = ix.blocked_by(i);
        if !waits.is_empty() {
            let names: Vec<&str> = waits.iter().map(|&c| id::short(ix.id(c))).collect();
            out.push(Line::from(Span::styled(
                format!(
                    "⊘ blocked: waits on {} card{} not done ({})",
                    waits.len(),
                    if waits.len() == 1 { "" } else { "s" },
                    names.join(", ")
                ),
                t.warn(),
            )));
        } else if ix.is_ready(i) && !card.depends_on.is_empty() {
            out.push(Line::from(Span::styled(
                "ready: every card it depends on is done",
                t.ok(),
            )));
        }
    }
    for (k, other) in rows {
        let mut spans = vec![label(k)];
        spans.extend(card_spans(app, &other, w.saturating_sub(14)));
        out.push(Line::from(spans));
    }
    if let Some(i) = me {
        let name = |c: usize| {
            let id_ = ix.id(c);
            match app.board.card(id_) {
                Some(card) => format!("{} ({})", id::short(id_), fit(&card.title, 40)),
                None => id::short(id_).to_string(),
            }
        };
        let refuted = |c: usize| {
            app.board
                .card(ix.id(c))
                .and_then(crate::model::links::refuted_at)
        };
        for f in ix.flags(i) {
            let style = mark_style(app, Mark::of(&f));
            out.push(Line::from(Span::styled(
                format!("⚑ {}", for_grid(&flag_text(&f, &name, &refuted))),
                style,
            )));
        }
    }
    out
}

/// The links view's frame on a screen of `area`.
pub(super) fn links_area(area: Rect) -> Rect {
    super::popup(area, 92, 90)
}

/// Rows of the links view that fit in its frame: what a page moves.
pub(super) fn rows_shown(area: Rect) -> u16 {
    links_area(area).height.saturating_sub(3).max(1)
}

/// `b`: the card, then each side of its neighbourhood as a small tree:
/// a heading, the cards indented by depth, each with a mark (`⊘` waits,
/// `✔` done, `○` open), its id, title, lane and verdict.
pub(super) fn neighbourhood(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    card: &str,
    cursor: usize,
    top: usize,
    unlink: bool,
) {
    let t = &app.theme;
    let r = links_area(area);
    let inner_w = usize::from(r.width.saturating_sub(2));
    let rows = app.link_rows(card);
    let ix = app.links();
    // The selected row among all rows (headings included).
    let selected = rows
        .iter()
        .enumerate()
        .filter(|(_, row)| matches!(row, LinkRow::Card(_)))
        .nth(cursor)
        .map(|(at, _)| at);
    let mut head = card_spans(app, card, inner_w.saturating_sub(16));
    let (waiting, _) = ix.badge(card);
    if waiting > 0 {
        head.push(Span::styled(format!("  ⊘ waits on {waiting}"), t.warn()));
    }
    let shown = usize::from(rows_shown(area));
    let mut lines = vec![Line::from(head)];
    for (at, row) in rows.iter().enumerate().skip(top).take(shown) {
        let line = match row {
            LinkRow::Side(side, n) => Line::styled(format!("{} ({n})", side.title()), t.accent()),
            LinkRow::More(n) => Line::styled(format!("  … {n} more"), t.muted()),
            LinkRow::Card(near) => {
                let indent = "  ".repeat(near.depth);
                let (mark, style) = if ix.is_done(near.card) {
                    ("✔ ", t.ok())
                } else if ix.waiting(near.card) > 0 {
                    ("⊘ ", t.warn())
                } else {
                    ("○ ", t.muted())
                };
                let mut spans = vec![Span::raw(indent.clone()), Span::styled(mark, style)];
                let room = inner_w.saturating_sub(width(&indent) + 2);
                if near.repeated {
                    spans.extend(card_spans(app, ix.id(near.card), room.saturating_sub(8)));
                    spans.push(Span::styled(" (above)", t.muted()));
                } else {
                    spans.extend(card_spans(app, ix.id(near.card), room));
                }
                let mut line = Line::from(spans);
                if Some(at) == selected {
                    line = line.style(t.selected());
                }
                line
            }
        };
        lines.push(line);
    }
    let hint = if unlink {
        " y removes the link · any other key keeps it ".to_string()
    } else {
        format!(
            " j/k select · Enter go to card · x unlink · {} add · Esc ",
            app.keymap.hint(KeyCommand::AddLink)
        )
    };
    let total = rows.len();
    let position = if total > shown {
        format!(" {}-{}/{total} ", top + 1, (top + shown).min(total))
    } else {
        String::new()
    };
    let block = super::block(app, " Links ", hint)
        .title_bottom(Line::from(Span::styled(position, t.muted())).alignment(Alignment::Right));
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

/// `a`: the card to link to. The line typed, then the cards it finds,
/// the selected one highlighted.
#[allow(clippy::too_many_arguments)]
pub(super) fn pick_card(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    card: &str,
    line: &crate::tui::prompt::Prompt,
    matches: &[String],
    total: usize,
    cursor: usize,
) {
    let t = &app.theme;
    let r = super::popup(area, 86, 80);
    let inner_w = usize::from(r.width.saturating_sub(2));
    let label = "Find: ";
    let (typed, col) = line.window(inner_w.saturating_sub(label.len() + 1));
    let mut lines = vec![Line::from(vec![
        Span::styled(label, t.accent()),
        Span::raw(typed),
    ])];
    let count = if total > matches.len() {
        format!("{} of {total} cards (type to narrow)", matches.len())
    } else {
        format!("{total} card{}", if total == 1 { "" } else { "s" })
    };
    lines.push(Line::styled(count, t.muted()));
    let rows = usize::from(r.height.saturating_sub(4)).max(1);
    let first = (cursor + 1).saturating_sub(rows);
    for (i, other) in matches.iter().enumerate().skip(first).take(rows) {
        let mut spans = vec![Span::raw(" ")];
        spans.extend(card_spans(app, other, inner_w.saturating_sub(1)));
        let mut l = Line::from(spans);
        if i == cursor {
            l = l.style(t.selected());
        }
        lines.push(l);
    }
    let title = format!(" Link {} to ", id::short(card));
    let hint = " type an id or title words · ↑↓ select · Enter choose · Esc ";
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(super::block(app, title, hint)),
        r,
    );
    let x = r.x + 1 + u16::try_from(label.len() + col).unwrap_or(0);
    frame.set_cursor_position(Position::new(
        x.min(r.x + r.width.saturating_sub(2)),
        r.y + 1,
    ));
}

/// Then how the two cards connect, one key each.
pub(super) fn pick_kind(frame: &mut Frame, app: &App, area: Rect, card: &str, other: &str) {
    let t = &app.theme;
    let r = super::popup(area, 80, 50);
    let inner_w = usize::from(r.width.saturating_sub(2));
    let mut this = vec![Span::raw("This card  ")];
    this.extend(card_spans(app, card, inner_w.saturating_sub(11)));
    let mut that = vec![Span::raw("the other  ")];
    that.extend(card_spans(app, other, inner_w.saturating_sub(11)));
    let mut lines = vec![Line::from(this), Line::from(that), Line::raw("")];
    for (key, what) in crate::tui::app::LINK_KEYS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {key}  "), t.accent()),
            Span::raw(format!("this card {what}")),
        ]));
    }
    let title = format!(" Link {} to {} ", id::short(card), id::short(other));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(super::block(app, title, " a key chooses · Esc cancels ")),
        r,
    );
}
