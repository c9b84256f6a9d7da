//! Small hand-made histories: the three verdicts, operations that never
//! returned, the budget, the longest linearization and the picture.

use lincheck::models::kv::{Kv, KvInput};
use lincheck::models::register::{Register, RegisterInput as In, RegisterOutput as Out};
use lincheck::{Operation, Verdict, check, html};

fn op(client: usize, input: In, output: Out, call: u64, ret: Option<u64>) -> Operation<In, Out> {
    Operation {
        client,
        input,
        output,
        call,
        ret,
    }
}

#[test]
fn a_read_after_a_write_must_see_it() {
    let ok = [
        op(0, In::Write(1), Out::Ok, 0, Some(1)),
        op(1, In::Read, Out::Read(Some(1)), 2, Some(3)),
    ];
    assert_eq!(
        check(&Register, &ok, 1000).unwrap().verdict,
        Verdict::Linearizable
    );
    let bad = [
        op(0, In::Write(1), Out::Ok, 0, Some(1)),
        op(1, In::Read, Out::Read(None), 2, Some(3)),
    ];
    let outcome = check(&Register, &bad, 1000).unwrap();
    assert_eq!(outcome.verdict, Verdict::NotLinearizable);
    let part = outcome.failed_part().unwrap();
    assert_eq!(part.longest, vec![0]);
    assert_eq!(part.stuck, Some(1));
}

#[test]
fn concurrent_operations_may_take_effect_in_either_order() {
    let h = [
        op(0, In::Write(1), Out::Ok, 0, Some(10)),
        op(1, In::Read, Out::Read(Some(1)), 1, Some(2)),
        op(2, In::Read, Out::Read(None), 3, Some(4)),
    ];
    // The second read (None) comes after the first saw 1: impossible.
    assert_eq!(
        check(&Register, &h, 1000).unwrap().verdict,
        Verdict::NotLinearizable
    );
    let h = [
        op(0, In::Write(1), Out::Ok, 0, Some(10)),
        op(1, In::Read, Out::Read(None), 1, Some(2)),
    ];
    assert_eq!(
        check(&Register, &h, 1000).unwrap().verdict,
        Verdict::Linearizable
    );
}

#[test]
fn an_operation_that_never_returned_may_or_may_not_take_effect() {
    let seen = [
        op(0, In::Write(7), Out::Unknown, 0, None),
        op(1, In::Read, Out::Read(Some(7)), 5, Some(6)),
    ];
    assert_eq!(
        check(&Register, &seen, 1000).unwrap().verdict,
        Verdict::Linearizable
    );
    let unseen = [
        op(0, In::Write(7), Out::Unknown, 0, None),
        op(1, In::Read, Out::Read(None), 5, Some(6)),
    ];
    assert_eq!(
        check(&Register, &unseen, 1000).unwrap().verdict,
        Verdict::Linearizable
    );
    let too_early = [
        op(1, In::Read, Out::Read(Some(7)), 0, Some(1)),
        op(0, In::Write(7), Out::Unknown, 2, None),
    ];
    assert_eq!(
        check(&Register, &too_early, 1000).unwrap().verdict,
        Verdict::NotLinearizable
    );
}

#[test]
fn an_exhausted_budget_is_unknown_never_a_pass() {
    // Many concurrent writes and a read of a value no write wrote.
    let mut h: Vec<_> = (0..12)
        .map(|i| op(i, In::Write(i as i64), Out::Ok, 0, Some(100)))
        .collect();
    h.push(op(99, In::Read, Out::Read(Some(1000)), 0, Some(100)));
    let outcome = check(&Register, &h, 50).unwrap();
    assert_eq!(outcome.verdict, Verdict::Unknown);
    assert!(outcome.steps <= 50);
    assert_eq!(
        check(&Register, &h, u64::MAX).unwrap().verdict,
        Verdict::NotLinearizable
    );
}

#[test]
fn a_malformed_history_is_an_error() {
    let h = [op(0, In::Read, Out::Read(None), 5, Some(4))];
    assert!(
        check(&Register, &h, 10)
            .unwrap_err()
            .contains("before its call")
    );
}

