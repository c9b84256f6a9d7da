//! Which scenarios and seeds a measuring command runs (`premises`, `costs`).

use crate::registry::{Part, Scenario};

/// Scenarios and seeds.
#[derive(clap::Args, Debug, Clone)]
pub struct Selection {
    /// How many seeds per scenario.
    #[arg(long, default_value_t = 100)]
    pub seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    pub seed_start: u64,
    /// Only these scenarios (repeatable).
    #[arg(long)]
    pub test: Vec<String>,
    /// Only these parts (repeatable: 2a, 3b, ...).
    #[arg(long)]
    pub part: Vec<String>,
}

impl Selection {
    /// The selected scenarios, in registry order; an error names an unknown
    /// scenario or part.
    pub fn scenarios(&self) -> Result<Vec<Scenario>, String> {
        let parts: Vec<Part> = self
            .part
            .iter()
            .map(|p| Part::parse(p).ok_or_else(|| format!("unknown part \"{p}\"")))
            .collect::<Result<_, _>>()?;
        for t in &self.test {
            crate::find(t)?;
        }
        Ok(crate::registry()
            .into_iter()
            .filter(|s| parts.is_empty() || parts.contains(&s.part))
            .filter(|s| self.test.is_empty() || self.test.iter().any(|t| t == s.name))
            .collect())
    }

    /// The selected seeds.
    pub fn seeds(&self) -> Vec<u64> {
        (self.seed_start..self.seed_start.saturating_add(self.seeds)).collect()
    }

    /// Every (scenario index, seed) pair, scenario by scenario.
    pub fn jobs(&self, scenarios: usize) -> Vec<(usize, u64)> {
        let seeds = self.seeds();
        (0..scenarios)
            .flat_map(|s| seeds.iter().map(move |&seed| (s, seed)))
            .collect()
    }
}

/// Runs `job` for every item of `jobs` on every core, handing out items in
/// order.
pub fn in_parallel<T: Sync>(jobs: &[T], job: impl Fn(&T) + Sync) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(item) =
                    jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    job(item);
                }
            });
        }
    });
}
