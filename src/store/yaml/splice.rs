//! Rewriting a file lanes read: fields whose value did not change keep
//! their original text byte for byte, changed ones are emitted in place.

use super::emit::{emit, emit_entry, emit_seq, Out};
use serde_yaml::{Mapping, Value};

/// One top-level entry of an existing document: its key and its lines.
struct Block<'a> {
    key: String,
    text: &'a str,
}

/// Split a block-style document into a preamble and top-level entries.
/// Returns None for anything we cannot split safely.
fn split_blocks(text: &str) -> Option<(&str, Vec<Block<'_>>)> {
    let mut starts: Vec<(usize, String)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let first = line.as_bytes().first().copied();
        match first {
            None | Some(b' ' | b'\t' | b'#' | b'\n' | b'\r') => {}
            Some(b'-') if line.starts_with("---") => {
                if !starts.is_empty() {
                    return None;
                }
            }
            // `key:` then `- item` at the key's column: the item belongs
            // to the key's block.
            Some(b'-')
                if !starts.is_empty() && (line.starts_with("- ") || line.trim_end() == "-") => {}
            Some(
                b'-' | b'[' | b'{' | b'"' | b'\'' | b'?' | b'&' | b'*' | b'!' | b'|' | b'>' | b'.',
            ) => return None,
            Some(_) => {
                let colon = line.find(':')?;
                let key = &line[..colon];
                if key.contains(['#', '"', '\'']) {
                    return None;
                }
                starts.push((offset, key.trim_end().to_string()));
            }
        }
        offset += line.len();
    }
    let preamble_end = starts.first().map_or(text.len(), |s| s.0);
    let mut blocks = Vec::with_capacity(starts.len());
    for (i, (start, key)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |s| s.0);
        blocks.push(Block {
            key: key.clone(),
            text: &text[*start..end],
        });
    }
    Some((&text[..preamble_end], blocks))
}

/// Render `new` for writing over a file whose text was `original` and whose
/// canonical content was `old`. Fields equal in `old` and `new` keep their
/// original text; changed fields are emitted canonically; new fields go in
/// after the nearest field that precedes them in `new`'s order.
///
/// `canon` reads a text back into canonical form (through the model); the
/// splice is used only if it reads back as exactly `new`, otherwise the whole
/// document is emitted canonically.
pub fn render(
    original: Option<(&str, &Mapping)>,
    new: &Mapping,
    canon: &dyn Fn(&str) -> Option<Mapping>,
) -> String {
    let Some((text, old)) = original else {
        return emit(new);
    };
    let out = match splice(text, old, new) {
        Some(s) if canon(&s).as_ref() == Some(new) => s,
        _ => emit(new),
    };
    if text.contains("\r\n") {
        // Keep the file's Windows line endings.
        out.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        out
    }
}

fn splice(text: &str, old: &Mapping, new: &Mapping) -> Option<String> {
    let (preamble, blocks) = split_blocks(text)?;
    // The original text must hold exactly the old keys (in any order).
    let original = match serde_yaml::from_str::<Value>(text) {
        Ok(Value::Mapping(m)) => m,
        _ => return None,
    };
    if blocks.len() != original.len()
        || blocks
            .iter()
            .any(|b| !original.contains_key(Value::String(b.key.clone())))
    {
        return None;
    }
    let mut out = Out {
        text: String::with_capacity(text.len() + 64),
        escape_brackets: false,
    };
    out.push_str(preamble);
    let new_keys: Vec<&Value> = new.keys().collect();
    let mut placed: Vec<bool> = vec![false; new_keys.len()];
    // Place new fields that come before every original one.
    let emit_new_run = |out: &mut Out, placed: &mut Vec<bool>, upto: usize| {
        for i in 0..upto {
            if !placed[i] {
                placed[i] = true;
                emit_entry(out, new_keys[i], &new[new_keys[i]], 0);
            }
        }
    };
    for block in &blocks {
        let key = Value::String(block.key.clone());
        let pos = new_keys.iter().position(|k| **k == key);
        if let Some(p) = pos {
            // New keys that sort before this one and are not in the file yet.
            let pending: Vec<usize> = (0..p)
                .filter(|&i| !placed[i] && !original.contains_key(new_keys[i]))
                .collect();
            for i in pending {
                placed[i] = true;
                emit_entry(&mut out, new_keys[i], &new[new_keys[i]], 0);
            }
            placed[p] = true;
            if old.get(&key) == new.get(&key) {
                out.push_str(block.text);
                if !block.text.ends_with('\n') {
                    out.push('\n');
                }
            } else if let Some(kept) = old
                .get(&key)
                .and_then(|o| splice_value(block.text, o, &new[&key]))
            {
                out.push_str(&kept);
            } else {
                emit_entry(&mut out, &key, &new[&key], 0);
                // Keep comment lines that trailed the old block.
                out.push_str(trailing_comments(block.text));
            }
        } else if old.contains_key(&key) {
            // Removed field: dropped.
        } else {
            // The file has a key that neither old nor new know (e.g. null
            // values dropped by the model): keep as is.
            out.push_str(block.text);
        }
    }
    emit_new_run(&mut out, &mut placed, new_keys.len());
    Some(out.text)
}

