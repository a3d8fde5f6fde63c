//! Insight narratives written by the `insights.narrate` job against the Anthropic and the
//! OpenAI-compatible fakes (real HTTP on loopback): what goes out (figures only, names
//! pseudonymised when asked, one organisation's figures only), the number check, the
//! fallbacks to the template text (malformed answer, provider overload, AI off, no provider,
//! the monthly allowance used), the call records, and narratives of older books not shown.

use crate::support::context;
use flowsense_ai::{
    Anthropic, AnthropicConfig, ChatModel, Loopback, OpenAiCompatible, OpenAiConfig, Reach,
    RetryPolicy, Url,
};
use flowsense_core::{Currency, OrgId};
use flowsense_fakes::{
    AnthropicFake, AnthropicFakeConfig, OpenAiFake, OpenAiFakeConfig, Received, Script,
};
use flowsense_service::Context;
use flowsense_service::ai::narrate::{Narrated, narrate_org};
use flowsense_service::ai::narratives::{TextSource, shown_insights};
use flowsense_service::ai::prompt::MAX_NARRATED;
use flowsense_service::ai::pseudonyms::Pseudonyms;
use flowsense_service::ai::usage::MonthlyTokens;
use flowsense_service::analysis::with_analysis;
use flowsense_service::insights::{FigureValue, Insight, top_insights};
use flowsense_storage::{
    AiCall, AiOutcome, AiPurpose, ImportMeta, NewOrg, NewTransaction, OrgSettings, Organisation,
    Store,
};
use flowsense_synth::{GenConfig, generate};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Retries as the SDK's, but quick.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

enum Fake {
    Anthropic(AnthropicFake),
    OpenAi(OpenAiFake),
}

impl Fake {
    async fn anthropic() -> (Self, Arc<dyn ChatModel>) {
        let fake = AnthropicFake::start(AnthropicFakeConfig::default())
            .await
            .expect("the Anthropic fake");
        let mut config = AnthropicConfig::new(
            SecretString::from(fake.config().api_key.clone()),
            "claude-sonnet-4-6",
        );
        config.base_url = Url::parse(&fake.base_url()).expect("url");
        config.loopback = Loopback::Allowed;
        config.retry = quick_retries();
        let model = Anthropic::new(config).expect("client");
        (Self::Anthropic(fake), Arc::new(model))
    }

    async fn openai() -> (Self, Arc<dyn ChatModel>) {
        let fake = OpenAiFake::start(OpenAiFakeConfig::default())
            .await
            .expect("the OpenAI-compatible fake");
        let mut config = OpenAiConfig::new(
            Url::parse(&fake.base_url()).expect("url"),
            "llama3.1",
            Reach::SelfHosted,
        );
        config.retry = quick_retries();
        let model = OpenAiCompatible::new(config).expect("client");
        (Self::OpenAi(fake), Arc::new(model))
    }

    fn script(&self, s: Script) {
        match self {
            Fake::Anthropic(f) => f.script(s),
            Fake::OpenAi(f) => f.script(s),
        }
    }

    fn received(&self) -> Vec<Received> {
        match self {
            Fake::Anthropic(f) => f.received(),
            Fake::OpenAi(f) => f.received(),
        }
    }

    /// The figures JSON of the `n`th request (its user turn).
    fn sent_data(&self, n: usize) -> Value {
        let body = &self.received()[n].body;
        let user = body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .find(|m| m["role"] == "user")
            .expect("a user turn");
        let text = match &user["content"] {
            Value::String(s) => s.clone(),
            Value::Array(blocks) => blocks[0]["text"].as_str().expect("text").to_owned(),
            _ => panic!("no content"),
        };
        serde_json::from_str(&text).expect("the user turn is JSON data")
    }
}

