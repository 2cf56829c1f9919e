//! How-to and definition questions ("how often should we refresh TikTok creatives?",
//! "what's the difference between ROAS and MER?") are for the knowledge base, not the
//! platforms: they name a topic the data tools also cover, so keyword scores alone
//! would send them to a report. A question of that form with no period named, and no
//! "how did … do", goes to the knowledge search only.

use chrono::NaiveDate;

use super::{dates, extract};

/// The knowledge base's search tool (`omnify-knowledge`).
pub(crate) const KNOWLEDGE_TOOL: &str = "search_knowledge";

/// Openings of questions that ask how to do something or what something means.
const OPENINGS: &[&str] = &[
    "how often",
    "how should",
    "how do i",
    "how do we",
    "how do you",
    "how can i",
    "how can we",
    "how long should",
    "how much should",
    "how many should",
    "how to",
    "how does",
    "what is a",
    "what is the difference",
    "what's the difference",
    "whats the difference",
    "what is the definition",
    "what does",
    "what's a good",
    "what is a good",
    "why would",
    "why does",
    "why do",
    "why is",
    "when should",
    "explain",
    "define",
    "best practices",
    "tips for",
];

/// Words anywhere that mark a request for guidance.
const MARKERS: &[&str] = &[
    "playbook",
    "best practice",
    "difference between",
    "definition of",
    "what does the guide",
];

/// Openings that ask about results, not guidance.
const DATA_OPENINGS: &[&str] = &[
    "how did",
    "how are",
    "how is",
    "how much did",
    "how much have",
    "how many did",
];

pub(crate) fn is_how_to_question(message: &str, today: NaiveDate) -> bool {
    let lower = message.trim().to_lowercase();
    if DATA_OPENINGS.iter().any(|o| lower.starts_with(o)) {
        return false;
    }
    // A period or an amount named means numbers are wanted ("why did CPA rise last
    // week?", "how should I split $3,000 a day?").
    if dates::parse_range(message, today).is_some()
        || extract::money(message).is_some()
        || extract::percent(message).is_some()
    {
        return false;
    }
    OPENINGS.iter().any(|o| lower.starts_with(o)) || MARKERS.iter().any(|m| lower.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn guidance_questions_are_recognised() {
        for q in [
            "How often should we refresh TikTok creatives?",
            "What's the difference between ROAS and MER?",
            "what does 7-day click 1-day view mean on Meta?",
            "how do i set up SPF DKIM and DMARC for klaviyo",
            "what does the playbook say about budget pacing?",
            "explain how attribution windows work",
        ] {
            assert!(is_how_to_question(q, today()), "{q}");
        }
    }

    #[test]
    fn data_questions_are_not() {
        for q in [
            "how did Meta do last week?",
            "how are we doing on TikTok?",
            "why did CPA rise last week?",
            "which creatives are about to fatigue?",
            "what should I do?",
            "raise the budget of Prospecting by 20%",
            "how should I split a $3,000 daily budget across channels?",
        ] {
            assert!(!is_how_to_question(q, today()), "{q}");
        }
    }
}
