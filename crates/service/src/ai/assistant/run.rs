//! Answering a prepared question: the model is asked with the tools on offer, the tools it
//! calls are run and their results sent back, for at most [`MAX_ROUNDS`] rounds and
//! [`MAX_QUESTION_TOKENS`] tokens. Each call to the model is recorded (purpose `assistant`, the
//! tools whose results it carried, rows and figures, tokens) and counted against the monthly
//! allowance, checked before every call. Text streams out as it comes, names restored; the
//! question and the whole answer are then kept, sealed, in the asker's conversation.

use super::ask::{
    AssistantEvent, Done, MAX_QUESTION_TOKENS, MAX_ROUNDS, MAX_TOOL_CALLS_PER_ROUND, Prepared,
    Stopped, emit,
};
use super::conversation;
use super::names::Names;
use super::prompt;
use super::round::{PARAGRAPH, ask_once};
use super::tools::{self, ToolFailure};
use crate::Context;
use crate::ai::pseudonyms::Pseudonyms;
use crate::ai::usage::{Allowance, CallRecord, allowance, record_call};
use flowsense_ai::{Block, Message, Usage};
use flowsense_storage::{AiOutcome, AiPurpose, Organisation};
use serde_json::json;
use tokio::sync::mpsc;

/// The question's text with the organisation's counterparty names replaced as `names` does
/// (a name the asker types goes out as its pseudonym).
async fn question_out(
    ctx: &Context,
    org: &Organisation,
    names: &mut Names,
    text: &str,
) -> Result<String, ToolFailure> {
    if !names.redacted() {
        return Ok(text.to_owned());
    }
    let owned = text.to_owned();
    let mut lent = std::mem::replace(names, Names::plain());
    let (out, back) = crate::analysis::with_shown_analysis(ctx, org, move |a| {
        let mut text = owned;
        let mut found: Vec<&str> = a
            .books
            .counterparties
            .names()
            .filter(|n| n.trim().len() >= 3 && text.contains(*n))
            .collect();
        // Longer names first, so "Acme Ltd" goes before "Acme".
        found.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for n in found {
            let token = lent.out(n);
            text = text.replace(n, &token);
        }
        (text, lent)
    })
    .await?;
    *names = back;
    Ok(out)
}

/// What has been spent on one question so far.
#[derive(Debug, Default)]
struct Spent {
    input: u64,
    output: u64,
    rounds: usize,
}

