//! Input tokens per insight-narrative run, for `bench/ai_tokens.sh`: for each size, generated
//! books of about N transactions are imported into a fresh SQLite database, and the
//! `insights.narrate` job's function runs once against the Anthropic fake on loopback (which
//! counts a request's tokens as a quarter of its bytes, rounded up). The figures sent are
//! aggregates, so the count must stay flat as the books grow.
//!
//! `ai_tokens N [N…]` prints one line of `key=value` figures per size: the transactions, the
//! insights narrated, the figures sent, the input and output tokens of the run (as recorded for
//! it), and the wall seconds of the whole size (generation, import, analysis, call).
//!
//! `ai_tokens assistant` asks the assistant a fixed set of 20 questions about books of about
//! 1,000 transactions, each in a new conversation, against the same fake (whose deterministic
//! model calls the tool that fits the question, then answers from its result), and prints a
//! table: the tools that ran, the rounds, and the input and output tokens of each question.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed benchmark

use flowsense_ai::{Anthropic, AnthropicConfig, Loopback, Url};
use flowsense_core::Currency;
use flowsense_fakes::{AnthropicFake, AnthropicFakeConfig, Script};
use flowsense_mail::FileMailer;
use flowsense_service::ai::narrate::{Narrated, narrate_org};
use flowsense_service::ai::prompt::MAX_NARRATED;
use flowsense_service::analysis::with_analysis;
use flowsense_service::identity::crypto::InstanceKey;
use flowsense_service::insights::top_insights;
use flowsense_service::{Context, ContextSettings, Providers};
use flowsense_storage::{
    ImportMeta, Keyring, NewOrg, NewTransaction, OpenOptions, OrgSettings, Store,
};
use flowsense_synth::{GenConfig, generate};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Instant;

/// Rows per insert batch.
const BATCH: usize = 10_000;

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| a != "assistant")
        .map(|a| a.parse().expect("a number of transactions"))
        .collect();
    if std::env::args().nth(1).as_deref() == Some("assistant") {
        return assistant_questions().await;
    }
    assert!(
        !sizes.is_empty(),
        "usage: ai_tokens N [N…] | ai_tokens assistant"
    );
    let fake = AnthropicFake::start(AnthropicFakeConfig::default())
        .await
        .unwrap();
    let mut config = AnthropicConfig::new(
        SecretString::from(fake.config().api_key.clone()),
        "claude-sonnet-4-6",
    );
    config.base_url = Url::parse(&fake.base_url()).unwrap();
    config.loopback = Loopback::Allowed;
    let model = Arc::new(Anthropic::new(config).unwrap());
    for n in sizes {
        let started = Instant::now();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store = Store::open(
            &url,
            &OpenOptions {
                create_if_missing: true,
                // Narratives are sealed with the organisation's key.
                keyring: Some(Keyring::generate().unwrap()),
                ..OpenOptions::default()
            },
        )
        .await
        .unwrap();
        let mailer = FileMailer::new(dir.path(), "FlowSense <noreply@bench.test>").unwrap();
        let ctx = Context::new(
            store.clone(),
            InstanceKey::generate(),
            Arc::new(mailer),
            &ContextSettings::new("http://127.0.0.1:8080"),
        )
        .unwrap()
        .with_providers(Providers {
            ai: Some(model.clone()),
            ..Providers::default()
        });
        let org = store
            .create_org(&NewOrg {
                slug: "bench".into(),
                name: "Narrative bench".into(),
                settings: OrgSettings::with_currency(Currency::USD),
            })
            .await
            .unwrap();
        let books = generate(&GenConfig::new(3, n)).unwrap();
        let meta = ImportMeta {
            file_name: "books.csv".into(),
            format: "csv".into(),
            sha256: String::new(),
            source: "csv".into(),
            created_by: None,
            currency: Currency::USD,
        };
        let mut import = store.begin_import(org.id, &meta).await.unwrap();
        for a in &books.accounts {
            import
                .ensure_account(&a.name, a.opening_balance_minor)
                .await
                .unwrap();
        }
        for chunk in books.transactions.chunks(BATCH) {
            let rows: Vec<NewTransaction> = chunk
                .iter()
                .map(|t| NewTransaction {
                    account: t.account.to_string(),
                    posted_on: t.date,
                    amount_minor: t.amount_minor,
                    currency: "USD".into(),
                    original_amount_minor: t.amount_minor,
                    original_currency: "USD".into(),
                    counterparty: t.counterparty.to_string(),
                    description: t.description.to_string(),
                    category: t.category.to_string(),
                    is_transfer: &*t.category == flowsense_core::books::TRANSFER_CATEGORY,
                    external_id: t.reference.clone(),
                })
                .collect();
            import.add_transactions(&rows).await.unwrap();
        }
        import.commit().await.unwrap();
        let transactions = books.transactions.len();
        drop(books);
        let org = store.org(org.id).await.unwrap();

        // The model answers one short narrative per insight, as a real one would.
        let insights = with_analysis(&store, &ctx.analytics, &org, top_insights)
            .await
            .unwrap();
        let narrated = insights.len().min(MAX_NARRATED);
        let narratives: Vec<serde_json::Value> = (0..narrated)
            .map(|i| {
                serde_json::json!({
                    "id": format!("i{}", i + 1),
                    "text": "This deserves a look this week; the page linked explains what moved and why it matters.",
                })
            })
            .collect();
        fake.script(Script::text(
            serde_json::json!({ "narratives": narratives }).to_string(),
        ));
        let outcome = narrate_org(&ctx, org.id).await.unwrap();
        assert!(
            matches!(outcome, Narrated::Written { .. }),
            "the run wrote narratives: {outcome:?}"
        );
        let call = store.recent_ai_calls(org.id, 1).await.unwrap().remove(0);
        println!(
            "transactions={transactions} insights={narrated} figures={} input_tokens={} output_tokens={} seconds={:.1}",
            call.figures_sent,
            call.input_tokens,
            call.output_tokens,
            started.elapsed().as_secs_f64()
        );
        store.close().await;
    }
}

