//! Cutting text to a chat surface's size limits, shared by Slack and Discord.

/// A single line cut at spaces outside `code spans` into pieces of at most `max`
/// bytes; a span longer than `max` is the only thing ever cut hard (at a character
/// boundary).
pub fn split_long_line(line: &str, max: usize) -> Vec<String> {
    if line.len() <= max {
        return vec![line.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut in_code = false;
    let mut word = String::new();
    let flush_word = |current: &mut String, word: &mut String, pieces: &mut Vec<String>| {
        if current.len() + word.len() > max && !current.is_empty() {
            pieces.push(std::mem::take(current));
        }
        while word.len() > max {
            let cut = floor_boundary(word, max);
            let rest = word.split_off(cut);
            pieces.push(std::mem::replace(word, rest));
        }
        current.push_str(word);
        word.clear();
    };
    for c in line.chars() {
        word.push(c);
        if c == '`' {
            in_code = !in_code;
        }
        if c == ' ' && !in_code {
            flush_word(&mut current, &mut word, &mut pieces);
        }
    }
    flush_word(&mut current, &mut word, &mut pieces);
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// The largest character boundary of `s` at or below `max`.
pub fn floor_boundary(s: &str, max: usize) -> usize {
    let mut cut = max.min(s.len());
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_cut_at_spaces_outside_code_and_words_hard_only_when_too_long() {
        assert_eq!(split_long_line("short", 10), ["short"]);
        assert_eq!(split_long_line("aaa bbb ccc", 8), ["aaa bbb ", "ccc"]);
        assert_eq!(
            split_long_line("x `a b c d` y", 9),
            ["x ", "`a b c d`", " y"]
        );
        assert_eq!(split_long_line("ééééé", 4), ["éé", "éé", "é"]);
        assert_eq!(floor_boundary("é", 1), 0);
    }
}