/// Answers a prepared question, streaming [`AssistantEvent`]s to `events` (the last one is
/// `Done` or `Stopped`). Stops early, keeping nothing, when `events` is dropped.
///
/// # Errors
/// A database or analysis failure (the caller reports it; the asker sees a failure).
#[tracing::instrument(skip_all, fields(org = %p.who.org, user = %p.who.user))]
pub async fn run(
    ctx: &Context,
    p: Prepared,
    events: mpsc::Sender<AssistantEvent>,
) -> Result<(), ToolFailure> {
    let Prepared {
        who,
        org,
        model,
        question,
        conversation,
        history,
    } = p;
    let info = model.info();
    let mut names = if org.settings.redact_names {
        Names::pseudonymised(Pseudonyms::for_org(&ctx.key, org.id))
    } else {
        Names::plain()
    };
    let mut messages: Vec<Message> = Vec::new();
    for m in &history {
        let text = question_out(ctx, &org, &mut names, &m.content).await?;
        let turn = match m.author {
            flowsense_storage::MessageAuthor::User => Message::user(text),
            _ => Message::assistant(vec![Block::Text(text)]),
        };
        // Roles alternate: a turn of the same role as the last joins it.
        match messages.last_mut() {
            Some(last) if last.role == turn.role => last.content.extend(turn.content),
            _ => messages.push(turn),
        }
    }
    if messages
        .first()
        .is_some_and(|m| m.role != flowsense_ai::Role::User)
    {
        messages.remove(0);
    }
    let asked = question_out(ctx, &org, &mut names, &question).await?;
    match messages.last_mut() {
        Some(last) if last.role == flowsense_ai::Role::User => {
            last.content.push(Block::Text(asked));
        }
        _ => messages.push(Message::user(asked)),
    }

    let record =
        |tools: Vec<String>, figures: usize, rows: usize, usage: Usage, outcome| CallRecord {
            org: who.org,
            user: Some(who.user),
            purpose: AiPurpose::Assistant,
            model: info.clone(),
            tools,
            figures_sent: figures,
            rows_sent: rows,
            usage,
            outcome,
        };
    let mut spent = Spent::default();
    let mut answer = String::new();
    let mut tools_ran: Vec<String> = Vec::new();
    // The tools whose results the next call carries, for its record.
    let mut carried: (Vec<String>, usize, usize) = (Vec::new(), 0, 0);
    loop {
        if spent.rounds >= MAX_ROUNDS || spent.input + spent.output >= MAX_QUESTION_TOKENS {
            let note = "\n\nI stopped there: answering this fully needs more steps than one \
question may take. Try asking about one thing at a time.";
            answer.push_str(note);
            if !emit(&events, AssistantEvent::Text(note.to_owned())).await {
                return Ok(());
            }
            break;
        }
        if let Allowance::Used { renews_on } = allowance(ctx, who.org).await? {
            record_call(
                ctx,
                record(Vec::new(), 0, 0, Usage::default(), AiOutcome::OverBudget),
            )
            .await?;
            emit(
                &events,
                AssistantEvent::Stopped(Stopped::AllowanceUsed { renews_on }),
            )
            .await;
            return Ok(());
        }
        let request = prompt::request(messages.clone());
        spent.rounds += 1;
        let (tools_carried, figures, rows) = std::mem::take(&mut carried);
        let separate = !answer.is_empty();
        let round = match ask_once(model.as_ref(), &request, &names, &events, separate).await {
            Ok(Some(round)) => round,
            Ok(None) => return Ok(()),
            Err((usage, why)) => {
                tracing::warn!(error = %why, "the model did not answer the question");
                record_call(
                    ctx,
                    record(tools_carried, figures, rows, usage, AiOutcome::Failed),
                )
                .await?;
                emit(&events, AssistantEvent::Stopped(Stopped::ModelFailed)).await;
                return Ok(());
            }
        };
        spent.input += round.usage.total_input();
        spent.output += round.usage.output_tokens;
        record_call(
            ctx,
            record(tools_carried, figures, rows, round.usage, AiOutcome::Ok),
        )
        .await?;
        if !round.text.is_empty() {
            if !answer.is_empty() {
                answer.push_str(PARAGRAPH);
            }
            answer.push_str(&round.text);
        }
        let calls: Vec<(String, String, serde_json::Value)> = round
            .content
            .iter()
            .filter_map(|b| match b {
                Block::ToolUse { id, name, input } => {
                    Some((id.clone(), name.clone(), input.clone()))
                }
                _ => None,
            })
            .collect();
        if calls.is_empty() {
            break;
        }
        messages.push(Message::assistant(round.content));
        let mut results = Vec::with_capacity(calls.len());
        for (i, (id, name, input)) in calls.into_iter().enumerate() {
            let output = if i < MAX_TOOL_CALLS_PER_ROUND {
                let output = tools::run(ctx, &org, &mut names, &name, &input).await?;
                // A name the model made up is not one of ours: it is not shown or recorded.
                if tools::specs().iter().any(|s| s.name == name) {
                    tools_ran.push(name.clone());
                    carried.0.push(name.clone());
                    if !emit(&events, AssistantEvent::ToolRan(name.clone())).await {
                        return Ok(());
                    }
                }
                carried.1 += output.figures;
                carried.2 += output.rows;
                (output.content, output.is_error)
            } else {
                (
                    json!({ "error": format!("At most {MAX_TOOL_CALLS_PER_ROUND} tools run per step; ask again for the rest.") }).to_string(),
                    true,
                )
            };
            results.push(Block::ToolResult {
                tool_use_id: id,
                content: output.0,
                is_error: output.1,
            });
        }
        messages.push(Message {
            role: flowsense_ai::Role::User,
            content: results,
        });
    }
    if events.is_closed() {
        return Ok(());
    }
    let conversation = conversation::keep(ctx, &who, conversation, &question, &answer).await?;
    emit(
        &events,
        AssistantEvent::Done(Done {
            conversation,
            answer,
            input_tokens: spent.input,
            output_tokens: spent.output,
            tools: tools_ran,
            rounds: spent.rounds,
        }),
    )
    .await;
    Ok(())
}

/// Collects a whole answer (for the JSON API and the page without script): the final event.
///
/// # Errors
/// A database or analysis failure.
pub async fn answer(ctx: &Context, p: Prepared) -> Result<AssistantEvent, ToolFailure> {
    let (tx, mut rx) = mpsc::channel(64);
    let ctx2 = ctx.clone();
    let running = async move { run(&ctx2, p, tx).await };
    let collecting = async move {
        let mut last = None;
        while let Some(e) = rx.recv().await {
            if matches!(e, AssistantEvent::Done(_) | AssistantEvent::Stopped(_)) {
                last = Some(e);
            }
        }
        last
    };
    let (ran, last) = tokio::join!(running, collecting);
    ran?;
    Ok(last.unwrap_or(AssistantEvent::Stopped(Stopped::ModelFailed)))
}
