//! The JSON Schemas (draft 2020-12) of the two exports (SPEC §6): the organisation's and a
//! person's own. Each is generated from the Rust types the export serialises (their
//! `utoipa::ToSchema` derives), so the document and its schema cannot drift apart; the server
//! serves them at [`ORG_EXPORT_SCHEMA_PATH`] and [`USER_EXPORT_SCHEMA_PATH`], each export names
//! its schema in `$schema`, and `docs/schemas/` holds the same files for readers without an
//! instance (a test keeps them equal).

use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

/// Where the organisation export's schema is served.
pub const ORG_EXPORT_SCHEMA_PATH: &str = "/api/v1/schemas/organisation-export.json";
/// Where the own-data export's schema is served.
pub const USER_EXPORT_SCHEMA_PATH: &str = "/api/v1/schemas/user-export.json";

/// The JSON Schema meta-schema the documents follow.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// The organisation export's schema.
#[must_use]
pub fn organisation_export_schema() -> Value {
    document::<crate::orgs::data::OrganisationExport>(
        ORG_EXPORT_SCHEMA_PATH,
        "FlowSense organisation export",
        crate::orgs::data::ORG_EXPORT_FORMAT,
        crate::orgs::data::ORG_EXPORT_VERSION,
    )
}

/// The own-data export's schema.
#[must_use]
pub fn user_export_schema() -> Value {
    document::<crate::identity::own_data::Export>(
        USER_EXPORT_SCHEMA_PATH,
        "FlowSense personal data export",
        crate::identity::own_data::EXPORT_FORMAT,
        crate::identity::own_data::EXPORT_VERSION,
    )
}

/// `T`'s schema as a standalone document: the types it refers to under `$defs`, OpenAPI's
/// `#/components/schemas/` references pointed there, and `format` and `version` pinned to the
/// values this build writes (a reader can tell a document of another version apart).
fn document<T: ToSchema>(id: &str, title: &str, format: &str, version: u32) -> Value {
    let mut parts: Vec<(String, RefOr<Schema>)> = Vec::new();
    T::schemas(&mut parts);
    let mut defs = Map::new();
    for (name, schema) in parts {
        defs.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    let mut root = serde_json::to_value(T::schema()).unwrap_or(Value::Null);
    // The document's own fields: at the root, or beside a flattened part (`allOf`).
    let own = if root.get("properties").is_some() {
        Some(&mut root)
    } else {
        root.get_mut("allOf")
            .and_then(Value::as_array_mut)
            .and_then(|parts| parts.iter_mut().find(|p| p.get("properties").is_some()))
    };
    if let Some(props) = own
        .and_then(|o| o.get_mut("properties"))
        .and_then(Value::as_object_mut)
    {
        props.insert("format".into(), json!({"const": format}));
        props.insert("version".into(), json!({"const": version}));
    }
    let mut doc = Map::new();
    doc.insert("$schema".into(), Value::String(DRAFT_2020_12.into()));
    doc.insert("$id".into(), Value::String(id.into()));
    doc.insert("title".into(), Value::String(title.into()));
    if let Value::Object(fields) = root {
        doc.extend(fields);
    }
    doc.insert("$defs".into(), Value::Object(defs));
    let mut doc = Value::Object(doc);
    point_refs_at_defs(&mut doc);
    doc
}

fn point_refs_at_defs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(r) = value
                    && let Some(name) = r.strip_prefix("#/components/schemas/")
                {
                    *r = format!("#/$defs/{name}");
                } else {
                    point_refs_at_defs(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(point_refs_at_defs),
        _ => {}
    }
}
