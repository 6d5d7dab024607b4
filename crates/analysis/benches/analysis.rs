//! Micro-benchmarks of the analysis crate: parsing, full analysis under the
//! bundled policy, one keystroke with incremental analysis, and byte offset
//! to line and column conversion.
//!
//! Run with `cargo bench -p guardian-analysis`. The input is generated
//! Python (functions with SQL, subprocess and HTTP calls, some non-ASCII
//! text), the same for every run, in files of 1k, 10k and 50k lines.

use std::path::Path;
use std::sync::LazyLock;

use divan::Bencher;
use guardian_analysis::{
    AnalyzeOptions, Document, IncrementalAnalysis, LineCol, LineIndex, Policy, PositionEncoding, analyze, catalog,
    known_checks,
};

const LINE_COUNTS: [usize; 3] = [1_000, 10_000, 50_000];

/// Number of conversions per iteration of the position benchmarks.
const POSITION_SAMPLES: usize = 1_000;

static BUNDLED_POLICY: LazyLock<Policy> =
    LazyLock::new(|| guardian_policy::load_sources(Vec::new(), &known_checks()));

fn main() {
    divan::main();
}

/// One 26-line block; `{n}` keeps names unique across blocks.
const BLOCK_TEMPLATE: &str = r#"def load_order_{n}(connection, order_id, user):
    """Load one order — and ping the audit service 🚚."""
    cursor = connection.cursor()
    cursor.execute("SELECT * FROM orders WHERE id = %s" % order_id)
    row = cursor.fetchone()
    if row is None:
        return None
    safe = connection.execute("SELECT total FROM orders WHERE id = ?", (order_id,))
    report = subprocess.run(["wc", "-l", "/tmp/order-{n}.log"], capture_output=True)
    archive = subprocess.run("tar czf /tmp/o{n}.tgz " + user, shell=True)
    response = requests.get("https://audit.example/orders/{n}", timeout=5)
    total = sum(line.amount for line in row.lines if line.amount > 0)
    return {"order": row, "total": total, "safe": safe, "report": report, "archive": archive}


class OrderView{n}:
    template = "order.html"

    def get(self, request, pk):
        order = load_order_{n}(request.db, pk, request.user.name)
        return render(request, self.template, {"order": order})

    def post(self, request, pk):
        requests.post("https://hooks.example/{n}", json={"pk": pk}, timeout=3)
        return redirect("order", pk=pk)

"#;

fn generate_python(line_count: usize) -> String {
    let mut source = String::from("import subprocess\n\nimport requests\nfrom django.shortcuts import redirect, render\n\n\n");
    let block_lines = BLOCK_TEMPLATE.lines().count() + 1;

    for n in 0..(line_count / block_lines).max(1) {
        source.push_str(&BLOCK_TEMPLATE.replace("{n}", &n.to_string()));
        source.push('\n');
    }
    source
}

/// Byte offsets spread evenly over the text, each on a character boundary.
fn sample_offsets(text: &str) -> Vec<usize> {
    let step = (text.len() / POSITION_SAMPLES).max(1);

    (0..POSITION_SAMPLES)
        .map(|index| {
            let mut offset = (index * step).min(text.len());
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            offset
        })
        .collect()
}

#[divan::bench(args = LINE_COUNTS)]
fn parse(bencher: Bencher, line_count: usize) {
    let source = generate_python(line_count);

    bencher
        .counter(divan::counter::BytesCount::of_str(&source))
        .with_inputs(|| source.clone())
        .bench_values(|text| {
            // `Document::new` parses lazily; asking for the tree parses.
            let document = Document::new(text);
            document.tree();
            document
        });
}

#[divan::bench(args = LINE_COUNTS)]
fn parse_and_analyze(bencher: Bencher, line_count: usize) {
    let source = generate_python(line_count);
    let policy = &*BUNDLED_POLICY;

    bencher
        .counter(divan::counter::BytesCount::of_str(&source))
        .with_inputs(|| source.clone())
        .bench_values(|text| {
            let document = Document::new(text);
            analyze(&document, Path::new("orders/views.py"), policy)
        });
}

/// Returns every built-in check's name, for the per-check benchmark.
fn check_names() -> Vec<&'static str> {
    catalog().iter().map(|check| check.name).collect()
}

