//! What-if scenario sweeps (in progress).
