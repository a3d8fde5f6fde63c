//! flowsense-storage
