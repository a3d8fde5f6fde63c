//! flowsense-web
