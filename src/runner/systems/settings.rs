//! Adapter settings: the knobs a system adapter takes (etcd's read mode, Redis's fencing,
//! ZooKeeper's `sync` before reads), each declared once by its adapter as a [`Setting`], given
//! in a cluster file's `[settings]` table and overridden on the command line with
//! `splitbrain run --set KEY=VALUE`. [`Settings::resolve`] checks names and values against the
//! declarations (an unknown key is an error naming the adapter's keys); adapters read the
//! resolved values, which always parse. Pure.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value as Json};

use crate::units::{format_duration, parse_duration};

/// What values a setting takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `true` or `false`.
    Flag,
    /// A duration such as `200ms` or `2s`.
    Duration,
    /// A TCP port; 0 means "none".
    Port,
    /// A word: letters, digits, `-`, `_`, `.`.
    Word,
    /// One of these words (an isolation level).
    OneOf(&'static [&'static str]),
}

impl Kind {
    /// The value in canonical form, or what was expected.
    fn normalize(self, value: &str) -> Result<String, String> {
        match self {
            Kind::Flag => match value {
                "true" | "false" => Ok(value.to_string()),
                _ => Err("true or false".into()),
            },
            Kind::Duration => parse_duration(value)
                .map(format_duration)
                .map_err(|_| "a duration such as 200ms or 2s".into()),
            Kind::Port => value
                .parse::<u16>()
                .map(|p| p.to_string())
                .map_err(|_| "a port number 0..=65535".into()),
            Kind::Word => {
                let ok = !value.is_empty()
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
                ok.then(|| value.to_string())
                    .ok_or_else(|| "a word of letters, digits, -, _ or .".into())
            }
            Kind::OneOf(words) => (words.iter())
                .find(|w| **w == value)
                .map(|w| w.to_string())
                .ok_or_else(|| format!("one of {}", words.join(", "))),
        }
    }
}

/// One knob of an adapter, as `--help` lists it.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Its key (`sync-reads`).
    pub name: &'static str,
    /// Its values.
    pub kind: Kind,
    /// Its value when neither the cluster file nor the command line gives one.
    pub default: &'static str,
    /// One line on what it does.
    pub help: &'static str,
}

/// An adapter's resolved settings: every declared key with its value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    values: BTreeMap<&'static str, (Kind, String)>,
}

impl Settings {
    /// The values of `declared` for adapter `adapter`: each default, overridden by `layers` in
    /// order (the cluster file's `[settings]`, then `--set`). An unknown key or a bad value is
    /// an error naming the key and what was expected.
    pub fn resolve(
        adapter: &str,
        declared: &'static [Setting],
        layers: &[&[(String, String)]],
    ) -> Result<Settings, String> {
        let mut values: BTreeMap<&'static str, (Kind, String)> = declared
            .iter()
            .map(|s| (s.name, (s.kind, s.default.to_string())))
            .collect();
        for (key, value) in layers.iter().flat_map(|l| l.iter()) {
            let setting = find(adapter, declared, key)?;
            let value = setting
                .kind
                .normalize(value)
                .map_err(|want| format!("setting {key}={value:?}: expected {want}"))?;
            values.insert(setting.name, (setting.kind, value));
        }
        Ok(Settings { values })
    }

    /// A flag's value (`false` if `name` is not declared).
    pub fn flag(&self, name: &str) -> bool {
        self.values.get(name).is_some_and(|(_, v)| v == "true")
    }

    /// A duration's value (zero if `name` is not declared).
    pub fn duration(&self, name: &str) -> Duration {
        (self.values.get(name))
            .and_then(|(_, v)| parse_duration(v).ok())
            .unwrap_or_default()
    }

    /// A port's value (0 if `name` is not declared).
    pub fn port(&self, name: &str) -> u16 {
        (self.values.get(name))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0)
    }

    /// A word's value, or the chosen one of a [`Kind::OneOf`] (empty if `name` is not
    /// declared).
    pub fn word(&self, name: &str) -> &str {
        self.values.get(name).map_or("", |(_, v)| v.as_str())
    }

    /// Every key and value, for `results.json`.
    pub fn to_json(&self) -> Map<String, Json> {
        (self.values.iter())
            .map(|(k, (kind, v))| {
                let value = match kind {
                    Kind::Flag => Json::Bool(v == "true"),
                    Kind::Port => v.parse::<u16>().map_or(Json::Null, Json::from),
                    Kind::Duration | Kind::Word | Kind::OneOf(_) => Json::String(v.clone()),
                };
                (k.to_string(), value)
            })
            .collect()
    }
}

/// The declaration of `key`, or the error naming the adapter's keys.
pub fn find(
    adapter: &str,
    declared: &'static [Setting],
    key: &str,
) -> Result<&'static Setting, String> {
    declared.iter().find(|s| s.name == key).ok_or_else(|| {
        let names: Vec<&str> = declared.iter().map(|s| s.name).collect();
        let keys = if names.is_empty() {
            "it has none".to_string()
        } else {
            format!("its settings: {}", names.join(", "))
        };
        format!("unknown setting {key:?} for the {adapter} adapter; {keys}")
    })
}

/// `KEY=VALUE` (from `--set`), split.
pub fn parse_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("expected KEY=VALUE, found {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARED: &[Setting] = &[
        Setting {
            name: "fencing",
            kind: Kind::Flag,
            default: "false",
            help: "",
        },
        Setting {
            name: "lease",
            kind: Kind::Duration,
            default: "200ms",
            help: "",
        },
    ];

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_overridden_by_the_file_and_then_the_command_line() {
        let file = pairs(&[("fencing", "true"), ("lease", "1s")]);
        let cli = pairs(&[("fencing", "false")]);
        let s = Settings::resolve("redis", DECLARED, &[&file, &cli]).unwrap();
        assert!(!s.flag("fencing"));
        assert_eq!(s.duration("lease"), Duration::from_secs(1));
        let s = Settings::resolve("redis", DECLARED, &[]).unwrap();
        assert_eq!(s.duration("lease"), Duration::from_millis(200));
        assert_eq!(s.to_json()["fencing"], Json::Bool(false));
    }

    #[test]
    fn an_unknown_key_names_the_adapters_keys_and_a_bad_value_what_was_expected() {
        let e = Settings::resolve("redis", DECLARED, &[&pairs(&[("fence", "1")])]).unwrap_err();
        assert!(
            e.contains("\"fence\"") && e.contains("fencing, lease"),
            "{e}"
        );
        let e = Settings::resolve("redis", DECLARED, &[&pairs(&[("fencing", "yes")])]).unwrap_err();
        assert!(e.contains("true or false"), "{e}");
        const LEVELS: &[Setting] = &[Setting {
            name: "isolation",
            kind: Kind::OneOf(&["serializable", "read-committed"]),
            default: "serializable",
            help: "",
        }];
        let e = Settings::resolve("postgres", LEVELS, &[&pairs(&[("isolation", "snapshot")])])
            .unwrap_err();
        assert!(e.contains("one of serializable, read-committed"), "{e}");
        let s = Settings::resolve(
            "postgres",
            LEVELS,
            &[&pairs(&[("isolation", "read-committed")])],
        )
        .unwrap();
        assert_eq!(s.word("isolation"), "read-committed");
        assert!(parse_assignment("a=b").is_ok());
        assert!(parse_assignment("=b").is_err() && parse_assignment("ab").is_err());
    }
}
