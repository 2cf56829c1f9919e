//! Offline answers from knowledge-base passages: the passages' own words, each cited
//! inline as [n], then the list of sources. A template cannot synthesise, so it quotes:
//! the opening sentences of the best passages, which the retrieval ranked first.

use serde_json::Value;

/// Passages quoted in the answer; the rest are left to the sources list.
const QUOTED: usize = 3;
/// Roughly two sentences of each quoted passage.
const QUOTE_CHARS: usize = 320;

/// The answer for a `search_knowledge`-shaped result (`data.results[]` with `n`,
/// `title`, `section`, `source`, `text`), or `None` for any other result.
pub(crate) fn from_passages(result: &Value) -> Option<String> {
    let results = result.get("data")?.get("results")?.as_array()?;
    let query = result
        .get("data")
        .and_then(|d| d.get("query"))
        .and_then(Value::as_str)
        .unwrap_or("that");
    if results.is_empty() {
        return Some(format!(
            "I found nothing in the knowledge base about \"{query}\", so I won't guess. You can add a document that covers it, or ask me to bring in a human expert."
        ));
    }
    let field = |p: &Value, k: &str| {
        p.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let mut text = String::from("From the knowledge base:\n");
    for passage in results.iter().take(QUOTED) {
        let n = passage.get("n").and_then(Value::as_u64)?;
        text.push_str(&format!("\n- {} [{n}]", quote(&field(passage, "text"))));
    }
    text.push_str("\n\nSources:");
    for passage in results {
        let n = passage.get("n").and_then(Value::as_u64)?;
        let (title, section) = (field(passage, "title"), field(passage, "section"));
        // A Markdown document's title is its first heading, so the section path often
        // starts with it: say it once.
        let place = if section.is_empty() || section == title {
            title
        } else if section.starts_with(&format!("{title} › ")) {
            section
        } else {
            format!("{title} › {section}")
        };
        let source = field(passage, "source");
        // With a link the reader opens the cited section; the file name stays as text.
        match passage.get("url").and_then(Value::as_str) {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                let label = place.replace(['[', ']'], "");
                text.push_str(&format!("\n[{n}] [{label}]({url}) ({source})"));
            }
            _ => text.push_str(&format!("\n[{n}] {place} ({source})")),
        }
    }
    Some(text)
}

/// The passage's opening, as prose: Markdown markers and line breaks flattened, cut
/// at a sentence end near `QUOTE_CHARS`.
fn quote(passage: &str) -> String {
    let flat: String = passage
        .lines()
        .map(|l| l.trim().trim_start_matches(['#', '-', '*', '>']).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace("**", "");
    if flat.chars().count() <= QUOTE_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(QUOTE_CHARS).collect();
    match cut.rfind(". ") {
        Some(end) if end > QUOTE_CHARS / 3 => cut[..=end].to_string(),
        _ => format!("{}…", cut.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passages_are_quoted_with_their_numbers_and_listed_as_sources() {
        let result = json!({"summary": "…", "data": {"query": "tiktok refresh", "results": [
            {"n": 1, "title": "Creative fatigue", "section": "Refresh cadence › TikTok", "source": "playbooks/fatigue.md",
             "text": "## TikTok\n\nRefresh TikTok creatives every 7 to 10 days. Trends move fast."},
            {"n": 2, "title": "Guide", "section": "", "source": "guide/x.md", "text": "Second passage."}
        ]}});
        let answer = from_passages(&result).unwrap();
        assert!(
            answer.contains(
                "- TikTok Refresh TikTok creatives every 7 to 10 days. Trends move fast. [1]"
            ),
            "{answer}"
        );
        assert!(
            answer
                .contains("[1] Creative fatigue › Refresh cadence › TikTok (playbooks/fatigue.md)"),
            "{answer}"
        );
        assert!(answer.contains("[2] Guide (guide/x.md)"), "{answer}");
    }

    #[test]
    fn sources_with_a_url_are_markdown_links_and_other_schemes_stay_text() {
        let result = json!({"data": {"query": "roas", "results": [
            {"n": 1, "title": "Metrics [draft]", "section": "ROAS", "source": "guide/metrics.md", "text": "ROAS is revenue over spend.",
             "url": "https://omnify.example.com/kb/t1?doc=guide/metrics.md&sig=abc#roas"},
            {"n": 2, "title": "Other", "section": "", "source": "o.md", "text": "Text.", "url": "javascript:alert(1)"}
        ]}});
        let answer = from_passages(&result).unwrap();
        assert!(
            answer.contains("[1] [Metrics draft › ROAS](https://omnify.example.com/kb/t1?doc=guide/metrics.md&sig=abc#roas) (guide/metrics.md)"),
            "{answer}"
        );
        assert!(answer.contains("[2] Other (o.md)"), "{answer}");
        assert!(!answer.contains("javascript:"), "{answer}");
    }

    #[test]
    fn long_passages_are_cut_at_a_sentence_and_other_results_are_not_passages() {
        let long = format!("{}. {}", "word ".repeat(40).trim(), "more ".repeat(80));
        let cut = quote(&long);
        assert!(cut.ends_with('.') && cut.len() < long.len(), "{cut}");
        assert_eq!(from_passages(&json!({"data": {"rows": []}})), None);
        let none = from_passages(&json!({"data": {"query": "q", "results": []}})).unwrap();
        assert!(none.contains("nothing in the knowledge base"), "{none}");
    }
}