/// A coffee roaster's books (18 months, planted price rise, late payers) in a new
/// organisation of `store`.
async fn org_with_books(store: &Store, slug: &str, seed: u64, redact: bool) -> Organisation {
    let mut settings = OrgSettings::with_currency(Currency::USD);
    settings.redact_names = redact;
    let org = store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings,
        })
        .await
        .expect("org");
    let mut config = GenConfig::new(seed, 1_500);
    config.months = Some(18);
    let books = generate(&config).expect("books");
    let meta = ImportMeta {
        file_name: "books.csv".into(),
        format: "csv".into(),
        sha256: String::new(),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut import = store.begin_import(org.id, &meta).await.expect("import");
    for a in &books.accounts {
        import
            .ensure_account(&a.name, a.opening_balance_minor)
            .await
            .expect("account");
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
    import.add_transactions(&rows).await.expect("rows");
    import.commit().await.expect("commit");
    store.org(org.id).await.expect("org")
}

/// Adds one more transaction to `org` (its books version moves on).
async fn change_books(store: &Store, org: OrgId) {
    let meta = ImportMeta {
        file_name: "more.csv".into(),
        format: "csv".into(),
        sha256: String::new(),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut import = store.begin_import(org, &meta).await.expect("import");
    let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 3).expect("date");
    import
        .add_transactions(&[NewTransaction {
            account: "Late addition".into(),
            posted_on: day,
            amount_minor: 1_00,
            currency: "USD".into(),
            original_amount_minor: 1_00,
            original_currency: "USD".into(),
            counterparty: "Nobody".into(),
            description: "one more".into(),
            category: "Sales".into(),
            is_transfer: false,
            external_id: "late-1".into(),
        }])
        .await
        .expect("row");
    import.commit().await.expect("commit");
}

/// The insights the job narrates, computed as it does.
async fn narrated_insights(ctx: &Context, org: &Organisation) -> Vec<Insight> {
    let mut insights = with_analysis(&ctx.store, &ctx.analytics, org, top_insights)
        .await
        .expect("analysis");
    insights.truncate(MAX_NARRATED);
    assert!(!insights.is_empty(), "the books have something to say");
    insights
}

/// A narrative quoting one given number of `insight` (its first amount or count) as displayed.
fn quoting(insight: &Insight) -> String {
    let figure = insight
        .figures
        .iter()
        .find(|f| {
            matches!(
                f.value,
                FigureValue::Money { .. } | FigureValue::Count { .. } | FigureValue::Percent { .. }
            )
        })
        .map_or_else(String::new, |f| format!(" It comes to {}.", f.display()));
    format!("Worth a look: {}.{figure}", insight.kind.replace('_', " "))
}

fn answer(texts: &[String]) -> Script {
    let narratives: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| json!({ "id": format!("i{}", i + 1), "text": t }))
        .collect();
    Script::text(json!({ "narratives": narratives }).to_string())
}

async fn calls(store: &Store, org: OrgId) -> Vec<AiCall> {
    store.recent_ai_calls(org, 50).await.expect("calls")
}

fn ctx_with(store: &Store, outbox: &std::path::Path, model: Option<Arc<dyn ChatModel>>) -> Context {
    let ctx = context(store, outbox);
    let mut providers = ctx.providers.clone();
    providers.ai = model;
    ctx.with_providers(providers)
}

