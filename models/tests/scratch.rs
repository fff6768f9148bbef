//! scratch
use splitbrain_models::*;
#[test]
fn scratch() {
    let specs: Vec<(String, Option<String>)> = std::env::var("SPECS")
        .unwrap()
        .split(',')
        .map(|s| {
            let mut p = s.split(':');
            (p.next().unwrap().to_owned(), p.next().map(str::to_owned))
        })
        .collect();
    let threads: usize = std::env::var("THREADS")
        .ok()
        .map(|t| t.parse().unwrap())
        .unwrap_or(1);
    for (spec, bug) in specs {
        let mut req = CheckRequest::new(spec).threads(threads);
        if let Some(b) = bug {
            req = req.bug(b);
        }
        let outcome = check(&req).unwrap();
        let s = format!("{outcome}");
        println!("{}", s.lines().take(12).collect::<Vec<_>>().join("\n"));
        println!("cache {:?}", outcome.verdict_cache);
    }
}
