//! Heading-aware chunking, sized in tokens (o200k, the same count the agent budgets
//! with). A chunk never spans two sections; a long section is cut at paragraph
//! boundaries, then sentence (or line) boundaries, then words, and consecutive
//! chunks of one section share up to `overlap_tokens` of trailing sentences so a
//! fact cut in two is still whole in one of them.

use crate::document::Document;
use omnify_core::{Chunk, KnowledgeError};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use tiktoken_rs::CoreBPE;

/// How documents are cut. The defaults suit all-MiniLM-L6-v2, which reads at most
/// 256 word pieces: 200 o200k tokens of text plus the title/section prefix fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkingSettings {
    pub max_tokens: usize,
    pub overlap_tokens: usize,
}

impl Default for ChunkingSettings {
    fn default() -> Self {
        Self {
            max_tokens: 200,
            overlap_tokens: 40,
        }
    }
}

impl ChunkingSettings {
    pub fn validate(&self) -> Result<(), KnowledgeError> {
        if self.max_tokens < 16 {
            return Err(KnowledgeError::Invalid(format!(
                "chunk size must be at least 16 tokens, got {}",
                self.max_tokens
            )));
        }
        if self.overlap_tokens * 2 > self.max_tokens {
            return Err(KnowledgeError::Invalid(format!(
                "chunk overlap ({}) must be at most half the chunk size ({})",
                self.overlap_tokens, self.max_tokens
            )));
        }
        Ok(())
    }

    /// Part of each document's fingerprint: new settings mean new chunks.
    pub(crate) fn fingerprint(&self) -> String {
        format!("o200k:{}:{}", self.max_tokens, self.overlap_tokens)
    }
}

/// Where a document's chunks belong and come from.
#[derive(Debug, Clone)]
pub struct ChunkOrigin<'a> {
    pub tenant: &'a str,
    pub document_id: &'a str,
    pub source: &'a str,
}

/// Tokens in `text` as the chunker counts them.
pub fn count_tokens(text: &str) -> usize {
    bpe().encode_ordinary(text).len()
}

fn bpe() -> &'static CoreBPE {
    tiktoken_rs::o200k_base_singleton()
}

/// The text given to the embedder: title and section path first, so a chunk that
/// says "refresh every 7–10 days" is found by a question about TikTok fatigue.
pub fn embedding_text(chunk: &Chunk) -> String {
    let mut heading = chunk.title.clone();
    for part in &chunk.section {
        if *part != chunk.title {
            heading.push_str(" › ");
            heading.push_str(part);
        }
    }
    format!("{heading}\n\n{}", chunk.text)
}

/// Cuts a document into chunks with ids `{document_id}#{ordinal}`.
pub fn chunk_document(
    document: &Document,
    origin: &ChunkOrigin<'_>,
    settings: &ChunkingSettings,
) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for section in &document.sections {
        for text in chunk_section(&section.text, settings) {
            let ordinal = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
            chunks.push(Chunk {
                id: format!("{}#{ordinal}", origin.document_id),
                tenant: origin.tenant.to_owned(),
                document_id: origin.document_id.to_owned(),
                title: document.title.clone(),
                section: section.path.clone(),
                source: origin.source.to_owned(),
                ordinal,
                text,
            });
        }
    }
    chunks
}

/// One piece of text the packer places whole.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    tokens: usize,
    /// Starts a paragraph (joined with a blank line rather than a space).
    paragraph_start: bool,
    /// A whole paragraph, which may still be cut into sentences to fill a chunk.
    whole_paragraph: bool,
}

/// Cuts one section's text into chunk texts of at most `max_tokens` tokens.
pub fn chunk_section(text: &str, settings: &ChunkingSettings) -> Vec<String> {
    let max = settings.max_tokens.max(1);
    let mut queue: VecDeque<Piece> = VecDeque::new();
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let tokens = count_tokens(paragraph);
        if tokens <= max {
            queue.push_back(Piece {
                text: paragraph.to_owned(),
                tokens,
                paragraph_start: true,
                whole_paragraph: true,
            });
        } else {
            queue.extend(sentence_pieces(paragraph, max));
        }
    }

    let mut chunks = Vec::new();
    let mut current: Vec<Piece> = Vec::new();
    // Pieces of `current` that are overlap from the previous chunk, not new text.
    let mut carried = 0usize;
    while let Some(piece) = queue.pop_front() {
        let used = estimate(&current);
        // One token for the separator.
        if used + piece.tokens < max {
            current.push(piece);
            continue;
        }
        // A whole paragraph that does not fit: cut it into sentences to fill this
        // chunk, unless the chunk already has enough to stand on its own.
        if piece.whole_paragraph && used < max / 2 {
            let mut sentences = sentence_pieces(&piece.text, max);
            if sentences.len() > 1 {
                while let Some(s) = sentences.pop() {
                    queue.push_front(s);
                }
                continue;
            }
        }
        if current.len() > carried {
            let (text, overflow) = close(&mut current, max);
            // Pieces that overflowed the exact count go back in line, before `piece`.
            queue.push_front(piece);
            for p in overflow.into_iter().rev() {
                queue.push_front(p);
            }
            let overlap = overlap_pieces(&current, settings.overlap_tokens);
            chunks.push(text);
            carried = overlap.len();
            current = overlap;
        } else {
            // Only overlap is waiting and the next piece is too big to join it:
            // drop the overlap rather than exceed the size.
            current.clear();
            carried = 0;
            current.push(piece);
        }
    }
    if current.len() > carried {
        let (text, overflow) = close(&mut current, max);
        chunks.push(text);
        // The exact count can only overflow with two or more pieces; what spills
        // over becomes one more chunk.
        if !overflow.is_empty() {
            let mut rest = overflow;
            let (text, _) = close(&mut rest, max);
            chunks.push(text);
        }
    }
    chunks
}

