//! `GET /kb/{tenant}?doc=…&sig=…`: the page a citation links to, the cited document
//! with each section under its own anchor (`#refresh-cadence`), the cited one
//! highlighted.
//!
//! The link is its own permission (`omnify_knowledge::links`): whoever was given an
//! answer citing a document can open that document, from Slack, Discord or the widget
//! on another site, without our API key. The signature is checked before anything
//! else, and every failure is the same 404, so links cannot be used to probe tenants
//! or document ids.

use crate::html::escape_html;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnify_knowledge::DocumentPage;
use omnify_knowledge::links::section_anchor;
use omnify_knowledge::tool::SECTION_SEPARATOR;
use serde::Deserialize;
use std::collections::HashSet;

/// Longer ids than any document has are refused before any work.
const MAX_ID_CHARS: usize = 1024;

#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    doc: String,
    #[serde(default)]
    sig: String,
}

pub async fn document_page(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(link): Query<LinkQuery>,
) -> Response {
    let plausible = !tenant.is_empty()
        && tenant.len() <= MAX_ID_CHARS
        && !link.doc.is_empty()
        && link.doc.len() <= MAX_ID_CHARS;
    if !plausible || !state.document_links.verify(&tenant, &link.doc, &link.sig) {
        return not_found(
            "This link does not open a document. Ask for the answer again to get a fresh one.",
        );
    }
    let Some(knowledge) = &state.knowledge else {
        return not_found("The knowledge base is turned off on this server.");
    };
    match knowledge.document(&tenant, &link.doc) {
        Ok(Some(document)) => page(StatusCode::OK, &document.title, &render(&document)),
        Ok(None) => not_found("This document is no longer in the knowledge base."),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a cited document");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Document unavailable",
                "<p>The document cannot be read right now. Try again in a moment.</p>",
            )
        }
    }
}

/// The document's sections; the first section with a given anchor gets it.
fn render(document: &DocumentPage) -> String {
    let mut body = format!(
        "<header><h1>{}</h1><p class=\"source\">{} · added {}</p></header>\n",
        escape_html(&document.title),
        escape_html(&document.source),
        added_on(document.ingested_at),
    );
    let mut anchors = HashSet::new();
    for section in &document.sections {
        let anchor = section_anchor(&section.path);
        let id = if !anchor.is_empty() && anchors.insert(anchor.clone()) {
            format!(" id=\"{}\"", escape_html(&anchor))
        } else {
            String::new()
        };
        body.push_str(&format!("<section{id}>"));
        // The title is the page's heading already; below it, the path down to here.
        let path: Vec<&str> = section
            .path
            .iter()
            .map(String::as_str)
            .filter(|h| *h != document.title)
            .collect();
        if !path.is_empty() {
            let level = (path.len() + 1).min(6);
            body.push_str(&format!(
                "<h{level}>{}</h{level}>",
                escape_html(&path.join(SECTION_SEPARATOR))
            ));
        }
        for paragraph in section.text.split("\n\n").map(str::trim) {
            if !paragraph.is_empty() {
                body.push_str(&block(paragraph));
            }
        }
        body.push_str("</section>\n");
    }
    body
}

/// One paragraph: a list when every line is an item, else a paragraph.
fn block(paragraph: &str) -> String {
    let items: Option<Vec<&str>> = paragraph.lines().map(list_item).collect();
    match items {
        Some(items) => {
            let mut html = String::from("<ul>");
            for item in items {
                html.push_str(&format!("<li>{}</li>", inline(item)));
            }
            html.push_str("</ul>");
            html
        }
        None => format!("<p>{}</p>", inline(paragraph)),
    }
}

/// The text of a `- item`, `* item` or `1. item` line.
fn list_item(line: &str) -> Option<&str> {
    let line = line.trim_start();
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some(rest);
    }
    let (number, rest) = line.split_once(". ")?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(rest)
}

/// The Markdown our documents use inside a paragraph — `code`, **bold** and
/// [links](https://…) — as HTML, everything else escaped text. Code spans are taken
/// first so their contents stay literal; only http(s) links become links.
fn inline(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    let pieces: Vec<&str> = text.split('`').collect();
    let balanced = pieces.len() % 2 == 1;
    for (i, piece) in pieces.iter().enumerate() {
        if i % 2 == 1 && balanced {
            html.push_str(&format!("<code>{}</code>", escape_html(piece)));
        } else {
            if i > 0 && !balanced {
                html.push('`');
            }
            html.push_str(&bold_and_links(piece));
        }
    }
    html
}

