//! Which jobs a grading run has: the selected scenarios × seeds, and the shard
//! of them this machine runs.

use tests::{Part, Scenario};

use crate::cli::GradeArgs;

/// One job: a scenario and a seed.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let err = || format!("--shard takes K/N with 1 <= K <= N, such as 2/4; got {text:?}");
    let (k, n) = text.split_once('/').ok_or_else(err)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| err())?,
        n.trim().parse().map_err(|_| err())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(err());
    }
    Ok((k, n))
}

/// The scenarios the options select, in registry order.
pub fn select(args: &GradeArgs) -> Result<Vec<Scenario>, String> {
    let parts: Vec<Part> = args
        .part
        .iter()
        .map(|p| {
            Part::parse(p).ok_or_else(|| {
                let names: Vec<&str> = Part::ALL.iter().map(|p| p.name()).collect();
                format!("unknown part {p:?}; the parts are {}", names.join(", "))
            })
        })
        .collect::<Result<_, _>>()?;
    for name in &args.test {
        tests::find(name)?;
    }
    Ok(tests::registry()
        .into_iter()
        .filter(|s| parts.is_empty() || parts.contains(&s.part))
        .filter(|s| args.test.is_empty() || args.test.iter().any(|t| t == s.name))
        .collect())
}

/// Every job of the selection, then only this shard's: job number `j` (in
/// scenario-major order) belongs to shard `j mod N + 1`.
pub fn jobs(args: &GradeArgs) -> Result<Vec<Job>, String> {
    if args.seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let mut all = Vec::new();
    for scenario in select(args)? {
        for seed in args.seed_start..args.seed_start.saturating_add(args.seeds) {
            all.push(Job { scenario, seed });
        }
    }
    Ok(match shard {
        None => all,
        Some((k, n)) => all
            .into_iter()
            .enumerate()
            .filter(|(j, _)| *j as u64 % n == k - 1)
            .map(|(_, job)| job)
            .collect(),
    })
}
