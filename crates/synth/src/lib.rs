//! flowsense-synth
