//! Which jobs a grading run has: the selected scenarios × seeds, and the shard
//! of them this machine runs.

use jobwire::{Listing, ScenarioInfo};

use crate::cli::{JobSelection, SuiteChoice};

/// One job: a scenario and a seed.
#[derive(Clone, Debug)]
pub struct Job {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The seed.
    pub seed: u64,
}

/// Shard `k` of `n` (`--shard K/N`, 1 ≤ K ≤ N), parsed by clap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which shard.
    pub k: u64,
    /// Of how many.
    pub n: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let err = || format!("--shard takes K/N with 1 <= K <= N, such as 2/4; got {text:?}");
        let (k, n) = text.split_once('/').ok_or_else(err)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| err())?,
            n.trim().parse().map_err(|_| err())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(err());
        }
        Ok(Shard { k, n })
    }
}

/// The scenarios the options select, in registry order.
pub fn select(args: &JobSelection, listing: &Listing) -> Result<Vec<ScenarioInfo>, String> {
    let parts: Vec<&str> = args
        .part
        .iter()
        .map(|p| {
            listing
                .parts
                .iter()
                .find(|known| known.eq_ignore_ascii_case(p.trim()))
                .map(String::as_str)
                .ok_or_else(|| {
                    format!(
                        "unknown part {p:?}; the parts are {}",
                        listing.parts.join(", ")
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    for name in &args.test {
        find(listing, name)?;
    }
    Ok(listing
        .scenarios
        .iter()
        .filter(|s| parts.is_empty() || parts.contains(&s.part.as_str()))
        .filter(|s| args.test.is_empty() || args.test.contains(&s.name))
        .filter(|s| args.suite == SuiteChoice::All || s.suite == jobwire::Suite::Mit6824)
        .cloned()
        .collect())
}

/// The scenario called `name`, or an error listing the known names.
pub fn find<'a>(listing: &'a Listing, name: &str) -> Result<&'a ScenarioInfo, String> {
    listing
        .scenarios
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = listing.scenarios.iter().map(|s| s.name.as_str()).collect();
            format!(
                "unknown scenario \"{name}\"; the known ones are:\n  {}",
                names.join("\n  ")
            )
        })
}

/// Every job of the selection, then only this shard's: job number `j` (in
/// scenario-major order) belongs to shard `j mod N + 1`.
/// `seeds` seeds per scenario from `select.seed_start`.
pub fn jobs(
    select: &JobSelection,
    seeds: u64,
    shard: Option<Shard>,
    listing: &Listing,
) -> Result<Vec<Job>, String> {
    if seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    let shard = shard.map(|s| (s.k, s.n));
    let mut all = Vec::new();
    let first = select.seed_start;
    for scenario in self::select(select, listing)? {
        for seed in first..first.saturating_add(seeds) {
            all.push(Job {
                scenario: scenario.clone(),
                seed,
            });
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

/// The points the scenarios of `jobs` are worth, by part.
pub fn points_by_part(jobs: &[Job]) -> std::collections::BTreeMap<String, f64> {
    let scenarios: std::collections::BTreeMap<&str, (&str, u32)> = jobs
        .iter()
        .map(|j| {
            (
                j.scenario.name.as_str(),
                (j.scenario.part.as_str(), j.scenario.points),
            )
        })
        .collect();
    let mut parts = std::collections::BTreeMap::new();
    for (part, points) in scenarios.values() {
        *parts.entry(part.to_string()).or_insert(0.0) += f64::from(*points);
    }
    parts
}

/// The points the scenarios of `jobs` are worth.
pub fn points(jobs: &[Job]) -> f64 {
    points_by_part(jobs).values().sum()
}
