//! Facts a marketer states in passing: platforms, money, percentages, campaign names,
//! breakdowns, metrics, counts. Each function reads the raw message and returns the
//! fact in a canonical form; mapping it onto a particular tool's schema is `args`'s job.

use super::dates::number_word;
use super::text::{stem, words};

/// Canonical platform names and the ways people write them. Multi-word spellings are
/// matched as consecutive words.
const PLATFORMS: &[(&str, &[&str])] = &[
    (
        "meta",
        &["meta", "facebook", "instagram", "fb", "ig", "insta"],
    ),
    ("google", &["google", "adwords", "google ads", "gads"]),
    ("tiktok", &["tiktok", "tik tok"]),
    ("linkedin", &["linkedin", "linked in"]),
    ("youtube", &["youtube", "yt"]),
    ("shopify", &["shopify"]),
    ("stripe", &["stripe"]),
    ("klaviyo", &["klaviyo"]),
    ("hubspot", &["hubspot", "hub spot"]),
    (
        "triplewhale",
        &["triple whale", "triplewhale", "triple_whale"],
    ),
    (
        "gohighlevel",
        &[
            "gohighlevel",
            "go high level",
            "ghl",
            "highlevel",
            "high level",
        ],
    ),
];

/// Platforms named in `text`, canonical, in the order first mentioned.
pub(crate) fn platforms(text: &str) -> Vec<&'static str> {
    let tokens = words(text);
    let mut found: Vec<(usize, &'static str)> = Vec::new();
    for (canonical, spellings) in PLATFORMS {
        let first = spellings
            .iter()
            .filter_map(|s| find_phrase(&tokens, &words(s)))
            .min();
        if let Some(pos) = first {
            found.push((pos, canonical));
        }
    }
    found.sort_by_key(|(pos, _)| *pos);
    found.into_iter().map(|(_, p)| p).collect()
}

/// All spellings of a canonical platform, for matching a schema's own enum values
/// (a tool may say "facebook" where we say "meta").
pub(crate) fn platform_spellings(canonical: &str) -> &'static [&'static str] {
    PLATFORMS
        .iter()
        .find(|(c, _)| *c == canonical)
        .map(|(_, s)| *s)
        .unwrap_or(&[])
}

/// True for a word that is (part of) a platform name.
pub(crate) fn is_platform_word(word: &str) -> bool {
    PLATFORMS
        .iter()
        .flat_map(|(_, spellings)| spellings.iter())
        .any(|s| s.split([' ', '_']).any(|part| part == word))
}

/// A number as written in the message, with the marks around it that say what it is.
#[derive(Debug, Clone, PartialEq)]
struct NumberMention {
    value: f64,
    dollar: bool,
    percent: bool,
    negative: bool,
    /// A "k"/"m" suffix or "thousand"/"million" was applied.
    scaled: bool,
    /// Followed by "a day", "per day", "/day" or "daily": an amount per day, which in
    /// a marketing question is a budget ("split 3000 a day across channels").
    per_day: bool,
    prev_word: String,
    next_word: String,
}

