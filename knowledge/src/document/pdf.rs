//! PDF: text extraction with `pdf-extract` (pure Rust). PDFs rarely carry usable
//! structure, so headings are guessed from the text: a short line standing alone
//! between blank lines, not ending like a sentence, starting with a capital or a
//! section number ("2.1 Budget pacing").

use super::{Document, SectionBuilder};

pub(super) fn parse(bytes: &[u8], fallback_title: &str) -> Result<Document, String> {
    // pdf-extract panics on some malformed files; a bad upload must be an error, not
    // a crashed ingest.
    let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes))
        .map_err(|_| "the PDF could not be read (the extractor gave up on it)".to_owned())?
        .map_err(|e| format!("the PDF could not be read: {e}"))?;
    Ok(structure(&extracted, fallback_title))
}

/// Builds sections from extracted text with the heading guess above.
pub(crate) fn structure(text: &str, fallback_title: &str) -> Document {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut builder = SectionBuilder::default();
    for (i, line) in lines.iter().enumerate() {
        let blank_before = i == 0 || lines[i - 1].is_empty();
        let blank_after = lines.get(i + 1).is_none_or(|l| l.is_empty());
        if blank_before
            && blank_after
            && let Some(level) = heading_level(line)
        {
            // The first heading is the document's title; the rest sit under it.
            let level = if builder.first_heading().is_none() {
                1
            } else {
                level
            };
            builder.heading(level, line);
        } else {
            builder.text(line);
            builder.text("\n");
        }
    }
    let title = builder
        .first_heading()
        .map_or_else(|| fallback_title.to_owned(), str::to_owned);
    builder.finish(title)
}

/// Numbered headings nest by their dots ("2" → 2, "2.1" → 3); unnumbered ones sit
/// right under the title level.
fn heading_level(line: &str) -> Option<u8> {
    let chars = line.chars().count();
    let words = line.split_whitespace().count();
    if chars == 0 || chars > 80 || words > 10 || line.ends_with(['.', ',', ';', ':', '?', '!']) {
        return None;
    }
    let first_word = line.split_whitespace().next()?;
    let number = first_word.trim_end_matches('.');
    if !number.is_empty() && number.split('.').all(|p| p.parse::<u32>().is_ok()) {
        if words < 2 {
            return None;
        }
        let depth = u8::try_from(number.split('.').count()).unwrap_or(5);
        return Some((depth + 1).min(6));
    }
    let starts_upper = line.chars().next().is_some_and(char::is_uppercase);
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    (starts_upper && letters * 2 >= chars).then_some(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_between_blank_lines_become_headings() {
        let doc = structure(
            "Agency handbook\n\n1 Budget pacing\n\nSpend evenly across the month.\nCheck daily.\n\n1.1 Alerts\n\nAlert when pacing drifts.\n",
            "f",
        );
        assert_eq!(doc.title, "Agency handbook");
        assert_eq!(
            doc.sections[0].path,
            vec!["Agency handbook", "1 Budget pacing"]
        );
        assert_eq!(
            doc.sections[1].path,
            vec!["Agency handbook", "1 Budget pacing", "1.1 Alerts"]
        );
    }

    #[test]
    fn sentences_are_not_headings() {
        assert_eq!(heading_level("Spend evenly across the month."), None);
        assert_eq!(heading_level("42"), None);
    }
}
