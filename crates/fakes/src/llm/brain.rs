//! The fakes' default model: deterministic, and it does use tools. Asked a question with tools
//! on offer, it calls the one whose name and description share most words with the question,
//! with arguments valid for the tool's schema; given the tool's result, it answers quoting the
//! figures in it; with no tool to call, it answers quoting the figures in the question (so a
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

fn first_match(question: &str, shape: fn(&str) -> bool) -> Option<&str> {
    question
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '?' | '!' | '(' | ')' | '"'))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| shape(w))
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
        let lower = question.to_lowercase();
        return options
            .iter()
            .find(|o| {
                o.as_str()
                    .is_some_and(|s| lower.contains(&s.to_lowercase()))
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
    let mut text = if format == "date" || name.ends_with("date") || name == "from" || name == "to" {
        first_match(question, is_date)
            .unwrap_or("2026-01-01")
            .to_owned()
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

/// An object with every required property (and no others).
fn object_for(schema: &Value, question: &str, depth: usize) -> Value {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut out = Map::new();
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let property = properties.get(name).cloned().unwrap_or(json!({}));
        out.insert(name.to_owned(), value_for(&property, name, question, depth));
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
