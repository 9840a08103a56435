//! Typing: the prompts, what Enter does with each, and the one-key
//! choices that lead to them (verdict, confirmations).

use super::{App, Check, Effect, HypDraft, HypStep, Mode, Prompt, Purpose};
use crate::model::{Card, Verdict};
use crate::ops::{self, Action};
use crate::tui::prompt::{field_input, Reasoned};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    /// `v`: which verdict; then the result prompt.
    pub(super) fn on_pick_verdict_key(&mut self, card: String, key: KeyEvent) -> Vec<Effect> {
        let verdict = match key.code {
            KeyCode::Char('s') => Some(Verdict::Supported),
            KeyCode::Char('r') => Some(Verdict::Refuted),
            KeyCode::Char('i') => Some(Verdict::Inconclusive),
            KeyCode::Char('o') => Some(Verdict::Open),
            _ => None,
        };
        match verdict {
            Some(verdict) => {
                let current = self
                    .board
                    .card(&card)
                    .and_then(|c| c.hypothesis.as_ref())
                    .and_then(|h| h.result.as_ref())
                    .map(crate::ops::show_value);
                // A result is new each time: the prompt starts
                // empty, and Enter on nothing keeps the old one.
                let mut p = Prompt::new(Purpose::Result { card, verdict }, String::new());
                p.current = current;
                p.seen = self.board.card(p.purpose.card().unwrap_or("")).cloned();
                self.mode = Mode::Prompt(p);
            }
            None => self.cancelled("verdict"),
        }
        Vec::new()
    }

    /// `v` on a card without a hypothesis: make it one?
    pub(super) fn on_confirm_hypothesis_key(&mut self, card: String, key: KeyEvent) -> Vec<Effect> {
        if matches!(key.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter) {
            let lane = self
                .board
                .card(&card)
                .map(|c| c.lane.clone())
                .unwrap_or_default();
            let mut p = Prompt::new(
                Purpose::Hypothesis {
                    lane,
                    card: Some(card.clone()),
                    step: HypStep::Statement,
                    draft: Box::default(),
                },
                String::new(),
            );
            p.seen = self.board.card(&card).cloned();
            self.mode = Mode::Prompt(p);
        } else {
            self.cancelled("verdict");
        }
        Vec::new()
    }

    /// `x`: archive the card?
    pub(super) fn on_confirm_archive_key(&mut self, card: String, key: KeyEvent) -> Vec<Effect> {
        self.mode = Mode::Board;
        if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
            return vec![Effect::apply(Action::Archive { card })];
        }
        self.cancelled("archive");
        Vec::new()
    }

    pub(super) fn on_prompt_key(&mut self, mut p: Prompt, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                if let Purpose::Filter { before } = &p.purpose {
                    // Esc puts back the filter there was.
                    let before = before.clone();
                    self.set_filter(&before);
                }
                self.back = None;
                self.cancelled(&p.purpose.label().to_lowercase());
                return Vec::new();
            }
            KeyCode::Enter => return self.submit(p),
            KeyCode::Tab | KeyCode::BackTab if p.other_kind(false).is_some() => {
                p.switch_kind(key.code == KeyCode::BackTab);
            }
            KeyCode::Tab if !p.choices.is_empty() => {
                if !p.complete() {
                    self.warn("no recent run matches what is typed");
                }
            }
            KeyCode::Char('o') if ctrl => {
                if let Purpose::Note { card } = &p.purpose {
                    // A longer note in $EDITOR, starting from what is typed.
                    self.mode = Mode::Board;
                    return vec![Effect::NoteInEditor {
                        card: card.clone(),
                        text: p.input,
                    }];
                }
            }
            _ => {
                if !p.edit(&key) {
                    self.warn(
                        "Enter accepts · Esc cancels · Ctrl+w deletes a word · Ctrl+u the line",
                    );
                }
            }
        }
        if let Purpose::Filter { .. } = p.purpose {
            // The filter applies as it is typed.
            let text = p.input.clone();
            self.set_filter(&text);
        }
        self.mode = Mode::Prompt(p);
        Vec::new()
    }

    /// Enter in a prompt: check the value, then act (or stay, saying why).
    pub(super) fn submit(&mut self, p: Prompt) -> Vec<Effect> {
        if let Check::Bad(why) = p.check(self.today) {
            // The typed text stays for the user to fix.
            self.set_message(why, true);
            self.mode = Mode::Prompt(p);
            return Vec::new();
        }
        self.mode = Mode::Board;
        let text = p.input.trim().to_string();
        // Inline edits say what the user saw, so a change made on disk
        // meanwhile is not silently overwritten.
        let seen = |card: &str, field: &str| -> serde_yaml::Value {
            let v = p
                .seen
                .as_ref()
                .filter(|c| c.id == card)
                .map(|c| c.to_value());
            v.as_ref()
                .and_then(|v| ops::get_field(v, field))
                .cloned()
                .unwrap_or(serde_yaml::Value::Null)
        };
        let set = |card: &str, field: &str, value: serde_yaml::Value| Action::SetChecked {
            card: card.to_string(),
            fields: vec![(field.to_string(), value, seen(card, field))],
        };
        let action = match p.purpose.clone() {
            Purpose::Evidence { card } => {
                if text.is_empty() {
                    self.set_message(
                        "type a run id, mlflow:ID or dvc:PATH#key (Tab: recent runs)",
                        true,
                    );
                    self.mode = Mode::Prompt(p);
                    return Vec::new();
                }
                return vec![Effect::RecordResult { card, source: text }];
            }
            // The card picker's line (`Mode::PickCard`), never a prompt.
            Purpose::LinkTo { .. } => return Vec::new(),
            Purpose::Filter { .. } => {
                if !self.filter.is_empty() {
                    let shown = self.cards_shown();
                    let s = if shown == 1 { "" } else { "s" };
                    self.set_message(format!("filter: {shown} card{s} shown · Esc clears"), false);
                }
                return Vec::new();
            }
            // Words to find are never a prompt of their own.
            Purpose::Search => return Vec::new(),
            Purpose::NewCard { lane, kind } => {
                let new = ops::NewCard {
                    title: text,
                    lane: Some(lane),
                    kind: Some(kind),
                    ..Default::default()
                };
                return vec![Effect::apply(Action::Add(Box::new(new)))];
            }
            Purpose::Hypothesis {
                lane,
                card,
                step,
                mut draft,
            } => {
                match step {
                    HypStep::Title => draft.title = text,
                    HypStep::Statement => draft.statement = Some(text).filter(|t| !t.is_empty()),
                    HypStep::Metric => draft.metric = Some(text).filter(|t| !t.is_empty()),
                    HypStep::Direction => draft.direction = crate::tui::prompt::direction(&text),
                    HypStep::Baseline => draft.baseline = crate::tui::prompt::number(&text),
                    HypStep::Target => draft.target = crate::tui::prompt::number(&text),
                }
                if let Some(next) = step.next() {
                    let mut np = Prompt::new(
                        Purpose::Hypothesis {
                            lane,
                            card,
                            step: next,
                            draft,
                        },
                        String::new(),
                    );
                    np.seen = p.seen;
                    self.mode = Mode::Prompt(np);
                    return Vec::new();
                }
                return self.hypothesis_done(lane, card, *draft, p.seen.as_ref());
            }
            // Checked above as it was typed; the value the user saw goes
            // with it, so a change on disk meanwhile is a conflict.
            Purpose::Field { card, field } => match field_input(&field, &text, self.today) {
                Ok(value) => {
                    let path = field.path().into_owned();
                    // A hypothesis field that makes the numbers contradict
                    // the verdict needs its reason first.
                    if let Some(d) = self.field_disagreement(&card, &path, &value) {
                        let was = seen(&card, &path);
                        let then = Reasoned::Field { path, value, was };
                        return self.ask_why(card, d, then, p.seen);
                    }
                    set(&card, &path, value)
                }
                Err(why) => {
                    self.set_message(why, true);
                    self.mode = Mode::Prompt(p);
                    return Vec::new();
                }
            },
            Purpose::Note { card } => {
                if text.is_empty() {
                    self.set_message("empty note: nothing added", false);
                    return Vec::new();
                }
                Action::Note { card, text }
            }
            Purpose::Result { card, verdict } => {
                let result = if text.is_empty() {
                    None
                } else {
                    crate::tui::prompt::number(&text)
                };
                // A verdict the numbers contradict needs its reason.
                let against = self
                    .board
                    .card(&card)
                    .and_then(|c| c.hypothesis.as_deref())
                    .and_then(|h| {
                        crate::evidence::verdict::needs_reason(h, verdict, result.as_ref())
                    });
                if let Some(d) = against {
                    return self.ask_why(card, d, Reasoned::Verdict { result }, p.seen);
                }
                Action::Verdict {
                    card,
                    verdict,
                    result,
                    because: None,
                }
            }
            Purpose::Because {
                card,
                verdict,
                computed,
                then,
            } => {
                if text.is_empty() {
                    self.set_message(
                        format!("the numbers give {computed}: say why {verdict} holds, or Esc"),
                        true,
                    );
                    self.mode = Mode::Prompt(p);
                    return Vec::new();
                }
                match *then {
                    Reasoned::Verdict { result } => Action::Verdict {
                        card,
                        verdict,
                        result,
                        because: Some(text),
                    },
                    // The reason goes in the same commit as the field.
                    Reasoned::Field { path, value, was } => {
                        let rationale = "hypothesis.rationale";
                        let before = seen(&card, rationale);
                        Action::SetChecked {
                            card,
                            fields: vec![
                                (path, value, was),
                                (rationale.to_string(), text.into(), before),
                            ],
                        }
                    }
                }
            }
        };
        vec![Effect::apply(action)]
    }

    /// A change the numbers would contradict: ask why the verdict holds
    /// before `then` is saved with the reason as its rationale.
    fn ask_why(
        &mut self,
        card: String,
        d: crate::evidence::verdict::Disagrees,
        then: Reasoned,
        seen: Option<Card>,
    ) -> Vec<Effect> {
        let verdict = d.given;
        let mut q = Prompt::new(
            Purpose::Because {
                card,
                verdict,
                computed: d.computed,
                then: Box::new(then),
            },
            String::new(),
        );
        q.seen = seen;
        q.about = Some(format!(
            "The numbers give {}, not {verdict} ({}). Say why {verdict} holds: it is kept with the verdict as its rationale.",
            d.computed, d.numbers
        ));
        self.mode = Mode::Prompt(q);
        Vec::new()
    }

    /// The last step of a hypothesis: a new card, or the fields on an
    /// existing one (which becomes a hypothesis).
    pub(super) fn hypothesis_done(
        &mut self,
        lane: String,
        card: Option<String>,
        draft: HypDraft,
        seen: Option<&Card>,
    ) -> Vec<Effect> {
        let Some(card) = card else {
            let new = ops::NewCard {
                title: draft.title,
                lane: Some(lane),
                kind: Some("hypothesis".into()),
                hypothesis: draft.statement,
                metric: draft.metric,
                direction: draft.direction,
                baseline: draft.baseline,
                target: draft.target,
                ..Default::default()
            };
            return vec![Effect::apply(Action::Add(Box::new(new)))];
        };
        let now = seen.map(|c| c.to_value()).unwrap_or_default();
        let was = |f: &str| ops::get_field(&now, f).cloned().unwrap_or_default();
        let str_value =
            |s: Option<String>| s.map_or(serde_yaml::Value::Null, serde_yaml::Value::String);
        let mut fields = Vec::new();
        let kinds = self.kinds();
        if kinds.iter().any(|k| k == "hypothesis") {
            fields.push(("kind".to_string(), "hypothesis".into(), was("kind")));
        }
        for (f, v) in [
            ("hypothesis.statement", str_value(draft.statement)),
            ("hypothesis.metric", str_value(draft.metric)),
            (
                "hypothesis.direction",
                str_value(draft.direction.map(|d| d.as_str().to_string())),
            ),
            ("hypothesis.baseline", draft.baseline.unwrap_or_default()),
            ("hypothesis.target", draft.target.unwrap_or_default()),
        ] {
            if !v.is_null() {
                fields.push((f.to_string(), v, was(f)));
            }
        }
        if fields.iter().all(|(f, ..)| f == "kind") {
            // A hypothesis with nothing in it still needs the mapping.
            fields.push((
                "hypothesis.verdict".into(),
                "open".into(),
                was("hypothesis.verdict"),
            ));
        }
        vec![Effect::apply(Action::SetChecked { card, fields })]
    }
}
