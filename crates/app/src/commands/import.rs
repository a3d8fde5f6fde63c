//! `flowsense import --org SLUG FILE`: one file into one organisation, all or nothing.
//!
//! Rows are parsed and written in batches inside one database transaction. The first bad row
//! stops the import with its file, line and reason, and the transaction is dropped, so the
//! database is exactly as before — as it is after a kill at any point. Rows the organisation
//! already has (same stable reference) are skipped, so a re-import adds nothing.

use super::gen_books::documents_path;
use crate::cli::ImportArgs;
use crate::settings::Settings;
use anyhow::{Context, Result, anyhow, bail};
use flowsense_core::Currency;
use flowsense_import::{ColumnMap, DateFormat, ImportOptions, ImportedDoc, ImportedTxn, Importer};
use flowsense_storage::{ImportMeta, ImportTx, NewDocument, NewTransaction};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::time::Instant;

/// Rows per batch handed to storage (one multi-row statement group or one `COPY`).
const BATCH_ROWS: usize = 20_000;

pub async fn run(settings: &Settings, args: &ImportArgs) -> Result<()> {
    let started = Instant::now();
    let store = super::open_store(settings, false).await?;
    let org = store
        .org_by_slug_across_orgs(&args.org)
        .await
        .map_err(|_| anyhow!("no organisation with slug {:?}", args.org))?;
    let currency = org.settings.base_currency;
    let mut options = ImportOptions::new(currency)
        .with_source_name(args.file.display().to_string())
        .with_default_account(args.account.clone());
    if let Some(map) = &args.map {
        options.column_map = ColumnMap::parse(map).map_err(|e| anyhow!("--map: {e}"))?;
    }
    if let Some(format) = &args.date_format {
        options.date_format =
            Some(DateFormat::parse(format).map_err(|e| anyhow!("--date-format: {e}"))?);
    }

    let sha256 = file_sha256(&args.file)?;
    let is_documents = looks_like_documents_csv(&args.file)?;
    let meta = ImportMeta {
        file_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        format: if is_documents {
            "documents-csv".into()
        } else {
            "statement".into()
        },
        sha256,
        source: "file".into(),
        created_by: None,
        currency,
    };
    let mut import = store.begin_import(org.id, &meta).await?;
    let progress = progress_bar(&args.file, args.quiet)?;

    let mut documents_file = None;
    if is_documents {
        let docs = read_documents(&args.file, &options)?;
        add_documents(&mut import, &docs, currency, &options.source_name).await?;
    } else {
        add_statement(&mut import, &args.file, &options, currency, &progress).await?;
        let sibling = documents_path(&args.file);
        if sibling.exists() {
            let docs = read_documents(
                &sibling,
                &options
                    .clone()
                    .with_source_name(sibling.display().to_string()),
            )?;
            add_documents(&mut import, &docs, currency, &sibling.display().to_string()).await?;
            documents_file = Some(sibling);
        }
    }
    progress.set_message("committing");
    let summary = import.commit().await.context("committing the import")?;
    progress.finish_and_clear();
    store.close().await;

    let secs = started.elapsed().as_secs_f64();
    println!(
        "Imported {} into {}: {} rows read, {} added, {} already present{}; {} invoices and bills added or updated. {:.2} s ({:.0} rows/s)",
        args.file.display(),
        org.slug,
        summary.rows_read,
        summary.rows_added,
        summary.rows_read - summary.rows_added,
        documents_file
            .map(|d| format!(" (with {})", d.display()))
            .unwrap_or_default(),
        summary.documents_changed,
        secs,
        summary.rows_read as f64 / secs.max(1e-9),
    );
    Ok(())
}

async fn add_statement(
    import: &mut ImportTx,
    file: &Path,
    options: &ImportOptions,
    currency: Currency,
    progress: &ProgressBar,
) -> Result<()> {
    let mut rows = flowsense_import::open_path(file, options).map_err(|e| anyhow!("{e}"))?;
    let source = options.source_name.clone();
    // Parse on a blocking thread while the database writes the previous batch: two cores, two
    // stages. The channel holds one batch ahead, so memory stays bounded.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<(Vec<NewTransaction>, u64)>>(1);
    let parser = tokio::task::spawn_blocking(move || {
        loop {
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            for row in rows.by_ref().take(BATCH_ROWS) {
                let parsed = row
                    .map_err(|e| anyhow!("{e}"))
                    .and_then(|r| to_new_transaction(r, currency, &source));
                match parsed {
                    Ok(t) => batch.push(t),
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                }
            }
            if batch.is_empty() {
                return;
            }
            let position = match &rows {
                Importer::Csv(csv) => csv.bytes_read(),
                Importer::Ofx(_) => 0,
            };
            if tx.blocking_send(Ok((batch, position))).is_err() {
                return; // the writer gave up
            }
        }
    });
    while let Some(message) = rx.recv().await {
        let (batch, position) = message?;
        import.add_transactions(&batch).await?;
        progress.set_position(position);
        progress.set_message(format!("{} rows", import.rows_read()));
    }
    parser.await?;
    Ok(())
}

fn to_new_transaction(r: ImportedTxn, base: Currency, source: &str) -> Result<NewTransaction> {
    if r.currency != base {
        bail!(
            "{source}:{}: the amount is in {} but the organisation keeps its books in {}; convert the file first",
            r.line,
            r.currency,
            base
        );
    }
    Ok(NewTransaction {
        is_transfer: r
            .category
            .eq_ignore_ascii_case(flowsense_core::books::TRANSFER_CATEGORY),
        account: r.account,
        posted_on: r.date,
        amount_minor: r.amount_minor,
        currency: base.as_str().into(),
        original_amount_minor: r.amount_minor,
        original_currency: r.currency.as_str().into(),
        counterparty: r.counterparty,
        description: r.description,
        category: r.category,
        external_id: r.reference,
    })
}

fn read_documents(path: &Path, options: &ImportOptions) -> Result<Vec<ImportedDoc>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    flowsense_import::parse_documents_csv(file, options).map_err(|e| anyhow!("{e}"))
}

async fn add_documents(
    import: &mut ImportTx,
    docs: &[ImportedDoc],
    base: Currency,
    source: &str,
) -> Result<()> {
    let mut rows = Vec::with_capacity(docs.len());
    for d in docs {
        if d.currency != base {
            bail!(
                "{source}:{}: the amount is in {} but the organisation keeps its books in {}",
                d.line,
                d.currency,
                base
            );
        }
        rows.push(NewDocument {
            kind: d.kind,
            number: d.number.clone(),
            counterparty: d.counterparty.clone(),
            issue_date: d.issue_date,
            due_date: d.due_date,
            paid_date: d.paid_date,
            amount_minor: d.amount_minor,
            currency: base.as_str().into(),
            external_id: format!("{}:{}", d.kind.as_str(), d.number),
        });
    }
    for chunk in rows.chunks(BATCH_ROWS) {
        import.add_documents(chunk).await?;
    }
    Ok(())
}

/// Whether the file's header is the invoices-and-bills layout.
fn looks_like_documents_csv(path: &Path) -> Result<bool> {
    let mut head = vec![0u8; 512];
    let n = std::fs::File::open(path)
        .with_context(|| format!("cannot open {}", path.display()))?
        .read(&mut head)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let first_line = head[..n].split(|&b| b == b'\n').next().unwrap_or_default();
    let header: Vec<String> = String::from_utf8_lossy(first_line)
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    Ok(flowsense_core::books::DOC_CSV_HEADER
        .iter()
        .all(|c| header.iter().any(|h| h == c)))
}

fn file_sha256(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
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
