//! `flowsense report KIND`: one analytics report over an organisation's books or a CSV file.

use crate::cli::{OutputFormat, PeriodArg, ReportArgs};
use crate::settings::Settings;
use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use flowsense_core::Currency;
use flowsense_core::analytics::{
    Period, ReportKind, ReportOptions, run_report, to_csv, to_json, to_table,
};
use std::io::Write;

pub async fn run(
    args: &ReportArgs,
    load_settings: impl FnOnce() -> Result<Settings>,
) -> Result<()> {
    let kind: ReportKind = args.kind.parse().map_err(|_| {
        anyhow!(
            "unknown report {:?} (expected cashflow, forecast, runway, anomalies, recurring or aging)",
            args.kind
        )
    })?;
    let options = ReportOptions {
        as_of: parse_day("--as-of", args.as_of.as_deref())?,
        from: parse_day("--from", args.from.as_deref())?,
        to: parse_day("--to", args.to.as_deref())?,
        period: match args.period {
            PeriodArg::Day => Period::Day,
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
        },
    };
    let report = if let Some(input) = &args.input {
        let currency = Currency::parse(&args.currency).context("--currency")?;
        let path = input.clone();
        tokio::task::spawn_blocking(move || {
            if kind == ReportKind::Cashflow {
                // Summed as the file is read: the transactions are never held.
                flowsense_import::cashflow_report_csv(&path, currency, &options)
            } else {
                flowsense_import::read_books_csv(&path, currency)
                    .map(|books| run_report(&books, kind, &options))
            }
        })
        .await?
        .map_err(|e| anyhow!("{e}"))?
    } else {
        let slug = args
            .org
            .as_deref()
            .context("--org or --input is required")?;
        let store = super::open_store(&load_settings()?, false).await?;
        let org = store
            .org_by_slug_across_orgs(slug)
            .await
            .map_err(|_| anyhow!("no organisation with slug {slug:?}"))?;
        let books = store.load_books(org.id).await?;
        store.close().await;
        run_report(&books, kind, &options)
    };
    let text = match args.format {
        OutputFormat::Table => to_table(&report),
        OutputFormat::Json => to_json(&report),
        OutputFormat::Csv => to_csv(&report),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn parse_day(flag: &str, value: Option<&str>) -> Result<Option<NaiveDate>> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| anyhow!("{flag} {v:?} is not a date (expected YYYY-MM-DD)"))
        })
        .transpose()
}
