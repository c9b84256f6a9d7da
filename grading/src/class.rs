//! `grading class DIR`: grading a whole class. Every directory in DIR is one
//! student's submission, named after the student; each is built once (with
//! the isolation of `--submission`) and graded on the same jobs, and the class
//! table is written as CSV, JSON and a self-contained, sortable HTML page.
//!
//! Each student's jobs are kept in `OUT/students/NAME.json` with a fingerprint
//! of what was graded (the student's files, this tree's handout, the
//! scenarios, seeds and policy).
//! A student whose fingerprint has not changed is not graded again: a run
//! that was interrupted resumes where it stopped, and shards of the class
//! graded on several machines (`--shard K/N` over students) merge by copying
//! their `students/` reports into one OUT and running again.
//!
//! The table also lists the students whose code is too alike, with one
//! another or with known solutions (see `similar`), each pair with its
//! side-by-side page: evidence for a person to read, never a change of score.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use html_escape::encode_double_quoted_attribute as escape;
use jobwire::Listing;
use serde::{Deserialize, Serialize};

use crate::cli::{ClassArgs, Policy};
use crate::harness::Harness;
use crate::job;
use crate::plan::{self, Job};
use crate::reports::{JsonReport, write_file};
use crate::score::score;
use crate::similar::{self, SimilarPair};
use crate::{pool, submission};

/// What `OUT/students/NAME.json` holds.
#[derive(Debug, Serialize, Deserialize)]
struct StudentFile {
    /// The student (the submission directory's name).
    student: String,
    /// What was graded: the student's files, the jobs and the policy.
    fingerprint: String,
    /// The submission directory graded.
    submission: PathBuf,
    /// Why the submission was not graded, in one line (None if it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_graded: Option<String>,
    /// Wall time of the build and the jobs, in seconds.
    wall_secs: f64,
    /// The jobs, scored, as `--json` writes them (with `error` if the
    /// submission could not be graded).
    report: JsonReport,
}

/// One student's line of the class table.
#[derive(Debug, Serialize)]
struct Row {
    student: String,
    score: f64,
    max_score: f64,
    /// Points earned and possible per part.
    parts: BTreeMap<String, (f64, f64)>,
    /// Why nothing was graded (empty submission, build failure), if so.
    error: Option<String>,
    /// The failed jobs: one per failing scenario (its first failed seed).
    failing: Vec<Failing>,
}

/// A failing scenario of a student: its first failed seed.
#[derive(Debug, Serialize)]
struct Failing {
    test: String,
    seed: u64,
    failed_seeds: usize,
    reason: String,
    replay: String,
    /// The failed run's timeline, relative to OUT, if one was written.
    timeline: Option<String>,
}

/// The class table as `class.json` holds it.
#[derive(Debug, Serialize)]
struct ClassTable<'a> {
    seeds: u64,
    parts: &'a [String],
    students: &'a [Row],
    /// Students of DIR with no report yet (another shard's, or interrupted).
    not_graded: &'a [String],
    /// The pairs whose code is too alike, most alike first.
    similar: &'a [SimilarPair],
    /// The threshold of `similar`, in percent.
    similarity_min: f64,
}

