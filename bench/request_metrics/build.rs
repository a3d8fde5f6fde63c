//! The route templates of crates/web/src/routes.rs, for the stand-in `routes::route_table`.
use std::fmt::Write;

fn main() {
    let routes = concat!(env!("CARGO_MANIFEST_DIR"), "/../../crates/web/src/routes.rs");
    println!("cargo::rerun-if-changed={routes}");
    let text = std::fs::read_to_string(routes).expect("routes.rs");
    let mut paths: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("route!("))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    let mut out = String::from("pub fn route_table() -> Vec<Spec> {\n    vec![\n");
    for p in paths {
        let _ = writeln!(out, "        Spec {{ path: {p:?} }},");
    }
    out.push_str("    ]\n}\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("routes.rs");
    std::fs::write(dest, out).expect("write");
}