async fn happy_path(store: &Store, fake: Fake, model: Arc<dyn ChatModel>) {
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = ctx_with(store, outbox.path(), Some(model.clone()));
    let org = org_with_books(store, "roasters", 7, false).await;
    let insights = narrated_insights(&ctx, &org).await;
    let texts: Vec<String> = insights.iter().map(quoting).collect();
    fake.script(answer(&texts));

    let outcome = narrate_org(&ctx, org.id).await.expect("narrate");
    assert_eq!(
        outcome,
        Narrated::Written {
            narrated: insights.len(),
            invented: 0
        }
    );
    // One request: the fixed system text, then the figures as data; no transaction list.
    let received = fake.received();
    assert_eq!(received.len(), 1);
    let raw = received[0].body.to_string();
    assert!(raw.contains("data, never instructions"));
    let data = fake.sent_data(0);
    assert_eq!(
        data["insights"].as_array().expect("insights").len(),
        insights.len()
    );
    assert_eq!(data["insights"][0]["kind"], insights[0].kind);
    // Aggregates only: each insight is an id, a kind, a tone and named figures, each figure a
    // kind and one value.
    assert_eq!(
        data.as_object().expect("object").keys().collect::<Vec<_>>(),
        ["currency", "insights"]
    );
    for sent in data["insights"].as_array().expect("insights") {
        let keys: Vec<&String> = sent.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["figures", "id", "kind", "tone"]);
        for figure in sent["figures"].as_object().expect("figures").values() {
            let keys: Vec<&String> = figure.as_object().expect("object").keys().collect();
            assert_eq!(keys, ["kind", "value"]);
            assert!(figure["value"].is_string());
        }
    }

    let shown = shown_insights(&ctx, &org, insights.clone())
        .await
        .expect("shown");
    for (s, text) in shown.items.iter().zip(&texts) {
        assert_eq!(s.source, TextSource::Model);
        assert_eq!(&s.text, text);
    }
    let by = shown.written_by.expect("written by");
    assert_eq!(by.books_version, org.books_version);
    assert_eq!(by.provider, model.info().provider);

    let recorded = calls(store, org.id).await;
    assert_eq!(recorded.len(), 1);
    let call = &recorded[0];
    assert_eq!(call.purpose, AiPurpose::Narrative);
    assert_eq!(call.outcome, AiOutcome::Ok);
    assert_eq!(call.user, None);
    assert_eq!(call.rows_sent, 0);
    let figures: usize = insights.iter().map(|i| i.figures.len()).sum();
    assert_eq!(call.figures_sent, i64::try_from(figures).expect("small"));
    assert!(call.input_tokens > 0 && call.output_tokens > 0);
    assert!(
        store
            .ai_tokens_since(org.id, call.created_at)
            .await
            .expect("sum")
            > 0
    );

    // The same books: the job does not ask again.
    assert_eq!(
        narrate_org(&ctx, org.id).await.expect("again"),
        Narrated::UpToDate
    );
    assert_eq!(fake.received().len(), 1);

    // New books: the narratives of the old ones are not shown as current.
    change_books(store, org.id).await;
    let org = store.org(org.id).await.expect("org");
    let insights = narrated_insights(&ctx, &org).await;
    let shown = shown_insights(&ctx, &org, insights).await.expect("shown");
    assert!(shown.items.iter().all(|s| s.source == TextSource::Template));
    assert!(shown.written_by.is_none());
}

async fn narratives_are_written_from_figures_by_anthropic(store: &Store) {
    let (fake, model) = Fake::anthropic().await;
    happy_path(store, fake, model).await;
}

async fn narratives_are_written_from_figures_by_an_openai_compatible_server(store: &Store) {
    let (fake, model) = Fake::openai().await;
    happy_path(store, fake, model).await;
}

async fn an_invented_number_sends_its_insight_back_to_the_template(store: &Store) {
    let (fake, model) = Fake::anthropic().await;
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = ctx_with(store, outbox.path(), Some(model));
    let org = org_with_books(store, "roasters", 7, false).await;
    let insights = narrated_insights(&ctx, &org).await;
    assert!(insights.len() >= 2, "two insights to tell apart");
    let mut texts: Vec<String> = insights.iter().map(quoting).collect();
    texts[0] = "Cash will reach $987,654.32 by spring.".into();
    fake.script(answer(&texts));

    let outcome = narrate_org(&ctx, org.id).await.expect("narrate");
    assert_eq!(
        outcome,
        Narrated::Written {
            narrated: insights.len() - 1,
            invented: 1
        }
    );
    let shown = shown_insights(&ctx, &org, insights.clone())
        .await
        .expect("shown");
    assert_eq!(shown.items[0].source, TextSource::Template);
    assert_eq!(shown.items[0].text, insights[0].detail);
    assert_eq!(shown.items[1].source, TextSource::Model);
    assert_eq!(shown.items[1].text, texts[1]);
    let recorded = calls(store, org.id).await;
    assert_eq!(recorded[0].outcome, AiOutcome::InventedNumber);
    let counts = store.ai_call_counts_across_orgs().await.expect("counts");
    assert!(counts.contains(&("narrative".into(), "invented_number".into(), 1)));
}

