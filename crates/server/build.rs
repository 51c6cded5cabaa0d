//! Rebuilds idv-server when a migration is added or changed: `sqlx::migrate!`
//! embeds the files under `migrations/` at build time, and cargo cannot see that
//! dependency on its own.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
