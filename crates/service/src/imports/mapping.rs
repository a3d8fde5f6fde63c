//! The column mapping a CSV statement is read with: the one given (`--map`, or the upload's
//! corrected preview), else the one saved for its account, else the file's header alone; and a
//! given mapping saved for the account with the import that used it.

use super::ImportFailure;
use flowsense_core::OrgId;
use flowsense_import::{ColumnMap, DateFormat, ErrorReason, ImportError, ImportOptions};
use flowsense_storage::{ImportTx, MappingPreset, NewMappingPreset, StorageError, Store, UserId};
use std::io::Read;
use std::path::Path;

/// How an import treats the mapping saved for its account (CSV statements only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SavedMapping {
    /// Read the file with it when the import gives no mapping of its own.
    #[default]
    Use,
    /// Leave it aside (`--no-preset`): the given mapping, or the header alone.
    Ignore,
    /// Save the given mapping (and date format) for the account, kept only if the import is.
    SaveGiven,
}

/// `date=Posted,amount=Amt`: a mapping as `--map` takes it and as it is saved.
#[must_use]
pub fn mapping_spec(map: &ColumnMap) -> String {
    map.entries()
        .map(|(field, column)| format!("{}={column}", field.name()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether the file is a CSV statement (and not OFX or QIF), from its first bytes.
pub(crate) fn is_csv(path: &Path, source_name: &str) -> Result<bool, ImportFailure> {
    let mut prefix = Vec::with_capacity(8 << 10);
    std::fs::File::open(path)
        .and_then(|f| f.take(8 << 10).read_to_end(&mut prefix))
        .map_err(|e| ImportFailure::Refused(super::io_error(source_name, &e)))?;
    Ok(flowsense_import::detect_format(&prefix) == flowsense_import::FileFormat::Csv)
}

/// For a CSV file, the mapping saved for the options' account applied to them (when they give
/// none); the preset used, if one was.
///
/// # Errors
/// An unreadable file, a database failure, a saved mapping that no longer parses.
pub(crate) async fn saved_mapping_for_csv(
    store: &Store,
    org: OrgId,
    path: &Path,
    options: &mut ImportOptions,
) -> Result<Option<MappingPreset>, ImportFailure> {
    if !is_csv(path, &options.source_name)? {
        return Ok(None);
    }
    Ok(apply_saved_mapping(store, org, options).await?)
}

/// The mapping saved for the options' account, applied to them when they give none; the
/// preset used, if one was.
///
/// # Errors
/// A database failure, or a saved mapping that no longer parses (written by hand).
pub(crate) async fn apply_saved_mapping(
    store: &Store,
    org: OrgId,
    options: &mut ImportOptions,
) -> Result<Option<MappingPreset>, StorageError> {
    if !options.column_map.is_empty() {
        return Ok(None);
    }
    let Some(preset) = store
        .mapping_preset_named(org, &options.default_account)
        .await?
    else {
        return Ok(None);
    };
    let corrupt = |e: String| StorageError::Corrupt(format!("saved column mapping: {e}"));
    options.column_map = ColumnMap::parse(&preset.column_map).map_err(corrupt)?;
    if options.date_format.is_none() {
        options.date_format = preset
            .date_format
            .as_deref()
            .map(DateFormat::parse)
            .transpose()
            .map_err(corrupt)?;
    }
    Ok(Some(preset))
}

/// A refusal of a file read with a saved mapping, worded for it: a mapped column missing from
/// the header means the bank changed its export, not that the user mistyped `--map`.
pub(crate) fn reworded_for_saved(mut e: ImportError) -> ImportError {
    if let ErrorReason::UnknownMappedColumn(column) = e.reason {
        e.reason = ErrorReason::SavedMappingColumn(column);
    }
    e
}

/// Saves the options' mapping for their account in the import's transaction; whether the
/// account exists (it does once any row went to it).
pub(crate) async fn save_given_mapping(
    import: &mut ImportTx,
    options: &ImportOptions,
    by: Option<UserId>,
) -> Result<bool, StorageError> {
    if options.column_map.is_empty() {
        return Ok(false);
    }
    let spec = mapping_spec(&options.column_map);
    import
        .save_mapping_preset(
            &options.default_account,
            &NewMappingPreset {
                column_map: &spec,
                date_format: options.date_format.map(DateFormat::label),
                updated_by: by,
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_reads_back_as_given() {
        let map = ColumnMap::parse("date=Posted Date, amount=Amt, payee=Who").unwrap();
        let spec = mapping_spec(&map);
        assert_eq!(spec, "date=Posted Date,amount=Amt,counterparty=Who");
        assert_eq!(ColumnMap::parse(&spec).unwrap(), map);
        assert_eq!(mapping_spec(&ColumnMap::default()), "");
    }
}
