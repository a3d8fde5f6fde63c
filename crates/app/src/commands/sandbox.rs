//! `flowsense sandbox`: the faithful fakes of the outside services on loopback (QuickBooks
//! Online, Xero with two organisations so the choice of organisation shows, one of them with a
//! euro bank account beside its dollar ones, Anthropic's
//! Messages API, and Stripe Billing delivering its signed webhooks to `serve`), serving generated
//! books, with the environment that points `serve` and `demo`
//! at them. A person can then press Connect, approve on the fake's consent page and watch the
//! books sync, offline and with no keys.

use crate::cli::SandboxArgs;
use anyhow::{Context, Result, bail};
use flowsense_core::clock::SystemClock;
use flowsense_fakes::{
    AnthropicFake, AnthropicFakeConfig, FakeConfig, QuickBooksFake, StripeFake, StripeFakeConfig,
    XeroFake, XeroFakeConfig,
};
use flowsense_synth::{GenConfig, Profile, generate, parse_currencies, spread_currencies};
use std::fmt::Write as _;
use std::sync::Arc;

/// Where FlowSense is reached when neither `--public-url` nor `FLOWSENSE_PUBLIC_URL` says.
const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// The organisations the fake Xero login reaches, with the kind of books each keeps and the
/// currencies it trades in (the first its base; each other has a bank account of its own).
const XERO_ORGANISATIONS: [(&str, Profile, &str); 2] = [
    ("Demo Trading Ltd", Profile::CoffeeRoaster, "USD,EUR"),
    ("Demo Services Ltd", Profile::DentalPractice, "USD"),
];

