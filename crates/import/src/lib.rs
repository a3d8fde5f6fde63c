//! flowsense-import