/// Numbers in `text`, skipping the digits of ISO dates and of words like "q3".
fn numbers(text: &str) -> Vec<NumberMention> {
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let glued_to_word = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.');
        if !b[i].is_ascii_digit() || glued_to_word {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        while i < b.len() {
            let c = b[i];
            let thousands_comma = c == b','
                && b.get(i + 1..i + 4)
                    .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
            let decimal_point = c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if c.is_ascii_digit() || decimal_point {
                digits.push(char::from(c));
            } else if !thousands_comma {
                break;
            }
            i += 1;
        }
        // "2026-10-01", "10-15", "24/7": not amounts.
        if b.get(i).is_some_and(|c| {
            (*c == b'-' || *c == b'/') && b.get(i + 1).is_some_and(u8::is_ascii_digit)
        }) || (start > 0
            && matches!(b[start - 1], b'-' | b'/')
            && start > 1
            && b[start - 2].is_ascii_digit())
        {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'-' || b[i] == b'/') {
                i += 1;
            }
            continue;
        }
        let Ok(mut value) = digits.parse::<f64>() else {
            continue;
        };
        let mut scaled = false;
        let suffix_ends_word = |k: usize| b.get(k).is_none_or(|c| !c.is_ascii_alphanumeric());
        if matches!(b.get(i), Some(b'k' | b'm')) && suffix_ends_word(i + 1) {
            value *= if b[i] == b'k' { 1_000.0 } else { 1_000_000.0 };
            scaled = true;
            i += 1;
        }
        let rest = &lower[i..];
        let percent = rest.trim_start().starts_with('%');
        let per_day = ["a day", "per day", "/day", "daily", "/ day"]
            .iter()
            .any(|unit| rest.trim_start().starts_with(unit));
        let next_word = words(rest).into_iter().next().unwrap_or_default();
        match next_word.as_str() {
            "thousand" => {
                value *= 1_000.0;
                scaled = true;
            }
            "million" => {
                value *= 1_000_000.0;
                scaled = true;
            }
            _ => {}
        }
        let before = lower[..start].trim_end();
        let dollar = before.ends_with('$');
        let before = before.trim_end_matches('$').trim_end();
        let negative = before.ends_with('-') || before.ends_with("minus");
        let prev_word = words(before).pop().unwrap_or_default();
        out.push(NumberMention {
            value,
            dollar,
            percent,
            negative,
            scaled,
            per_day,
            prev_word,
            next_word,
        });
    }
    out
}

const CURRENCY_WORDS: &[&str] = &[
    "dollars", "dollar", "usd", "bucks", "eur", "euros", "euro", "gbp", "pounds",
];
const PERCENT_WORDS: &[&str] = &["percent", "pct", "percentage"];
const UNIT_WORDS: &[&str] = &[
    "day", "days", "week", "weeks", "month", "months", "year", "years", "hours", "hour",
];

/// A money amount: "$500", "500 dollars", "1.2k", "3000 a day", or a bare number where
/// a budget is being set ("set the budget to 500").
pub(crate) fn money(text: &str) -> Option<f64> {
    let mentions = numbers(text);
    let is_percent = |n: &NumberMention| n.percent || PERCENT_WORDS.contains(&n.next_word.as_str());
    let marked = mentions.iter().find(|n| {
        !is_percent(n)
            && (n.dollar || n.scaled || n.per_day || CURRENCY_WORDS.contains(&n.next_word.as_str()))
    });
    let bare = || {
        mentions.iter().find(|n| {
            !is_percent(n)
                && !UNIT_WORDS.contains(&n.next_word.as_str())
                && matches!(
                    n.prev_word.as_str(),
                    "to" | "at" | "budget" | "of" | "is" | "spend"
                )
                && !(2000.0..=2100.0).contains(&n.value)
        })
    };
    marked.or_else(bare).map(|n| n.value)
}

/// A percentage, signed by the verb around it: "cut by 20%" is -20, "raise by 20
/// percent" is 20.
pub(crate) fn percent(text: &str) -> Option<f64> {
    let mention = numbers(text)
        .into_iter()
        .find(|n| n.percent || PERCENT_WORDS.contains(&n.next_word.as_str()))?;
    const DECREASE: &[&str] = &[
        "lower", "cut", "decreas", "reduc", "drop", "down", "slash", "trim", "less", "shrink",
        "minus",
    ];
    let decrease = words(text)
        .iter()
        .any(|w| DECREASE.contains(&stem(w).as_str()));
    let value = mention.value.abs();
    Some(if mention.negative || decrease {
        -value
    } else {
        value
    })
}

/// A campaign's name: quoted text, or what follows the word "campaign" ("raise the
/// budget of campaign Prospecting - Broad by 20%" gives "Prospecting - Broad").
pub(crate) fn campaign_name(text: &str) -> Option<String> {
    if let Some(quoted) = quoted(text) {
        return Some(quoted);
    }
    let lower = text.to_ascii_lowercase();
    let mut search_from = 0;
    while let Some(found) = lower[search_from..].find("campaign") {
        let at = search_from + found;
        search_from = at + "campaign".len();
        let word_start = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
        // Only the singular introduces a name: "my campaigns on Meta" names none.
        let after = &text[search_from..];
        if !word_start || !after.starts_with([' ', ':']) {
            continue;
        }
        let mut name = after.trim_start_matches([' ', ':']);
        for lead in ["named ", "called ", "titled "] {
            if name.to_ascii_lowercase().starts_with(lead) {
                name = &name[lead.len()..];
            }
        }
        let name = cut_at_clause_end(name)
            .trim()
            .trim_end_matches(['.', ',', '?', '!'])
            .trim();
        // Lowercase words after "campaign" are usually not a name ("campaign
        // performance"); names marketers give are capitalised or coded.
        if name.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()) {
            return Some(name.to_string());
        }
    }
    None
}