#[test]
fn the_picture_shows_the_failure() {
    let h = vec![
        Operation {
            client: 0,
            input: KvInput::Append("k".into(), "a".into()),
            output: Some(String::new()),
            call: 0,
            ret: Some(1),
        },
        Operation {
            client: 1,
            input: KvInput::Get("k".into()),
            output: Some("b<".into()),
            call: 2,
            ret: Some(3),
        },
        Operation {
            client: 2,
            input: KvInput::Get("other".into()),
            output: Some(String::new()),
            call: 0,
            ret: Some(3),
        },
    ];
    let outcome = check(&Kv::by_key(), &h, 1000).unwrap();
    assert_eq!(outcome.verdict, Verdict::NotLinearizable);
    let dir = std::env::temp_dir().join(format!("lincheck-test-{}", std::process::id()));
    let path = dir.join("sub/history.html");
    html::write(&path, &Kv::by_key(), &h, &outcome, "a <test>").unwrap();
    let page = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(page.contains("NOT linearizable"));
    assert!(
        page.contains("key &quot;k&quot;"),
        "the failed part is named"
    );
    assert!(
        page.contains("get(&quot;k&quot;) -&gt; &quot;b&lt;&quot;"),
        "the stuck operation is shown, escaped"
    );
    assert!(page.contains("a &lt;test&gt;"));
    assert!(
        !page.contains("<script src") && !page.contains("http://")
            || page.contains("xmlns=\"http://www.w3.org/2000/svg\"")
    );
    assert!(!page.contains("https://"));
}

/// `k` gets of "0" that never returned, then `put("0", "a")` answered, then
/// `get("0")` answered `read`.
fn unanswered_reads(k: usize, read: &str) -> Vec<Operation<KvInput, Option<String>>> {
    let mut history: Vec<_> = (0..k)
        .map(|c| Operation {
            client: c,
            input: KvInput::Get("0".into()),
            output: None,
            call: c as u64,
            ret: None,
        })
        .collect();
    let t = k as u64;
    history.push(Operation {
        client: k,
        input: KvInput::Put("0".into(), "a".into()),
        output: Some(String::new()),
        call: t,
        ret: Some(t + 1),
    });
    history.push(Operation {
        client: k + 1,
        input: KvInput::Get("0".into()),
        output: Some(read.into()),
        call: t + 2,
        ret: Some(t + 3),
    });
    history
}

/// Reads whose result is unknown constrain nothing and are left out of the
/// search: each would otherwise double the states searched (16 of them took
/// 2,160,720 steps). The verdict is decided in a handful of steps whatever
/// their number, and the part says how many were left out.
#[test]
fn unanswered_reads_are_left_out_and_cost_nothing() {
    for k in [0, 16, 64, 1000] {
        let bad = check(&Kv::by_key(), &unanswered_reads(k, "b"), 1_000).unwrap();
        assert_eq!(bad.verdict, Verdict::NotLinearizable, "k = {k}");
        assert!(bad.steps <= 10, "k = {k}: {} steps", bad.steps);
        assert_eq!(bad.parts[0].left_out.len(), k);
        assert_eq!(bad.parts[0].operations.len(), 2);
        let ok = check(&Kv::by_key(), &unanswered_reads(k, "a"), 1_000).unwrap();
        assert_eq!(ok.verdict, Verdict::Linearizable, "k = {k}");
        assert!(ok.steps <= 10, "k = {k}: {} steps", ok.steps);
    }
    // A register read with an unknown result is left out too; a write whose
    // outcome is unknown stays (it may have taken effect).
    let register = [
        op(0, In::Write(1), Out::Unknown, 0, None),
        op(1, In::Read, Out::Unknown, 1, None),
        op(2, In::Read, Out::Read(Some(1)), 2, Some(3)),
    ];
    let outcome = check(&Register, &register, 1000).unwrap();
    assert_eq!(outcome.verdict, Verdict::Linearizable);
    assert_eq!(outcome.parts[0].left_out, vec![1]);
    assert_eq!(outcome.parts[0].operations, vec![0, 2]);
}
