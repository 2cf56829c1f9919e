#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers in test files may panic
//! Loaders: each format gives the right title, section paths and clean text.

use omnify_knowledge::document::{self, LoadError};
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn markdown_headings_become_section_paths_and_code_and_lists_stay() {
    let md = "\
# Creative fatigue

Ads wear out.

## Refresh cadence

- TikTok: every 7–10 days
- Meta: every 2–3 weeks

### TikTok

```text
# frequency > 4 means retire
```

## Signals

CTR falls while frequency rises.
";
    let doc = document::parse("fatigue.md", md.as_bytes()).unwrap();
    assert_eq!(doc.title, "Creative fatigue");
    let paths: Vec<Vec<&str>> = doc
        .sections
        .iter()
        .map(|s| s.path.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        paths,
        vec![
            vec!["Creative fatigue"],
            vec!["Creative fatigue", "Refresh cadence"],
            vec!["Creative fatigue", "Refresh cadence", "TikTok"],
            vec!["Creative fatigue", "Signals"],
        ]
    );
    assert_eq!(
        doc.sections[1].text,
        "- TikTok: every 7–10 days\n- Meta: every 2–3 weeks"
    );
    assert!(
        doc.sections[2]
            .text
            .contains("# frequency > 4 means retire")
    );
}

#[test]
fn markdown_without_heading_is_titled_by_its_file_name() {
    let doc = document::parse("budget-pacing_notes.md", b"Just notes.\n").unwrap();
    assert_eq!(doc.title, "budget pacing notes");
    assert!(doc.sections[0].path.is_empty());
}

#[test]
fn plain_text_is_one_section_titled_by_a_short_first_line() {
    let doc = document::parse(
        "brand.txt",
        b"Brand voice\n\nWe are warm, plain-spoken and never smug.\r\n\r\nWe never use exclamation marks.",
    )
    .unwrap();
    assert_eq!(doc.title, "Brand voice");
    assert_eq!(doc.sections.len(), 1);
    assert_eq!(doc.sections[0].path, vec!["Brand voice"]);
    assert_eq!(
        doc.sections[0].text,
        "We are warm, plain-spoken and never smug.\n\nWe never use exclamation marks."
    );
}

#[test]
fn html_title_headings_entities_and_no_scripts() {
    let html = r#"<!DOCTYPE html>
<html><head><title>Attribution &amp; windows</title>
<style>h2 { color: red }</style>
<script>var x = "<h2>not a heading</h2>";</script></head>
<body>
<h1>Attribution</h1>
<p>We use a <b>7-day click</b>,&nbsp;1-day view window.</p>
<!-- <h2>commented out</h2> -->
<h2>Why not 28 days?</h2>
<ul><li>Too generous</li><li>Double counts &lt;retargeting&gt;</li></ul>
<h3>Exceptions</h3><p>Q4 &mdash; holiday season &#8211; uses 14&#x2d;day.</p>
</body></html>"#;
    let doc = document::parse("attribution.html", html.as_bytes()).unwrap();
    assert_eq!(doc.title, "Attribution & windows");
    let paths: Vec<String> = doc.sections.iter().map(|s| s.path.join(" / ")).collect();
    assert_eq!(
        paths,
        vec![
            "Attribution",
            "Attribution / Why not 28 days?",
            "Attribution / Why not 28 days? / Exceptions"
        ]
    );
    assert_eq!(
        doc.sections[0].text,
        "We use a 7-day click, 1-day view window."
    );
    assert_eq!(
        doc.sections[1].text,
        "- Too generous\n- Double counts <retargeting>"
    );
    assert_eq!(doc.sections[2].text, "Q4 — holiday season – uses 14-day.");
    let all: String = doc.sections.iter().map(|s| s.text.as_str()).collect();
    assert!(!all.contains("var x") && !all.contains("color") && !all.contains("commented"));
}

#[test]
fn plain_text_starting_with_a_sentence_is_titled_by_its_file_name() {
    let doc = document::parse("brand-voice.txt", b"We are warm.\nWe never shout.").unwrap();
    assert_eq!(doc.title, "brand voice");
    assert!(doc.sections[0].path.is_empty());
    assert_eq!(doc.sections[0].text, "We are warm.\nWe never shout.");
}

#[test]
fn html_without_title_uses_its_first_h1() {
    let doc = document::parse("x.htm", b"<h1>Launch checklist</h1><p>Book the slots.</p>").unwrap();
    assert_eq!(doc.title, "Launch checklist");
}

#[test]
fn pdf_text_is_extracted_and_headings_guessed() {
    let doc = document::load_file(&fixture("handbook.pdf")).unwrap();
    assert_eq!(doc.title, "Agency Handbook");
    let budget = doc
        .sections
        .iter()
        .find(|s| s.path.iter().any(|h| h == "1 Budget pacing"))
        .unwrap_or_else(|| panic!("no budget section in {:#?}", doc.sections));
    assert!(
        budget.text.contains("check pacing every morning"),
        "{}",
        budget.text
    );
    let creative = doc
        .sections
        .iter()
        .find(|s| s.path.iter().any(|h| h == "2 Creative refresh"))
        .unwrap_or_else(|| panic!("no creative section in {:#?}", doc.sections));
    assert!(
        creative.text.contains("every seven to ten days"),
        "{}",
        creative.text
    );
}

#[test]
fn a_broken_pdf_is_a_clear_error_not_a_panic() {
    let err = document::parse("broken.pdf", b"%PDF-1.4\nthis is not a pdf").unwrap_err();
    assert!(matches!(err, LoadError::Malformed { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("broken.pdf: the PDF could not be read"),
        "{err}"
    );
}

#[test]
fn unsupported_types_and_unreadable_files_say_what_to_do() {
    let err = document::parse("deck.pptx", b"x").unwrap_err();
    assert!(matches!(err, LoadError::Unsupported { .. }));
    assert!(err.to_string().contains(".md, .markdown, .txt"), "{err}");

    let err = document::load_file(Path::new("/nonexistent/guide.md")).unwrap_err();
    assert!(matches!(err, LoadError::Unreadable { .. }));
    assert!(err.to_string().contains("/nonexistent/guide.md"), "{err}");

    let err = document::parse("latin1.txt", &[0x66, 0xe9, 0xff]).unwrap_err();
    assert!(err.to_string().contains("not UTF-8"), "{err}");

    let err = document::parse("empty.md", b"# Only a heading\n").unwrap_err();
    assert!(matches!(err, LoadError::Empty { .. }), "{err}");
}
