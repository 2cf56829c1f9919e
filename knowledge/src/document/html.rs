//! HTML, with a small tolerant scanner rather than a DOM crate: we only need text,
//! headings and the title. Scripts, styles and comments are dropped, block elements
//! become paragraph breaks, entities are decoded.

use super::{Document, SectionBuilder, collapse_whitespace};

/// Elements whose content is never text for a reader.
const SKIPPED: &[&str] = &["script", "style", "noscript", "template", "svg"];
/// Elements that start a new paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "nav",
    "aside",
    "ul",
    "ol",
    "table",
    "blockquote",
    "pre",
    "hr",
    "dl",
    "figure",
    "form",
];
/// Elements that start a new line.
const LINES: &[&str] = &["br", "tr", "dt", "dd", "li"];

pub(super) fn parse(html: &str, fallback_title: &str) -> Document {
    let mut builder = SectionBuilder::default();
    let mut title: Option<String> = None;
    let mut heading: Option<(u8, String)> = None;
    let mut preformatted = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            emit_text(&mut builder, &mut heading, rest, preformatted > 0);
            break;
        };
        emit_text(&mut builder, &mut heading, &rest[..lt], preformatted > 0);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(tag) = Tag::read(rest) else {
            // A lone `<` in text.
            emit_text(&mut builder, &mut heading, "<", preformatted > 0);
            rest = &rest[1..];
            continue;
        };
        rest = &rest[tag.len..];
        let name = tag.name.as_str();
        if !tag.closing && (name == "title" || SKIPPED.contains(&name)) {
            let (inner, after) = until_closing(rest, name);
            if name == "title" {
                title = Some(collapse_whitespace(&decode_entities(inner)));
            }
            rest = after;
            continue;
        }
        if let Some(level) = heading_level(name) {
            if tag.closing {
                if let Some((level, text)) = heading.take() {
                    builder.heading(level, &text);
                }
            } else {
                heading = Some((level, String::new()));
            }
            continue;
        }
        if name == "pre" {
            preformatted = if tag.closing {
                preformatted.saturating_sub(1)
            } else {
                preformatted + 1
            };
        }
        if BLOCKS.contains(&name) {
            builder.text("\n\n");
        } else if LINES.contains(&name) && !tag.closing {
            builder.text("\n");
            if name == "li" {
                builder.text("- ");
            }
        } else if name == "td" || name == "th" {
            builder.text(" ");
        }
    }
    if let Some((level, text)) = heading.take() {
        builder.heading(level, &text);
    }
    let title = title
        .filter(|t| !t.is_empty())
        .or_else(|| builder.first_heading().map(str::to_owned))
        .unwrap_or_else(|| fallback_title.to_owned());
    builder.finish(title)
}

fn emit_text(
    builder: &mut SectionBuilder,
    heading: &mut Option<(u8, String)>,
    raw: &str,
    preformatted: bool,
) {
    if raw.is_empty() {
        return;
    }
    let decoded = decode_entities(raw);
    if let Some((_, text)) = heading {
        text.push_str(&decoded);
        return;
    }
    if preformatted {
        builder.text(&decoded);
        return;
    }
    // Whitespace in HTML text is one space; line structure comes from elements.
    let mut collapsed = String::with_capacity(decoded.len());
    let mut in_space = false;
    for ch in decoded.chars() {
        if ch.is_whitespace() && ch != '\u{a0}' {
            if !in_space {
                collapsed.push(' ');
            }
            in_space = true;
        } else {
            collapsed.push(if ch == '\u{a0}' { ' ' } else { ch });
            in_space = false;
        }
    }
    // Indentation in the HTML source is not text.
    if builder.at_line_start() {
        builder.text(collapsed.trim_start());
    } else {
        builder.text(&collapsed);
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// The text up to `</name>` (case-insensitive) and what follows it.
fn until_closing<'a>(text: &'a str, name: &str) -> (&'a str, &'a str) {
    let needle = format!("</{name}");
    let lower = text.to_ascii_lowercase();
    match lower.find(&needle) {
        Some(at) => {
            let after = &text[at..];
            let end = after.find('>').map_or(after.len(), |e| e + 1);
            (&text[..at], &after[end..])
        }
        None => (text, ""),
    }
}

struct Tag {
    name: String,
    closing: bool,
    /// Bytes from `<` to `>` inclusive.
    len: usize,
}

impl Tag {
    /// Reads `<name …>` or `</name>` at the start of `text`; attributes are skipped
    /// with their quotes respected. `<!DOCTYPE>` and `<?xml?>` read as nameless tags.
    fn read(text: &str) -> Option<Tag> {
        let bytes = text.as_bytes();
        let mut i = 1;
        let closing = bytes.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        let declaration = matches!(bytes.get(i), Some(b'!' | b'?'));
        let name_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
            i += 1;
        }
        if i == name_start && !declaration {
            return None;
        }
        let name = text[name_start..i].to_ascii_lowercase();
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => {
                    return Some(Tag {
                        name: if declaration { String::new() } else { name },
                        closing,
                        len: i + 1,
                    });
                }
                None => {}
            }
            i += 1;
        }
        None
    }
}

/// Decodes `&amp;`-style named entities (the common ones) and numeric ones; an
/// unknown entity stays as written.
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|e| e + 1);
        let decoded = end
            .filter(|e| rest[*e..].starts_with(';'))
            .and_then(|e| entity(&rest[1..e]).map(|c| (c, e + 1)));
        match decoded {
            Some((ch, consumed)) => {
                out.push(ch);
                rest = &rest[consumed..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bull" => '•',
        "middot" => '·',
        "times" => '×',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "pound" => '£',
        "deg" => '°',
        "rarr" => '→',
        "larr" => '←',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_and_unknown_ones_stay() {
        assert_eq!(
            decode_entities("A&amp;B &#8212; &#x41; &bogus; &"),
            "A&B — A &bogus; &"
        );
    }

    #[test]
    fn attributes_with_angle_brackets_in_quotes_do_not_end_the_tag() {
        let doc = parse(r#"<p title="a > b">Text</p>"#, "f");
        assert_eq!(doc.sections[0].text, "Text");
    }
}
