//! Premises: what a scenario exists to exercise, checked at its end.
//!
//! A scenario can pass without testing anything: a snapshot test in which no
//! server ever snapshots, an unreliable test on a network that happened to lose
//! nothing, a persistence test whose crashes only hit servers that had saved
//! nothing. Each scenario names its premises and checks them, from outside
//! (the network's counters, what servers applied and persisted, the history of
//! operations), after its own checks passed; a premise that does not hold fails
//! the run as "vacuous", naming it. The reference meets every premise on every
//! seed (`grading premises` measures it).

/// One premise of a run, as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Premise {
    /// What had to happen ("a snapshot was installed on the lagging server").
    pub name: &'static str,
    /// Whether it did.
    pub held: bool,
    /// What was observed (counts, servers), for the message.
    pub observed: String,
}

/// The message of a run whose premise did not hold.
pub fn vacuous(test: &str, premise: &Premise) -> String {
    format!(
        "{test} tested nothing it exists to test: premise \"{}\" does not hold ({}); \
         the scenario's other checks passed, but without this they prove nothing",
        premise.name, premise.observed
    )
}

/// How many of `ops` (call, return) intervals overlap another one: operations
/// that were really concurrent.
pub fn overlapping(mut ops: Vec<(u64, u64)>) -> usize {
    ops.sort_unstable();
    let mut count = 0;
    let mut latest_ret: Option<u64> = None;
    let mut last_counted = usize::MAX;
    for (i, &(call, ret)) in ops.iter().enumerate() {
        if let Some(r) = latest_ret
            && call < r
        {
            // This one overlaps an earlier one; count the earlier once too.
            if last_counted != i - 1 {
                count += 1;
            }
            count += 1;
            last_counted = i;
        }
        latest_ret = Some(latest_ret.map_or(ret, |r| r.max(ret)));
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_counts_operations_that_share_time() {
        assert_eq!(overlapping(vec![(0, 10), (20, 30)]), 0);
        assert_eq!(overlapping(vec![(0, 10), (5, 30), (40, 50)]), 2);
        assert_eq!(overlapping(vec![(0, 100), (5, 10), (20, 30)]), 3);
        assert_eq!(overlapping(vec![]), 0);
    }

    #[test]
    fn the_message_names_the_test_and_the_premise() {
        let p = Premise {
            name: "a snapshot was installed",
            held: false,
            observed: "0 installed".into(),
        };
        let m = vacuous("snapshot_rpc_3b", &p);
        assert!(m.starts_with("snapshot_rpc_3b tested nothing it exists to test: premise \"a snapshot was installed\" does not hold (0 installed)"));
    }
}
