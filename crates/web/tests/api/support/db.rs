//! The server's database for a test, from `flowsense-test-support`: a temp SQLite file, or a new
//! PostgreSQL database, dropped with the [`TestApp`](super::TestApp).

use flowsense_storage::Store;

pub use flowsense_test_support::{Backend as Db, postgres_url};

/// Keeps a test database alive; dropping it removes the database.
pub struct TestDb {
    /// The database's URL, for a raw look at what the server wrote.
    pub url: String,
    database: flowsense_test_support::TestDb,
}

impl TestDb {
    /// A fresh database on `db`, and the store the server is given.
    pub(crate) async fn new(db: Db) -> (TestDb, Store) {
        let database = flowsense_test_support::TestDb::new(db).await;
        let store = database.store.clone();
        let url = database.url.clone();
        (TestDb { url, database }, store)
    }

    /// Runs `statement` around the server's store, as someone holding the database would.
    pub async fn execute_raw(&self, statement: &str) -> u64 {
        self.database.execute_raw(statement).await
    }
}
