//! `sqlx::migrate!` embeds the files of `migrations/` when this crate compiles; cargo rebuilds it
//! when one of them is added, changed or removed (sqlx's documented build script).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
