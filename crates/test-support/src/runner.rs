//! How [`on_both_backends!`](crate::on_both_backends) hands a test body what it asks for: the
//! body's parameter type picks one of the impls below (the marker type keeps them apart).

use crate::{Backend, TestDb};
use flowsense_storage::Store;

/// A test body that can run on a backend. Implemented for async functions taking `&TestDb`,
/// `&Store` or [`Backend`]; the marker is inferred.
pub trait BackendTest<Marker> {
    /// Prepares what the body takes on `backend`, runs it, then drops the database.
    fn run(self, backend: Backend) -> impl Future<Output = ()>;
}

/// Marks a body taking `&TestDb`.
pub struct GivenDatabase;
/// Marks a body taking `&Store`.
pub struct GivenStore;
/// Marks a body taking [`Backend`] and making its own database.
pub struct GivenBackend;

impl<Body> BackendTest<GivenDatabase> for Body
where
    Body: AsyncFnOnce(&TestDb),
{
    async fn run(self, backend: Backend) {
        let db = TestDb::new(backend).await;
        self(&db).await;
    }
}

impl<Body> BackendTest<GivenStore> for Body
where
    Body: AsyncFnOnce(&Store),
{
    async fn run(self, backend: Backend) {
        let db = TestDb::new(backend).await;
        self(&db.store).await;
    }
}

impl<Body> BackendTest<GivenBackend> for Body
where
    Body: AsyncFnOnce(Backend),
{
    async fn run(self, backend: Backend) {
        self(backend).await;
    }
}

/// Runs `body` on `backend` (what [`on_both_backends!`](crate::on_both_backends) expands to).
pub async fn run_on<Marker>(body: impl BackendTest<Marker>, backend: Backend) {
    body.run(backend).await;
}
