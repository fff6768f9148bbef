//! What `results.json` says about a run, the way a reader wants it: the seed and the replay
//! command, the elapsed time rounded with its unit (`12.3 s`), the operation counts (`stats`)
//! per function and the network counters (`net`) as tables. A value whose shape this page does
//! not know is shown as JSON, never dropped: `results.json` may grow faster than the page.

use std::fmt::Write;

use serde_json::Value as Json;

use super::escape;

/// The network counters in the order a reader follows a message: sent, then what became of it,
/// then who sent it. Counters not listed here follow, in `results.json`'s order.
const NET_ORDER: [&str; 9] = [
    "sent",
    "delivered",
    "duplicated",
    "lost",
    "partitioned",
    "undeliverable",
    "node_to_node",
    "client",
    "service",
];

/// The run's facts: a table of seed, replay command and elapsed time, then the operation and
/// network tables.
pub(super) fn section(results: &Json) -> String {
    let mut html = String::from("<table id=\"run-facts\">");
    for name in ["seed", "replay", "elapsed"] {
        let Some(value) = results.get(name).filter(|v| !v.is_null()) else {
            continue;
        };
        let shown = match (name, value) {
            ("elapsed", Json::Number(n)) => match n.as_f64() {
                Some(seconds) => escape(&elapsed(seconds)),
                None => code(value),
            },
            (_, Json::String(s)) => format!("<code>{}</code>", escape(s)),
            _ => code(value),
        };
        let _ = write!(html, "<tr><th>{name}</th><td>{shown}</td></tr>");
    }
    html.push_str("</table>\n");
    let stats = results.get("stats").filter(|v| !v.is_null());
    let net = results.get("net").filter(|v| !v.is_null());
    if stats.is_some() || net.is_some() {
        html.push_str("<div class=\"facts\">");
        if let Some(stats) = stats {
            html.push_str(&stats_table(stats));
        }
        if let Some(net) = net {
            html.push_str(&net_table(net));
        }
        html.push_str("</div>\n");
    }
    html
}

/// A duration in seconds, rounded for reading: `457 ms`, `12.3 s`, `2 min 5 s`.
pub(super) fn elapsed(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1e3)
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

/// `stats`: one row per function (`by_f`: `[invoked, ok, fail, info]`) and a total row.
fn stats_table(stats: &Json) -> String {
    let counts = |v: &Json| -> Option<[u64; 4]> {
        let a = v.as_array().filter(|a| a.len() == 4)?;
        let mut out = [0; 4];
        for (slot, n) in out.iter_mut().zip(a) {
            *slot = n.as_u64()?;
        }
        Some(out)
    };
    let by_f = stats.get("by_f").and_then(Json::as_object);
    let rows: Option<Vec<(&str, [u64; 4])>> = by_f.and_then(|by_f| {
        by_f.iter()
            .map(|(f, v)| Some((f.as_str(), counts(v)?)))
            .collect()
    });
    let total = ["count", "ok", "fail", "info"].map(|k| stats.get(k).and_then(Json::as_u64));
    let (Some(rows), [Some(count), Some(ok), Some(fail), Some(info)]) = (rows, total) else {
        return fallback("stats", "operations", stats);
    };
    let mut html = String::from(
        "<table id=\"stats\"><caption>operations</caption>\
         <tr><th>f</th><th>invoked</th><th>ok</th><th>fail</th><th>info</th></tr>",
    );
    let row = |html: &mut String, f: &str, n: [u64; 4]| {
        let _ = write!(html, "<tr><td>{}</td>", escape(f));
        for v in n {
            let _ = write!(html, "<td class=\"n\">{}</td>", thousands(v));
        }
        html.push_str("</tr>");
    };
    for (f, n) in rows {
        row(&mut html, f, n);
    }
    row(&mut html, "all", [count, ok, fail, info]);
    html.push_str("</table>");
    html
}

/// `net`: one column per counter, in [`NET_ORDER`].
fn net_table(net: &Json) -> String {
    let Some(counters) = net
        .as_object()
        .filter(|o| !o.is_empty() && o.values().all(Json::is_u64))
    else {
        return fallback("net", "messages", net);
    };
    let mut names: Vec<&str> = NET_ORDER
        .iter()
        .copied()
        .filter(|n| counters.contains_key(*n))
        .collect();
    names.extend(
        counters
            .keys()
            .map(String::as_str)
            .filter(|k| !NET_ORDER.contains(k)),
    );
    let mut html = String::from("<table id=\"net\"><caption>messages</caption><tr>");
    for name in &names {
        let _ = write!(html, "<th>{}</th>", escape(&name.replace('_', " ")));
    }
    html.push_str("</tr><tr>");
    for name in &names {
        let n = counters[*name].as_u64().unwrap_or_default();
        let _ = write!(html, "<td class=\"n\">{}</td>", thousands(n));
    }
    html.push_str("</tr></table>");
    html
}

/// A value of a shape the tables do not know, as JSON, under its caption.
fn fallback(id: &str, caption: &str, value: &Json) -> String {
    format!(
        "<table id=\"{id}\"><caption>{caption}</caption><tr><td>{}</td></tr></table>",
        code(value)
    )
}

fn code(value: &Json) -> String {
    format!("<code>{}</code>", escape(&value.to_string()))
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn elapsed_is_rounded_with_its_unit() {
        assert_eq!(elapsed(11.613177391), "11.6 s");
        assert_eq!(elapsed(0.4567), "457 ms");
        assert_eq!(elapsed(125.4), "2 min 5 s");
    }

    #[test]
    fn stats_and_net_are_tables_not_json() {
        let results = json!({
            "seed": 7,
            "replay": "splitbrain run --seed 7 <x>",
            "elapsed": 11.613177391,
            "stats": {"by_f": {"cas": [66, 23, 43, 0], "read": [1144, 1144, 0, 0]},
                      "count": 1210, "fail": 43, "info": 0, "ok": 1167},
            "net": {"client": 596, "delivered": 1056, "node_to_node": 216, "sent": 1126,
                    "extra": 1},
        });
        let html = section(&results);
        assert!(html.contains("<td>11.6 s</td>"), "{html}");
        assert!(html.contains("--seed 7 &lt;x&gt;"), "{html}");
        let stats = html.split("id=\"stats\"").nth(1).unwrap();
        assert!(stats.contains(
            "<tr><td>cas</td><td class=\"n\">66</td><td class=\"n\">23</td>\
             <td class=\"n\">43</td><td class=\"n\">0</td></tr>"
        ));
        assert!(stats.contains("<tr><td>all</td><td class=\"n\">1,210</td>"));
        let net = html.split("id=\"net\"").nth(1).unwrap();
        let header = net.split("</tr>").next().unwrap();
        assert!(
            header.ends_with(
                "<th>sent</th><th>delivered</th><th>node to node</th>\
                              <th>client</th><th>extra</th>"
            ),
            "{header}"
        );
        assert!(
            !html.contains("\"by_f\"") && !html.contains("{\""),
            "no raw JSON: {html}"
        );
    }

    #[test]
    fn an_unknown_shape_is_shown_as_json_not_dropped() {
        let html = section(&json!({"stats": {"count": "many"}, "net": [1, 2]}));
        assert!(html.contains("id=\"stats\"") && html.contains("&quot;many&quot;"));
        assert!(html.contains("id=\"net\"") && html.contains("[1,2]"));
    }
}
