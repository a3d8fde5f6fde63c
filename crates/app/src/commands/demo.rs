//! `flowsense demo` (SPEC §2, §10): two organisations that share nothing, generated books up to
//! today, an admin, a member and a viewer each with a random password printed once, then serve.

use crate::cli::DemoArgs;
use crate::passwords::{generate_password, hash_password};
use crate::settings::Settings;
use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use flowsense_core::{Currency, OrgId, Role};
use flowsense_storage::{
    ImportMeta, NewDocument, NewOrg, NewTransaction, NewUser, OrgSettings, StorageError, Store,
};
use flowsense_synth::{GenConfig, GeneratedBooks, Profile, generate_ending};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// One demo organisation: who it is and how its books are generated.
struct DemoOrg {
    slug: &'static str,
    name: &'static str,
    email_domain: &'static str,
    profile: Profile,
    seed: u64,
    transactions: usize,
    /// Sales lost over the last six months (percent): a business that now burns cash.
    sales_decline_percent: u8,
}

const DEMO_ORGS: [DemoOrg; 2] = [
    DemoOrg {
        slug: "northwind",
        name: "Northwind Coffee Roasters",
        email_domain: "northwind.example",
        profile: Profile::CoffeeRoaster,
        seed: 42,
        transactions: 12_000,
        sales_decline_percent: 0,
    },
    DemoOrg {
        slug: "harbor-dental",
        name: "Harbor Dental Studio",
        email_domain: "harbordental.example",
        profile: Profile::DentalPractice,
        seed: 7,
        transactions: 5_000,
        sales_decline_percent: DECLINING_SALES_PERCENT,
    },
];

const DEMO_MONTHS: u32 = 18;

/// The dental practice lost this share of its patients' spending over the last six months (an
/// insurer's network dropped it),
/// so its dashboard shows when cash runs out.
const DECLINING_SALES_PERCENT: u8 = 70;

#[derive(Serialize)]
struct Credentials {
    url: String,
    orgs: Vec<CredentialOrg>,
    users: Vec<CredentialUser>,
}

#[derive(Serialize)]
struct CredentialOrg {
    slug: String,
    name: String,
}

#[derive(Serialize)]
struct CredentialUser {
    email: String,
    password: String,
    role: Role,
    org: String,
}

pub async fn run(settings: &Settings, args: &DemoArgs) -> Result<()> {
    super::create_private_dir(&args.data_dir)?;
    let store = super::open_server_store(settings, true).await?;
    let credentials_path = args.data_dir.join("demo-credentials.json");

    let fresh = match store.org_by_slug_across_orgs(DEMO_ORGS[0].slug).await {
        Ok(_) => false,
        Err(StorageError::NotFound) => true,
        Err(e) => return Err(e).context("looking for existing demo data"),
    };
    let mut users = Vec::new();
    if fresh {
        let today = Utc::now().date_naive();
        for org in &DEMO_ORGS {
            users.extend(load_org(&store, org, today).await?);
        }
    }

    let url = match settings.public_url.clone() {
        Some(u) => u,
        None if settings.addr.port() == 0 => "http://127.0.0.1".to_owned(),
        None => format!("http://{}", settings.addr),
    };
    if fresh {
        let credentials = Credentials {
            url: url.clone(),
            orgs: DEMO_ORGS
                .iter()
                .map(|o| CredentialOrg {
                    slug: o.slug.into(),
                    name: o.name.into(),
                })
                .collect(),
            users,
        };
        write_private_json(&credentials_path, &credentials)?;
        print_credentials(&credentials, &credentials_path);
    } else {
        println!(
            "Demo data already loaded; sign-in details are in {} (created with the data).",
            credentials_path.display()
        );
    }

    if args.no_serve {
        store.close().await;
        return Ok(());
    }
    super::serve::serve_store(settings, store, |url| {
        println!("FlowSense demo is running at {url}  (Ctrl-C to stop)");
    })
    .await
}

