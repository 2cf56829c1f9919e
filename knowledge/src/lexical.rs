//! BM25 over chunk texts (with title and section path), for the words a marketer
//! types: campaign names, metric names, acronyms that embeddings blur.

use omnify_core::Chunk;
use std::collections::HashMap;

/// BM25 parameters: the usual term-frequency saturation and length normalisation.
pub const K1: f32 = 1.2;
pub const B: f32 = 0.75;

const STOPWORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from",
    "how", "i", "if", "in", "into", "is", "it", "its", "of", "on", "or", "our", "should", "so",
    "that", "the", "their", "then", "there", "these", "this", "to", "was", "we", "what", "when",
    "which", "who", "why", "will", "with", "you", "your",
];

/// Lowercase unicode-alphanumeric words, stopwords dropped, lightly stemmed.
pub fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .filter(|w| w.chars().count() > 1 || w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| stem(&w))
        .collect()
}

/// A light suffix stemmer: plurals and the commonest verb endings, so "campaigns"
/// meets "campaign" and "refreshing" meets "refresh". Deliberately conservative:
/// short words are left alone.
pub fn stem(word: &str) -> String {
    let len = word.chars().count();
    if len <= 3 || !word.is_ascii() {
        return word.to_owned();
    }
    if let Some(base) = word.strip_suffix("ies")
        && len > 4
    {
        return format!("{base}y");
    }
    if let Some(base) = word.strip_suffix("sses") {
        return format!("{base}ss");
    }
    if let Some(base) = word.strip_suffix("ing")
        && len > 5
    {
        return undouble(base);
    }
    if let Some(base) = word.strip_suffix("ed")
        && len > 4
    {
        return undouble(base);
    }
    if word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is")
    {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// "stopp" → "stop", so "stopped"/"stopping" meet "stop".
fn undouble(base: &str) -> String {
    let b = base.as_bytes();
    if b.len() >= 3
        && b[b.len() - 1] == b[b.len() - 2]
        && !matches!(b[b.len() - 1], b'l' | b's' | b'z')
    {
        base[..base.len() - 1].to_owned()
    } else {
        base.to_owned()
    }
}

/// One tenant's BM25 index; rebuilt whenever its documents change (cheap next to
/// embedding them).
#[derive(Debug, Default)]
pub struct LexicalIndex {
    chunks: Vec<Chunk>,
    lengths: Vec<u32>,
    average_length: f32,
    /// term → (chunk position, term frequency)
    postings: HashMap<String, Vec<(u32, u32)>>,
}

impl LexicalIndex {
    pub fn build<'a>(chunks: impl IntoIterator<Item = &'a Chunk>) -> Self {
        let mut index = LexicalIndex::default();
        for chunk in chunks {
            let position = u32::try_from(index.chunks.len()).unwrap_or(u32::MAX);
            let mut counts: HashMap<String, u32> = HashMap::new();
            let mut length = 0u32;
            for field in [chunk.title.as_str(), &chunk.section.join(" "), &chunk.text] {
                for term in tokenize(field) {
                    *counts.entry(term).or_default() += 1;
                    length += 1;
                }
            }
            for (term, tf) in counts {
                index.postings.entry(term).or_default().push((position, tf));
            }
            index.lengths.push(length);
            index.chunks.push(chunk.clone());
        }
        let total: u64 = index.lengths.iter().map(|l| u64::from(*l)).sum();
        index.average_length = if index.chunks.is_empty() {
            0.0
        } else {
            total as f32 / index.chunks.len() as f32
        };
        index
    }

    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Every indexed chunk, in build order.
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// The `limit` best chunks for `query` with their BM25 scores, best first; only
    /// chunks sharing at least one term with the query.
    pub fn search(&self, query: &str, limit: usize) -> Vec<(&Chunk, f32)> {
        let mut terms = tokenize(query);
        terms.sort();
        terms.dedup();
        let n = self.chunks.len() as f32;
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for term in &terms {
            let Some(postings) = self.postings.get(term) else {
                continue;
            };
            let df = postings.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(position, tf) in postings {
                let length = self.lengths[position as usize] as f32;
                let norm = 1.0 - B + B * length / self.average_length.max(1.0);
                let tf = tf as f32;
                *scores.entry(position).or_default() += idf * tf * (K1 + 1.0) / (tf + K1 * norm);
            }
        }
        let mut ranked: Vec<(u32, f32)> = scores.into_iter().collect();
        // Ties broken by position so results are stable run to run.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(p, s)| (&self.chunks[p as usize], s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stemming_meets_plurals_and_verb_forms() {
        assert_eq!(stem("campaigns"), "campaign");
        assert_eq!(stem("strategies"), "strategy");
        assert_eq!(stem("refreshing"), "refresh");
        assert_eq!(stem("stopped"), "stop");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("ads"), "ads");
    }

    #[test]
    fn tokenizer_drops_stopwords_and_punctuation() {
        assert_eq!(
            tokenize("What is the budget of Q3's campaigns?"),
            vec!["budget", "q3", "campaign"]
        );
    }
}