/// Grades the class in `args.dir`; true if every student of this shard has
/// a report.
pub fn run(root: &Path, args: &ClassArgs) -> Result<bool, String> {
    let started = Instant::now();
    if !(0.0..=100.0).contains(&args.similarity_min) {
        return Err(format!(
            "--similarity-min {} is not a percentage (0 to 100)",
            args.similarity_min
        ));
    }
    let students = list_students(&args.dir)?;
    if students.is_empty() {
        return Err(format!(
            "{} holds no submission directories (one per student, named after the student)",
            args.dir.display()
        ));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("target/raftlab/class"));
    let reports = out.join("students");
    std::fs::create_dir_all(&reports)
        .map_err(|e| format!("cannot create {}: {e}", reports.display()))?;

    let tree = crate::tree_harness()?;
    let listing = tree.listing()?;
    // The grader's side of what is graded: a report is kept only while the
    // handout (the tests, the tester, every file but the student's) is the
    // same, on this machine or another with the same sources.
    let tests = submission::handout_hash(root)?;
    let jobs = plan::jobs(&args.select, args.seeds, None, &listing)?;
    let mine: Vec<&(String, PathBuf)> = students
        .iter()
        .enumerate()
        .filter(|(i, _)| args.shard.is_none_or(|s| (*i as u64) % s.n == s.k - 1))
        .map(|(_, s)| s)
        .collect();
    let interrupted = pool::interrupted_on_ctrl_c();
    let (mut graded, mut kept) = (0, 0);
    for (n, (name, dir)) in mine.iter().enumerate() {
        let fingerprint = fingerprint(dir, &tests, &listing, &jobs, args);
        let path = reports.join(format!("{name}.json"));
        if !args.regrade
            && let Some(old) = read_student(&path)
            && old.fingerprint == fingerprint
        {
            kept += 1;
            continue;
        }
        eprintln!(
            "[{}/{}] {name}: building {} ...",
            n + 1,
            mine.len(),
            dir.display()
        );
        let t0 = Instant::now();
        let graded_one = grade_one(
            &Grading {
                root,
                tree: &tree,
                listing: &listing,
                jobs: &jobs,
                args,
            },
            dir,
            &out.join("students").join(name),
            &interrupted,
        )?;
        let (report, not_graded) = match graded_one {
            Some(graded) => graded,
            None => {
                eprintln!(
                    "interrupted while grading {name}: its jobs are not kept; run again to resume"
                );
                break;
            }
        };
        eprintln!(
            "[{}/{}] {name}: {:.1}/{:.1}{}",
            n + 1,
            mine.len(),
            report.score,
            report.max_score,
            not_graded
                .as_deref()
                .map_or(String::new(), |e| format!(" (not graded: {e})"))
        );
        let file = StudentFile {
            student: name.clone(),
            fingerprint,
            submission: dir.clone(),
            not_graded,
            wall_secs: t0.elapsed().as_secs_f64(),
            report,
        };
        write_file(
            &path,
            &serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?,
        )?;
        graded += 1;
    }

    // The table: every student of DIR with a report in OUT (this run's, an
    // earlier one's, or another shard's).
    let planned = plan::points_by_part(&jobs);
    let mut rows = Vec::new();
    let mut not_graded = Vec::new();
    for (name, _) in &students {
        match read_student(&reports.join(format!("{name}.json"))) {
            Some(file) => rows.push(row(&file, &out, args.policy, &planned)),
            None => not_graded.push(name.clone()),
        }
    }
    let parts: Vec<String> = listing
        .parts
        .iter()
        .filter(|p| rows.iter().any(|r| r.parts.contains_key(*p)))
        .cloned()
        .collect();
    let similar = similar::pairs(
        root,
        &students,
        args.corpus.as_deref(),
        args.similarity_min,
        &out,
    )?;
    let table = ClassTable {
        seeds: args.seeds,
        parts: &parts,
        students: &rows,
        not_graded: &not_graded,
        similar: &similar,
        similarity_min: args.similarity_min,
    };
    write_file(&out.join("class.csv"), &csv(&rows, &parts, &similar)?)?;
    write_file(
        &out.join("class.json"),
        &serde_json::to_string_pretty(&table).map_err(|e| e.to_string())?,
    )?;
    write_file(&out.join("class.html"), &html(&table))?;
    print!("{}", text(&rows, &parts));
    if !similar.is_empty() {
        println!(
            "{} pairs share at least {}% of one's own code: see class.html (evidence to read, \
             not a verdict)",
            similar.len(),
            args.similarity_min
        );
    }
    println!(
        "{graded} graded now, {kept} up to date, {} not graded; reports in {} \
         (class.csv, class.json, class.html); wall time {:.1} s",
        not_graded.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(graded + kept == mine.len() && !interrupted.load(Ordering::SeqCst))
}

/// The student directories of `dir`, by name: every directory whose name does
/// not start with a dot. A name that is not UTF-8, or a link, is an error.
pub(crate) fn list_students(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the class {}: {e}", dir.display()))?;
    let mut students = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(format!(
                "{} is not a UTF-8 name; name each submission directory after its student",
                path.display()
            ));
        };
        if name.starts_with('.') {
            continue;
        }
        let meta =
            std::fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_symlink() {
            return Err(format!(
                "{} is a symbolic link; the class holds submission directories only",
                path.display()
            ));
        }
        if meta.is_dir() {
            students.push((name, path));
        }
    }
    students.sort();
    Ok(students)
}