/// `configured_public_url` is `FLOWSENSE_PUBLIC_URL` (or the settings file's), when set.
pub async fn run(args: &SandboxArgs, configured_public_url: Option<String>) -> Result<()> {
    let public_url = args
        .public_url
        .clone()
        .or(configured_public_url)
        .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned());
    let public_url = public_url.trim_end_matches('/').to_owned();
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        bail!("--public-url must be an http:// or https:// URL");
    }
    if args.transactions == 0 {
        bail!("--transactions must be at least 1");
    }
    let books =
        generate(&GenConfig::new(args.seed, args.transactions)).context("--transactions")?;
    let clock = Arc::new(SystemClock);

    let qb_config = FakeConfig {
        redirect_uris: vec![format!("{public_url}/oauth/quickbooks/callback")],
        ..FakeConfig::default()
    };
    let quickbooks = QuickBooksFake::start(&books, qb_config.clone(), clock.clone())
        .await
        .context("starting the QuickBooks fake on loopback")?;

    let mut xero_books = Vec::new();
    for (i, (name, profile, currencies)) in XERO_ORGANISATIONS.iter().enumerate() {
        let config = GenConfig {
            seed: args.seed.wrapping_add(1 + i as u64),
            transactions: args.transactions,
            business_name: (*name).to_owned(),
            profile: *profile,
            ..GenConfig::default()
        };
        let mut books = generate(&config).context("--transactions")?;
        if currencies.contains(',') {
            let currencies = parse_currencies(currencies).context("sandbox currencies")?;
            spread_currencies(&mut books, &currencies);
        }
        xero_books.push(books);
    }
    let xero_config = XeroFakeConfig {
        redirect_uris: vec![format!("{public_url}/oauth/xero/callback")],
        ..XeroFakeConfig::default()
    };
    let xero = XeroFake::start(&xero_books, xero_config.clone(), clock.clone())
        .await
        .context("starting the Xero fake on loopback")?;
    // The key the fake's webhook deliveries are signed with (`XeroFake::deliver_webhook`).
    let mut key = [0u8; 24];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    let xero_webhook_key = hex::encode(key);

    let vars = [
        ("FLOWSENSE_PUBLIC_URL", public_url.clone()),
        ("QUICKBOOKS_CLIENT_ID", qb_config.client_id.clone()),
        ("QUICKBOOKS_CLIENT_SECRET", qb_config.client_secret.clone()),
        ("QUICKBOOKS_BASE_URL", quickbooks.base_url()),
        ("QUICKBOOKS_SANDBOX", "true".to_owned()),
        ("XERO_CLIENT_ID", xero_config.client_id.clone()),
        ("XERO_CLIENT_SECRET", xero_config.client_secret.clone()),
        ("XERO_BASE_URL", xero.origin()),
        ("XERO_SANDBOX", "true".to_owned()),
        ("XERO_WEBHOOK_KEY", xero_webhook_key),
    ];
    let (anthropic, ai_vars) = start_anthropic().await?;
    let (stripe, stripe_vars) = start_stripe(&public_url, clock).await?;
    let vars: Vec<(&str, String)> = vars.into_iter().chain(ai_vars).chain(stripe_vars).collect();
    let env: String = vars.iter().fold(String::new(), |mut out, (k, v)| {
        let _ = writeln!(out, "{k}={v}");
        out
    });
    if let Some(path) = &args.env_file {
        std::fs::write(path, &env).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!(
        "# FlowSense sandbox running at {}: fake QuickBooks Online ({} transactions, realm {}).",
        quickbooks.base_url(),
        books.transactions.len(),
        qb_config.realm_id
    );
    println!(
        "# Fake Xero at {}: one login reaching {} ({} transactions each, about).",
        xero.origin(),
        XERO_ORGANISATIONS
            .iter()
            .map(|(name, _, currencies)| format!("{name} ({currencies})"))
            .collect::<Vec<_>>()
            .join(" and "),
        args.transactions
    );
    println!(
        "# Keep this running. In another terminal, export these and start `flowsense serve` or `flowsense demo`:"
    );
    for (k, v) in &vars {
        println!("export {k}={v}");
    }
    println!("# Stop with Ctrl-C.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    drop(quickbooks);
    drop(anthropic);
    drop(stripe);
    drop(xero);
    Ok(())
}

/// The Anthropic Messages fake (its deterministic model calls the assistant's tools), and the
/// variables that point `serve` at it.
async fn start_anthropic() -> Result<(AnthropicFake, [(&'static str, String); 4])> {
    let fake = AnthropicFake::start(AnthropicFakeConfig::default())
        .await
        .context("starting the Anthropic fake on loopback")?;
    println!("# Fake Anthropic Messages API at {}.", fake.base_url());
    let vars = [
        ("FLOWSENSE_AI_PROVIDER", "anthropic".to_owned()),
        ("ANTHROPIC_API_KEY", fake.config().api_key.clone()),
        ("FLOWSENSE_AI_BASE_URL", fake.base_url()),
        ("FLOWSENSE_AI_SANDBOX", "true".to_owned()),
    ];
    Ok((fake, vars))
}

/// The Stripe fake (Checkout, the portal, subscriptions, signed webhooks to the app's
/// `/webhooks/stripe` under `public_url`), and the variables that turn billing on against it.
async fn start_stripe(
    public_url: &str,
    clock: Arc<SystemClock>,
) -> Result<(StripeFake, [(&'static str, String); 5])> {
    let config = StripeFakeConfig::default();
    let fake = StripeFake::start(config.clone(), clock)
        .await
        .context("starting the Stripe fake on loopback")?;
    fake.set_webhook_url(&format!("{public_url}/webhooks/stripe"));
    println!(
        "# Fake Stripe at {}: Checkout always succeeds; events are signed and sent to {public_url}/webhooks/stripe.",
        fake.origin()
    );
    let vars = [
        ("STRIPE_SECRET_KEY", config.secret_key.clone()),
        ("STRIPE_WEBHOOK_SECRET", config.webhook_secrets.join(",")),
        ("STRIPE_BASE_URL", fake.origin()),
        ("STRIPE_SANDBOX", "true".to_owned()),
        (
            "STRIPE_PRICE_TEAM",
            flowsense_fakes::stripe::TEAM_PRICE.to_owned(),
        ),
    ];
    Ok((fake, vars))
}
