//! What a turn cost, from a per-model price table in config.

use omnify_core::Usage;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    pub input_per_million: f64,
    pub output_per_million: f64,
}

#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    prices: HashMap<String, ModelPrice>,
}

impl PriceTable {
    pub fn new(prices: HashMap<String, ModelPrice>) -> Self {
        Self { prices }
    }

    /// Providers answer with dated ids ("gpt-4o-mini-2024-07-18"), so the longest
    /// configured prefix of the id sets the price. Unknown models cost 0 and are logged.
    pub fn cost(&self, model: &str, usage: Usage) -> f64 {
        let price = self
            .prices
            .iter()
            .filter(|(name, _)| model.starts_with(name.as_str()))
            .max_by_key(|(name, _)| name.len())
            .map(|(_, p)| *p);
        match price {
            Some(p) => {
                (usage.prompt_tokens as f64 * p.input_per_million
                    + usage.completion_tokens as f64 * p.output_per_million)
                    / 1_000_000.0
            }
            None => {
                tracing::debug!(model, "no price configured for model; cost recorded as 0");
                0.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_matching_prefix_sets_the_price() {
        let table = PriceTable::new(HashMap::from([
            (
                "gpt-4o".to_string(),
                ModelPrice {
                    input_per_million: 2.5,
                    output_per_million: 10.0,
                },
            ),
            (
                "gpt-4o-mini".to_string(),
                ModelPrice {
                    input_per_million: 0.15,
                    output_per_million: 0.6,
                },
            ),
        ]));
        let usage = Usage {
            prompt_tokens: 1_000_000,
            completion_tokens: 500_000,
        };
        assert!((table.cost("gpt-4o-mini-2024-07-18", usage) - 0.45).abs() < 1e-9);
        assert!((table.cost("gpt-4o-2024-08-06", usage) - 7.5).abs() < 1e-9);
        assert_eq!(table.cost("offline", usage), 0.0);
    }
}
