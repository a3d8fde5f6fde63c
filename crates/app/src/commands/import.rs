//! `flowsense import --org SLUG FILE`: one file into one organisation, all or nothing, through
//! the same import service as uploads (`flowsense_service::imports`). A statement's
//! invoices-and-bills sibling (`books.documents.csv`, as `flowsense gen` writes it) comes along
//! in the same transaction.

use super::gen_books::documents_path;
use crate::cli::ImportArgs;
use crate::settings::Settings;
use anyhow::{Context as _, Result, anyhow};
use flowsense_import::{ColumnMap, DateFormat, ImportOptions};
use flowsense_service::imports::{
    FileImport, ImportFailure, ImportPreview, ImportProgress, SavedMapping, file_sha256,
    format_wide_minor, import_file, preview_file,
};
use flowsense_storage::search_index::INLINE_ROWS;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::Path;
use std::time::Instant;

/// The progress bar on stderr.
struct Bar(ProgressBar);

impl ImportProgress for Bar {
    fn checking(&self, bytes: u64, rows: u64) {
        self.0.set_position(bytes);
        self.0.set_message(format!("checking: {rows} rows"));
    }

    fn read(&self, bytes: u64, rows: u64) {
        self.0.set_position(bytes);
        self.0.set_message(format!("{rows} rows"));
    }

    fn committing(&self) {
        self.0.set_message("committing");
    }
}

pub async fn run(settings: &Settings, args: &ImportArgs) -> Result<()> {
    let started = Instant::now();
    let store = super::open_store(settings, false).await?;
    let org = store
        .org_by_slug_across_orgs(&args.org)
        .await
        .map_err(|_| anyhow!("no organisation with slug {:?}", args.org))?;
    let mut options =
        ImportOptions::new(org.settings.base_currency).with_default_account(args.account.clone());
    let saved_mapping = if let Some(map) = &args.map {
        options.column_map = ColumnMap::parse(map).map_err(|e| anyhow!("--map: {e}"))?;
        SavedMapping::SaveGiven
    } else if args.no_preset {
        SavedMapping::Ignore
    } else {
        SavedMapping::Use
    };
    if let Some(format) = &args.date_format {
        options.date_format =
            Some(DateFormat::parse(format).map_err(|e| anyhow!("--date-format: {e}"))?);
    }
    let source_name = args.file.display().to_string();
    if args.dry_run {
        let preview = preview_file(
            &store,
            &org,
            &args.file,
            &options.with_source_name(source_name),
        )
        .await
        .map_err(refusal)?;
        store.close().await;
        print_preview(&args.file, &org.slug, &preview);
        return Ok(());
    }
    let sha256 = file_sha256(&args.file).with_context(|| format!("cannot read {source_name}"))?;
    let sibling = documents_path(&args.file);
    let documents = sibling.exists().then_some(sibling);
    let progress = Bar(progress_bar(&args.file, args.quiet)?);
    let file = FileImport {
        path: &args.file,
        source_name,
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
        options,
        saved_mapping,
        documents: documents.clone(),
        created_by: None,
        check_first: false,
        narrate: settings.ai.build()?.is_some(),
    };
    let done = import_file(&store, &org, file, &progress)
        .await
        .map_err(refusal)?;
    progress.0.finish_and_clear();
    store.close().await;

    if let Some(account) = &done.mapping_used_of {
        println!(
            "Using the mapping saved for account {account} (--no-preset reads the header alone)."
        );
    }
    let summary = done.summary;
    let secs = started.elapsed().as_secs_f64();
    #[expect(
        clippy::cast_precision_loss,
        reason = "a displayed rate; row counts stay far below 2^52"
    )]
    let rows_per_second = summary.rows_read as f64 / secs.max(1e-9);
    println!(
        "Imported {} into {}: {} rows read, {} added, {} already present{}; {} invoices and bills added or updated. {:.2} s ({:.0} rows/s)",
        args.file.display(),
        org.slug,
        summary.rows_read,
        summary.rows_added,
        summary.rows_read - summary.rows_added,
        documents
            .filter(|_| done.format == "statement")
            .map(|d| format!(" (with {})", d.display()))
            .unwrap_or_default(),
        summary.documents_changed,
        secs,
        rows_per_second,
    );
    for line in done.notes.lines() {
        println!("  {line}");
    }
    if let Some(account) = &done.mapping_saved_for {
        println!("Saved this mapping for account {account}: its later CSV files use it.");
    }
    if i64::try_from(summary.rows_added).unwrap_or(i64::MAX) > INLINE_ROWS {
        println!(
            "Word search finds the new rows once the search index has taken them in: a background job, which `flowsense serve` or `flowsense worker` runs as soon as one is running."
        );
    }
    Ok(())
}

/// A refused file as one line naming the file, the line and the reason.
fn refusal(e: ImportFailure) -> anyhow::Error {
    match e {
        ImportFailure::Refused(e) => anyhow!("{e}"),
        other => anyhow::Error::new(other),
    }
}

fn print_preview(file: &Path, org: &str, preview: &ImportPreview) {
    println!(
        "Dry run of {} for {org}: nothing was written.",
        file.display()
    );
    for line in preview.notes.lines() {
        println!("  {line}");
    }
    println!("  Transactions: {}", preview.rows);
    for (currency, total) in &preview.totals {
        println!(
            "  {currency}: {} rows, {} in, {} out, {} net",
            total.rows,
            format_wide_minor(total.money_in, *currency),
            format_wide_minor(total.money_out, *currency),
            format_wide_minor(total.money_in + total.money_out, *currency),
        );
    }
}

fn progress_bar(file: &Path, quiet: bool) -> Result<ProgressBar> {
    let len = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::with_draw_target(
        Some(len),
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .map_err(|e| anyhow!("progress template: {e}"))?,
    );
    Ok(bar)
}