/// Text between double or typographic quotes, or single quotes used as quotes (not
/// apostrophes).
fn quoted(text: &str) -> Option<String> {
    for (open, close) in [('"', '"'), ('“', '”'), ('‘', '’'), ('\'', '\'')] {
        let mut from = 0;
        while let Some(rel) = text[from..].find(open) {
            let start = from + rel;
            let inner_start = start + open.len_utf8();
            let prev_ok = text[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            let Some(rel_end) = text[inner_start..].find(close) else {
                break;
            };
            let end = inner_start + rel_end;
            let next_ok = text[end + close.len_utf8()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            let inner = text[inner_start..end].trim();
            if prev_ok && next_ok && !inner.is_empty() {
                return Some(inner.to_string());
            }
            from = inner_start;
        }
    }
    None
}

/// Where a name typed inline ends: at the next clause ("by 20%", "on Meta", "to $50").
fn cut_at_clause_end(name: &str) -> &str {
    const ENDS: &[&str] = &[
        " by ",
        " to ",
        " from ",
        " on ",
        " in ",
        " for ",
        " with ",
        " and ",
        " last ",
        " this ",
        " yesterday",
        " today",
        " since ",
        " during ",
        " at ",
        " up ",
        " down ",
        " please",
    ];
    let lower = name.to_ascii_lowercase();
    let mut end = [",", "?", "!", ". ", ";", "\n"]
        .iter()
        .filter_map(|p| lower.find(p))
        .min()
        .unwrap_or(name.len());
    if let Some(stop) = ENDS.iter().filter_map(|p| lower.find(p)).min() {
        end = end.min(stop);
    }
    &name[..end]
}

/// Breakdowns a marketer asks for, each with the spellings a schema enum may use.
const BREAKDOWNS: &[(&[&str], &[&str])] = &[
    (
        &["ad set", "adset", "ad group", "adgroup"],
        &["adset", "ad_set", "ad_group", "adgroup"],
    ),
    (&["campaign", "campaigns"], &["campaign"]),
    (&["ad", "ads", "creative", "creatives"], &["ad", "creative"]),
    (&["day", "days", "daily"], &["day", "daily", "date"]),
    (&["week", "weekly"], &["week", "weekly"]),
    (&["month", "monthly"], &["month", "monthly"]),
    (
        &["platform", "platforms", "channel", "channels", "network"],
        &["platform", "channel"],
    ),
    (&["country", "countries", "region"], &["country", "region"]),
    (
        &["age", "gender", "demographic", "demographics"],
        &["age", "gender", "demographic"],
    ),
];

/// The breakdown asked for ("by campaign", "per ad", "daily"), as the enum spellings
/// it may go by.
pub(crate) fn breakdown(text: &str) -> Option<&'static [&'static str]> {
    let tokens = words(text);
    for (i, w) in tokens.iter().enumerate() {
        let rest = &tokens[i + 1..];
        let introduces = matches!(w.as_str(), "by" | "per" | "each" | "breakdown")
            || (w == "down" && rest.first().is_some_and(|n| n == "by"));
        if w == "daily" || w == "weekly" || w == "monthly" {
            return BREAKDOWNS
                .iter()
                .find(|(said, _)| said.contains(&w.as_str()))
                .map(|(_, e)| *e);
        }
        if !introduces {
            continue;
        }
        let rest = if rest.first().is_some_and(|n| n == "by") {
            &rest[1..]
        } else {
            rest
        };
        // Longest spelling first, so "ad set" is not read as "ad".
        let mut best: Option<(usize, &'static [&'static str])> = None;
        for (said, enums) in BREAKDOWNS {
            for s in *said {
                let phrase = words(s);
                if rest.starts_with(&phrase) && best.is_none_or(|(len, _)| phrase.len() > len) {
                    best = Some((phrase.len(), enums));
                }
            }
        }
        if let Some((_, enums)) = best {
            return Some(enums);
        }
    }
    None
}

