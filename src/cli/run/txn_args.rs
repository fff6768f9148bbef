//! `--consistency-models` and `--availability`, as Maelstrom spells them.

use splitbrain::checker::transactional::ConsistencyModel;

/// The `--consistency-models` help, from the list the parser accepts.
pub fn models_help() -> String {
    format!(
        "txn workloads: consistency models the history must satisfy, comma-separated; `a,b`, \
         `\"a, b\"` and `a, b` are all read as the list a, b (default strict-serializable, \
         Maelstrom's). Accepted: {}",
        ConsistencyModel::accepted_names()
    )
}

/// The models in the words given after `--consistency-models` (possibly several, from
/// `a, b` split by the shell), as one comma-separated list.
pub fn parse_models(words: &[String]) -> Result<Vec<ConsistencyModel>, String> {
    ConsistencyModel::parse_list(&words.join(","))
}

/// `--availability`: `total` (1) or a fraction in 0..1.
pub fn parse_availability(text: &str) -> Result<f64, String> {
    if text == "total" {
        return Ok(1.0);
    }
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "expected `total` or a fraction in 0..1, found {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_lists_with_and_without_spaces_are_the_same_list() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = parse_models(&words(&["read-committed,serializable"])).unwrap();
        let b = parse_models(&words(&["read-committed, serializable"])).unwrap();
        let c = parse_models(&words(&["read-committed,", "serializable"])).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.len(), 2);
        assert!(parse_models(&words(&["read-comitted"])).is_err());
    }

    #[test]
    fn availability_is_total_or_a_fraction() {
        assert_eq!(parse_availability("total"), Ok(1.0));
        assert_eq!(parse_availability("0.5"), Ok(0.5));
        assert!(parse_availability("2").is_err());
        assert!(parse_availability("most").is_err());
    }
}
