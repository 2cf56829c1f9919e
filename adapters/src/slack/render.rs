//! Block Kit for Omnify's replies: the answer in mrkdwn sections (each under Slack's
//! 3000-character limit, never cut inside code), a context line saying which tools ran
//! and where their data came from, plain sections for failures and hand-offs, and
//! confirm / cancel buttons for proposed actions.

use crate::text::{floor_boundary, split_long_line};
use serde_json::{Value, json};

/// Slack refuses a section whose text is longer than 3000 characters.
pub const SECTION_LIMIT: usize = 3000;
/// Headroom for the fence we may add when a code block has to be split.
const CHUNK: usize = SECTION_LIMIT - 8;
/// Slack's limit on a message's top-level `text` is 40 000; keep previews short.
pub const PREVIEW_LIMIT: usize = 3500;
/// Action ids of the proposal buttons.
pub const CONFIRM_ACTION: &str = "confirm_action";
pub const CANCEL_ACTION: &str = "cancel_action";

pub use crate::turn::ToolUse;

/// Markdown as the model writes it → Slack mrkdwn: `**bold**` → `*bold*`,
/// `[text](url)` → `<url|text>`, `# Heading` → `*Heading*`. Code is left alone.
pub fn to_mrkdwn(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut in_fence = false;
    for (i, line) in markdown.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            out.push_str(line);
            continue;
        }
        if in_fence {
            out.push_str(line);
            continue;
        }
        let trimmed = line.trim_start();
        let heading = trimmed.trim_start_matches('#');
        if trimmed.starts_with('#') && heading.starts_with(' ') {
            out.push('*');
            out.push_str(&inline(heading.trim()));
            out.push('*');
        } else {
            out.push_str(&inline(line));
        }
    }
    out
}

/// Inline conversions outside `code spans`.
fn inline(line: &str) -> String {
    let mut out = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(part);
        } else {
            out.push_str(&links(&part.replace("**", "*").replace("__", "_")));
        }
    }
    out
}

fn links(s: &str) -> String {
    omnify_core::markdown::rewrite_links(
        s,
        |text, url| url.starts_with("http").then(|| format!("<{url}|{text}>")),
        str::to_owned,
    )
}

/// Split mrkdwn into pieces Slack accepts as sections: at paragraph or line breaks,
/// else at spaces outside code spans; a code block too long for one section is closed
/// and reopened around the cut, so each piece renders on its own.
pub fn split_sections(text: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_fence = false;
    for line in text.split('\n') {
        let is_fence = line.trim_start().starts_with("```");
        for piece in split_long_line(line, CHUNK) {
            let needed = current.len() + piece.len() + 1;
            // A closing fence always fits: CHUNK leaves room for it.
            if !current.is_empty() && needed > CHUNK && !(is_fence && in_fence) {
                if in_fence {
                    current.push_str("\n```");
                }
                chunks.push(std::mem::take(&mut current));
                if in_fence {
                    current.push_str("```");
                }
            }
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&piece);
        }
        if is_fence {
            in_fence = !in_fence;
        }
    }
    if !current.trim().is_empty() {
        chunks.push(current);
    }
    // Prefer paragraph boundaries: nothing to do beyond line cuts, but drop blank pieces.
    chunks.retain(|c| !c.trim().is_empty());
    chunks
}

fn mrkdwn_section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

/// A plain-text section (failures, hand-offs, outcomes): nothing in it is formatted.
pub fn plain_section(text: &str) -> Value {
    let mut text: String = text.chars().take(SECTION_LIMIT).collect();
    if text.is_empty() {
        text.push(' ');
    }
    json!({"type": "section", "text": {"type": "plain_text", "text": text, "emoji": true}})
}

/// The final reply: the answer, failed tools as plain sections, and the context line.
pub fn answer_blocks(reply: &str, tools: &[ToolUse]) -> Vec<Value> {
    let mut blocks = mrkdwn_sections(reply);
    for t in tools.iter().filter(|t| t.ok == Some(false)) {
        blocks.push(plain_section(&format!(
            "⚠️ {} failed: {}",
            t.name, t.summary
        )));
    }
    if let Some(context) = context_block(tools) {
        blocks.push(context);
    }
    blocks
}

