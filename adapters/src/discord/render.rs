//! Omnify's replies as Discord messages: the answer's Markdown in pieces under Discord's
//! 2,000-character limit (never cut inside a code block, a code span or bold text),
//! Markdown tables as embeds (Discord does not draw tables), a "Sources" embed saying
//! which tools ran and where their numbers came from, and buttons.

use crate::text::{floor_boundary, split_long_line};
use crate::turn::ToolUse;
use serde_json::{Value, json};

/// Discord refuses a message whose `content` is longer than this.
pub const CONTENT_LIMIT: usize = 2000;
/// Room kept for the fence (and language tag) we may add when a code block is cut.
const FENCE_ROOM: usize = 24;
/// Embed limits: description, field name / value, fields per embed, embeds per message.
pub const EMBED_DESCRIPTION_LIMIT: usize = 4096;
const FIELD_NAME_LIMIT: usize = 256;
const FIELD_VALUE_LIMIT: usize = 1024;
const FIELDS_PER_EMBED: usize = 25;
pub const EMBEDS_PER_MESSAGE: usize = 10;
/// Omnify's colour on embeds.
const COLOUR: u32 = 0x4F46E5;

/// Component types and button styles.
const ACTION_ROW: u8 = 1;
const BUTTON: u8 = 2;
const PRIMARY: u8 = 1;
const SECONDARY: u8 = 2;
const SUCCESS: u8 = 3;
const DANGER: u8 = 4;

/// A file sent with a message (a chart's PNG).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub description: String,
    pub bytes: Vec<u8>,
}

/// One Discord message as Omnify sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    pub content: String,
    pub embeds: Vec<Value>,
    /// Action rows; an edit with none removes the buttons a message had.
    pub components: Vec<Value>,
    pub attachment: Option<Attachment>,
    /// Only the user who clicked or typed sees it (interaction follow-ups only).
    pub ephemeral: bool,
}

impl Message {
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            ..Default::default()
        }
    }

    /// The JSON body (or multipart `payload_json`). Nobody is pinged by what the model
    /// writes: `allowed_mentions` is empty. `components` is always sent, so an edit
    /// removes buttons it does not repeat; `embeds` only when there are some, so an
    /// edit keeps the embeds a message has (no streamed edit ever adds any).
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "content": self.content,
            "components": self.components,
            "allowed_mentions": {"parse": []},
        });
        if !self.embeds.is_empty() {
            body["embeds"] = json!(self.embeds);
        }
        if self.ephemeral {
            body["flags"] = json!(crate::discord::interaction::EPHEMERAL);
        }
        if let Some(a) = &self.attachment {
            body["attachments"] =
                json!([{"id": 0, "filename": a.filename, "description": a.description}]);
        }
        body
    }
}

/// The answer's Markdown cut into message-sized pieces: at paragraph or line breaks,
/// else at spaces outside code spans; a code block or bold text that has to be cut is
/// closed before the cut and reopened after it, so each piece renders on its own.
pub fn split(markdown: &str) -> Vec<String> {
    split_under(markdown, CONTENT_LIMIT)
}

/// [`split`] with another limit (tests use small ones).
pub fn split_under(markdown: &str, limit: usize) -> Vec<String> {
    let chunk = limit.saturating_sub(FENCE_ROOM).max(16);
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    // The opening line of the code block we are in (```lang), if any.
    let mut fence: Option<String> = None;
    for line in markdown.split('\n') {
        let is_fence = line.trim_start().starts_with("```");
        let pieces = if fence.is_some() || is_fence {
            hard_cut(line, chunk)
        } else {
            cut_line(line, chunk)
        };
        for piece in pieces {
            let needed = current.len() + piece.len() + 1;
            // A closing fence always fits: `chunk` leaves room for it.
            let closing = is_fence && fence.is_some();
            if !current.is_empty() && needed > chunk && !closing {
                if fence.is_some() {
                    current.push_str("\n```");
                }
                chunks.push(std::mem::take(&mut current));
                if let Some(open) = &fence {
                    current.push_str(open);
                }
            }
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&piece);
        }
        if is_fence {
            fence = match fence {
                Some(_) => None,
                None => Some(line.trim_start().to_string()),
            };
        }
    }
    if fence.is_some() && !current.is_empty() {
        // An unclosed block in the model's text: close it so the last piece renders.
        current.push_str("\n```");
    }
    chunks.push(current);
    chunks.retain(|c| !c.trim().is_empty());
    chunks
}

