//! Offline AIDA scoring: each stage starts from a base and earns points for signals
//! found in the copy; every signal found or missing becomes a reason. The word lists
//! are deliberately short and visible here, so a marketer can see why a score moved.

use super::{AdCopy, AdPlatform, AidaScore, Scorer, StageScore};

const HOOK_WORDS: &[&str] = &[
    "new",
    "free",
    "finally",
    "introducing",
    "stop",
    "secret",
    "why",
    "how",
    "meet",
    "never",
    "you",
    "your",
];
const BENEFIT_WORDS: &[&str] = &[
    "save",
    "saves",
    "enjoy",
    "easy",
    "easier",
    "faster",
    "comfortable",
    "comfort",
    "warm",
    "dry",
    "safe",
    "protect",
    "protects",
    "confident",
    "lighter",
    "better",
    "without",
    "stay",
    "feel",
    "love",
    "effortless",
    "worry",
    "relax",
    "last",
    "lasts",
];
const FEATURE_WORDS: &[&str] = &[
    "features",
    "featuring",
    "includes",
    "made",
    "material",
    "materials",
    "specs",
    "technology",
    "polyester",
    "nylon",
    "aluminium",
    "aluminum",
    "mm",
    "gsm",
    "denier",
    "dimensions",
    "weight",
    "grams",
    "capacity",
];
const PROOF_PHRASES: &[&str] = &[
    "review",
    "reviews",
    "rated",
    "stars",
    "★",
    "customers",
    "loved by",
    "best-selling",
    "bestselling",
    "best seller",
    "trusted",
    "#1",
    "award",
    "as seen",
];
const RISK_REVERSAL: &[&str] = &[
    "guarantee",
    "guaranteed",
    "free returns",
    "warranty",
    "risk-free",
    "money back",
    "money-back",
    "free shipping",
];
const CTA_VERBS: &[&str] = &[
    "shop",
    "buy",
    "get",
    "order",
    "try",
    "start",
    "sign up",
    "book",
    "join",
    "claim",
    "discover",
    "learn more",
    "download",
    "subscribe",
    "grab",
    "save",
    "explore",
    "reserve",
];
const URGENCY_PHRASES: &[&str] = &[
    "today",
    "now",
    "ends",
    "ending",
    "last chance",
    "limited",
    "only",
    "left",
    "hurry",
    "tonight",
    "while stocks last",
    "before",
    "deadline",
    "hours",
    "final",
];
const OFFER_PHRASES: &[&str] = &[
    "% off",
    "off",
    "discount",
    "code",
    "free shipping",
    "sale",
    "deal",
    "bonus",
];

/// Scores `copy` for `platform` with the rules.
pub fn score(copy: &AdCopy, platform: AdPlatform) -> AidaScore {
    AidaScore {
        attention: attention(copy, platform),
        interest: interest(copy, platform),
        desire: desire(copy),
        action: action(copy),
        scorer: Scorer::Rules,
    }
}

/// Points and reasons for one stage.
struct Stage {
    score: i32,
    reasons: Vec<String>,
}

impl Stage {
    fn new(base: i32) -> Self {
        Self {
            score: base,
            reasons: Vec::new(),
        }
    }

    /// Adds `points` and `found` when `ok`, else records `missing`.
    fn check(
        &mut self,
        ok: bool,
        points: i32,
        found: impl Into<String>,
        missing: impl Into<String>,
    ) {
        if ok {
            self.score += points;
            self.reasons.push(found.into());
        } else {
            self.reasons.push(missing.into());
        }
    }

    fn done(self) -> StageScore {
        StageScore {
            score: self.score.clamp(0, 100) as u8,
            reasons: self.reasons,
        }
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '#' || c == '%' || c == '\'' || c == '★'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Phrases of `list` found in `text` (whole words for single words).
fn found<'a>(text: &str, list: &[&'a str]) -> Vec<&'a str> {
    let lower = text.to_lowercase();
    let tokens = words(text);
    list.iter()
        .filter(|p| {
            if p.contains(' ') || p.contains('%') || p.contains('★') || p.contains('-') {
                lower.contains(*p)
            } else {
                tokens.iter().any(|t| t == *p)
            }
        })
        .copied()
        .collect()
}

fn has_number(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
}