/// Token estimate of pieces joined: their counts plus one per separator.
fn estimate(pieces: &[Piece]) -> usize {
    pieces.iter().map(|p| p.tokens).sum::<usize>() + pieces.len().saturating_sub(1)
}

fn join(pieces: &[Piece]) -> String {
    let mut text = String::new();
    for (i, p) in pieces.iter().enumerate() {
        if i > 0 {
            text.push_str(if p.paragraph_start { "\n\n" } else { " " });
        }
        text.push_str(&p.text);
    }
    text
}

/// Joins `pieces` into a chunk text, checking the real token count; pieces beyond
/// the limit are returned (the estimate is nearly always right).
fn close(pieces: &mut Vec<Piece>, max: usize) -> (String, Vec<Piece>) {
    let mut overflow = Vec::new();
    loop {
        let text = join(pieces);
        if pieces.len() <= 1 || count_tokens(&text) <= max {
            overflow.reverse();
            return (text, overflow);
        }
        if let Some(p) = pieces.pop() {
            overflow.push(p);
        }
    }
}

/// The trailing sentences of a closed chunk, up to `budget` tokens.
fn overlap_pieces(closed: &[Piece], budget: usize) -> Vec<Piece> {
    if budget == 0 {
        return Vec::new();
    }
    let mut sentences: Vec<Piece> = Vec::new();
    for p in closed {
        if p.whole_paragraph {
            let mut parts = sentence_pieces(&p.text, usize::MAX);
            if let Some(first) = parts.first_mut() {
                first.paragraph_start = p.paragraph_start;
            }
            sentences.extend(parts);
        } else {
            sentences.push(p.clone());
        }
    }
    let mut taken = Vec::new();
    let mut total = 0;
    while let Some(s) = sentences.pop() {
        if total + s.tokens + 1 > budget {
            break;
        }
        total += s.tokens + 1;
        taken.push(s);
    }
    taken.reverse();
    taken
}

/// A paragraph as sentence (or line) pieces; a sentence longer than `max` tokens is
/// cut between words.
fn sentence_pieces(paragraph: &str, max: usize) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for sentence in split_sentences(paragraph) {
        let tokens = count_tokens(sentence);
        if tokens <= max {
            pieces.push(Piece {
                text: sentence.to_owned(),
                tokens,
                paragraph_start: false,
                whole_paragraph: false,
            });
        } else {
            pieces.extend(word_pieces(sentence, max));
        }
    }
    if let Some(first) = pieces.first_mut() {
        first.paragraph_start = true;
    }
    pieces
}

/// Sentence ends: `.`, `!`, `?` followed by a space and a capital, digit or quote.
/// Line breaks inside a paragraph (lists, code, tables) are boundaries too.
fn split_sentences(paragraph: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in paragraph.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for w in 0..chars.len() {
            let (at, ch) = chars[w];
            if !matches!(ch, '.' | '!' | '?') {
                continue;
            }
            let next_is_space = chars.get(w + 1).is_some_and(|(_, c)| c.is_whitespace());
            let then_starts = chars.get(w + 2).is_some_and(|(_, c)| {
                c.is_uppercase() || c.is_ascii_digit() || "\"'“(".contains(*c)
            });
            if next_is_space && then_starts {
                let end = at + ch.len_utf8();
                out.push(line[start..end].trim());
                start = end;
            }
        }
        let rest = line[start..].trim();
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

/// Cuts an over-long sentence between words; a single word longer than the limit
/// (a URL, a hash) is cut by characters.
fn word_pieces(sentence: &str, max: usize) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_tokens = 0;
    let flush = |current: &mut String, current_tokens: &mut usize, pieces: &mut Vec<Piece>| {
        if !current.is_empty() {
            pieces.push(Piece {
                text: std::mem::take(current),
                tokens: *current_tokens,
                paragraph_start: false,
                whole_paragraph: false,
            });
            *current_tokens = 0;
        }
    };
    for word in sentence.split_whitespace() {
        let word_tokens = count_tokens(&format!(" {word}"));
        if word_tokens > max {
            flush(&mut current, &mut current_tokens, &mut pieces);
            let chars: Vec<char> = word.chars().collect();
            for part in chars.chunks(max) {
                let text: String = part.iter().collect();
                let tokens = count_tokens(&text);
                pieces.push(Piece {
                    text,
                    tokens,
                    paragraph_start: false,
                    whole_paragraph: false,
                });
            }
            continue;
        }
        if current_tokens + word_tokens > max {
            flush(&mut current, &mut current_tokens, &mut pieces);
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        current_tokens += word_tokens;
    }
    flush(&mut current, &mut current_tokens, &mut pieces);
    // Recount exactly: per-word counts with a leading space are close, not exact.
    for p in &mut pieces {
        p.tokens = count_tokens(&p.text);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_capitals_not_on_abbreviated_numbers() {
        assert_eq!(
            split_sentences("Spend 2.5 times more. Then stop! ok? fine"),
            vec!["Spend 2.5 times more.", "Then stop! ok? fine"]
        );
    }

    #[test]
    fn list_lines_are_boundaries() {
        assert_eq!(split_sentences("- one\n- two"), vec!["- one", "- two"]);
    }
}