/// What every submission of a class is graded with.
struct Grading<'a> {
    /// The tree's root.
    root: &'a Path,
    /// The tree's harness, which runs each submission's module.
    tree: &'a Harness,
    /// Its scenarios.
    listing: &'a Listing,
    /// The jobs each submission runs.
    jobs: &'a [Job],
    /// The command line.
    args: &'a ClassArgs,
}

/// Builds and grades one submission: its report, and why it was not graded
/// if it was not (in one line); `None` if interrupted; an error if the
/// grader itself failed (nothing is recorded for the student then).
fn grade_one(
    grading: &Grading<'_>,
    dir: &Path,
    artifacts: &Path,
    interrupted: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<Option<(JsonReport, Option<String>)>, String> {
    let Grading {
        root,
        tree,
        listing,
        jobs,
        args,
    } = *grading;
    let options = submission::BuildOptions::new(&args.select.build, false)?;
    let harness = match submission::build(root, dir, &options, tree) {
        Ok(harness) => harness,
        Err(e @ submission::SubmissionError::Grader(_)) => {
            return Err(format!("cannot grade {}: {e}", dir.display()));
        }
        Err(e) => {
            let report = JsonReport::not_graded(listing, plan::points(jobs), &e.to_string());
            return Ok(Some((report, Some(e.summary()))));
        }
    };
    let options = job::JobOptions {
        timeout: Duration::from_secs(args.select.timeout),
        memory_mb: args.select.memory_mb,
        artifacts: Some(artifacts.to_path_buf()),
        max_timelines: Some(1),
        require_sandbox: false,
        submission: Some(dir.to_path_buf()),
        quiet: true,
    };
    let results = pool::run(
        &harness,
        &listing.parts,
        jobs.to_vec(),
        args.select.workers(),
        &options,
        interrupted.clone(),
    );
    if interrupted.load(Ordering::SeqCst) || results.len() != jobs.len() {
        return Ok(None);
    }
    let scores = score(&results, args.policy, listing);
    let report = JsonReport {
        score: scores.iter().map(|s| s.score).sum(),
        max_score: scores.iter().map(|s| s.max_score).sum(),
        listing: listing.clone(),
        jobs: results,
        error: None,
    };
    Ok(Some((report, None)))
}

/// What was graded, as a hash: the student's files (paths and contents, or
/// why they cannot be read), this tree's handout (`tests`, its hash), the
/// scenarios with their points, the jobs and the policy.
fn fingerprint(
    dir: &Path,
    tests: &str,
    listing: &Listing,
    jobs: &[Job],
    args: &ClassArgs,
) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"raftlab class v1\0");
    hasher.update(tests.as_bytes());
    hasher.update(
        serde_json::to_string(listing)
            .unwrap_or_default()
            .as_bytes(),
    );
    for j in jobs {
        hasher.update(format!("{} {}\0", j.scenario.name, j.seed).as_bytes());
    }
    hasher.update(format!("{:?}\0", args.policy).as_bytes());
    match submission::student_files(dir) {
        Ok(files) => {
            for (from, rel) in files {
                hasher.update(rel.to_string_lossy().as_bytes());
                hasher.update(b"\0");
                match std::fs::read(&from) {
                    Ok(bytes) => {
                        hasher.update(&(bytes.len() as u64).to_le_bytes());
                        hasher.update(&bytes);
                    }
                    Err(e) => {
                        hasher.update(format!("unreadable: {e}").as_bytes());
                    }
                }
            }
        }
        Err(e) => {
            hasher.update(format!("no files: {e}").as_bytes());
        }
    }
    hasher.finalize().to_hex().to_string()
}

