//! Documents as the knowledge base reads them: a title and sections, each section
//! the headings above it and its text. One loader per file format.

mod html;
mod markdown;
mod pdf;
mod text;

use std::path::Path;

/// A document reduced to what chunking needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// First heading, `<title>`, or the file name.
    pub title: String,
    /// In reading order; text before the first heading has an empty path.
    pub sections: Vec<Section>,
}

/// The text under one heading (up to the next heading of any level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Headings from the top of the document down to this one.
    pub path: Vec<String>,
    /// Paragraphs separated by blank lines.
    pub text: String,
}

/// The file formats the knowledge base reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    Markdown,
    PlainText,
    Html,
    Pdf,
}

/// The extensions we read, for error messages and folder walks.
pub const SUPPORTED_EXTENSIONS: &[&str] = &["md", "markdown", "txt", "text", "html", "htm", "pdf"];

impl DocumentFormat {
    /// The format a file name says, by extension (case-insensitive).
    pub fn from_file_name(file_name: &str) -> Option<DocumentFormat> {
        let ext = Path::new(file_name)
            .extension()?
            .to_str()?
            .to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" => Some(DocumentFormat::Markdown),
            "txt" | "text" => Some(DocumentFormat::PlainText),
            "html" | "htm" => Some(DocumentFormat::Html),
            "pdf" => Some(DocumentFormat::Pdf),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "{file}: unsupported file type; the knowledge base reads {}",
        SUPPORTED_EXTENSIONS.iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ")
    )]
    Unsupported { file: String },
    #[error("{file}: cannot read the file: {source}")]
    Unreadable {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {reason}")]
    Malformed { file: String, reason: String },
    #[error("{file}: the document has no text to search")]
    Empty { file: String },
}

/// Reads and parses one file.
pub fn load_file(path: &Path) -> Result<Document, LoadError> {
    let file = path.display().to_string();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(&file)
        .to_owned();
    if DocumentFormat::from_file_name(&name).is_none() {
        return Err(LoadError::Unsupported { file });
    }
    let bytes = std::fs::read(path).map_err(|source| LoadError::Unreadable {
        file: file.clone(),
        source,
    })?;
    parse(&name, &bytes)
}

/// Parses a document's bytes; the format comes from `file_name`'s extension.
pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Document, LoadError> {
    let file = file_name.to_owned();
    let format = DocumentFormat::from_file_name(file_name)
        .ok_or_else(|| LoadError::Unsupported { file: file.clone() })?;
    let fallback_title = file_stem(file_name);
    let document = match format {
        DocumentFormat::Pdf => {
            pdf::parse(bytes, &fallback_title).map_err(|reason| LoadError::Malformed {
                file: file.clone(),
                reason,
            })?
        }
        text_format => {
            let text = decode_utf8(bytes).ok_or_else(|| LoadError::Malformed {
                file: file.clone(),
                reason: "the file is not UTF-8 text".to_owned(),
            })?;
            match text_format {
                DocumentFormat::Markdown => markdown::parse(&text, &fallback_title),
                DocumentFormat::Html => html::parse(&text, &fallback_title),
                _ => text::parse(&text, &fallback_title),
            }
        }
    };
    let document = Document {
        sections: document
            .sections
            .into_iter()
            .filter(|s| !s.text.trim().is_empty())
            .collect(),
        ..document
    };
    if document.sections.is_empty() {
        return Err(LoadError::Empty { file });
    }
    Ok(document)
}

/// UTF-8 with an optional byte-order mark; Windows line endings become `\n`.
fn decode_utf8(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).ok()?;
    Some(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// "creative-fatigue_playbook.md" → "creative fatigue playbook".
fn file_stem(file_name: &str) -> String {
    let stem = Path::new(file_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file_name);
    let words: Vec<&str> = stem
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        stem.to_owned()
    } else {
        words.join(" ")
    }
}

/// Collects sections while walking headings in order: keeps the heading stack and
/// the text gathered since the last heading. Shared by the structured formats.
#[derive(Default)]
pub(crate) struct SectionBuilder {
    stack: Vec<(u8, String)>,
    current: String,
    sections: Vec<Section>,
    first_heading: Option<String>,
}

impl SectionBuilder {
    pub(crate) fn heading(&mut self, level: u8, text: &str) {
        let text = collapse_whitespace(text);
        if text.is_empty() {
            return;
        }
        self.flush();
        if self.first_heading.is_none() {
            self.first_heading = Some(text.clone());
        }
        while self.stack.last().is_some_and(|(l, _)| *l >= level) {
            self.stack.pop();
        }
        self.stack.push((level, text));
    }

    pub(crate) fn text(&mut self, text: &str) {
        self.current.push_str(text);
    }

    /// Whether the text gathered so far ends a line (or is empty).
    pub(crate) fn at_line_start(&self) -> bool {
        self.current.is_empty() || self.current.ends_with('\n')
    }

    fn flush(&mut self) {
        let text = tidy_paragraphs(&self.current);
        self.current.clear();
        if !text.is_empty() {
            self.sections.push(Section {
                path: self.stack.iter().map(|(_, h)| h.clone()).collect(),
                text,
            });
        }
    }

    pub(crate) fn first_heading(&self) -> Option<&str> {
        self.first_heading.as_deref()
    }

    pub(crate) fn finish(mut self, title: String) -> Document {
        self.flush();
        Document {
            title,
            sections: self.sections,
        }
    }
}

/// Trims each line's end, drops leading/trailing blank lines and squeezes runs of
/// blank lines to one, so paragraphs are exactly "separated by a blank line".
pub(crate) fn tidy_paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank_run = false;
        out.push_str(line);
    }
    out
}

pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_become_readable_titles() {
        assert_eq!(
            file_stem("creative-fatigue_playbook.md"),
            "creative fatigue playbook"
        );
        assert_eq!(file_stem("notes.txt"), "notes");
    }

    #[test]
    fn paragraphs_are_separated_by_exactly_one_blank_line() {
        assert_eq!(tidy_paragraphs("\n\na  \nb\n\n\n\nc\n\n"), "a\nb\n\nc");
    }
}
