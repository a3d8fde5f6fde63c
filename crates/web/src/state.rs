use flowsense_storage::Store;

/// What every handler can reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
}

impl AppState {
    #[must_use]
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}