/// A changed entry rewritten in place where its shape allows, so that
/// what did not change keeps its text: a block mapping keeps its unchanged
/// sub-entries (their spelling, comments and indentation: giving a verdict
/// leaves a hand-written `target: 0.20` alone), a block list that only grew
/// keeps its old items and gets the new ones after them. `None` when the
/// entry is not of that shape.
fn splice_value(block: &str, old: &Value, new: &Value) -> Option<String> {
    let tail = trailing_comments(block);
    let block = &block[..block.len() - tail.len()];
    let (head, body) = block.split_at(block.find('\n')? + 1);
    let after = head[head.find(':')? + 1..].trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let content = |l: &&str| !l.trim().is_empty() && !l.trim_start().starts_with('#');
    let first = body.lines().find(content)?;
    let ind = first.len() - first.trim_start_matches(' ').len();
    let pad = " ".repeat(ind);
    let mut dedented = String::with_capacity(body.len());
    for line in body.split_inclusive('\n') {
        if line.trim().is_empty() {
            dedented.push_str(line.strip_prefix(pad.as_str()).unwrap_or("\n"));
        } else {
            dedented.push_str(line.strip_prefix(pad.as_str())?);
        }
    }
    let inner = match (old, new) {
        (Value::Mapping(o), Value::Mapping(n))
            if ind > 0 && !first.trim_start().starts_with('-') =>
        {
            splice(&dedented, o, n)?
        }
        (Value::Sequence(o), Value::Sequence(n))
            if n.len() > o.len()
                && n[..o.len()] == o[..]
                && first.trim_start().starts_with('-') =>
        {
            let mut s = Out {
                text: dedented,
                escape_brackets: false,
            };
            if !s.ends_with('\n') {
                s.push('\n');
            }
            emit_seq(&mut s, &n[o.len()..], 0);
            s.text
        }
        _ => return None,
    };
    let mut out = String::with_capacity(block.len() + 64);
    out.push_str(head);
    for line in inner.split_inclusive('\n') {
        if line != "\n" {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(tail);
    Some(out)
}

fn trailing_comments(block: &str) -> &str {
    let mut start = block.len();
    let lines: Vec<&str> = block.split_inclusive('\n').collect();
    for line in lines.iter().skip(1).rev() {
        let t = line.trim_start();
        if t.starts_with('#') || t.trim().is_empty() {
            start -= line.len();
        } else {
            break;
        }
    }
    &block[start..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::yaml::map;

    #[test]
    fn splice_keeps_unchanged_text() {
        let original =
            "# note\nid: a\ntitle:   'odd  style'\nlane: x   # why\nrank: i\nfuture: {a: 1}\n";
        let old = map(original);
        let mut new = old.clone();
        new.insert("lane".into(), "modeling".into());
        new.insert("kind".into(), "task".into());
        let canon = |t: &str| match serde_yaml::from_str::<Value>(t) {
            Ok(Value::Mapping(m)) => Some(m),
            _ => None,
        };
        let out = render(Some((original, &old)), &new, &canon);
        assert_eq!(
            out,
            "# note\nid: a\ntitle:   'odd  style'\nlane: modeling\nrank: i\nfuture: {a: 1}\nkind: task\n"
        );
    }

    #[test]
    fn nested_changes_leave_their_neighbours_alone() {
        let canon = |t: &str| match serde_yaml::from_str::<Value>(t) {
            Ok(Value::Mapping(m)) => Some(m),
            _ => None,
        };
        let original = "id: a\nhypothesis:\n    metric: p@10   # hand written\n    baseline: 0.10\n    target: 0.20\n    verdict: open\n# about the journal\njournal:\n- at: 2026-01-01\n  by: ana\n  text:   'first'\nkind: task\n";
        let old = map(original);
        let mut new = old.clone();
        let h = new.get_mut("hypothesis").unwrap().as_mapping_mut().unwrap();
        h.insert("verdict".into(), "supported".into());
        h.insert("result".into(), Value::Number(0.25.into()));
        let entry = map("at: 2026-02-02\nby: bo\ntext: second\n");
        new.get_mut("journal")
            .unwrap()
            .as_sequence_mut()
            .unwrap()
            .push(Value::Mapping(entry));
        let out = render(Some((original, &old)), &new, &canon);
        assert_eq!(
            out,
            "id: a\nhypothesis:\n    metric: p@10   # hand written\n    baseline: 0.10\n    target: 0.20\n    verdict: supported\n    result: 0.25\n# about the journal\njournal:\n- at: 2026-01-01\n  by: ana\n  text:   'first'\n- at: 2026-02-02\n  by: bo\n  text: second\nkind: task\n"
        );
    }
}