fn quoted(list: &[&str]) -> String {
    list.iter()
        .take(3)
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn attention(copy: &AdCopy, platform: AdPlatform) -> StageScore {
    let mut s = Stage::new(20);
    let opening = if copy.headline.is_empty() {
        copy.body
            .split(['.', '!', '?'])
            .next()
            .unwrap_or_default()
            .to_owned()
    } else {
        copy.headline.clone()
    };
    s.check(
        !copy.headline.is_empty(),
        10,
        "has a headline",
        "no headline: the first line has to do the stopping",
    );
    let hooks = found(&opening, HOOK_WORDS);
    s.check(
        !hooks.is_empty(),
        20,
        format!("opens with a hook ({})", quoted(&hooks)),
        "no hook word in the opening (e.g. \"new\", \"finally\", \"you\")",
    );
    s.check(
        has_number(&opening),
        15,
        "a number in the opening",
        "no number in the opening (numbers stop the scroll)",
    );
    s.check(
        opening.contains('?'),
        15,
        "opens with a question",
        "no question in the opening",
    );
    let length = opening.chars().count();
    let limit = platform.headline_limit();
    s.check(
        length > 0 && length <= limit,
        20,
        format!(
            "opening fits {} ({length} of {limit} characters)",
            platform.label()
        ),
        format!(
            "opening is {length} characters; {} shows about {limit}",
            platform.label()
        ),
    );
    s.done()
}

fn interest(copy: &AdCopy, platform: AdPlatform) -> StageScore {
    let mut s = Stage::new(20);
    let text = copy.full_text();
    let tokens = words(&text);
    let you = tokens
        .iter()
        .filter(|t| matches!(t.as_str(), "you" | "your" | "you're" | "yours"))
        .count();
    s.check(
        you > 0,
        15,
        format!("speaks to the reader (\"you\" ×{you})"),
        "never says \"you\": it talks about the brand, not the reader",
    );
    s.check(
        has_number(&copy.body),
        15,
        "specific numbers in the body",
        "no specifics in the body (a number, a measure, a result)",
    );
    let (shortest, longest) = platform.body_range();
    let length = copy.body.chars().count();
    s.check(
        (shortest..=longest).contains(&length),
        20,
        format!("body length suits {} ({length} characters)", platform.label()),
        if length < shortest {
            format!("body is {length} characters: too thin to build interest ({shortest}–{longest} reads best on {})", platform.label())
        } else {
            format!("body is {length} characters: long for {} ({shortest}–{longest} reads best)", platform.label())
        },
    );
    let sentences = copy
        .body
        .split(['.', '!', '?'])
        .filter(|s| !s.trim().is_empty())
        .count()
        .max(1);
    let body_words = words(&copy.body);
    let per_sentence = body_words.len() as f64 / sentences as f64;
    let long_words = body_words
        .iter()
        .filter(|w| w.chars().count() >= 10)
        .count();
    let readable = !body_words.is_empty()
        && per_sentence <= 20.0
        && long_words * 10 <= body_words.len().max(1);
    s.check(
        readable,
        20,
        format!("easy to read ({per_sentence:.0} words a sentence)"),
        format!("hard to read: {per_sentence:.0} words a sentence, {long_words} long words"),
    );
    s.done()
}

fn desire(copy: &AdCopy) -> StageScore {
    let mut s = Stage::new(15);
    let text = copy.full_text();
    let benefits = found(&text, BENEFIT_WORDS);
    let features = found(&text, FEATURE_WORDS);
    s.check(
        !benefits.is_empty(),
        25,
        format!("benefit words ({})", quoted(&benefits)),
        "no benefit words: say what it does for the reader (e.g. \"stay dry\", \"save\")",
    );
    s.check(
        benefits.len() >= features.len(),
        10,
        "benefits outweigh features",
        format!("more features ({}) than benefits", quoted(&features)),
    );
    let proof = found(&text, PROOF_PHRASES);
    s.check(
        !proof.is_empty(),
        25,
        format!("social proof ({})", quoted(&proof)),
        "no social proof (reviews, ratings, customer counts)",
    );
    let reversal = found(&text, RISK_REVERSAL);
    s.check(
        !reversal.is_empty(),
        15,
        format!("takes the risk away ({})", quoted(&reversal)),
        "no guarantee, free returns or warranty",
    );
    s.done()
}

fn action(copy: &AdCopy) -> StageScore {
    let mut s = Stage::new(10);
    let text = copy.full_text();
    let closing = if copy.cta.is_empty() {
        copy.body
            .rsplit(['.', '!', '?'])
            .find(|p| !p.trim().is_empty())
            .unwrap_or_default()
            .to_owned()
    } else {
        copy.cta.clone()
    };
    let verbs = found(&closing, CTA_VERBS);
    s.check(
        !verbs.is_empty(),
        35,
        format!("clear call to action ({})", quoted(&verbs)),
        "no clear call to action verb at the end (e.g. \"Shop\", \"Get\", \"Try\")",
    );
    s.check(
        !copy.cta.is_empty(),
        10,
        "a separate call-to-action line",
        "no separate call-to-action line or button text",
    );
    let urgency = found(&text, URGENCY_PHRASES);
    s.check(
        !urgency.is_empty(),
        25,
        format!("urgency or scarcity ({})", quoted(&urgency)),
        "no urgency or scarcity (a deadline, limited stock)",
    );
    let offer = found(&text, OFFER_PHRASES);
    s.check(
        !offer.is_empty(),
        20,
        format!("an offer ({})", quoted(&offer)),
        "no offer to act on (discount, free shipping, code)",
    );
    s.done()
}