/// A line inside a code block: cut at character boundaries only.
fn hard_cut(line: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = line;
    while rest.len() > max {
        let cut = floor_boundary(rest, max);
        pieces.push(rest[..cut].to_string());
        rest = &rest[cut..];
    }
    pieces.push(rest.to_string());
    pieces
}

/// A prose line cut at spaces outside code spans; bold open at a cut is closed and
/// reopened. A single word longer than `max` is the only thing cut hard.
fn cut_line(line: &str, max: usize) -> Vec<String> {
    if line.len() <= max {
        return vec![line.to_string()];
    }
    // Room for the `**` that close and reopen bold across a cut.
    let pieces = split_long_line(line, max - 4);
    // Carry bold across the cuts.
    let mut bold = false;
    pieces
        .into_iter()
        .map(|p| {
            let mut out = String::new();
            if bold {
                out.push_str("**");
            }
            out.push_str(p.trim_end());
            if bold_markers(&p) % 2 == 1 {
                bold = !bold;
            }
            if bold {
                out.push_str("**");
            }
            out
        })
        .collect()
}

/// `**` outside code spans.
fn bold_markers(s: &str) -> usize {
    s.split('`')
        .step_by(2)
        .map(|part| part.matches("**").count())
        .sum()
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let cut = floor_boundary(s, max.saturating_sub(3));
    format!("{}…", &s[..cut])
}

/// Text shortened for a streaming preview: under the limit, code blocks closed.
pub fn preview(text: &str) -> String {
    let mut out = truncate(text, CONTENT_LIMIT - 8);
    if out.matches("```").count() % 2 == 1 {
        out.push_str("\n```");
    }
    out
}

/// A Markdown table pulled out of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The heading or sentence just above it, if any.
    pub title: String,
    pub rows: Vec<Vec<String>>,
}

/// The answer without its Markdown tables, and the tables (outside code blocks).
pub fn take_tables(markdown: &str) -> (String, Vec<Table>) {
    let lines: Vec<&str> = markdown.split('\n').collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut tables = Vec::new();
    let mut in_fence = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let starts_table =
            !in_fence && is_row(line) && lines.get(i + 1).is_some_and(|next| is_separator(next));
        if !starts_table {
            kept.push(line);
            i += 1;
            continue;
        }
        let mut rows = vec![cells(line)];
        i += 2;
        while i < lines.len() && is_row(lines[i]) {
            rows.push(cells(lines[i]));
            i += 1;
        }
        let title = kept
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| {
                l.trim()
                    .trim_start_matches('#')
                    .trim()
                    .trim_end_matches(':')
            })
            .unwrap_or("")
            .replace("**", "");
        tables.push(Table { title, rows });
    }
    let text = kept.join("\n");
    (text.trim().to_string(), tables)
}

