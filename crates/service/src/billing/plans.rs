//! Plans and their limits, from configuration (`FLOWSENSE_BILLING_PLANS`, a JSON file; these
//! defaults otherwise). A limit of `None` is no limit.

use serde::Deserialize;

/// What a plan allows an organisation. `None`: no limit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanLimits {
    /// Active accounting connections.
    pub connections: Option<u32>,
    /// Members, open invitations included.
    pub members: Option<u32>,
    /// AI tokens (in and out) a calendar month; the instance's allowance applies as well.
    pub ai_tokens_per_month: Option<u64>,
    /// Months of transactions shown (older ones are kept, not shown).
    pub history_months: Option<u32>,
}

/// One plan.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// `free`, `team`, …: what the organisation's billing record names.
    pub key: String,
    pub name: String,
    /// The Stripe price a subscription to it has (`price_…`); none for the free plan.
    #[serde(default)]
    pub stripe_price: Option<String>,
    /// Its price a month in minor units, as the billing page shows it (Stripe charges the
    /// price's own amount).
    #[serde(default)]
    pub monthly_price_minor: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    pub limits: PlanLimits,
}

impl Plan {
    /// No limits: every organisation's plan with billing off.
    #[must_use]
    pub fn unlimited() -> Self {
        Self {
            key: "unlimited".into(),
            name: "Self-hosted".into(),
            stripe_price: None,
            monthly_price_minor: None,
            currency: None,
            limits: PlanLimits {
                connections: None,
                members: None,
                ai_tokens_per_month: None,
                history_months: None,
            },
        }
    }

    /// `49.00 USD`, for the billing page.
    #[must_use]
    pub fn price_text(&self) -> Option<String> {
        let minor = self.monthly_price_minor?;
        let currency = self.currency.as_deref().unwrap_or("").to_ascii_uppercase();
        Some(format!(
            "{}.{:02} {currency}",
            minor / 100,
            (minor % 100).abs()
        ))
    }
}

/// The free plan (no subscription) and the paid ones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plans {
    pub free: Plan,
    pub paid: Vec<Plan>,
}

/// The Stripe price of the default paid plan, unless `STRIPE_PRICE_TEAM` says.
pub const DEFAULT_TEAM_PRICE: &str = "price_flowsense_team_monthly";

impl Default for Plans {
    fn default() -> Self {
        Self::with_team_price(DEFAULT_TEAM_PRICE)
    }
}

impl Plans {
    /// The default plans, the paid one sold at Stripe price `price`: Free (1 connection, 3
    /// members, 100,000 AI tokens a month, 12 months of history) and Team (5 connections, 25
    /// members, 2,000,000 tokens, all history) at 49.00 USD a month.
    #[must_use]
    pub fn with_team_price(price: &str) -> Self {
        Self {
            free: Plan {
                key: "free".into(),
                name: "Free".into(),
                stripe_price: None,
                monthly_price_minor: None,
                currency: None,
                limits: PlanLimits {
                    connections: Some(1),
                    members: Some(3),
                    ai_tokens_per_month: Some(100_000),
                    history_months: Some(12),
                },
            },
            paid: vec![Plan {
                key: "team".into(),
                name: "Team".into(),
                stripe_price: Some(price.to_owned()),
                monthly_price_minor: Some(4900),
                currency: Some("usd".into()),
                limits: PlanLimits {
                    connections: Some(5),
                    members: Some(25),
                    ai_tokens_per_month: Some(2_000_000),
                    history_months: None,
                },
            }],
        }
    }

    /// Reads plans from JSON (`{"free": {…}, "paid": [{…}]}`), refusing unknown fields, a
    /// paid plan without a Stripe price, and keys used twice.
    ///
    /// # Errors
    /// What is wrong, in words.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let plans: Plans = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut keys = vec![plans.free.key.as_str()];
        for p in &plans.paid {
            if p.stripe_price.as_deref().is_none_or(str::is_empty) {
                return Err(format!("paid plan {:?} has no stripe_price", p.key));
            }
            if keys.contains(&p.key.as_str()) {
                return Err(format!("plan key {:?} is used twice", p.key));
            }
            keys.push(&p.key);
        }
        Ok(plans)
    }

    /// The plan named `key`, free or paid.
    #[must_use]
    pub fn by_key(&self, key: &str) -> Option<&Plan> {
        std::iter::once(&self.free)
            .chain(&self.paid)
            .find(|p| p.key == key)
    }

    /// The paid plan sold at Stripe price `price`.
    #[must_use]
    pub fn by_price(&self, price: &str) -> Option<&Plan> {
        self.paid
            .iter()
            .find(|p| p.stripe_price.as_deref() == Some(price))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_from_json_refuse_unknown_fields_and_unpriced_paid_plans() {
        let good = r#"{"free":{"key":"free","name":"Free","limits":{"connections":1,"members":2,"ai_tokens_per_month":10,"history_months":3}},
            "paid":[{"key":"pro","name":"Pro","stripe_price":"price_1","monthly_price_minor":1000,"currency":"eur","limits":{"connections":null,"members":10,"ai_tokens_per_month":null,"history_months":null}}]}"#;
        let plans = Plans::from_json(good).unwrap();
        assert_eq!(plans.by_price("price_1").unwrap().key, "pro");
        assert_eq!(plans.by_key("free").unwrap().limits.members, Some(2));
        assert_eq!(plans.paid[0].price_text().as_deref(), Some("10.00 EUR"));
        assert!(
            Plans::from_json(&good.replace("\"members\":2", "\"members\":2,\"seats\":1")).is_err()
        );
        assert!(Plans::from_json(&good.replace("\"stripe_price\":\"price_1\",", "")).is_err());
        assert!(Plans::from_json(&good.replace("\"key\":\"pro\"", "\"key\":\"free\"")).is_err());
    }
}