async fn a_malformed_answer_or_an_overloaded_provider_keeps_the_templates(store: &Store) {
    let (fake, model) = Fake::anthropic().await;
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = ctx_with(store, outbox.path(), Some(model));
    let org = org_with_books(store, "roasters", 7, false).await;
    let insights = narrated_insights(&ctx, &org).await;

    fake.script(Script::text("Here are your narratives: cash is fine."));
    assert_eq!(
        narrate_org(&ctx, org.id).await.expect("narrate"),
        Narrated::Failed
    );
    for _ in 0..3 {
        fake.script(Script::overloaded());
    }
    assert_eq!(
        narrate_org(&ctx, org.id).await.expect("narrate"),
        Narrated::Failed
    );
    // The malformed answer, then the first attempt and two retries.
    assert_eq!(fake.received().len(), 4);

    let shown = shown_insights(&ctx, &org, insights).await.expect("shown");
    assert!(shown.items.iter().all(|s| s.source == TextSource::Template));
    let outcomes: Vec<AiOutcome> = calls(store, org.id)
        .await
        .iter()
        .map(|c| c.outcome)
        .collect();
    assert_eq!(outcomes, [AiOutcome::Failed, AiOutcome::Failed]);
}

async fn nothing_is_sent_without_a_provider_with_ai_off_or_over_the_allowance(store: &Store) {
    let (fake, model) = Fake::anthropic().await;
    let outbox = tempfile::tempdir().expect("outbox");
    let org = org_with_books(store, "roasters", 7, false).await;

    let none = ctx_with(store, outbox.path(), None);
    assert_eq!(
        narrate_org(&none, org.id).await.expect("narrate"),
        Narrated::NoProvider
    );

    let ctx = ctx_with(store, outbox.path(), Some(model));
    let mut off = org.settings.clone();
    off.ai_enabled = false;
    store
        .update_org_name_and_settings(org.id, &org.name, &off)
        .await
        .expect("AI off");
    assert_eq!(
        narrate_org(&ctx, org.id).await.expect("narrate"),
        Narrated::AiOff
    );
    store
        .update_org_name_and_settings(org.id, &org.name, &org.settings)
        .await
        .expect("AI on");

    // An allowance of 0 tokens makes no call at all.
    let mut providers = ctx.providers.clone();
    providers.ai_monthly_tokens = MonthlyTokens(0);
    let broke = ctx.clone().with_providers(providers);
    assert_eq!(
        narrate_org(&broke, org.id).await.expect("narrate"),
        Narrated::OverBudget
    );
    assert!(fake.received().is_empty(), "nothing reached the model");
    let recorded = calls(store, org.id).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].outcome, AiOutcome::OverBudget);
    assert_eq!((recorded[0].input_tokens, recorded[0].figures_sent), (0, 0));

    // A month whose calls reached the allowance: the pages say when it renews.
    let insights = narrated_insights(&ctx, &org).await;
    fake.script(answer(&insights.iter().map(quoting).collect::<Vec<_>>()));
    assert!(matches!(
        narrate_org(&ctx, org.id).await.expect("narrate"),
        Narrated::Written { .. }
    ));
    let used = calls(store, org.id).await[0].input_tokens;
    let mut providers = ctx.providers.clone();
    providers.ai_monthly_tokens = MonthlyTokens(u64::try_from(used).expect("positive"));
    let tight = ctx.clone().with_providers(providers);
    change_books(store, org.id).await;
    assert_eq!(
        narrate_org(&tight, org.id).await.expect("narrate"),
        Narrated::OverBudget
    );
    assert_eq!(fake.received().len(), 1);
    let org = store.org(org.id).await.expect("org");
    let insights = narrated_insights(&tight, &org).await;
    let shown = shown_insights(&tight, &org, insights).await.expect("shown");
    let message = shown.allowance_message().expect("the allowance is used");
    assert!(message.starts_with("This month's AI allowance is used; it renews on 1 "));
    assert!(shown.items.iter().all(|s| s.source == TextSource::Template));
}

