//! Runs the forecaster's method selection on series read from a CSV, at rolling origins, and
//! prints each origin's forecast with its likely range: what `bench/forecast.sh` compares with
//! statsforecast.
//!
//! Input (stdin or the first argument): `id,season,value` rows, each series in time order.
//! Options: `--horizon H` (default 12), `--cuts C` (default 7), `--step S` (default H): the
//! last cut leaves H values to forecast, each earlier one S values before.
//! Output (stdout): `id,cut,step,p10,p50,p90,method` rows, `cut` being the training length.

use flowsense_core::analytics::forecast_methods::{band_offsets, select};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Instant;

struct Options {
    horizon: usize,
    cuts: usize,
    step: Option<usize>,
    input: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        horizon: 12,
        cuts: 7,
        step: None,
        input: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} needs a whole number"))
        };
        match arg.as_str() {
            "--horizon" => options.horizon = number("--horizon")?,
            "--cuts" => options.cuts = number("--cuts")?,
            "--step" => options.step = Some(number("--step")?),
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => options.input = Some(arg),
        }
    }
    Ok(options)
}

/// Series by id, in first-seen order of ids, with their season.
fn read_series(text: &str) -> Result<Vec<(String, usize, Vec<f64>)>, String> {
    let mut order: Vec<String> = Vec::new();
    let mut series: BTreeMap<String, (usize, Vec<f64>)> = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let mut fields = line.split(',');
        let (Some(id), Some(season), Some(value)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("line {}: expected id,season,value", n + 1));
        };
        let season: usize = season
            .trim()
            .parse()
            .map_err(|_| format!("line {}: season", n + 1))?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("line {}: value", n + 1))?;
        let entry = series.entry(id.to_owned()).or_insert_with(|| {
            order.push(id.to_owned());
            (season, Vec::new())
        });
        entry.1.push(value);
    }
    Ok(order
        .into_iter()
        .filter_map(|id| series.remove(&id).map(|(s, v)| (id, s, v)))
        .collect())
}

fn run() -> Result<(), String> {
    let options = parse_options()?;
    let text = match &options.input {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| e.to_string())?;
            text
        }
    };
    let horizon = options.horizon.max(1);
    let step = options.step.unwrap_or(horizon).max(1);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let write_err = |e: std::io::Error| e.to_string();
    writeln!(out, "id,cut,step,p10,p50,p90,method").map_err(write_err)?;
    let started = Instant::now();
    let mut fits = 0usize;
    for (id, season, values) in read_series(&text)? {
        for c in (0..options.cuts).rev() {
            let Some(cut) = values.len().checked_sub(horizon + c * step) else {
                continue;
            };
            if cut == 0 {
                continue;
            }
            let selection = select(&values[..cut], season, horizon);
            fits += 1;
            let offsets = band_offsets(&selection.errors, horizon);
            let method = serde_json::to_string(&selection.method).map_err(|e| e.to_string())?;
            for (k, (p50, (low, high))) in selection.forecast.iter().zip(offsets).enumerate() {
                writeln!(
                    out,
                    "{id},{cut},{},{},{p50},{},{}",
                    k + 1,
                    p50 + low,
                    p50 + high,
                    method.trim_matches('"')
                )
                .map_err(write_err)?;
            }
        }
    }
    out.flush().map_err(write_err)?;
    eprintln!(
        "{fits} selections in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("forecast_series: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
