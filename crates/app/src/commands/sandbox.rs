//! `flowsense sandbox`: the faithful fakes of the outside services (QuickBooks Online, Xero) on
//! loopback, serving generated books, with the environment that points `serve` and `demo` at
//! them. A person can then press Connect, approve on the fake's consent page and watch the
//! books sync, offline and with no keys.

use crate::cli::SandboxArgs;
use anyhow::{Context, Result, bail};
use flowsense_core::clock::SystemClock;
use flowsense_core::Currency;
use flowsense_fakes::{FakeConfig, QuickBooksFake, XeroFake, XeroFakeConfig};
use flowsense_synth::{GenConfig, Profile, generate};
use std::fmt::Write as _;
use std::sync::Arc;

/// Where FlowSense is reached when neither `--public-url` nor `FLOWSENSE_PUBLIC_URL` says.
const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

pub async fn run(args: &SandboxArgs) -> Result<()> {
    let public_url = args
        .public_url
        .clone()
        .or_else(|| std::env::var("FLOWSENSE_PUBLIC_URL").ok())
        .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned());
    let public_url = public_url.trim_end_matches('/').to_owned();
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        bail!("--public-url must be an http:// or https:// URL");
    }
    if args.transactions == 0 {
        bail!("--transactions must be at least 1");
    }
    let books = generate(&GenConfig::new(args.seed, args.transactions)).context("--transactions")?;
    // Xero: one login that holds two organisations, so connecting asks which one.
    let xero_books = [
        generate(&GenConfig::new(args.seed.wrapping_add(1), args.transactions))
            .context("--transactions")?,
        generate(&GenConfig {
            currency: Currency::GBP,
            profile: Profile::DentalPractice,
            business_name: Profile::DentalPractice.default_business_name().to_owned(),
            ..GenConfig::new(args.seed.wrapping_add(2), args.transactions.min(2_000))
        })
        .context("--transactions")?,
    ];
    let clock = Arc::new(SystemClock);

    let qb_config = FakeConfig {
        redirect_uris: vec![format!("{public_url}/oauth/quickbooks/callback")],
        ..FakeConfig::default()
    };
    let quickbooks = QuickBooksFake::start(&books, qb_config.clone(), clock.clone())
        .await
        .context("starting the QuickBooks fake on loopback")?;

    let xero_config = XeroFakeConfig {
        redirect_uris: vec![format!("{public_url}/oauth/xero/callback")],
        ..XeroFakeConfig::default()
    };
    let xero = XeroFake::start(&xero_books, xero_config.clone(), clock.clone())
        .await
        .context("starting the Xero fake on loopback")?;

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
    ];
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
        "# Fake Xero at {}: one login holding {} ({} transactions) and {} ({}).",
        xero.origin(),
        xero_books[0].business_name,
        xero_books[0].transactions.len(),
        xero_books[1].business_name,
        xero_books[1].transactions.len(),
    );
    println!("# Keep this running. In another terminal, export these and start `flowsense serve` or `flowsense demo`:");
    for (k, v) in &vars {
        println!("export {k}={v}");
    }
    println!("# Stop with Ctrl-C.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    drop((quickbooks, xero));
    Ok(())
}
