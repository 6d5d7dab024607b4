//! Import and alias resolution: maps the names a module binds with `import`
//! and `from … import` to fully qualified names, so a call through an alias
//! (`db.connect` after `import sqlite3 as db`) resolves to `sqlite3.connect`.

use crate::semantic::syntax::fields;
use std::collections::HashMap;

use tree_sitter::Node;

use super::syntax::{self, text};

/// The names bound by import statements anywhere in a module.
///
/// NOTE: bindings are module-wide. An import inside one function also
/// resolves names in the others. A later rebinding of the name, for example
/// a local variable called `requests`, still resolves as the import.
#[derive(Debug, Clone, Default)]
pub(crate) struct ImportMap {
    /// Local name to qualified name: `db` -> `sqlite3`, `sh` -> `subprocess.run`.
    bindings: HashMap<String, String>,
    /// Every imported module, alias or not: `sqlite3`, `xml.etree.ElementTree`.
    modules: Vec<String>,
    /// The end offset of the last import statement at module level.
    last_top_level_import_end: Option<usize>,
}

impl ImportMap {
    /// Records an `import_statement`, `import_from_statement` or `future_import_statement`.
    pub fn record(&mut self, statement: Node<'_>, source: &str) {
        match statement.kind() {
            "import_statement" => self.record_import(statement, source),
            "import_from_statement" => self.record_from_import(statement, source),
            "future_import_statement" => {}
            _ => return,
        }

        let at_module_level = statement.parent().is_some_and(|parent| parent.kind() == "module");
        if at_module_level {
            self.last_top_level_import_end = Some(statement.end_byte());
        }
    }

    fn record_import(&mut self, statement: Node<'_>, source: &str) {
        let mut cursor = statement.walk();
        for name in statement.children_by_field_name("name", &mut cursor) {
            match name.kind() {
                "dotted_name" => {
                    let module = text(name, source).to_owned();
                    let root = module.split('.').next().unwrap_or_default().to_owned();
                    self.bindings.insert(root.clone(), root);
                    self.modules.push(module);
                }
                "aliased_import" => {
                    let (Some(module), Some(alias)) = (name.child_by_field_id(fields().name), name.child_by_field_id(fields().alias))
                    else {
                        continue;
                    };
                    let module = text(module, source).to_owned();
                    self.bindings.insert(text(alias, source).to_owned(), module.clone());
                    self.modules.push(module);
                }
                _ => {}
            }
        }
    }

    fn record_from_import(&mut self, statement: Node<'_>, source: &str) {
        let Some(module) = statement.child_by_field_id(fields().module_name) else {
            return;
        };
        let module = text(module, source).to_owned();
        self.modules.push(module.clone());

        let mut cursor = statement.walk();
        for name in statement.children_by_field_name("name", &mut cursor) {
            let (imported, local) = match name.kind() {
                "dotted_name" => (text(name, source), text(name, source)),
                "aliased_import" => {
                    let (Some(imported), Some(alias)) = (name.child_by_field_id(fields().name), name.child_by_field_id(fields().alias))
                    else {
                        continue;
                    };
                    (text(imported, source), text(alias, source))
                }
                _ => continue,
            };
            self.bindings.insert(local.to_owned(), format!("{module}.{imported}"));
        }
    }

    /// Resolves a name or attribute chain to a qualified name.
    ///
    /// An imported root is replaced by what it binds; an unknown root is kept
    /// as written (`eval` stays `eval`, `cursor.execute` stays as is). Returns
    /// `None` for anything that is not a plain name or attribute chain, such as
    /// `get_db().cursor`.
    pub fn resolve(&self, node: Node<'_>, source: &str) -> Option<String> {
        let node = syntax::unparenthesize(node);
        match node.kind() {
            "identifier" => {
                let name = text(node, source);
                Some(self.bindings.get(name).cloned().unwrap_or_else(|| name.to_owned()))
            }
            "attribute" => {
                let object = self.resolve(node.child_by_field_id(fields().object)?, source)?;
                let attribute = text(node.child_by_field_id(fields().attribute)?, source);
                Some(format!("{object}.{attribute}"))
            }
            _ => None,
        }
    }

    /// Returns whether the name or attribute chain starts with an imported name.
    pub fn is_imported_root(&self, node: Node<'_>, source: &str) -> bool {
        let mut root = syntax::unparenthesize(node);
        while root.kind() == "attribute" {
            match root.child_by_field_id(fields().object) {
                Some(object) => root = syntax::unparenthesize(object),
                None => return false,
            }
        }
        root.kind() == "identifier" && self.bindings.contains_key(text(root, source))
    }

    /// Returns whether the module imports `module` or a submodule of it, under any name.
    pub fn imports_module(&self, module: &str) -> bool {
        self.modules.iter().any(|imported| {
            imported == module || imported.strip_prefix(module).is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// Returns whether `name` is bound to exactly `qualified` (`os` to `os`).
    pub fn binds(&self, name: &str, qualified: &str) -> bool {
        self.bindings.get(name).is_some_and(|bound| bound == qualified)
    }

    pub fn last_top_level_import_end(&self) -> Option<usize> {
        self.last_top_level_import_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolves the callee of the outermost call that starts last in the source.
    fn resolve_last_call(source: &str) -> Option<String> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
        let tree = parser.parse(source, None)?;
        let mut imports = ImportMap::default();
        let mut last_call = None;
        syntax::walk(tree.root_node(), |node| {
            imports.record(node, source);
            if node.kind() == "call" {
                last_call = node.child_by_field_id(fields().function);
                return syntax::Walk::SkipChildren;
            }
            syntax::Walk::Descend
        });
        imports.resolve(last_call?, source)
    }

    #[test]
    fn resolves_imports_and_aliases() {
        let cases = [
            ("import sqlite3\nsqlite3.connect(x)", "sqlite3.connect"),
            ("import sqlite3 as db\ndb.connect(x)", "sqlite3.connect"),
            ("from subprocess import run as sh\nsh(x)", "subprocess.run"),
            ("from os import system\nsystem(x)", "os.system"),
            ("import xml.etree.ElementTree as ET\nET.parse(x)", "xml.etree.ElementTree.parse"),
            ("import os.path\nos.path.join(x)", "os.path.join"),
            ("eval(x)", "eval"),
            ("def f():\n    import pickle as p\n    p.loads(x)", "pickle.loads"),
        ];
        for (source, expected) in cases {
            assert_eq!(resolve_last_call(source).as_deref(), Some(expected), "source: {source}");
        }
    }

    #[test]
    fn call_on_call_result_has_no_name() {
        assert_eq!(resolve_last_call("get_db().cursor()"), None);
    }
}