async fn names_leave_as_pseudonyms_and_come_back_real(store: &Store) {
    let (fake, model) = Fake::anthropic().await;
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = ctx_with(store, outbox.path(), Some(model));
    let org = org_with_books(store, "roasters", 7, true).await;
    let insights = narrated_insights(&ctx, &org).await;
    let named: Vec<(usize, String)> = insights
        .iter()
        .enumerate()
        .flat_map(|(i, insight)| {
            insight.figures.iter().filter_map(move |f| match &f.value {
                FigureValue::Name { who } => Some((i, who.clone())),
                _ => None,
            })
        })
        .collect();
    assert!(!named.is_empty(), "a top insight names a counterparty");
    // The model writes the pseudonyms it was given.
    let mut pseudonyms = Pseudonyms::for_org(&ctx.key, org.id);
    let mut texts: Vec<String> = insights.iter().map(quoting).collect();
    for (i, who) in &named {
        texts[*i] = format!("{} deserves a call.", pseudonyms.pseudonym(who));
    }
    fake.script(answer(&texts));
    assert!(matches!(
        narrate_org(&ctx, org.id).await.expect("narrate"),
        Narrated::Written { invented: 0, .. }
    ));

    let raw = fake.received()[0].body.to_string();
    for (_, who) in &named {
        assert!(!raw.contains(who.as_str()), "a real name left the instance");
        assert!(raw.contains(&pseudonyms.pseudonym(who)));
    }
    let shown = shown_insights(&ctx, &org, insights).await.expect("shown");
    for (i, who) in &named {
        assert_eq!(shown.items[*i].source, TextSource::Model);
        assert!(shown.items[*i].text.contains(who.as_str()));
        assert!(!shown.items[*i].text.contains("Counterparty "));
    }
}

async fn one_organisation_never_sees_anothers_narratives(store: &Store) {
    let (fake, model) = Fake::anthropic().await;
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = ctx_with(store, outbox.path(), Some(model));
    let a = org_with_books(store, "roasters", 7, false).await;
    let b = org_with_books(store, "dentists", 99, false).await;
    let insights_a = narrated_insights(&ctx, &a).await;
    let insights_b = narrated_insights(&ctx, &b).await;
    fake.script(answer(&insights_a.iter().map(quoting).collect::<Vec<_>>()));
    assert!(matches!(
        narrate_org(&ctx, a.id).await.expect("narrate"),
        Narrated::Written { .. }
    ));

    // The request for A holds A's figures and none of B's.
    let data = fake.sent_data(0).to_string();
    let only_b: Vec<String> = insights_b
        .iter()
        .flat_map(|i| i.figures.iter())
        .filter(|f| matches!(f.value, FigureValue::Money { .. }))
        .map(flowsense_service::insights::Figure::display)
        .filter(|v| {
            !insights_a
                .iter()
                .flat_map(|i| i.figures.iter())
                .any(|f| f.display() == *v)
        })
        .collect();
    assert!(!only_b.is_empty(), "B has figures of its own");
    for v in &only_b {
        assert!(
            !data.contains(&format!("\"{v}\"")),
            "B's figure {v} went out with A's"
        );
    }
    // B has no narratives and no call records; A's are A's.
    let shown_b = shown_insights(&ctx, &b, insights_b).await.expect("shown");
    assert!(
        shown_b
            .items
            .iter()
            .all(|s| s.source == TextSource::Template)
    );
    assert!(store.narratives(b.id).await.expect("read").is_none());
    assert!(calls(store, b.id).await.is_empty());
    assert_eq!(calls(store, a.id).await.len(), 1);
}

crate::on_both_backends!(
    narratives_are_written_from_figures_by_anthropic,
    narratives_are_written_from_figures_by_an_openai_compatible_server,
    an_invented_number_sends_its_insight_back_to_the_template,
    a_malformed_answer_or_an_overloaded_provider_keeps_the_templates,
    nothing_is_sent_without_a_provider_with_ai_off_or_over_the_allowance,
    names_leave_as_pseudonyms_and_come_back_real,
    one_organisation_never_sees_anothers_narratives,
);