/// The fixed questions of the assistant benchmark: each of the seven tools, asked as an owner
/// would.
const QUESTIONS: [&str; 20] = [
    "What is our runway?",
    "How many months of runway do we have left?",
    "Show the cash flow for the last quarter",
    "What was our cash flow in 2025-06?",
    "Break down our spending by category",
    "Give me a breakdown of income by counterparty",
    "What does the cash forecast look like?",
    "Forecast our cash if customers pay 30 days later",
    "Search transactions for coffee",
    "Search transactions mentioning rent",
    "Find transactions for the landlord",
    "Which customers are late payers?",
    "How old are our receivables and payables? Show the aging",
    "Who owes us the most, by aging?",
    "What are our recurring costs?",
    "Which subscriptions and recurring payments went up in price?",
    "List our recurring monthly commitments",
    "When does the cash run out at this burn?",
    "What came in and went out last month? Cash flow please",
    "Where did the money go? Breakdown by counterparty",
];

/// Asks [`QUESTIONS`] about books of about 1,000 transactions and prints the tokens of each.
async fn assistant_questions() {
    use flowsense_core::Role;
    use flowsense_service::ai::assistant::{AssistantEvent, Question, answer, prepare};
    use flowsense_service::identity::Caller;
    use flowsense_service::identity::accounts::create_user_with_password;
    use flowsense_service::orgs::OrgAccess;

    let fake = AnthropicFake::start(AnthropicFakeConfig::default())
        .await
        .unwrap();
    let mut config = AnthropicConfig::new(
        SecretString::from(fake.config().api_key.clone()),
        "claude-sonnet-4-6",
    );
    config.base_url = Url::parse(&fake.base_url()).unwrap();
    config.loopback = Loopback::Allowed;
    let model = Arc::new(Anthropic::new(config).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(
        &url,
        &OpenOptions {
            create_if_missing: true,
            keyring: Some(Keyring::generate().unwrap()),
            ..OpenOptions::default()
        },
    )
    .await
    .unwrap();
    let mailer = FileMailer::new(dir.path(), "FlowSense <noreply@bench.test>").unwrap();
    let ctx = Context::new(
        store.clone(),
        InstanceKey::generate(),
        Arc::new(mailer),
        &ContextSettings::new("http://127.0.0.1:8080"),
    )
    .unwrap()
    .with_providers(Providers {
        ai: Some(model),
        ..Providers::default()
    });
    let org = store
        .create_org(&NewOrg {
            slug: "bench".into(),
            name: "Assistant bench".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .unwrap();
    let books = generate(&GenConfig::new(3, 1_000)).unwrap();
    let meta = ImportMeta {
        file_name: "books.csv".into(),
        format: "csv".into(),
        sha256: String::new(),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut import = store.begin_import(org.id, &meta).await.unwrap();
    for a in &books.accounts {
        import
            .ensure_account(&a.name, a.opening_balance_minor)
            .await
            .unwrap();
    }
    let rows: Vec<NewTransaction> = books
        .transactions
        .iter()
        .map(|t| NewTransaction {
            account: t.account.to_string(),
            posted_on: t.date,
            amount_minor: t.amount_minor,
            currency: "USD".into(),
            original_amount_minor: t.amount_minor,
            original_currency: "USD".into(),
            counterparty: t.counterparty.to_string(),
            description: t.description.to_string(),
            category: t.category.to_string(),
            is_transfer: &*t.category == flowsense_core::books::TRANSFER_CATEGORY,
            external_id: t.reference.clone(),
        })
        .collect();
    import.add_transactions(&rows).await.unwrap();
    import.commit().await.unwrap();
    let user = create_user_with_password(
        &ctx,
        "owner@bench.test",
        "Owner",
        "violet-tundra-47-marmalade",
        true,
    )
    .await
    .unwrap();
    let who = OrgAccess {
        org: org.id,
        user: user.id,
        role: Role::Admin,
        current: Caller::local(user),
        checked: None,
    };
    println!("transactions={}", books.transactions.len());
    println!("| # | question | tools | rounds | input tokens | output tokens |");
    println!("|---:|---|---|---:|---:|---:|");
    let (mut total_in, mut total_out) = (0u64, 0u64);
    for (i, q) in QUESTIONS.iter().enumerate() {
        let prepared = prepare(
            &ctx,
            &who,
            Question {
                text: (*q).to_owned(),
                conversation: None,
            },
        )
        .await
        .unwrap();
        let AssistantEvent::Done(done) = answer(&ctx, prepared).await.unwrap() else {
            panic!("question {} was not answered", i + 1);
        };
        total_in += done.input_tokens;
        total_out += done.output_tokens;
        println!(
            "| {} | {q} | {} | {} | {} | {} |",
            i + 1,
            done.tools.join(", "),
            done.rounds,
            done.input_tokens,
            done.output_tokens
        );
    }
    let n = u64::try_from(QUESTIONS.len()).unwrap();
    println!(
        "| | mean per question | | | {} | {} |",
        total_in / n,
        total_out / n
    );
    store.close().await;
}
