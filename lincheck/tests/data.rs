//! Every history of the public test data (`lincheck/testdata`, see its README)
//! checked against the verdict `expected.tsv` gives it: the Jepsen etcd logs with
//! the register model, the kv histories with the key/value model both
//! partitioned by key and as one history. One test per file, so a failure names
//! the file.

use std::path::PathBuf;

use lincheck::models::kv::Kv;
use lincheck::models::register::Register;
use lincheck::parse::{jepsen, kv};
use lincheck::{Verdict, check};

/// Enough for every file here (the largest, c50-ok partitioned as one history,
/// takes a few hundred thousand steps).
const BUDGET: u64 = 50_000_000;

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(file)
}

/// The number of operations `expected.tsv` gives `file` (counted in the file
/// itself, independently of the parser: its `:invoke` lines).
fn expected_count(file: &str) -> usize {
    let listed = std::fs::read_to_string(data("expected.tsv")).unwrap();
    let line = listed
        .lines()
        .find(|l| l.split('\t').next() == Some(file))
        .unwrap_or_else(|| panic!("{file} is not in expected.tsv"));
    line.split('\t')
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("expected.tsv gives {file} no operation count: {line:?}"))
}

/// A history must have exactly the operations its file holds: a parser that
/// skips lines must not pass as a checker that found nothing wrong.
fn expect_count(len: usize, file: &str) {
    assert_eq!(len, expected_count(file), "{file}: operations parsed");
}

fn expect(verdict: Verdict, linearizable: bool, file: &str, how: &str) {
    let want = if linearizable {
        Verdict::Linearizable
    } else {
        Verdict::NotLinearizable
    };
    assert_eq!(verdict, want, "{file} ({how})");
}

fn etcd(file: &str, linearizable: bool) {
    let history = jepsen::parse_file(&data(file)).unwrap();
    expect_count(history.len(), file);
    let outcome = check(&Register, &history, BUDGET).unwrap();
    expect(outcome.verdict, linearizable, file, "register");
    if !linearizable {
        let part = outcome.failed_part().expect("a failed part");
        assert!(part.longest.len() < history.len());
    }
}

/// `whole`: also check the history unpartitioned. Not done for the 50-client
/// files: without partitioning, the search space is the product of the keys'
/// (Wing & Gong with memoisation does not finish them in minutes; porcupine
/// does not check them unpartitioned either).
fn kv_file(file: &str, linearizable: bool) {
    let history = kv::parse_file(&data(file)).unwrap();
    expect_count(history.len(), file);
    let by_key = check(&Kv::by_key(), &history, BUDGET).unwrap();
    expect(by_key.verdict, linearizable, file, "partitioned by key");
    assert!(
        by_key.parts.len() > 1,
        "{file}: the kv histories have several keys"
    );
    if file.contains("c50") {
        return;
    }
    let whole = check(&Kv::whole(), &history, BUDGET).unwrap();
    expect(whole.verdict, linearizable, file, "as one history");
    assert_eq!(whole.parts.len(), 1);
}

