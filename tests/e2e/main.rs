//! End-to-end tests that drive the real `guardian` binary.