/// "Tools: get_marketing_performance (meta · 2026-11-16 → 2026-11-22)".
pub fn context_block(tools: &[ToolUse]) -> Option<Value> {
    if tools.is_empty() {
        return None;
    }
    let used: Vec<String> = tools
        .iter()
        .map(|t| {
            let p = t.provenance();
            let mark = if t.ok == Some(false) { " ✗" } else { "" };
            if p.is_empty() {
                format!("`{}`{mark}", t.name)
            } else {
                format!("`{}`{mark} ({p})", t.name)
            }
        })
        .collect();
    let mut text = format!("Tools: {}", used.join(", "));
    text.truncate(floor_boundary(&text, SECTION_LIMIT - 100));
    Some(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}))
}

/// Markdown as mrkdwn sections, each under the limit.
pub fn mrkdwn_sections(markdown: &str) -> Vec<Value> {
    split_sections(&to_mrkdwn(markdown))
        .iter()
        .map(|s| mrkdwn_section(s))
        .collect()
}

/// A proposed write action with its two buttons; the value is the action id.
pub fn proposal_blocks(summary: &str, action_id: &str) -> Vec<Value> {
    let mut blocks = mrkdwn_sections(summary);
    blocks.push(proposal_buttons(action_id));
    blocks
}

/// Confirm / cancel buttons for a proposed action.
pub fn proposal_buttons(action_id: &str) -> Value {
    json!({
        "type": "actions",
        "block_id": format!("proposal:{action_id}"),
        "elements": [
            {"type": "button", "action_id": CONFIRM_ACTION, "style": "primary",
             "text": {"type": "plain_text", "text": "Confirm"}, "value": action_id},
            {"type": "button", "action_id": CANCEL_ACTION, "style": "danger",
             "text": {"type": "plain_text", "text": "Cancel"}, "value": action_id},
        ]
    })
}

/// Text shortened for a streaming preview or a notification fallback.
pub fn preview(text: &str) -> String {
    if text.len() <= PREVIEW_LIMIT {
        return text.to_string();
    }
    let cut = floor_boundary(text, PREVIEW_LIMIT);
    format!("{}…", &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_mrkdwn_outside_code() {
        assert_eq!(
            to_mrkdwn("# Week\n**Meta** spent `**x**` see [docs](https://x.io)\n```\n**raw**\n```"),
            "*Week*\n*Meta* spent `**x**` see <https://x.io|docs>\n```\n**raw**\n```"
        );
    }

    #[test]
    fn a_cited_source_becomes_a_slack_link() {
        assert_eq!(
            to_mrkdwn(
                "[1] [Fatigue › TikTok](https://o.example/kb/t?doc=a.md&sig=9f#tiktok) (a.md)"
            ),
            "[1] <https://o.example/kb/t?doc=a.md&sig=9f#tiktok|Fatigue › TikTok> (a.md)"
        );
    }

    #[test]
    fn long_answers_split_under_the_limit_and_never_inside_code() {
        let para = "Meta spent $1,234 with `roas = 2.1` on prospecting. ".repeat(40);
        let text = format!(
            "{para}\n\n{para}\n\n```\n{}```\n{para}",
            "row,1,2,3\n".repeat(500)
        );
        let chunks = split_sections(&text);
        assert!(chunks.len() > 3);
        for c in &chunks {
            assert!(c.len() <= SECTION_LIMIT, "{}", c.len());
            assert_eq!(
                c.matches("```").count() % 2,
                0,
                "fences balanced in {c:.80}"
            );
            for line in c.lines().filter(|l| !l.starts_with("```")) {
                assert_eq!(line.matches('`').count() % 2, 0, "span cut in {line:.80}");
            }
        }
        let one_line = "word `a b c` ".repeat(600);
        for c in split_sections(&one_line) {
            assert!(c.len() <= SECTION_LIMIT);
            assert_eq!(c.matches('`').count() % 2, 0);
        }
    }

    #[test]
    fn blocks_carry_answer_failures_context_and_buttons() {
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
        let blocks = answer_blocks("**Meta**: $100", &tools);
        assert_eq!(blocks[0]["text"]["text"], "*Meta*: $100");
        assert_eq!(blocks[1]["text"]["type"], "plain_text");
        let ctx = blocks[2]["elements"][0]["text"].as_str().unwrap();
        assert!(
            ctx.contains("get_marketing_performance` (meta · 2026-11-16 → 2026-11-22)"),
            "{ctx}"
        );
        let p = proposal_blocks("Raise the budget", "a-1");
        assert_eq!(p[1]["elements"][0]["action_id"], CONFIRM_ACTION);
        assert_eq!(p[1]["elements"][1]["value"], "a-1");
    }
}