/// Analysis of a parsed 10k-line file under a policy that enables one check,
/// so the difference to the others is that check's own cost (the module
/// facts walk is shared by all).
#[divan::bench(args = check_names())]
fn analyze_one_check(bencher: Bencher, check: &str) {
    let document = Document::new(generate_python(10_000));
    document.tree();
    // The bundled standard enables every check, so the others are switched off here.
    let mut markdown = String::from("# Policy\n\n## Checks\n\n");
    for other in check_names() {
        let severity = if other == check { "" } else { "\nseverity: off" };
        markdown.push_str(&format!("```guardian\ncheck: {other}{severity}\n```\n\n"));
    }
    let source = guardian_policy::DocumentSource {
        path: ".guardian/steering/bench.md".into(),
        origin: guardian_policy::Origin::Organization,
        text: markdown,
    };
    let policy = guardian_policy::load_sources(vec![source], &known_checks());
    let options = AnalyzeOptions { exhaustive: true, ..AnalyzeOptions::default() };

    bencher.bench(|| guardian_analysis::analyze_with(&document, Path::new("orders/views.py"), &policy, &options));
}

#[divan::bench(args = LINE_COUNTS)]
fn analyze_parsed_document(bencher: Bencher, line_count: usize) {
    let document = Document::new(generate_python(line_count));
    document.tree();
    let policy = &*BUNDLED_POLICY;

    bencher.bench(|| analyze(&document, Path::new("orders/views.py"), policy));
}

/// Measures one keystroke in the middle of the file, as an editor sends it,
/// then an incremental analysis. It alternately types and deletes one
/// character of a comment, so the file keeps its size.
#[divan::bench(args = LINE_COUNTS)]
fn edit_and_analyze_incrementally(bencher: Bencher, line_count: usize) {
    let source = generate_python(line_count);
    let middle = source[..source.len() / 2].rfind("\n    cursor = ").map_or(0, |offset| offset + 1);
    let mut document = Document::new(source);
    document.edit(middle..middle, "    # edit here\n").expect("the offset is a line start");
    let typing_at = middle + "    # edit here".len();

    let policy = &*BUNDLED_POLICY;
    let path = Path::new("orders/views.py");
    let mut incremental = IncrementalAnalysis::new();
    incremental.analyze(&document, path, policy, &AnalyzeOptions::default());

    let mut typed = false;
    bencher.bench_local(|| {
        let edit = if typed { (typing_at..typing_at + 1, "") } else { (typing_at..typing_at, "x") };
        document.edit(edit.0, edit.1).expect("the edit is inside the comment");
        typed = !typed;
        incremental.analyze(&document, path, policy, &AnalyzeOptions::default())
    });
}

#[divan::bench(args = LINE_COUNTS)]
fn line_index_new(bencher: Bencher, line_count: usize) {
    let source = generate_python(line_count);

    bencher.counter(divan::counter::BytesCount::of_str(&source)).bench(|| LineIndex::new(&source));
}

#[divan::bench(args = LINE_COUNTS)]
fn line_col_utf16(bencher: Bencher, line_count: usize) {
    let source = generate_python(line_count);
    let index = LineIndex::new(&source);
    let offsets = sample_offsets(&source);

    bencher.counter(divan::counter::ItemsCount::new(offsets.len())).bench(|| {
        offsets
            .iter()
            .map(|&offset| index.line_col(&source, offset, PositionEncoding::Utf16))
            .fold(0u64, |sum, position| sum + u64::from(position.column))
    });
}

#[divan::bench(args = LINE_COUNTS)]
fn offset_utf16(bencher: Bencher, line_count: usize) {
    let source = generate_python(line_count);
    let index = LineIndex::new(&source);
    let positions: Vec<LineCol> = sample_offsets(&source)
        .into_iter()
        .map(|offset| index.line_col(&source, offset, PositionEncoding::Utf16))
        .collect();

    bencher.counter(divan::counter::ItemsCount::new(positions.len())).bench(|| {
        positions
            .iter()
            .map(|&position| index.offset(&source, position, PositionEncoding::Utf16))
            .sum::<usize>()
    });
}
