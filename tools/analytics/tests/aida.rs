//! AIDA scoring: a strong ad beats a weak one on every stage, the weak one's reasons
//! name what is missing, and a model's answer is used only when it is valid.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnify_analytics::aida::{AdCopy, AdPlatform, Scorer, model, rules};

const STRONG: &str = "Headline: Stay dry on your next 20-mile hike?
Body: You'll love the Ridgeline jacket: 4.8 stars from 12,000 reviews. It keeps you warm and dry in 3 hours of rain, weighs 320 g and packs into its own pocket. Free returns and a lifetime warranty. 25% off ends tonight.
CTA: Shop the sale now";

const WEAK: &str = "Our company has been manufacturing outdoor apparel since 1987 and our jackets include polyester materials with advanced technology and features that differentiate them within the competitive marketplace";

#[test]
fn aida_strong_copy_beats_weak_copy_on_every_stage() {
    let strong = rules::score(&AdCopy::parse(STRONG), AdPlatform::Meta);
    let weak = rules::score(&AdCopy::parse(WEAK), AdPlatform::Meta);
    for ((name, s), (_, w)) in strong.stages().into_iter().zip(weak.stages()) {
        println!("{name}: strong {} weak {}", s.score, w.score);
        assert!(
            s.score > w.score,
            "{name}: {} vs {}\n{:?}\n{:?}",
            s.score,
            w.score,
            s.reasons,
            w.reasons
        );
    }
    assert!(strong.overall() >= 75, "{}", strong.overall());
    assert!(weak.overall() <= 40, "{}", weak.overall());
    assert_eq!(strong.scorer, Scorer::Rules);
}

#[test]
fn aida_reasons_name_what_is_missing() {
    let weak = rules::score(&AdCopy::parse(WEAK), AdPlatform::Meta);
    let all = |stage: &omnify_analytics::aida::StageScore| stage.reasons.join(" | ");
    assert!(
        all(&weak.attention).contains("no headline"),
        "{}",
        all(&weak.attention)
    );
    assert!(
        all(&weak.interest).contains("never says \"you\""),
        "{}",
        all(&weak.interest)
    );
    assert!(
        all(&weak.desire).contains("no social proof"),
        "{}",
        all(&weak.desire)
    );
    assert!(
        all(&weak.desire).contains("more features"),
        "{}",
        all(&weak.desire)
    );
    assert!(
        all(&weak.action).contains("no clear call to action"),
        "{}",
        all(&weak.action)
    );
    assert!(
        all(&weak.action).contains("no urgency"),
        "{}",
        all(&weak.action)
    );
    assert_eq!(weak.weakest().0, "action");
}

#[test]
fn aida_splits_unlabelled_text_and_judges_length_per_platform() {
    let copy =
        AdCopy::parse("New: the 2-person tent\nSets up in 90 seconds, sleeps you dry.\nShop now");
    assert_eq!(copy.headline, "New: the 2-person tent");
    assert_eq!(copy.body, "Sets up in 90 seconds, sleeps you dry.");
    assert_eq!(copy.cta, "Shop now");
    let long_headline = AdCopy::parse(
        "Introducing the lightest, warmest, most packable down sleeping bag we have ever made\nBody text.",
    );
    let google = rules::score(&long_headline, AdPlatform::GoogleAds);
    assert!(
        google
            .attention
            .reasons
            .iter()
            .any(|r| r.contains("Google Ads shows about 30")),
        "{:?}",
        google.attention.reasons
    );
    assert_eq!(AdPlatform::parse("Facebook"), Some(AdPlatform::Meta));
    assert_eq!(AdPlatform::parse("myspace"), None);
}

#[test]
fn aida_model_answers_are_validated() {
    let request = model::request(&AdCopy::parse(STRONG), AdPlatform::Meta);
    assert_eq!(request.messages.len(), 2);
    assert!(request.messages[1].content.contains("Platform: Meta"));

    let good = r#"```json
{"attention":{"score":82,"reasons":["question hook"]},"interest":{"score":75,"reasons":["specifics"]},
 "desire":{"score":90,"reasons":["reviews"]},"action":{"score":88.4,"reasons":["clear CTA"," "]}}
```"#;
    let score = model::parse_answer(good).unwrap();
    assert_eq!(score.scorer, Scorer::Model);
    assert_eq!((score.attention.score, score.action.score), (82, 88));
    assert_eq!(score.action.reasons, ["clear CTA"]);

    let out_of_range = good.replace("82", "182");
    assert!(
        model::parse_answer(&out_of_range)
            .unwrap_err()
            .to_string()
            .contains("attention")
    );
    let no_reasons = good.replace(r#"["specifics"]"#, "[]");
    assert!(
        model::parse_answer(&no_reasons)
            .unwrap_err()
            .to_string()
            .contains("interest")
    );
    assert!(model::parse_answer("Great ad! 9/10").is_err());
    let missing_stage = r#"{"attention":{"score":1,"reasons":["x"]}}"#;
    assert!(model::parse_answer(missing_stage).is_err());
}
