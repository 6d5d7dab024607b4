//! Helpers for driving the real guardian binary.
