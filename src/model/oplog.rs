//! lanes' operation log: the trailers at the end of every commit lanes
//! makes (`Lanes-Action: move`, `Lanes-Card: <id>`, ...), rendered and
//! parsed here alone, like jj's typed operation metadata. Undo, sync,
//! history and the report read the same [`Trailers`]; a new trailer is a
//! field and a line here.

/// The trailer keys, spelled once.
pub const ACTION: &str = "Lanes-Action";
pub const CARD: &str = "Lanes-Card";
pub const UNDOES: &str = "Lanes-Undoes";
pub const REDOES: &str = "Lanes-Redoes";
pub const AGENT: &str = "Lanes-Agent";

/// What a commit says about the operation it records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trailers {
    /// The operation (`add`, `move`, `note`, `sync`, `undo`, ...); `None`:
    /// not a lanes commit.
    pub action: Option<String>,
    /// The commit an undo takes back (full hex id).
    pub undoes: Option<String>,
    /// The commit a redo makes again.
    pub redoes: Option<String>,
    /// The agent that made the change for its author (an MCP client).
    pub agent: Option<String>,
    /// The cards it changed.
    pub cards: Vec<String>,
}

impl Trailers {
    /// An operation on these cards.
    pub fn new(action: &str, cards: &[&str]) -> Trailers {
        Trailers {
            action: Some(action.to_string()),
            cards: cards.iter().map(|c| c.to_string()).collect(),
            ..Trailers::default()
        }
    }

    /// Read the trailers of a commit message (any line of it: older lanes
    /// and hand-written messages put them where they like).
    pub fn parse(message: &str) -> Trailers {
        let mut t = Trailers::default();
        for line in message.lines() {
            let Some((key, value)) = line.split_once(": ") else {
                continue;
            };
            let value = value.trim().to_string();
            match key {
                ACTION => t.action = Some(value),
                UNDOES => t.undoes = Some(value),
                REDOES => t.redoes = Some(value),
                AGENT => t.agent = Some(value),
                CARD => t.cards.push(value),
                _ => {}
            }
        }
        t
    }

    /// Whether lanes made the commit.
    pub fn is_lanes(&self) -> bool {
        self.action.is_some()
    }

    /// The trailer block, one `Key: value` per line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |key: &str, value: &str| {
            out.push_str(key);
            out.push_str(": ");
            out.push_str(&super::text::clean_line(value, 200));
            out.push('\n');
        };
        if let Some(a) = &self.action {
            line(ACTION, a);
        }
        if let Some(u) = &self.undoes {
            line(UNDOES, u);
        }
        if let Some(r) = &self.redoes {
            line(REDOES, r);
        }
        if let Some(a) = &self.agent {
            line(AGENT, a);
        }
        for c in &self.cards {
            line(CARD, c);
        }
        out
    }

    /// A whole commit message: the subject, the body (cleaned of escape
    /// sequences; its line breaks kept) and these trailers.
    pub fn message(&self, subject: &str, body: &str) -> String {
        let mut msg = String::from(subject);
        msg.push_str("\n\n");
        let body = body.trim();
        if !body.is_empty() {
            let cleaned: Vec<String> = body
                .lines()
                .map(|l| super::text::clean_line(l, 500))
                .collect();
            msg.push_str(&cleaned.join("\n"));
            msg.push_str("\n\n");
        }
        msg.push_str(&self.render());
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_round_trip() {
        let t = Trailers {
            action: Some("undo".into()),
            undoes: Some("0123abcd".into()),
            redoes: None,
            agent: None,
            cards: vec!["abc123".into(), "def456".into()],
        };
        let msg = t.message("lanes: undo move abc123 T", "Takes back 0123abcd.");
        assert_eq!(
            msg,
            "lanes: undo move abc123 T\n\nTakes back 0123abcd.\n\nLanes-Action: undo\nLanes-Undoes: 0123abcd\nLanes-Card: abc123\nLanes-Card: def456\n"
        );
        assert_eq!(Trailers::parse(&msg), t);
        assert!(!Trailers::parse("fix: a bug\n\nSigned-off-by: x").is_lanes());
    }
}