fn bold_and_links(text: &str) -> String {
    let pieces: Vec<&str> = text.split("**").collect();
    let balanced = pieces.len() % 2 == 1;
    let mut html = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        if i % 2 == 1 && balanced {
            html.push_str(&format!("<strong>{}</strong>", links(piece)));
        } else {
            if i > 0 && !balanced {
                html.push_str("**");
            }
            html.push_str(&links(piece));
        }
    }
    html
}

/// `[text](http…)` as a link; the rest escaped.
fn links(text: &str) -> String {
    omnify_core::markdown::rewrite_links(
        text,
        |label, url| {
            (url.starts_with("https://") || url.starts_with("http://")).then(|| {
                format!(
                    "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
                    escape_html(url),
                    escape_html(label)
                )
            })
        },
        escape_html,
    )
}

fn added_on(unix_secs: u64) -> String {
    i64::try_from(unix_secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "on an unknown date".to_owned())
}

fn not_found(message: &str) -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Document not found",
        &format!("<p>{}</p>", escape_html(message)),
    )
}

/// A self-contained page: no scripts, no outside requests, not indexed, and the link's
/// signature never sent on as a referrer.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{} · Omnify knowledge base</title><style>{STYLE}</style></head>\
<body><main>\n{body}</main></body></html>\n",
        escape_html(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "private, max-age=300"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

/// Readable on a phone and a desktop; the cited section (the URL's fragment) stands
/// out. Colours pass WCAG AA contrast on white.
const STYLE: &str = "body{margin:0;font:16px/1.6 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#fff}\
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 4rem}\
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .25rem}\
.source{color:#57606a;font-size:.875rem;margin:0 0 1.5rem;word-break:break-all}\
section{padding:.25rem .75rem;margin:0 -.75rem;border-left:4px solid transparent;border-radius:4px}\
section:target{background:#fff8c5;border-left-color:#9a6700}\
h2,h3,h4,h5,h6{font-size:1.1rem;margin:1.25rem 0 .5rem}\
p{margin:.5rem 0;white-space:pre-line}\
ul{margin:.5rem 0;padding-left:1.25rem}li{margin:.25rem 0}\
code{background:#f6f8fa;padding:0 .25rem;border-radius:4px;font-size:.9em}\
a{color:#0969da}";

#[cfg(test)]
mod tests {
    use super::*;
    use omnify_knowledge::registry::StoredSection;

    fn section(path: &[&str], text: &str) -> StoredSection {
        StoredSection {
            path: path.iter().map(|s| s.to_string()).collect(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn sections_get_anchors_once_and_text_is_escaped() {
        let document = DocumentPage {
            document_id: "guide.md".into(),
            title: "Guide <b>".into(),
            source: "docs/guide.md".into(),
            ingested_at: 1_790_000_000,
            sections: vec![
                section(&[], "Intro & <script>alert(1)</script>"),
                section(&["Guide <b>", "Budget pacing"], "First.\n\nSecond."),
                section(&["Guide <b>", "Other", "Budget pacing"], "Again."),
            ],
        };
        let html = render(&document);
        assert!(html.contains("<h1>Guide &lt;b&gt;</h1>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert_eq!(html.matches("id=\"budget-pacing\"").count(), 1, "{html}");
        assert!(
            html.contains(
                "<section id=\"budget-pacing\"><h2>Budget pacing</h2><p>First.</p><p>Second.</p>"
            ),
            "{html}"
        );
        assert!(html.contains("<h3>Other › Budget pacing</h3>"), "{html}");
        assert!(html.contains("docs/guide.md · added 2026-09-21"), "{html}");
    }

    #[test]
    fn markdown_in_sections_becomes_lists_bold_code_and_safe_links() {
        assert_eq!(
            block("- **Cadence**: weekly\n- see [guide](https://x.io/a?b=1&c=2)"),
            "<ul><li><strong>Cadence</strong>: weekly</li><li>see <a href=\"https://x.io/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\">guide</a></li></ul>"
        );
        assert_eq!(block("1. one\n2. two"), "<ul><li>one</li><li>two</li></ul>");
        assert_eq!(
            block("Use `**raw** <b>` and [bad](javascript:alert(1)) <i>x</i>"),
            "<p>Use <code>**raw** &lt;b&gt;</code> and [bad](javascript:alert(1)) &lt;i&gt;x&lt;/i&gt;</p>"
        );
        // Unbalanced markers stay as they were written.
        assert_eq!(block("a ** b ` c"), "<p>a ** b ` c</p>");
        assert_eq!(block("- item\nnot an item"), "<p>- item\nnot an item</p>");
    }
}