/// True for a word that only says how to break numbers down.
pub(crate) fn is_breakdown_word(word: &str) -> bool {
    matches!(
        word,
        "by" | "per" | "each" | "breakdown" | "broken" | "down" | "split"
    ) || BREAKDOWNS
        .iter()
        .any(|(said, _)| said.iter().any(|s| s.split(' ').any(|p| p == word)))
}

/// Metrics in the order mentioned, canonical. Longer phrases win at a position, so
/// "return on ad spend" is ROAS, not spend.
const METRICS: &[(&str, &[&str])] = &[
    (
        "roas",
        &[
            "roas",
            "return on ad spend",
            "return on spend",
            "return on investment",
            "roi",
        ],
    ),
    ("cpc", &["cpc", "cost per click"]),
    ("cpm", &["cpm", "cost per mille", "cost per thousand"]),
    (
        "ctr",
        &[
            "ctr",
            "click through rate",
            "clickthrough rate",
            "clickthrough",
        ],
    ),
    (
        "cpa",
        &[
            "cpa",
            "cost per acquisition",
            "cost per conversion",
            "cost per purchase",
            "cac",
            "cost per lead",
            "cpl",
        ],
    ),
    (
        "spend",
        &["spend", "spent", "spending", "cost", "costs", "ad spend"],
    ),
    ("revenue", &["revenue", "sales", "income", "gmv"]),
    (
        "conversions",
        &[
            "conversions",
            "conversion",
            "purchases",
            "purchase",
            "orders",
            "leads",
            "signups",
        ],
    ),
    ("clicks", &["clicks", "click"]),
    ("impressions", &["impressions", "views"]),
    ("aov", &["aov", "average order value"]),
];

pub(crate) fn metrics(text: &str) -> Vec<&'static str> {
    let tokens = words(text);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let mut best: Option<(usize, &'static str)> = None;
        for (canonical, spellings) in METRICS {
            for s in *spellings {
                let phrase = words(s);
                if tokens[i..].starts_with(&phrase)
                    && best.is_none_or(|(len, _)| phrase.len() > len)
                {
                    best = Some((phrase.len(), canonical));
                }
            }
        }
        match best {
            Some((len, metric)) => {
                if !found.contains(&metric) {
                    found.push(metric);
                }
                i += len;
            }
            None => i += 1,
        }
    }
    found
}

/// A count of days for horizons and lookbacks: "next 90 days", "3 months" (90).
pub(crate) fn day_count(text: &str) -> Option<i64> {
    let tokens = words(text);
    let mut candidates = Vec::new();
    for (i, w) in tokens.iter().enumerate() {
        let Some(n) = w
            .parse::<i64>()
            .ok()
            .or_else(|| number_word(w).map(i64::from))
        else {
            continue;
        };
        let per_unit = match tokens.get(i + 1).map(String::as_str) {
            Some("day" | "days") => 1,
            Some("week" | "weeks") => 7,
            Some("month" | "months") => 30,
            Some("year" | "years") => 365,
            _ => continue,
        };
        let looking_back = i > 0
            && matches!(
                tokens[i - 1].as_str(),
                "last" | "past" | "previous" | "prior"
            );
        candidates.push((looking_back, n * per_unit));
    }
    // A forward-looking count ("next 90 days") is what a horizon means; a lookback
    // is the fallback.
    candidates
        .iter()
        .find(|(back, _)| !back)
        .or(candidates.first())
        .map(|(_, n)| *n)
}

/// "top 5", "best 3", "5 worst", "first 10".
pub(crate) fn top_n(text: &str) -> Option<i64> {
    const RANK_WORDS: &[&str] = &[
        "top", "best", "worst", "first", "bottom", "biggest", "largest", "highest", "lowest",
    ];
    let tokens = words(text);
    let parse = |w: &str| {
        w.parse::<i64>()
            .ok()
            .or_else(|| number_word(w).map(i64::from))
    };
    tokens.iter().enumerate().find_map(|(i, w)| {
        if RANK_WORDS.contains(&w.as_str())
            && let Some(n) = tokens.get(i + 1).and_then(|n| parse(n))
        {
            return Some(n);
        }
        let n = parse(w)?;
        tokens
            .get(i + 1)
            .filter(|next| RANK_WORDS.contains(&next.as_str()))
            .map(|_| n)
    })
}

