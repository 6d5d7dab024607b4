//! What the checks know about a module beyond its syntax: imports and
//! aliases, module-level constants, local assignments, and small helpers that
//! read literals and call arguments out of tree-sitter nodes.

pub(crate) mod imports;
pub(crate) mod syntax;
pub(crate) mod values;

pub(crate) use imports::ImportMap;
pub(crate) use values::{ModuleConstants, ValueOrigin};