fn is_row(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.len() > 1 && t[1..].contains('|')
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    is_row(t) && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn cells(line: &str) -> Vec<String> {
    let t = line.trim().trim_start_matches('|').trim_end_matches('|');
    t.split('|')
        .map(|c| c.trim().replace("**", "").replace('`', ""))
        .collect()
}

/// A table as an embed: columns aligned in a code block (numbers right-aligned).
pub fn table_embed(table: &Table) -> Value {
    let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        table
            .rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let mut lines = Vec::new();
    for (n, row) in table.rows.iter().enumerate() {
        let cells: Vec<String> = (0..columns)
            .map(|c| {
                let s = row.get(c).map(String::as_str).unwrap_or("");
                let numeric = n > 0 && c > 0 && looks_numeric(s);
                if numeric {
                    format!("{s:>w$}", w = widths[c])
                } else {
                    format!("{s:<w$}", w = widths[c])
                }
            })
            .collect();
        lines.push(cells.join("  ").trim_end().to_string());
        if n == 0 {
            lines.push(
                widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
        }
    }
    let body = truncate(&lines.join("\n"), EMBED_DESCRIPTION_LIMIT - 8);
    let mut embed = json!({"description": format!("```\n{body}\n```"), "color": COLOUR});
    if !table.title.is_empty() {
        embed["title"] = Value::String(truncate(&table.title, 256));
    }
    embed
}

fn looks_numeric(s: &str) -> bool {
    let t = s.trim_start_matches(['$', '€', '£', '-', '+']);
    t.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// "Sources": each tool that ran, where its data came from, and what failed.
pub fn sources_embed(tools: &[ToolUse]) -> Option<Value> {
    if tools.is_empty() {
        return None;
    }
    let fields: Vec<Value> = tools
        .iter()
        .take(FIELDS_PER_EMBED)
        .map(|t| {
            let mark = match t.ok {
                Some(false) => "⚠️ ",
                _ => "",
            };
            let provenance = t.provenance();
            let value = match (t.ok, provenance.is_empty()) {
                (Some(false), _) => format!("failed: {}", t.summary),
                (_, false) => provenance,
                (_, true) if !t.summary.is_empty() => t.summary.clone(),
                _ => "—".to_string(),
            };
            json!({
                "name": truncate(&format!("{mark}{}", t.name), FIELD_NAME_LIMIT),
                "value": truncate(&value, FIELD_VALUE_LIMIT),
                "inline": false,
            })
        })
        .collect();
    Some(json!({"title": "Sources", "color": COLOUR, "fields": fields}))
}

/// Confirm / Cancel buttons for a proposed write action.
pub fn proposal_buttons(action_id: &str) -> Value {
    use crate::discord::interaction::Button;
    json!({"type": ACTION_ROW, "components": [
        {"type": BUTTON, "style": SUCCESS, "label": "Confirm",
         "custom_id": Button::Confirm(action_id.to_string()).custom_id()},
        {"type": BUTTON, "style": DANGER, "label": "Cancel",
         "custom_id": Button::Cancel(action_id.to_string()).custom_id()},
    ]})
}

/// Claim / Resolve buttons on an escalation, for experts.
pub fn expert_buttons(escalation_id: &str) -> Value {
    use crate::discord::interaction::Button;
    json!({"type": ACTION_ROW, "components": [
        {"type": BUTTON, "style": PRIMARY, "label": "Claim",
         "custom_id": Button::Claim(escalation_id.to_string()).custom_id()},
        {"type": BUTTON, "style": SECONDARY, "label": "Resolve",
         "custom_id": Button::Resolve(escalation_id.to_string()).custom_id()},
    ]})
}

/// The final answer as messages: its text in pieces, then the tables, sources and
/// extra notices as embeds and the buttons, on the last piece (embeds beyond ten per
/// message go on messages of their own). Charts are attached separately.
pub fn answer(
    reply: &str,
    tools: &[ToolUse],
    notices: &[String],
    buttons: Vec<Value>,
) -> Vec<Message> {
    let (text, tables) = take_tables(reply);
    let mut text = text;
    for n in notices {
        text.push_str("\n\n");
        text.push_str(n);
    }
    let mut messages: Vec<Message> = split(&text).into_iter().map(Message::text).collect();
    let mut embeds: Vec<Value> = tables.iter().map(table_embed).collect();
    embeds.extend(sources_embed(tools));
    if messages.is_empty() {
        messages.push(Message::text(if embeds.is_empty() {
            "(no answer)"
        } else {
            ""
        }));
    }
    let mut groups = embeds.chunks(EMBEDS_PER_MESSAGE);
    if let (Some(first), Some(last)) = (groups.next(), messages.last_mut()) {
        last.embeds = first.to_vec();
    }
    messages.extend(groups.map(|g| Message {
        embeds: g.to_vec(),
        ..Default::default()
    }));
    if let Some(last) = messages.last_mut() {
        last.components = buttons;
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fences_balanced(c: &str) -> bool {
        c.matches("```").count().is_multiple_of(2)
    }

    #[test]
    fn long_answers_split_under_2000_without_breaking_markdown() {
        let para = "Meta spent **$1,234 on prospecting** with `roas = 2.1` this week. ".repeat(30);
        let code = "campaign,spend,roas\n".repeat(150);
        let text = format!("{para}\n\n```csv\n{code}```\n\n{para}");
        let chunks = split(&text);
        assert!(chunks.len() >= 4, "{}", chunks.len());
        for c in &chunks {
            assert!(c.len() <= CONTENT_LIMIT, "{}", c.len());
            assert!(fences_balanced(c), "fences balanced in {c:.80}");
            for line in c.lines().filter(|l| !l.starts_with("```")) {
                assert_eq!(line.matches('`').count() % 2, 0, "span cut in {line:.80}");
                assert_eq!(bold_markers(line) % 2, 0, "bold cut in {line:.120}");
            }
        }
        // A cut code block is reopened with its language.
        assert!(chunks.iter().skip(1).any(|c| c.starts_with("```csv")));
        // Nothing lost: every row and the words are still there.
        let joined = chunks.join("\n");
        assert_eq!(joined.matches("campaign,spend,roas").count(), 150);
        assert_eq!(joined.matches("Meta spent").count(), 60);
    }

    #[test]
    fn a_long_bold_line_is_closed_and_reopened_at_the_cut() {
        let line = format!("**{}**", "revenue grew strongly ".repeat(20));
        let chunks = split_under(&line, 120);
        assert!(chunks.len() > 3);
        for c in &chunks {
            assert!(c.len() <= 120, "{c}");
            assert!(c.starts_with("**") && c.ends_with("**"), "{c}");
        }
    }

    #[test]
    fn short_answers_stay_whole_and_unclosed_blocks_are_closed() {
        assert_eq!(split("Meta: **$100**"), vec!["Meta: **$100**".to_string()]);
        assert_eq!(split(""), Vec::<String>::new());
        let open = split("see\n```\nx");
        assert!(fences_balanced(&open[0]), "{open:?}");
        assert!(preview(&"a".repeat(5000)).len() <= CONTENT_LIMIT);
        assert!(fences_balanced(&preview("```\nrows…")));
    }

    #[test]
    fn tables_become_aligned_embeds_and_tools_a_sources_embed() {
        let reply = "## Last week by platform\n| Platform | Spend | ROAS |\n|---|---:|---:|\n| Meta | $1,200 | 2.4 |\n| Google Ads | $980 | 3.1 |\n\nMeta led on spend.";
        let (text, tables) = take_tables(reply);
        assert_eq!(text, "## Last week by platform\n\nMeta led on spend.");
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].title, "Last week by platform");
        let embed = table_embed(&tables[0]);
        let d = embed["description"].as_str().unwrap();
        assert!(d.contains("Platform    Spend   ROAS"), "{d}");
        assert!(d.contains("Meta        $1,200   2.4"), "{d}");

        let tools = vec![
            ToolUse {
                name: "get_marketing_performance".into(),
                arguments: json!({"platforms": ["meta"], "start_date": "2026-11-16", "end_date": "2026-11-22"}),
                ok: Some(true),
                ..Default::default()
            },
            ToolUse {
                name: "get_store_sales".into(),
                ok: Some(false),
                summary: "connection expired".into(),
                ..Default::default()
            },
        ];
        let messages = answer(reply, &tools, &[], vec![proposal_buttons("a-1")]);
        assert_eq!(messages.len(), 1);
        let m = &messages[0];
        assert_eq!(m.embeds.len(), 2);
        let sources = &m.embeds[1];
        assert_eq!(sources["title"], "Sources");
        assert_eq!(
            sources["fields"][0]["value"],
            "meta · 2026-11-16 → 2026-11-22"
        );
        assert_eq!(sources["fields"][1]["value"], "failed: connection expired");
        assert_eq!(
            m.components[0]["components"][0]["custom_id"],
            "omnify:confirm:a-1"
        );
        let body = m.to_json();
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
    }

    #[test]
    fn many_embeds_spill_onto_further_messages() {
        let table = "| a | b |\n|---|---|\n| 1 | 2 |\n\nnext\n\n";
        let reply = table.repeat(12);
        let messages = answer(&reply, &[], &[], vec![]);
        let embeds: usize = messages.iter().map(|m| m.embeds.len()).sum();
        assert_eq!(embeds, 12);
        assert!(
            messages
                .iter()
                .all(|m| m.embeds.len() <= EMBEDS_PER_MESSAGE)
        );
    }
}
