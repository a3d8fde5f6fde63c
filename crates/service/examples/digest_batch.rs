//! The weekly digest batch for many organisations, timed per stage: generating their books
//! (setup, not part of a real run), computing the analysis the digest reads, and composing,
//! rendering (text and HTML templates, the PNG chart) and writing each digest to an outbox.
//! One organisation's books are held at a time, as a job worker would.
//!
//! `cargo run --release -p flowsense-service --example digest_batch -- [ORGS] [TXNS] [OUTBOX]`
//! (defaults: 1000 organisations of 2000 transactions, a temporary outbox).

use flowsense_core::{OrgId, UserId};
use flowsense_mail::FileMailer;
use flowsense_service::analysis::Analysis;
use flowsense_service::digest::{compose_digest, digest_links, render_digest};
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let orgs: u64 = args.next().map_or(Ok(1000), |a| a.parse())?;
    let txns: usize = args.next().map_or(Ok(2000), |a| a.parse())?;
    let temp = tempfile::tempdir()?;
    let outbox_dir = args
        .next()
        .map_or_else(|| temp.path().to_path_buf(), Into::into);
    let outbox = FileMailer::new(&outbox_dir, "FlowSense <digest@flowsense.example>")?;
    let key = [9u8; 32];
    let (mut generate, mut analyse, mut digest) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut bytes = 0usize;
    let total = Instant::now();
    for seed in 0..orgs {
        let started = Instant::now();
        let mut config = flowsense_synth::GenConfig::new(seed, txns);
        config.months = Some(15);
        let books = flowsense_synth::to_books(&flowsense_synth::generate(&config)?);
        generate += started.elapsed();

        let started = Instant::now();
        let analysis = Analysis::new(books);
        analysis.compute_all();
        analyse += started.elapsed();

        let started = Instant::now();
        let org = OrgId::new();
        let composed = compose_digest(
            &analysis,
            org,
            &format!("organisation-{seed}"),
            &format!("Organisation {seed}"),
        );
        let links = digest_links("https://cash.example.com", &key, UserId::new(), org);
        let email = render_digest(&composed, "member@example.com", &links)?;
        bytes += email.body.len() + email.html.as_ref().map_or(0, String::len);
        outbox.write(&email)?;
        digest += started.elapsed();
    }
    let written = std::fs::read_dir(&outbox_dir)?.count();
    println!("organisations: {orgs} of ~{txns} transactions; messages in the outbox: {written}");
    println!("generate books (setup): {:.3} s", generate.as_secs_f64());
    println!(
        "analysis (reports the digest reads): {:.3} s",
        analyse.as_secs_f64()
    );
    #[expect(
        clippy::cast_precision_loss,
        reason = "a displayed mean over a few thousand organisations"
    )]
    let each_ms = digest.as_secs_f64() * 1000.0 / orgs.max(1) as f64;
    println!(
        "compose + render + write digests: {:.3} s ({:.2} ms each; {} KB of text and HTML)",
        digest.as_secs_f64(),
        each_ms,
        bytes / 1024
    );
    println!("total: {:.3} s", total.elapsed().as_secs_f64());
    Ok(())
}