/// Creates one organisation, its books and its three users; returns their credentials.
async fn load_org(store: &Store, demo: &DemoOrg, today: NaiveDate) -> Result<Vec<CredentialUser>> {
    let books = generate_until(demo, today)?;
    let org = store
        .create_org(&NewOrg {
            slug: demo.slug.into(),
            name: demo.name.into(),
            settings: OrgSettings::with_currency(books.currency),
        })
        .await?
        .id;
    import_books(store, org, &books).await?;

    let mut users = Vec::new();
    for role in [Role::Admin, Role::Member, Role::Viewer] {
        let email = format!("{role}@{}", demo.email_domain);
        let password = generate_password()?;
        let hash = {
            let p = password.clone();
            tokio::task::spawn_blocking(move || hash_password(&p)).await??
        };
        let user = store
            .create_user(&NewUser {
                email: email.clone(),
                display_name: format!("{} {}", capitalise(role.as_str()), demo.name),
                password_hash: hash,
            })
            .await?;
        store.mark_email_verified(user.id, Utc::now()).await?;
        store.set_membership(org, user.id, role).await?;
        users.push(CredentialUser {
            email,
            password,
            role,
            org: demo.slug.into(),
        });
    }
    Ok(users)
}

/// Books of `DEMO_MONTHS` months that end today: nothing dated after today, and documents
/// paid after today still open.
fn generate_until(demo: &DemoOrg, today: NaiveDate) -> Result<GeneratedBooks> {
    let config = GenConfig {
        months: Some(DEMO_MONTHS),
        business_name: demo.name.into(),
        profile: demo.profile,
        currency: Currency::USD,
        sales_decline_percent: demo.sales_decline_percent,
        ..GenConfig::new(demo.seed, demo.transactions)
    };
    Ok(generate_ending(&config, today)?)
}

async fn import_books(store: &Store, org: OrgId, books: &GeneratedBooks) -> Result<()> {
    let meta = ImportMeta {
        file_name: "demo".into(),
        format: "demo".into(),
        sha256: String::new(),
        source: "demo".into(),
        created_by: None,
        currency: books.currency,
    };
    let mut import = store.begin_import(org, &meta).await?;
    for account in &books.accounts {
        import
            .ensure_account(&account.name, account.opening_balance_minor)
            .await?;
    }
    let rows: Vec<NewTransaction> = books
        .transactions
        .iter()
        .map(|t| NewTransaction {
            account: t.account.to_string(),
            posted_on: t.date,
            amount_minor: t.amount_minor,
            currency: t.currency.as_str().into(),
            original_amount_minor: t.amount_minor,
            original_currency: t.currency.as_str().into(),
            counterparty: t.counterparty.to_string(),
            description: t.description.to_string(),
            category: t.category.to_string(),
            is_transfer: &*t.category == flowsense_core::books::TRANSFER_CATEGORY,
            external_id: format!("demo:{}", t.reference),
        })
        .collect();
    for chunk in rows.chunks(10_000) {
        import.add_transactions(chunk).await?;
    }
    let docs: Vec<NewDocument> = books
        .documents
        .iter()
        .map(|d| NewDocument {
            kind: d.kind,
            number: d.number.clone(),
            counterparty: d.counterparty.to_string(),
            issue_date: d.issue_date,
            due_date: d.due_date,
            paid_date: d.paid_date,
            amount_minor: d.amount_minor,
            currency: books.currency.as_str().into(),
            external_id: format!("demo:{}:{}", d.kind.as_str(), d.number),
        })
        .collect();
    import.add_documents(&docs).await?;
    import.commit().await?;
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Writes JSON readable by its owner only (created 0600, never widened).
fn write_private_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    serde_json::to_writer_pretty(&mut file, value)?;
    file.write_all(b"\n")?;
    Ok(())
}

fn print_credentials(c: &Credentials, path: &Path) {
    println!(
        "Demo organisations and users (passwords are shown once; also saved to {}):",
        path.display()
    );
    for org in &c.orgs {
        println!("\n  {} ({})", org.name, org.slug);
        for u in c.users.iter().filter(|u| u.org == org.slug) {
            println!("    {:<7} {:<32} {}", u.role.as_str(), u.email, u.password);
        }
    }
    println!();
}
