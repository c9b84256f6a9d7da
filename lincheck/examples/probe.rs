//! Checks one kv history file and prints the verdict per part:
//! `probe FILE BUDGET [whole]`.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let h = lincheck::parse::kv::parse_file(std::path::Path::new(&a[1])).unwrap();
    let model = if a.get(3).is_some_and(|m| m == "whole") {
        lincheck::models::kv::Kv::whole()
    } else {
        lincheck::models::kv::Kv::by_key()
    };
    let t = std::time::Instant::now();
    let o = lincheck::check(&model, &h, a[2].parse().unwrap()).unwrap();
    println!("{:?} steps {} in {:?}", o.verdict, o.steps, t.elapsed());
    for p in &o.parts {
        println!(
            "  {} {:?} {} longest {}",
            p.description,
            p.verdict,
            p.steps,
            p.longest.len()
        );
    }
}