fn read_student(path: &Path) -> Option<StudentFile> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// A student's line: per-part points and the failing scenarios. A student
/// not graded (no files, no build) has 0 of `planned` in each part.
fn row(file: &StudentFile, out: &Path, policy: Policy, planned: &BTreeMap<String, f64>) -> Row {
    let report = &file.report;
    let scores = score(&report.jobs, policy, &report.listing);
    let mut parts: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    if report.error.is_some() || file.not_graded.is_some() {
        for (part, max) in planned {
            parts.insert(part.clone(), (0.0, *max));
        }
    }
    for s in &scores {
        let entry = parts.entry(s.part.clone()).or_default();
        entry.0 += s.score;
        entry.1 += s.max_score;
    }
    parts.retain(|_, (_, max)| *max > 0.0);
    // Each failing scenario with its first failed seed, in registry order.
    let failing: Vec<Failing> = scores
        .iter()
        .filter(|s| s.passed < s.runs)
        .filter_map(|s| {
            let j = report
                .jobs
                .iter()
                .find(|j| j.test == s.test && !j.passed())?;
            Some(Failing {
                test: s.test.clone(),
                seed: j.seed,
                failed_seeds: (s.runs - s.passed) as usize,
                reason: first_line(&j.reason).to_string(),
                replay: j.replay.clone(),
                timeline: j.timeline.as_ref().map(|t| relative(Path::new(t), out)),
            })
        })
        .collect();
    Row {
        student: file.student.clone(),
        score: report.score,
        max_score: report.max_score,
        parts,
        error: file.not_graded.clone().or_else(|| report.error.clone()),
        failing,
    }
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// `class.csv`: one line per student.
fn csv(rows: &[Row], parts: &[String], similar: &[SimilarPair]) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["student".to_string(), "score".into(), "max_score".into()];
    header.extend(parts.iter().cloned());
    header.extend(["error".to_string(), "failing".into(), "similar".into()]);
    w.write_record(&header).map_err(|e| e.to_string())?;
    for r in rows {
        let mut record = vec![
            r.student.clone(),
            format!("{:.1}", r.score),
            format!("{:.1}", r.max_score),
        ];
        for p in parts {
            record.push(
                r.parts
                    .get(p)
                    .map_or(String::new(), |(s, _)| format!("{s:.1}")),
            );
        }
        record.push(r.error.clone().unwrap_or_default());
        record.push(
            r.failing
                .iter()
                .map(|f| format!("{} (seed {}): {}", f.test, f.seed, f.replay))
                .collect::<Vec<_>>()
                .join("; "),
        );
        record.push(similar_to(&r.student, similar).join("; "));
        w.write_record(&record).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// Whom `student` is listed as alike with, and how much of their own code
/// each shares: "bob (82% of mine, 75% of theirs)".
fn similar_to(student: &str, similar: &[SimilarPair]) -> Vec<String> {
    similar
        .iter()
        .filter_map(|p| {
            if p.first == student {
                Some((&p.second, p.first_percent, p.second_percent))
            } else if p.second == student {
                Some((&p.first, p.second_percent, p.first_percent))
            } else {
                None
            }
        })
        .map(|(other, mine, theirs)| {
            format!("{other} ({mine:.0}% of mine, {theirs:.0}% of theirs)")
        })
        .collect()
}

/// The table on the terminal.
fn text(rows: &[Row], parts: &[String]) -> String {
    let mut out = format!("{:<24} {:>13}", "student", "points");
    for p in parts {
        let _ = write!(out, " {p:>11}");
    }
    out.push_str("  failing\n");
    for r in rows {
        let _ = write!(
            out,
            "{:<24} {:>13}",
            r.student,
            format!("{:.1}/{:.1}", r.score, r.max_score)
        );
        for p in parts {
            let cell = r
                .parts
                .get(p)
                .map_or("-".to_string(), |(s, m)| format!("{s:.0}/{m:.0}"));
            let _ = write!(out, " {cell:>11}");
        }
        match &r.error {
            Some(e) => {
                let _ = writeln!(out, "  not graded: {e}");
            }
            None => {
                let names: Vec<&str> = r.failing.iter().map(|f| f.test.as_str()).collect();
                let _ = writeln!(out, "  {}", names.join(", "));
            }
        }
    }
    out
}

/// `class.html`: the table, sortable by any column, with each failing
/// scenario's replay command and a link to its timeline.
fn html(table: &ClassTable<'_>) -> String {
    let mut out = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>raftlab: class grades</title>\n\
         <style>body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}\
         th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top}th{cursor:pointer;background:#f4f4f4}\
         td.n{text-align:right}code{font-size:12px}.err{color:#a00}</style></head><body>\n",
    );
    let _ = writeln!(
        out,
        "<h1>Class grades</h1>\n<p>{} students, {} seeds per scenario. Click a column to sort.</p>",
        table.students.len(),
        table.seeds
    );
    if !table.not_graded.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"err\">Not graded yet: {}</p>",
            escape(&table.not_graded.join(", "))
        );
    }
    out.push_str("<table id=\"grades\"><thead><tr><th>student</th><th>points</th>");
    let parts: Vec<&String> = table.parts.iter().collect();
    for p in &parts {
        let _ = write!(out, "<th>{}</th>", escape(p.as_str()));
    }
    out.push_str("<th>failing</th></tr></thead><tbody>\n");
    for r in table.students {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\" data-v=\"{}\">{:.1}/{:.1}</td>",
            escape(&r.student),
            r.score,
            r.score,
            r.max_score
        );
        for p in &parts {
            match r.parts.get(*p) {
                Some((s, m)) => {
                    let _ = write!(out, "<td class=\"n\" data-v=\"{s}\">{s:.1}/{m:.1}</td>");
                }
                None => out.push_str("<td class=\"n\" data-v=\"-1\">-</td>"),
            }
        }
        out.push_str("<td>");
        if let Some(e) = &r.error {
            let _ = write!(out, "<span class=\"err\">not graded: {}</span>", escape(e));
        }
        for f in &r.failing {
            let name = match &f.timeline {
                Some(t) => format!("<a href=\"{}\">{}</a>", escape(t), escape(&f.test)),
                None => escape(&f.test).into_owned(),
            };
            let _ = write!(
                out,
                "<div>{name} ({} seeds; seed {}): {}<br><code>{}</code></div>",
                f.failed_seeds,
                f.seed,
                escape(&f.reason),
                escape(&f.replay)
            );
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table>\n");
    similarity_section(&mut out, table);
    out.push_str(
        "<script>\n\
         document.querySelectorAll('#grades th').forEach((th, col) => {\n\
           let up = true;\n\
           th.addEventListener('click', () => {\n\
             const body = document.querySelector('#grades tbody');\n\
             const key = tr => { const td = tr.children[col]; const v = td.dataset.v;\n\
               return v === undefined ? td.textContent : parseFloat(v); };\n\
             const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b);\n\
               return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1); });\n\
             up = !up; rows.forEach(r => body.appendChild(r));\n\
           });\n\
         });\n\
         </script>\n</body></html>\n",
    );
    out
}

