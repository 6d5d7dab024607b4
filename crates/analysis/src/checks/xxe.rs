//! `xxe`: an XML parser configured to resolve external entities.

use crate::semantic::syntax::fields;
use guardian_policy::Severity;
use tree_sitter::Node;

use crate::prefilter::Trigger;
use super::{Context, RawFinding};
use crate::semantic::syntax::{self, Arguments};
use crate::{CheckInfo, Edit, Fix, FixKind};

pub(crate) const INFO: CheckInfo = CheckInfo {
    name: "xxe",
    summary: "XML parsers that resolve external entities",
    documentation: DOCUMENTATION,
    topics: &["xxe", "xml", "xml external entities", "external entities"],
    default_severity: Severity::Error,
};

/// The trigger words of this check (see [`crate::prefilter`]):
/// lxml's `resolve_entities` and SAX's `setFeature`.
pub(crate) const TRIGGER: Trigger = Trigger::Any(&["resolve_entities", "setfeature"]);

const DOCUMENTATION: &str = r#"# xxe

## What it does

Reports `resolve_entities=True` on lxml parsers (`XMLParser`, `XMLPullParser`,
`iterparse`, `objectify.makeparser` and any other call), also when the value
is a module constant that is `True`, and SAX parsers given
`setFeature(feature_external_ges, True)` or `feature_external_pes` (by name
or by the feature URL).

## Why it matters

An external entity makes the parser read a file or URL named in the
document. An attacker who controls the XML reads local files such as
`/etc/passwd`, or makes the server send requests to internal hosts.

## Example

```python
parser = etree.XMLParser(resolve_entities=True)
```

## Use instead

```python
parser = etree.XMLParser(resolve_entities=False, no_network=True)
```

Or parse untrusted XML with `defusedxml`, which rejects entities.

The fix sets the value to `False`: `resolve_entities=False`, or
`setFeature(feature_external_ges, False)`.

## Known problems

lxml's default parser, which expands internal entities, is not reported.
Neither are the standard library's `xml.etree.ElementTree`, `minidom` and
`pulldom` parsers, which do not fetch external entities by default since
Python 3.7.1, so no fix swaps them for `defusedxml`.
A `resolve_entities` value that is neither a literal nor a module constant
is not reported.

## References

- CWE-611: Improper Restriction of XML External Entity Reference
- Bandit B313-B320, B410
- Ruff S313-S320
"#;

/// SAX features that make the parser fetch external entities.
const EXTERNAL_ENTITY_FEATURES: &[&str] = &[
    "feature_external_ges",
    "feature_external_pes",
    "http://xml.org/sax/features/external-general-entities",
    "http://xml.org/sax/features/external-parameter-entities",
];

pub(crate) fn check_call(context: &Context<'_>, call: Node<'_>, findings: &mut Vec<RawFinding>) {
    let arguments = Arguments::of(call, context.source);

    if let Some((value, keyword)) = arguments.keyword_argument("resolve_entities") {
        let resolved = context.values.assigned_value(value);
        if syntax::is_true(resolved) {
            let message = "XML external entities enabled: `resolve_entities=True` lets a document read files and URLs; set it to `False`".to_owned();
            let fixes = vec![set_false(value, "Set `resolve_entities=False`")];
            findings.push(RawFinding { rule: INFO.name.to_owned(), range: keyword.byte_range(), message, fixes, related: Vec::new() });
        }
        return;
    }

    let is_set_feature = call
        .child_by_field_id(fields().function)
        .filter(|function| function.kind() == "attribute")
        .and_then(|function| syntax::last_name(function, context.source))
        == Some("setFeature");
    if !is_set_feature {
        return;
    }
    let [feature, enabled] = arguments.positional.as_slice() else {
        return;
    };
    if !syntax::is_true(context.values.assigned_value(*enabled)) || !is_external_entity_feature(context, *feature) {
        return;
    }
    let message = "XML external entities enabled: this SAX feature lets a document read files and URLs; leave it `False`".to_owned();
    let fixes = vec![set_false(*enabled, "Turn the external entity feature off")];
    findings.push(RawFinding { rule: INFO.name.to_owned(), range: call.byte_range(), message, fixes, related: Vec::new() });
}

fn is_external_entity_feature(context: &Context<'_>, feature: Node<'_>) -> bool {
    if let Some(literal) = syntax::literal_string(feature, context.source) {
        return EXTERNAL_ENTITY_FEATURES.contains(&literal.as_str());
    }
    let resolved = context.imports.resolve(feature, context.source);
    let last = resolved.as_deref().and_then(|name| name.rsplit('.').next());
    last.is_some_and(|name| EXTERNAL_ENTITY_FEATURES.contains(&name))
}

/// Replaces the value that turns external entities on with `False`. The
/// value is `True` or a module constant that is `True`, so the edit changes
/// only this call.
fn set_false(value: Node<'_>, title: &str) -> Fix {
    let edits = vec![Edit { range: value.byte_range(), replacement: "False".to_owned() }];
    Fix { title: title.to_owned(), kind: FixKind::Rewrite, edits }
}
