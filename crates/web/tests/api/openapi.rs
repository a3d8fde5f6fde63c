//! `GET /api/v1/openapi.json` against the router: every `/api/v1` route of the route table is
//! in the document and it names no other, each operation carries the table's access, step-up
//! and path parameters, and every schema it refers to is defined. (That the document is valid
//! OpenAPI 3.1 and that the API keeps to it is the API fuzz test, `crates/app/tests/api_fuzz/`.)

use axum::http::Method;
use flowsense_web::openapi::{API_PREFIX, document_json};
use flowsense_web::routes::{Access, route_table};
use std::collections::BTreeSet;

fn access_name(access: Access) -> &'static str {
    match access {
        Access::Public => "public",
        Access::Signed => "signed",
        Access::User => "user",
        Access::Viewer => "viewer",
        Access::Member => "member",
        Access::Admin => "admin",
    }
}

fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn table_routes() -> BTreeSet<(String, String)> {
    route_table()
        .into_iter()
        .filter(|s| s.path.starts_with(API_PREFIX))
        .map(|s| (s.method.to_string(), s.path.to_owned()))
        .collect()
}

fn documented(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Every `/api/v1` route of the router is in the document, and the document names no
/// route the router does not have.
#[test]
fn the_document_names_exactly_the_routers_api_routes() {
    let doc: serde_json::Value = serde_json::from_str(document_json(false)).unwrap();
    let table = table_routes();
    let documented = documented(&doc);
    let missing: Vec<_> = table.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the document: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "documented routes the router lacks: {extra:?}"
    );
    assert!(table.len() > 70, "{}", table.len());
    assert_eq!(doc["openapi"], "3.1.0");
}

/// The route table's access, step-up and path parameters reach every operation.
#[test]
fn every_operation_says_who_may_call_it() {
    let doc: serde_json::Value = serde_json::from_str(document_json(true)).unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["name"],
        "__Host-flowsense_session"
    );
    for spec in route_table()
        .into_iter()
        .filter(|s| s.path.starts_with(API_PREFIX))
    {
        let op = &doc["paths"][spec.path][spec.method.as_str().to_lowercase()];
        let at = format!("{} {}", spec.method, spec.path);
        assert_eq!(op["x-flowsense-access"], access_name(spec.access), "{at}");
        assert_eq!(op["x-flowsense-step-up"], spec.step_up, "{at}");
        assert_eq!(
            op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{at}"
        );
        let security = op["security"].as_array().expect("security");
        let schemes: Vec<&str> = security
            .iter()
            .flat_map(|r| r.as_object().unwrap().keys().map(String::as_str))
            .collect();
        match spec.access {
            Access::Public => assert!(schemes.is_empty(), "{at}"),
            _ if spec.step_up && spec.method == Method::GET => {
                assert_eq!(schemes, ["session"], "{at}");
            }
            _ if spec.step_up => assert_eq!(schemes, ["csrf", "session"], "{at}"),
            _ if spec.method == Method::GET => {
                assert_eq!(schemes, ["bearer", "session"], "{at}");
            }
            _ => assert_eq!(schemes, ["bearer", "csrf", "session"], "{at}"),
        }
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let expected = path_parameters(spec.path);
        assert_eq!(params, expected, "{at}");
    }
}

/// Every schema a document refers to is in it.
#[test]
fn every_reference_resolves() {
    let text = document_json(false);
    let doc: serde_json::Value = serde_json::from_str(text).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(
            schemas.contains_key(name),
            "{name} is referred to but not defined"
        );
    }
}