/// The similarity view of `class.html`: the pairs, most alike first, each
/// linked to its side-by-side page.
fn similarity_section(out: &mut String, table: &ClassTable<'_>) {
    let _ = writeln!(
        out,
        "<h2 id=\"similarity\">Similarity</h2>\n<p>Pairs of which one shares at least {}% of its \
         own code (beyond the handout's) with the other; names, values, comments, layout and the \
         order of functions are ignored. This is evidence for a person to read, not a verdict: \
         it changes no score.</p>",
        table.similarity_min
    );
    if table.similar.is_empty() {
        out.push_str("<p>No pair.</p>\n");
        return;
    }
    out.push_str(
        "<table id=\"similar\"><thead><tr><th>first</th><th>second</th><th>first's code \
         shared</th><th>second's code shared</th><th>fingerprints</th></tr></thead><tbody>\n",
    );
    for p in table.similar {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{:.0}%</td>\
             <td class=\"n\">{:.0}%</td><td class=\"n\">{}</td></tr>",
            match &p.page {
                Some(page) => format!("<a href=\"{}\">{}</a>", escape(page), escape(&p.first)),
                None => escape(&p.first).into_owned(),
            },
            escape(&p.second),
            p.first_percent,
            p.second_percent,
            p.fingerprints
        );
    }
    out.push_str("</tbody></table>\n");
}
