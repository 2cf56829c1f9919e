//! AIDA copy scoring: how well an ad's text earns Attention, Interest, Desire and
//! Action, each 0–100 with reasons that say what is there and what is missing.
//!
//! [`rules`] scores offline with small, explicit word lists and platform length
//! norms; [`model`] builds the one strict-JSON request a language model can answer
//! instead and validates its answer (the tool falls back to the rules on any failure).

pub mod model;
pub mod rules;

use serde::{Deserialize, Serialize};

/// Where the ad runs: sets the length norms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdPlatform {
    Meta,
    GoogleAds,
    TikTok,
    LinkedIn,
    Email,
    #[default]
    Generic,
}

impl AdPlatform {
    pub fn parse(name: &str) -> Option<Self> {
        Some(
            match name
                .trim()
                .to_ascii_lowercase()
                .replace([' ', '-'], "_")
                .as_str()
            {
                "meta" | "facebook" | "instagram" | "facebook_ads" | "meta_ads" => Self::Meta,
                "google" | "google_ads" | "adwords" | "search" => Self::GoogleAds,
                "tiktok" | "tik_tok" => Self::TikTok,
                "linkedin" | "linked_in" => Self::LinkedIn,
                "email" | "e_mail" | "klaviyo" => Self::Email,
                "generic" | "other" | "" => Self::Generic,
                _ => return None,
            },
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Meta => "Meta",
            Self::GoogleAds => "Google Ads",
            Self::TikTok => "TikTok",
            Self::LinkedIn => "LinkedIn",
            Self::Email => "e-mail",
            Self::Generic => "a generic placement",
        }
    }

    /// Longest headline (characters) the placement shows without cutting it.
    pub fn headline_limit(self) -> usize {
        match self {
            Self::Meta => 40,
            Self::GoogleAds => 30,
            Self::TikTok => 40,
            Self::LinkedIn => 70,
            Self::Email => 50,
            Self::Generic => 60,
        }
    }

    /// Body length (characters) that reads best: (shortest, longest).
    pub fn body_range(self) -> (usize, usize) {
        match self {
            Self::Meta => (40, 125),
            Self::GoogleAds => (30, 90),
            Self::TikTok => (20, 100),
            Self::LinkedIn => (70, 150),
            Self::Email => (80, 600),
            Self::Generic => (40, 200),
        }
    }
}

/// An ad's text split into its parts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdCopy {
    pub headline: String,
    pub body: String,
    pub cta: String,
}

impl AdCopy {
    /// Splits free text: `Headline:`, `Body:`/`Primary text:` and `CTA:` labels when
    /// present; otherwise the first line is the headline, a short last line is the
    /// call to action, and the rest is the body. One line alone is the body.
    pub fn parse(text: &str) -> Self {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let mut copy = AdCopy::default();
        let mut unlabelled = Vec::new();
        for line in &lines {
            let lower = line.to_ascii_lowercase();
            let field = |prefixes: &[&str]| {
                prefixes.iter().find_map(|p| {
                    lower
                        .starts_with(p)
                        .then(|| line[p.len()..].trim_start_matches([':', ' ', '-']).trim())
                })
            };
            if let Some(h) = field(&["headline:", "title:"]) {
                copy.headline = h.to_owned();
            } else if let Some(c) = field(&["cta:", "call to action:", "button:"]) {
                copy.cta = c.to_owned();
            } else if let Some(b) = field(&["body:", "primary text:", "text:", "description:"]) {
                push_line(&mut copy.body, b);
            } else {
                unlabelled.push(*line);
            }
        }
        if copy.headline.is_empty() && unlabelled.len() > 1 {
            copy.headline = unlabelled.remove(0).to_owned();
        }
        if copy.cta.is_empty()
            && unlabelled.len() > 1
            && unlabelled
                .last()
                .is_some_and(|l| l.split_whitespace().count() <= 5)
        {
            copy.cta = unlabelled.pop().unwrap_or_default().to_owned();
        }
        for line in unlabelled {
            push_line(&mut copy.body, line);
        }
        copy
    }

    /// Everything, for checks that look at the whole ad.
    pub fn full_text(&self) -> String {
        [
            self.headline.as_str(),
            self.body.as_str(),
            self.cta.as_str(),
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
    }
}

fn push_line(body: &mut String, line: &str) {
    if !body.is_empty() {
        body.push(' ');
    }
    body.push_str(line);
}

/// One stage's score and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageScore {
    /// 0–100.
    pub score: u8,
    /// What earns points, and what is missing ("no …").
    pub reasons: Vec<String>,
}

/// Who scored the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scorer {
    Rules,
    Model,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AidaScore {
    pub attention: StageScore,
    pub interest: StageScore,
    pub desire: StageScore,
    pub action: StageScore,
    pub scorer: Scorer,
}

impl AidaScore {
    /// The mean of the four stages.
    pub fn overall(&self) -> u8 {
        let sum: u32 = self.stages().iter().map(|(_, s)| u32::from(s.score)).sum();
        (f64::from(sum) / 4.0).round() as u8
    }

    pub fn stages(&self) -> [(&'static str, &StageScore); 4] {
        [
            ("attention", &self.attention),
            ("interest", &self.interest),
            ("desire", &self.desire),
            ("action", &self.action),
        ]
    }

    /// The stage with the lowest score: where a rewrite helps most.
    pub fn weakest(&self) -> (&'static str, &StageScore) {
        let stages = self.stages();
        let mut weakest = stages[0];
        for stage in stages {
            if stage.1.score < weakest.1.score {
                weakest = stage;
            }
        }
        weakest
    }
}