/// Where `phrase` first occurs in `tokens` as consecutive words.
pub(crate) fn find_phrase(tokens: &[String], phrase: &[String]) -> Option<usize> {
    if phrase.is_empty() || phrase.len() > tokens.len() {
        return None;
    }
    tokens.windows(phrase.len()).position(|w| w == phrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_by_synonym_in_mention_order() {
        assert_eq!(
            platforms("how did Meta do last week against Google?"),
            ["meta", "google"]
        );
        assert_eq!(platforms("spend on facebook and IG"), ["meta"]);
        assert_eq!(
            platforms("AdWords vs Tik Tok vs YT"),
            ["google", "tiktok", "youtube"]
        );
        assert_eq!(
            platforms("triple whale and GHL numbers"),
            ["triplewhale", "gohighlevel"]
        );
        assert!(platforms("how often should we refresh creatives").is_empty());
    }

    #[test]
    fn money_amounts() {
        assert_eq!(money("set the daily budget to $500"), Some(500.0));
        assert_eq!(money("500 dollars a day"), Some(500.0));
        assert_eq!(money("cap it at 1.2k"), Some(1200.0));
        assert_eq!(
            money("how should I split 3000 a day across channels?"),
            Some(3000.0)
        );
        assert_eq!(money("spend 2,500 per day on meta"), Some(2500.0));
        assert_eq!(money("post 3 times a day"), None);
        assert_eq!(money("budget of $1,250.50"), Some(1250.5));
        assert_eq!(money("set the budget to 300"), Some(300.0));
        assert_eq!(money("raise it by 20% over the last 30 days"), None);
        assert_eq!(money("from 2026-10-01 to 2026-10-15"), None);
    }

    #[test]
    fn percentages_take_their_sign_from_the_verb() {
        assert_eq!(percent("raise the budget by 20%"), Some(20.0));
        assert_eq!(percent("increase it by 15 percent"), Some(15.0));
        assert_eq!(percent("cut spend by 10%"), Some(-10.0));
        assert_eq!(percent("lower the budget 25 %"), Some(-25.0));
        assert_eq!(percent("change by -5%"), Some(-5.0));
        assert_eq!(percent("set it to $50"), None);
    }

    #[test]
    fn campaign_names() {
        assert_eq!(
            campaign_name("raise the budget of campaign Prospecting - Broad by 20%").as_deref(),
            Some("Prospecting - Broad")
        );
        assert_eq!(
            campaign_name("pause \"Retargeting 30d\" now").as_deref(),
            Some("Retargeting 30d")
        );
        assert_eq!(
            campaign_name("the campaign called Summer Sale, please").as_deref(),
            Some("Summer Sale")
        );
        assert_eq!(campaign_name("Q3 performance by campaign"), None);
        assert_eq!(campaign_name("show campaign performance"), None);
        assert_eq!(campaign_name("don't touch it, it's fine"), None);
    }

    #[test]
    fn breakdowns_metrics_and_counts() {
        assert_eq!(
            breakdown("Q3 performance by campaign"),
            Some(&["campaign"][..])
        );
        assert_eq!(
            breakdown("broken down by ad set"),
            Some(&["adset", "ad_set", "ad_group", "adgroup"][..])
        );
        assert_eq!(
            breakdown("daily spend"),
            Some(&["day", "daily", "date"][..])
        );
        assert_eq!(breakdown("spend on meta"), None);
        assert_eq!(
            metrics("what's our return on ad spend and CPC"),
            ["roas", "cpc"]
        );
        assert_eq!(metrics("spend on facebook"), ["spend"]);
        assert_eq!(day_count("forecast revenue for the next 90 days"), Some(90));
        assert_eq!(day_count("project 3 months out"), Some(90));
        assert_eq!(top_n("top 5 campaigns by ROAS"), Some(5));
        assert_eq!(top_n("the 3 worst ads"), Some(3));
    }
}
