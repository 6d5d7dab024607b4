//! Module facts beyond syntax for the checks: imports and aliases,
//! module-level constants and local assignments. Also small helpers that read
//! literals and call arguments out of tree-sitter nodes, and the data flow
//! that decides whether a value is untrusted.

pub(crate) mod imports;
pub(crate) mod syntax;
pub(crate) mod taint;
pub(crate) mod values;

pub(crate) use imports::ImportMap;
pub(crate) use values::{AssignmentIndex, ModuleConstants, ValueOrigin};