macro_rules! etcd_tests {
    ($($name:ident: $file:literal => $ok:literal,)*) => {
        $( #[test] fn $name() { etcd($file, $ok) } )*
        /// Every verdict of expected.tsv has its test.
        const ETCD_FILES: &[&str] = &[$($file),*];
    };
}

macro_rules! kv_tests {
    ($($name:ident: $file:literal => $ok:literal,)*) => {
        $( #[test] fn $name() { kv_file($file, $ok) } )*
        const KV_FILES: &[&str] = &[$($file),*];
    };
}

etcd_tests! {
    etcd_000: "jepsen/etcd_000.log" => false,
    etcd_001: "jepsen/etcd_001.log" => false,
    etcd_002: "jepsen/etcd_002.log" => true,
    etcd_003: "jepsen/etcd_003.log" => false,
    etcd_004: "jepsen/etcd_004.log" => false,
    etcd_005: "jepsen/etcd_005.log" => true,
    etcd_006: "jepsen/etcd_006.log" => false,
    etcd_007: "jepsen/etcd_007.log" => true,
    etcd_008: "jepsen/etcd_008.log" => false,
    etcd_009: "jepsen/etcd_009.log" => false,
    etcd_010: "jepsen/etcd_010.log" => false,
    etcd_011: "jepsen/etcd_011.log" => false,
    etcd_012: "jepsen/etcd_012.log" => false,
    etcd_013: "jepsen/etcd_013.log" => false,
    etcd_014: "jepsen/etcd_014.log" => false,
    etcd_015: "jepsen/etcd_015.log" => false,
    etcd_016: "jepsen/etcd_016.log" => false,
    etcd_017: "jepsen/etcd_017.log" => false,
    etcd_018: "jepsen/etcd_018.log" => true,
    etcd_019: "jepsen/etcd_019.log" => false,
    etcd_020: "jepsen/etcd_020.log" => false,
    etcd_021: "jepsen/etcd_021.log" => false,
    etcd_022: "jepsen/etcd_022.log" => false,
    etcd_023: "jepsen/etcd_023.log" => false,
    etcd_024: "jepsen/etcd_024.log" => false,
    etcd_025: "jepsen/etcd_025.log" => true,
    etcd_026: "jepsen/etcd_026.log" => false,
    etcd_027: "jepsen/etcd_027.log" => false,
    etcd_028: "jepsen/etcd_028.log" => false,
    etcd_029: "jepsen/etcd_029.log" => false,
    etcd_030: "jepsen/etcd_030.log" => false,
    etcd_031: "jepsen/etcd_031.log" => true,
    etcd_032: "jepsen/etcd_032.log" => false,
    etcd_033: "jepsen/etcd_033.log" => false,
    etcd_034: "jepsen/etcd_034.log" => false,
    etcd_035: "jepsen/etcd_035.log" => false,
    etcd_036: "jepsen/etcd_036.log" => false,
    etcd_037: "jepsen/etcd_037.log" => false,
    etcd_038: "jepsen/etcd_038.log" => true,
    etcd_039: "jepsen/etcd_039.log" => false,
    etcd_040: "jepsen/etcd_040.log" => false,
    etcd_041: "jepsen/etcd_041.log" => false,
    etcd_042: "jepsen/etcd_042.log" => false,
    etcd_043: "jepsen/etcd_043.log" => false,
    etcd_044: "jepsen/etcd_044.log" => false,
    etcd_045: "jepsen/etcd_045.log" => true,
    etcd_046: "jepsen/etcd_046.log" => false,
    etcd_047: "jepsen/etcd_047.log" => false,
    etcd_048: "jepsen/etcd_048.log" => true,
    etcd_049: "jepsen/etcd_049.log" => true,
    etcd_050: "jepsen/etcd_050.log" => false,
    etcd_051: "jepsen/etcd_051.log" => true,
    etcd_052: "jepsen/etcd_052.log" => false,
    etcd_053: "jepsen/etcd_053.log" => true,
    etcd_054: "jepsen/etcd_054.log" => false,
    etcd_055: "jepsen/etcd_055.log" => false,
    etcd_056: "jepsen/etcd_056.log" => true,
    etcd_057: "jepsen/etcd_057.log" => false,
    etcd_058: "jepsen/etcd_058.log" => false,
    etcd_059: "jepsen/etcd_059.log" => false,
    etcd_060: "jepsen/etcd_060.log" => false,
    etcd_061: "jepsen/etcd_061.log" => false,
    etcd_062: "jepsen/etcd_062.log" => false,
    etcd_063: "jepsen/etcd_063.log" => false,
    etcd_064: "jepsen/etcd_064.log" => false,
    etcd_065: "jepsen/etcd_065.log" => false,
    etcd_066: "jepsen/etcd_066.log" => false,
    etcd_067: "jepsen/etcd_067.log" => true,
    etcd_068: "jepsen/etcd_068.log" => false,
    etcd_069: "jepsen/etcd_069.log" => false,
    etcd_070: "jepsen/etcd_070.log" => false,
    etcd_071: "jepsen/etcd_071.log" => false,
    etcd_072: "jepsen/etcd_072.log" => false,
    etcd_073: "jepsen/etcd_073.log" => false,
    etcd_074: "jepsen/etcd_074.log" => false,
    etcd_075: "jepsen/etcd_075.log" => true,
    etcd_076: "jepsen/etcd_076.log" => true,
    etcd_077: "jepsen/etcd_077.log" => false,
    etcd_078: "jepsen/etcd_078.log" => false,
    etcd_079: "jepsen/etcd_079.log" => false,
    etcd_080: "jepsen/etcd_080.log" => true,
    etcd_081: "jepsen/etcd_081.log" => false,
    etcd_082: "jepsen/etcd_082.log" => false,
    etcd_083: "jepsen/etcd_083.log" => false,
    etcd_084: "jepsen/etcd_084.log" => false,
    etcd_085: "jepsen/etcd_085.log" => false,
    etcd_086: "jepsen/etcd_086.log" => false,
    etcd_087: "jepsen/etcd_087.log" => true,
    etcd_088: "jepsen/etcd_088.log" => false,
    etcd_089: "jepsen/etcd_089.log" => false,
    etcd_090: "jepsen/etcd_090.log" => false,
    etcd_091: "jepsen/etcd_091.log" => false,
    etcd_092: "jepsen/etcd_092.log" => true,
    etcd_093: "jepsen/etcd_093.log" => false,
    etcd_094: "jepsen/etcd_094.log" => false,
    etcd_096: "jepsen/etcd_096.log" => false,
    etcd_097: "jepsen/etcd_097.log" => false,
    etcd_098: "jepsen/etcd_098.log" => true,
    etcd_099: "jepsen/etcd_099.log" => false,
    etcd_100: "jepsen/etcd_100.log" => true,
    etcd_101: "jepsen/etcd_101.log" => true,
    etcd_102: "jepsen/etcd_102.log" => true,
}

kv_tests! {
    c01_ok: "kv/c01-ok.txt" => true,
    c01_bad: "kv/c01-bad.txt" => false,
    c10_ok: "kv/c10-ok.txt" => true,
    c10_bad: "kv/c10-bad.txt" => false,
    c50_ok: "kv/c50-ok.txt" => true,
    c50_bad: "kv/c50-bad.txt" => false,
}

#[test]
fn every_listed_verdict_has_a_test() {
    let listed = std::fs::read_to_string(data("expected.tsv")).unwrap();
    let files: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|f| !f.is_empty())
        .collect();
    let mut tested: Vec<&str> = ETCD_FILES.iter().chain(KV_FILES).copied().collect();
    let mut files_sorted = files.clone();
    files_sorted.sort_unstable();
    tested.sort_unstable();
    assert_eq!(files_sorted, tested);
}

#[test]
fn the_empty_etcd_log_is_an_empty_history() {
    let history = jepsen::parse_file(&data("jepsen/etcd_095.log")).unwrap();
    assert!(history.is_empty());
    assert_eq!(
        check(&Register, &history, BUDGET).unwrap().verdict,
        Verdict::Linearizable
    );
}
