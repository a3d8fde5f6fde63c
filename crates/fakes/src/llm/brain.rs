//! The fakes' default model: deterministic, and it does use tools. Asked a question with tools
//! on offer, it calls the one whose name and description share most words with the question,
//! with arguments valid for the tool's schema (every required property, and each optional one the
//! question names: "what if" fills a `what_if`, "30 days later" a `delay_days`); given the tool's
//! result, it answers quoting the figures in it; with no tool to call, it answers quoting the figures in the question (so a
//! narrative written "from the figures given" repeats them).

use super::{Part, Reply, Stop, Tool, Turn};
use serde_json::{Map, Value, json};

/// Words too common to say which tool is meant.
const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "how", "what", "much", "many", "our", "are", "was", "were", "did", "does",
    "with", "this", "that", "from", "have", "has", "about", "over", "last", "next", "into", "show",
    "tell", "give", "can", "you", "your", "which", "who", "when", "will", "would", "there",
    "their", "them", "they", "all", "any", "per", "its", "get", "returns", "return", "given",
];

/// Lower-case words of three letters or more, without the common ones.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

fn related(a: &str, b: &str) -> bool {
    a == b || (a.len() >= 4 && b.len() >= 4 && (a.starts_with(b) || b.starts_with(a)))
}

/// How well a tool fits a question: a word of its name counts three, of its description one.
fn score(tool: &Tool, question: &[String]) -> usize {
    let name = words(&tool.name.replace(['_', '-'], " "));
    let description = words(&tool.description);
    question
        .iter()
        .map(|q| {
            if name.iter().any(|n| related(n, q)) {
                3
            } else if description.iter().any(|d| related(d, q)) {
                1
            } else {
                0
            }
        })
        .sum()
}

/// The figures in a text, as written: runs of digits with `,` `.` `-` inside, not part of a
/// word (`toolu_1` has none).
pub(crate) fn figures(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        let starts = chars[i].is_ascii_digit()
            || (chars[i] == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts || after_word {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && (chars[j].is_ascii_digit() || matches!(chars[j], ',' | '.' | '-'))
        {
            j += 1;
        }
        let mut figure: String = chars[i..j].iter().collect();
        while figure.ends_with(['.', ',', '-']) {
            figure.pop();
        }
        let word_follows = chars.get(j).is_some_and(|c| c.is_alphabetic() || *c == '_');
        if !word_follows && !out.contains(&figure) {
            out.push(figure);
        }
        i = j;
    }
    out
}

/// Every lower-case word, short ones too, with hyphens dropped ("one-off" is "oneoff") and
/// `_` splitting (an enum value `costs_up` is the words "costs" and "up").
fn plain_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('-', "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether the question names an optional property: one of its words of four letters or more,
/// its whole name read as words ("what if" for `what_if`), or, for an object, one of its own
/// properties (so "30 days later" fills a `what_if` with its `delay_days`).
fn mentioned(property: &str, schema: &Value, question: &str, depth: usize) -> bool {
    let asked = plain_words(question);
    let phrase = format!(" {} ", asked.join(" "));
    let by_name = (property.contains('_')
        && phrase.contains(&format!(" {} ", property.to_lowercase().replace('_', " "))))
        || plain_words(&property.replace('_', " "))
            .iter()
            .filter(|w| w.len() >= 4 && !STOP_WORDS.contains(&w.as_str()))
            .any(|w| asked.iter().any(|q| related(q, w)));
    by_name
        || (depth < 8
            && schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|inner| {
                    inner
                        .iter()
                        .any(|(name, s)| mentioned(name, s, question, depth + 1))
                }))
}

fn tokens(question: &str) -> impl Iterator<Item = &str> {
    question
        .split(|c: char| c.is_whitespace() || matches!(c, '?' | '!' | '(' | ')' | '"' | '$'))
        .map(|w| w.trim_end_matches(['.', ',']))
}

fn first_match(question: &str, shape: fn(&str) -> bool) -> Option<&str> {
    tokens(question).find(|w| shape(w))
}

fn last_match(question: &str, shape: fn(&str) -> bool) -> Option<&str> {
    tokens(question).filter(|w| shape(w)).last()
}

/// An amount as written: digits with `,` or `.` inside.
fn is_amount(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_digit())
        && w.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
}

fn is_date(w: &str) -> bool {
    w.len() == 10
        && w.chars().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn is_month(w: &str) -> bool {
    w.len() == 7
        && w.chars()
            .enumerate()
            .all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_digit() })
}

