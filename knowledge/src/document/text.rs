//! Plain text: no structure to read, so one section. When the first line looks like
//! a title (short, alone, no final punctuation) it is the title and the section's
//! heading; otherwise the file name is the title.

use super::{Document, Section, tidy_paragraphs};

pub(super) fn parse(text: &str, fallback_title: &str) -> Document {
    let text = tidy_paragraphs(text);
    let first_line = text.lines().next().unwrap_or("").trim();
    let looks_like_title = !first_line.is_empty()
        && first_line.chars().count() <= 80
        && !first_line.ends_with(['.', ',', ';', ':'])
        && text.lines().nth(1).is_none_or(|l| l.trim().is_empty());
    if looks_like_title {
        // The title line heads the text, as a Markdown `#` heading would.
        let body = text.lines().skip(1).collect::<Vec<_>>().join("\n");
        let body = tidy_paragraphs(&body);
        return Document {
            title: first_line.to_owned(),
            sections: vec![Section {
                path: vec![first_line.to_owned()],
                text: if body.is_empty() { text.clone() } else { body },
            }],
        };
    }
    Document {
        title: fallback_title.to_owned(),
        sections: vec![Section {
            path: Vec::new(),
            text,
        }],
    }
}
