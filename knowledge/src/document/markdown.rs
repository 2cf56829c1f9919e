//! Markdown: ATX (`## Heading`) and setext (`Heading` over `===`/`---`) headings make
//! sections; code blocks, lists and tables stay as text. A YAML front-matter
//! `title:` wins over the first heading.

use super::{Document, SectionBuilder};

pub(super) fn parse(text: &str, fallback_title: &str) -> Document {
    let (front_title, body) = split_front_matter(text);
    let mut builder = SectionBuilder::default();
    let mut fence: Option<(char, usize)> = None;
    // A paragraph's last line, held back one line: `---`/`===` under it makes it a heading.
    let mut pending: Option<&str> = None;
    for line in body.lines() {
        if let Some((ch, len)) = fence {
            builder.text(line);
            builder.text("\n");
            if is_fence_close(line, ch, len) {
                fence = None;
            }
            continue;
        }
        if let Some(level) = setext_level(line)
            && let Some(heading) = pending.take()
        {
            builder.heading(level, heading.trim());
            continue;
        }
        if let Some(previous) = pending.take() {
            builder.text(previous);
            builder.text("\n");
        }
        if let Some(open) = fence_open(line) {
            fence = Some(open);
            builder.text(line);
            builder.text("\n");
        } else if let Some((level, heading)) = atx_heading(line) {
            builder.heading(level, heading);
        } else if is_paragraph_line(line) {
            pending = Some(line);
        } else {
            builder.text(line);
            builder.text("\n");
        }
    }
    if let Some(previous) = pending {
        builder.text(previous);
    }
    let title = front_title
        .or_else(|| builder.first_heading().map(str::to_owned))
        .unwrap_or_else(|| fallback_title.to_owned());
    builder.finish(title)
}

/// `# Title ##` → (1, "Title"). Up to three leading spaces; `#` must be followed by a
/// space or end the line (`#hashtag` is text).
fn atx_heading(line: &str) -> Option<(u8, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let level = rest.chars().take_while(|c| *c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let after = &rest[level..];
    if !after.is_empty() && !after.starts_with([' ', '\t']) {
        return None;
    }
    let heading = after.trim().trim_end_matches('#').trim_end();
    u8::try_from(level).ok().map(|l| (l, heading))
}

/// Lines that could be the text of a setext heading: plain text, not a list item,
/// quote, table row or indented code.
fn is_paragraph_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && !line.starts_with("    ")
        && !line.starts_with('\t')
        && !t.starts_with(['-', '*', '+', '>', '|'])
        && !t.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn setext_level(line: &str) -> Option<u8> {
    let t = line.trim();
    if t.len() >= 2 && t.chars().all(|c| c == '=') {
        Some(1)
    } else if t.len() >= 2 && t.chars().all(|c| c == '-') {
        Some(2)
    } else {
        None
    }
}

fn fence_open(line: &str) -> Option<(char, usize)> {
    let t = line.trim_start();
    for ch in ['`', '~'] {
        let len = t.chars().take_while(|c| *c == ch).count();
        if len >= 3 {
            return Some((ch, len));
        }
    }
    None
}

fn is_fence_close(line: &str, ch: char, len: usize) -> bool {
    let t = line.trim();
    t.chars().take_while(|c| *c == ch).count() >= len && t.chars().all(|c| c == ch)
}

/// Splits `---\n…\n---` front matter off the top and reads its `title:`.
fn split_front_matter(text: &str) -> (Option<String>, &str) {
    let Some(rest) = text.strip_prefix("---\n") else {
        return (None, text);
    };
    let Some(end) = rest.find("\n---") else {
        return (None, text);
    };
    let front = &rest[..end];
    let after = &rest[end + 4..];
    let body = after.split_once('\n').map_or("", |(_, b)| b);
    let title = front.lines().find_map(|l| {
        let value = l.strip_prefix("title:")?.trim().trim_matches(['"', '\'']);
        (!value.is_empty()).then(|| value.to_owned())
    });
    (title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_inside_code_fences_are_text() {
        let doc = parse("# T\n\n```sh\n# not a heading\n```\n", "f");
        assert_eq!(doc.sections.len(), 1);
        assert!(doc.sections[0].text.contains("# not a heading"));
    }

    #[test]
    fn setext_headings_and_front_matter() {
        let doc = parse(
            "---\ntitle: \"Playbook\"\n---\nIntro\n=====\n\ntext\n\nPart\n----\nmore\n",
            "f",
        );
        assert_eq!(doc.title, "Playbook");
        assert_eq!(doc.sections[0].path, vec!["Intro"]);
        assert_eq!(doc.sections[1].path, vec!["Intro", "Part"]);
        assert_eq!(doc.sections[1].text, "more");
    }

    #[test]
    fn a_hashtag_is_not_a_heading() {
        assert_eq!(atx_heading("#launch day"), None);
        assert_eq!(atx_heading("### Budget ###"), Some((3, "Budget")));
    }
}