fn number(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

/// A value valid for `schema`, taken from the question where it fits.
fn value_for(schema: &Value, property: &str, question: &str, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        let asked = plain_words(question);
        return options
            .iter()
            .find(|o| {
                o.as_str().is_some_and(|s| {
                    plain_words(s)
                        .iter()
                        .all(|w| asked.iter().any(|q| related(q, w)))
                })
            })
            .or_else(|| options.first())
            .cloned()
            .unwrap_or(Value::Null);
    }
    for alternatives in ["anyOf", "oneOf"] {
        if let Some(first) = schema.get(alternatives).and_then(|a| a.get(0)) {
            return value_for(first, property, question, depth + 1);
        }
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null"),
        Some(Value::String(k)) => k.as_str(),
        _ => "string",
    };
    match kind {
        "object" => object_for(schema, question, depth + 1),
        "array" => {
            let count = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .min(4);
            let item = schema.get("items").cloned().unwrap_or(json!({}));
            (0..count)
                .map(|_| value_for(&item, property, question, depth + 1))
                .collect()
        }
        "integer" | "number" => {
            let min = number(schema, "minimum").unwrap_or(1.0);
            let max = number(schema, "maximum").unwrap_or(f64::MAX);
            let asked = first_match(question, |w| w.parse::<u32>().is_ok())
                .and_then(|w| w.parse::<f64>().ok())
                .filter(|n| (min..=max).contains(n));
            let chosen = asked.unwrap_or(if min <= max { min } else { max });
            if kind == "integer" {
                #[expect(clippy::cast_possible_truncation, reason = "a schema bound, whole")]
                Value::from(chosen.ceil() as i64)
            } else {
                json!(chosen)
            }
        }
        "boolean" => Value::Bool(false),
        "null" => Value::Null,
        _ => Value::String(string_for(schema, property, question)),
    }
}

fn string_for(schema: &Value, property: &str, question: &str) -> String {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let name = property.to_lowercase();
    let mut text = if name == "to" || name.ends_with("_to") {
        // The end of a range is the last date named.
        last_match(question, is_date)
            .unwrap_or("2026-01-01")
            .to_owned()
    } else if format == "date" || name.ends_with("date") || name.ends_with("from") {
        first_match(question, is_date)
            .unwrap_or("2026-01-01")
            .to_owned()
    } else if name.contains("amount") {
        first_match(question, is_amount)
            .unwrap_or("1")
            .replace(',', "")
    } else if name.contains("month") || name.contains("period") {
        first_match(question, is_month)
            .unwrap_or("2026-01")
            .to_owned()
    } else {
        words(question).pop().unwrap_or_else(|| "cash".to_owned())
    };
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX);
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0);
    while (text.chars().count() as u64) < min {
        text.push('x');
    }
    text.chars()
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .collect()
}

/// An object with every required property, and each optional one the question names.
fn object_for(schema: &Value, question: &str, depth: usize) -> Value {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out = Map::new();
    for name in &required {
        let property = properties.get(*name).cloned().unwrap_or(json!({}));
        out.insert(
            (*name).to_owned(),
            value_for(&property, name, question, depth),
        );
    }
    for (name, property) in properties {
        if !required.contains(&name.as_str()) && mentioned(name, property, question, depth) {
            out.insert(name.clone(), value_for(property, name, question, depth));
        }
    }
    Value::Object(out)
}

/// The tool name each call id stands for, in the conversation so far.
fn call_name<'a>(turns: &'a [Turn], id: &str) -> Option<&'a str> {
    turns.iter().flat_map(|t| &t.parts).find_map(|p| match p {
        Part::Call { id: i, name, .. } if i == id => Some(name.as_str()),
        _ => None,
    })
}

