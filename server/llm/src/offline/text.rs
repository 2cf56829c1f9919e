//! Word-level handling shared by the planner: tokens, stems and stopwords.
//!
//! Everything the offline planner understands is decided on these words, so the
//! tool specs, the schema enums and the user's message must all go through the same
//! `words` + `stem` pipeline or they will not meet.

/// Lowercase alphanumeric words of `text`, in order. Punctuation separates words, so
/// `"$500"` gives `"500"` and `"click-through"` gives `"click"`, `"through"`.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A crude suffix stripper. It only needs to be consistent, not linguistically right:
/// "campaigns", "campaign" and "campaigning" must meet; "creative" and "creatives"
/// must meet. Both sides of every comparison are stemmed with it.
pub(crate) fn stem(word: &str) -> String {
    let mut w = word;
    let owned;
    if w.len() > 4 && w.ends_with("ies") {
        owned = format!("{}y", &w[..w.len() - 3]);
        w = &owned;
    } else if w.len() > 5 && w.ends_with("ing") {
        w = &w[..w.len() - 3];
    } else if w.len() > 4 && w.ends_with("ed") {
        w = &w[..w.len() - 2];
    } else if w.len() >= 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w = &w[..w.len() - 1];
    }
    // "create"/"created"/"creating" all end up as "creat".
    if w.len() > 4 && w.ends_with('e') {
        w = &w[..w.len() - 1];
    }
    w.to_string()
}

/// Stems of every word of `text`, stopwords included (phrase matching needs them).
pub(crate) fn stems(text: &str) -> Vec<String> {
    words(text).iter().map(|w| stem(w)).collect()
}

/// Words that carry no topic: they must never make a tool look relevant.
pub(crate) fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "before", "being", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "doing", "done", "each", "few", "for", "from", "get", "give", "go", "going", "got",
    "had", "has", "have", "having", "he", "her", "here", "him", "his", "how", "i", "if", "in",
    "into", "is", "it", "its", "just", "let", "like", "me", "more", "most", "much", "my", "need",
    "no", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out",
    "over", "please", "s", "same", "she", "should", "show", "so", "some", "such", "t", "tell",
    "than", "thank", "thanks", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "to", "too", "under", "up", "us", "very", "vs", "versus", "want", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your", "yours", "hi", "hello", "hey", "ok", "okay", "know", "see", "look",
    "use", "using", "used", "make", "may", "might", "shall", "must", "much", "many", "ve", "ll",
    "d", "m", "re", "don", "doesn", "didn",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_and_verb_forms_share_a_stem() {
        assert_eq!(stem("campaigns"), stem("campaign"));
        assert_eq!(stem("creatives"), stem("creative"));
        assert_eq!(stem("spending"), stem("spend"));
        assert_eq!(stem("refreshed"), stem("refresh"));
        assert_eq!(stem("strategies"), stem("strategy"));
        assert_eq!(stem("ads"), stem("ad"));
    }

    #[test]
    fn words_split_on_punctuation_and_lowercase() {
        assert_eq!(
            words("ROAS on $500, click-through?"),
            ["roas", "on", "500", "click", "through"]
        );
    }
}
