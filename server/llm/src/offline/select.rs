//! Which tools a message asks for, by word overlap with each tool's spec.
//!
//! Keywords are written by the tool's author for exactly this purpose, so a keyword
//! (or keyword phrase) hit outweighs a word that merely appears in the description.
//! Platform and date words are left out of the overlap: "Meta" or "last week" say
//! which data, not which tool; they only nudge tools whose schema can take them.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use omnify_core::ToolSpec;

use super::text::{is_stopword, stem, stems, words};
use super::{dates, extract};

/// A keyword or keyword phrase found in the message.
const KEYWORD_WEIGHT: u32 = 3;
/// A word of the tool's name found in the message.
const NAME_WEIGHT: u32 = 2;
/// A description word found in the message.
const DESCRIPTION_WEIGHT: u32 = 1;
/// The message names a platform or dates and the schema takes one.
const SCHEMA_FIT_WEIGHT: u32 = 1;
/// One keyword hit is enough; description words alone need three.
const THRESHOLD: u32 = 3;
/// At most this many different tools per step: more is guessing.
const MAX_TOOLS: usize = 3;

/// Verbs in tool names that say nothing about the topic.
const GENERIC_NAME_WORDS: &[&str] = &[
    "get", "fetch", "list", "run", "read", "query", "lookup", "tool",
];

/// The tools worth calling for `message`, best first.
pub(crate) fn select<'a>(
    message: &str,
    tools: &'a [ToolSpec],
    today: NaiveDate,
) -> Vec<&'a ToolSpec> {
    let scored: Vec<(u32, &ToolSpec)> = tools
        .iter()
        .map(|t| (score(message, t, today), t))
        .collect();
    let best = scored.iter().map(|(s, _)| *s).max().unwrap_or(0);
    let mut chosen: Vec<(u32, &ToolSpec)> = scored
        .into_iter()
        // More than two thirds of the best: a tool that only shares a word or two with
        // a clear winner is noise, not a second question (the eval measured half as too
        // loose: a CRM search beside every pipeline question).
        .filter(|(s, _)| *s >= THRESHOLD && s * 3 > best * 2)
        .collect();
    chosen.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
    chosen.into_iter().take(MAX_TOOLS).map(|(_, t)| t).collect()
}

pub(crate) fn score(message: &str, tool: &ToolSpec, today: NaiveDate) -> u32 {
    let all_stems = stems(message);
    // "raise the budget" should meet the keyword "raise budget".
    let content_stems: Vec<String> = words(message)
        .into_iter()
        .filter(|w| !is_stopword(w))
        .map(|w| stem(&w))
        .collect();
    let topic: BTreeSet<String> = topic_stems(message);

    let mut keyword_hits: BTreeSet<Vec<String>> = BTreeSet::new();
    for keyword in &tool.keywords {
        let phrase = stems(keyword);
        let found = extract::find_phrase(&all_stems, &phrase)
            .or_else(|| extract::find_phrase(&content_stems, &phrase));
        if found.is_some() {
            keyword_hits.insert(phrase);
        }
    }
    // A longer phrase is more specific than a single word.
    let keyword_score: u32 = keyword_hits
        .iter()
        .map(|p| KEYWORD_WEIGHT + count(p.len()) - 1)
        .sum();

    let name_stems: BTreeSet<String> = tool
        .name
        .split(['_', '-', '.'])
        .map(str::to_lowercase)
        .filter(|w| !GENERIC_NAME_WORDS.contains(&w.as_str()) && !is_stopword(w))
        .map(|w| stem(&w))
        .collect();
    let name_score = NAME_WEIGHT * count(name_stems.intersection(&topic).count());

    let description_stems = topic_stems(&tool.description);
    let description_score = DESCRIPTION_WEIGHT
        * count(
            description_stems
                .difference(&name_stems)
                .filter(|s| topic.contains(*s))
                .count(),
        );

    let properties = tool.parameters.get("properties");
    let has = |name: &str| properties.and_then(|p| p.get(name)).is_some();
    let mut fit = 0;
    if has("platform") && !extract::platforms(message).is_empty() {
        fit += SCHEMA_FIT_WEIGHT;
    }
    if (has("date_range") || has("since")) && dates::parse_range(message, today).is_some() {
        fit += SCHEMA_FIT_WEIGHT;
    }
    // A tool made for one platform (`get_youtube_channel_stats`) is the one to use when
    // the message names that platform, even though platform words are not topics.
    let named = words(message);
    if name_stems
        .iter()
        .any(|n| extract::is_platform_word(n) && named.iter().any(|w| stem(w) == *n))
    {
        fit += KEYWORD_WEIGHT;
    }

    keyword_score + name_score + description_score + fit
}

/// Stems of the words that can say what a text is about.
fn topic_stems(text: &str) -> BTreeSet<String> {
    words(text)
        .into_iter()
        .filter(|w| {
            !is_stopword(w)
                && !extract::is_platform_word(w)
                && !dates::is_date_word(w)
                && !w.chars().all(|c| c.is_ascii_digit())
        })
        .map(|w| stem(&w))
        .collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::offline::fixtures::{spec_tools, today};

    fn names(message: &str) -> Vec<String> {
        select(message, &spec_tools(), today())
            .into_iter()
            .map(|t| t.name.clone())
            .collect()
    }

    #[test]
    fn keyword_hits_choose_the_tool() {
        assert_eq!(
            names("what was our ROAS yesterday"),
            ["get_marketing_performance"]
        );
        assert_eq!(
            names("how often should we refresh TikTok creatives?"),
            ["search_knowledge"]
        );
        assert_eq!(
            names("raise the budget of campaign Prospecting - Broad by 20%"),
            ["change_campaign_budget"]
        );
        assert_eq!(names("I want to talk to a human"), ["escalate_to_expert"]);
    }

    #[test]
    fn unrelated_messages_choose_nothing() {
        assert!(names("what's the weather like in Paris?").is_empty());
        assert!(names("hello there").is_empty());
    }

    #[test]
    fn platform_and_date_words_do_not_count_as_topic() {
        let tools = spec_tools();
        let knowledge = tools.iter().find(|t| t.name == "search_knowledge").unwrap();
        assert_eq!(score("meta google last week", knowledge, today()), 0);
    }
}