/// The default model's answer to the conversation so far (whose last turn is the user's).
pub(crate) fn reply(tools: &[Tool], turns: &[Turn]) -> Reply {
    let last = turns.last().map_or(&[][..], |t| t.parts.as_slice());
    let results: Vec<(&str, &str)> = last
        .iter()
        .filter_map(|p| match p {
            Part::Result { id, content } => Some((id.as_str(), content.as_str())),
            _ => None,
        })
        .collect();
    if !results.is_empty() {
        let text = results
            .iter()
            .map(|(id, content)| {
                let name = call_name(turns, id).unwrap_or("the tool");
                let found = figures(content);
                if found.is_empty() {
                    format!("{name} returned no figures.")
                } else {
                    let shown: Vec<&str> = found.iter().take(8).map(String::as_str).collect();
                    format!("From {name}: {}.", shown.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        return Reply {
            text,
            call: None,
            stop: Stop::EndTurn,
        };
    }
    let question: String = last
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let asked = words(&question);
    let best =
        tools
            .iter()
            .map(|t| (score(t, &asked), t))
            .fold(None::<(usize, &Tool)>, |best, (s, t)| match best {
                Some((b, _)) if b >= s => best,
                _ if s > 0 => Some((s, t)),
                _ => best,
            });
    if let Some((_, tool)) = best {
        return Reply {
            text: format!("Let me look that up with {}.", tool.name),
            call: Some((tool.name.clone(), object_for(&tool.schema, &question, 0))),
            stop: Stop::ToolUse,
        };
    }
    let found = figures(&question);
    let text = if found.is_empty() {
        "I have no figures to answer from.".to_owned()
    } else {
        let shown: Vec<&str> = found.iter().take(8).map(String::as_str).collect();
        format!("Based on the figures given: {}.", shown.join(", "))
    };
    Reply {
        text,
        call: None,
        stop: Stop::EndTurn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, description: &str, schema: Value) -> Tool {
        Tool {
            name: name.into(),
            description: description.into(),
            schema,
        }
    }

    fn user(text: &str) -> Turn {
        Turn {
            assistant: false,
            parts: vec![Part::Text(text.into())],
        }
    }

    #[test]
    fn picks_the_tool_the_question_is_about_with_valid_arguments() {
        let tools = [
            tool(
                "cash_flow",
                "Money in and out for a period",
                json!({
                "type": "object",
                "properties": {"from": {"type": "string", "format": "date"},
                               "to": {"type": "string", "format": "date"}},
                "required": ["from", "to"]}),
            ),
            tool(
                "runway",
                "How many months the cash lasts",
                json!({
                "type": "object",
                "properties": {"months": {"type": "integer", "minimum": 1, "maximum": 24},
                               "scenario": {"type": "string", "enum": ["base", "cautious"]}},
                "required": ["months", "scenario"]}),
            ),
        ];
        let r = reply(
            &tools,
            &[user("What is our runway over 6 months if cautious?")],
        );
        let (name, input) = r.call.unwrap();
        assert_eq!(name, "runway");
        assert_eq!(input, json!({"months": 6, "scenario": "cautious"}));
        assert_eq!(r.stop, Stop::ToolUse);

        let r = reply(&tools, &[user("Cash flow from 2026-01-01 please")]);
        let (name, input) = r.call.unwrap();
        assert_eq!(name, "cash_flow");
        assert_eq!(input["from"], "2026-01-01");
    }

    #[test]
    fn fills_the_optional_properties_the_question_names_and_no_others() {
        let text = json!({ "type": "string", "maxLength": 64 });
        let forecast = tool(
            "forecast",
            "Cash forecast, with an optional what-if",
            json!({
            "type": "object",
            "properties": {"what_if": {"type": "object", "properties": {
                "oneoff_amount": text, "oneoff_date": text,
                "oneoff_direction": {"type": "string", "enum": ["in", "out"]},
                "monthly_kind": {"type": "string", "enum": ["costs_up", "revenue_down"]},
                "monthly_amount": text,
                "delay_days": {"type": "integer", "minimum": 0, "maximum": 180}}}}}),
        );
        let tools = [forecast];
        let call = |q: &str| reply(&tools, &[user(q)]).call.unwrap().1;
        assert_eq!(call("What does the cash forecast look like?"), json!({}));
        assert_eq!(
            call("Forecast our cash if customers pay 30 days later"),
            json!({"what_if": {"delay_days": 30}})
        );
        assert_eq!(
            call("What if we pay a one-off $2,500 out on 2026-12-20? Forecast"),
            json!({"what_if": {"oneoff_amount": "2500", "oneoff_date": "2026-12-20",
                               "oneoff_direction": "out"}})
        );
        assert_eq!(
            call("Forecast if monthly costs go up by 1,200"),
            json!({"what_if": {"monthly_amount": "1200", "monthly_kind": "costs_up"}})
        );
    }

    #[test]
    fn a_range_runs_from_the_first_date_named_to_the_last() {
        let cash_flow = tool(
            "cash_flow",
            "Money in and out",
            json!({"type": "object",
                   "properties": {"from": {"type": "string", "format": "date"},
                                  "to": {"type": "string", "format": "date"}},
                   "required": ["from", "to"]}),
        );
        let r = reply(
            &[cash_flow],
            &[user("Cash flow from 2026-01-01 to 2026-03-31")],
        );
        assert_eq!(
            r.call.unwrap().1,
            json!({"from": "2026-01-01", "to": "2026-03-31"})
        );
    }

    #[test]
    fn answers_a_tool_result_by_quoting_its_figures() {
        let turns = [
            user("How is cash?"),
            Turn {
                assistant: true,
                parts: vec![Part::Call {
                    id: "toolu_9".into(),
                    name: "cash_flow".into(),
                }],
            },
            Turn {
                assistant: false,
                parts: vec![Part::Result {
                    id: "toolu_9".into(),
                    content: r#"{"inflow":"12,450.00","outflow":"-9,870.25","net":"2579.75","period":"2026-06"}"#.into(),
                }],
            },
        ];
        let r = reply(&[], &turns);
        assert_eq!(r.stop, Stop::EndTurn);
        assert_eq!(
            r.text,
            "From cash_flow: 12,450.00, -9,870.25, 2579.75, 2026-06."
        );
    }

    #[test]
    fn without_a_fitting_tool_it_quotes_the_question_s_figures() {
        let r = reply(&[], &[user("Revenue rose 12.5% to 48,200.00 (toolu_1).")]);
        assert_eq!(r.text, "Based on the figures given: 12.5, 48,200.00.");
        assert!(r.call.is_none());
    }
}
