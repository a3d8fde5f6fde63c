//! How the web pages name an organisation in their addresses: `/app/{slug}/…`, the same name
//! every CLI command takes. An id still works (old links, bookmarks): a page asked for by id is
//! redirected to its slug address once the caller's membership is checked, so another
//! tenant's slug or id is not found exactly like a missing one.
//!
//! The JSON API (`/api/v1/orgs/{org}`) takes the id or the slug, as the CLI does; a slug can be
//! renamed while an id is forever, so scripts that keep a name for long should hold the id.

use crate::routes::route_table;
use crate::{ApiError, AppState};
use flowsense_core::OrgId;
use flowsense_service::identity::Caller;
use flowsense_service::orgs::lifecycle;
use flowsense_storage::UserOrg;
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

/// The path segment that names one organisation in a page's address: its slug, or its id
/// when the slug would name something else (a page of its own under `/app/`, such as
/// `/app/new`, or an id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrgPath(String);

impl OrgPath {
    pub(crate) fn of(id: OrgId, slug: &str) -> Self {
        if names_an_organisation(slug) {
            Self(slug.to_owned())
        } else {
            Self(id.to_string())
        }
    }

    /// How `caller`'s pages name `org`, for an answer that knows only its id (after a
    /// provider's consent, an accepted invitation): its slug among the caller's
    /// organisations, or the id (which then redirects, or is not found) when it is not one.
    ///
    /// # Errors
    /// A database failure.
    pub(crate) async fn for_caller(
        state: &AppState,
        caller: &Caller,
        org: OrgId,
    ) -> Result<Self, ApiError> {
        let memberships = lifecycle::organisations_of(state, caller).await?;
        Ok(memberships
            .iter()
            .find(|o| o.id == org)
            .map_or_else(|| Self::by_id(org), |o| Self::of(o.id, &o.slug)))
    }

    /// The id itself (how the JSON API names the organisation it found, by id or slug).
    pub(crate) fn by_id(id: OrgId) -> Self {
        Self(id.to_string())
    }

    /// The organisation of `memberships` this path segment names, by id or by slug; `None`
    /// for any other, so the caller answers "not found" alike for a missing organisation and
    /// another tenant's.
    pub(crate) fn find<'a>(memberships: &'a [UserOrg], segment: &str) -> Option<&'a UserOrg> {
        match segment.parse::<OrgId>() {
            Ok(id) => memberships.iter().find(|o| o.id == id),
            Err(_) => memberships
                .iter()
                .find(|o| o.slug == segment && names_an_organisation(&o.slug)),
        }
    }

    /// The organisation of `memberships` a JSON API path segment names: by id, or by any slug
    /// (the API has no pages of its own beside an organisation's, so no slug is taken); `None`
    /// for any other, alike for a missing organisation and another tenant's.
    pub(crate) fn find_for_api<'a>(
        memberships: &'a [UserOrg],
        segment: &str,
    ) -> Option<&'a UserOrg> {
        match segment.parse::<OrgId>() {
            Ok(id) => memberships.iter().find(|o| o.id == id),
            Err(_) => memberships
                .iter()
                .find(|o| !segment.is_empty() && o.slug == segment),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `slug` in `/app/{slug}` reaches the organisation: not an id, and not the first
/// segment of a page of its own under `/app/` (the route table's, so a new page is counted
/// the day it is added).
fn names_an_organisation(slug: &str) -> bool {
    !slug.is_empty() && slug.parse::<OrgId>().is_err() && !is_own_page(slug)
}

/// Whether `segment`, first after `/app/`, is a page of its own (`new`, `profile`) rather than
/// an organisation.
pub(crate) fn is_own_page(segment: &str) -> bool {
    own_pages().contains(segment)
}

/// `new`, `profile`: the fixed first segments after `/app/`.
fn own_pages() -> &'static HashSet<&'static str> {
    static OWN: OnceLock<HashSet<&'static str>> = OnceLock::new();
    OWN.get_or_init(|| {
        route_table()
            .into_iter()
            .filter_map(|r| r.path.strip_prefix("/app/"))
            .filter_map(|rest| rest.split('/').next())
            .filter(|first| !first.starts_with('{'))
            .collect()
    })
}

/// `path` with the segment at the place of `{org}` in `template` replaced by `org`, and
/// `query` kept: the address a page asked for by id is redirected to.
pub(crate) fn replace_org_segment(
    template: &str,
    path: &str,
    query: Option<&str>,
    org: &OrgPath,
) -> Option<String> {
    let at = template.split('/').position(|s| s == "{org}")?;
    let mut segments: Vec<&str> = path.split('/').collect();
    *segments.get_mut(at)? = org.as_str();
    let mut out = segments.join("/");
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsense_core::Role;

    fn membership(slug: &str) -> UserOrg {
        UserOrg {
            id: OrgId::new(),
            slug: slug.to_owned(),
            name: slug.to_owned(),
            role: Role::Viewer,
            mfa_required: false,
        }
    }

    #[test]
    fn a_slug_names_the_organisation_unless_it_names_a_page_or_an_id() {
        let id = OrgId::new();
        assert_eq!(OrgPath::of(id, "northwind").as_str(), "northwind");
        for taken in ["new", "profile", &OrgId::new().to_string(), ""] {
            assert_eq!(OrgPath::of(id, taken).as_str(), id.to_string(), "{taken}");
        }
        assert!(own_pages().contains("new") && own_pages().contains("profile"));
        assert!(!own_pages().iter().any(|p| p.starts_with('{')));
    }

    #[test]
    fn only_the_callers_organisations_are_found_by_slug_or_id() {
        let mine = [membership("northwind"), membership("new")];
        assert_eq!(
            OrgPath::find(&mine, "northwind").map(|o| o.id),
            Some(mine[0].id)
        );
        assert_eq!(
            OrgPath::find(&mine, &mine[1].id.to_string()).map(|o| o.id),
            Some(mine[1].id)
        );
        assert!(OrgPath::find(&mine, "new").is_none(), "a page's name");
        assert!(OrgPath::find(&mine, "harbor-dental").is_none());
        assert!(OrgPath::find(&mine, &OrgId::new().to_string()).is_none());
        assert!(OrgPath::find(&mine, "Northwind").is_none());
    }

    #[test]
    fn the_api_finds_the_callers_organisations_by_any_slug_or_id() {
        let mine = [membership("northwind"), membership("new")];
        assert_eq!(
            OrgPath::find_for_api(&mine, "new").map(|o| o.id),
            Some(mine[1].id)
        );
        assert_eq!(
            OrgPath::find_for_api(&mine, &mine[0].id.to_string()).map(|o| o.id),
            Some(mine[0].id)
        );
        for other in ["harbor-dental", "", "Northwind", &OrgId::new().to_string()] {
            assert!(OrgPath::find_for_api(&mine, other).is_none(), "{other}");
        }
    }

    #[test]
    fn the_redirect_keeps_the_rest_of_the_path_and_the_query() {
        let to = OrgPath("northwind".into());
        let id = OrgId::new();
        assert_eq!(
            replace_org_segment(
                "/app/{org}/transactions",
                &format!("/app/{id}/transactions"),
                Some("q=rent&cursor=x"),
                &to
            )
            .as_deref(),
            Some("/app/northwind/transactions?q=rent&cursor=x")
        );
        assert_eq!(
            replace_org_segment("/app/{org}", &format!("/app/{id}"), Some(""), &to).as_deref(),
            Some("/app/northwind")
        );
        assert_eq!(
            replace_org_segment(
                "/app/profile/digest-preview/{org}",
                &format!("/app/profile/digest-preview/{id}"),
                None,
                &to
            )
            .as_deref(),
            Some("/app/profile/digest-preview/northwind")
        );
        assert!(replace_org_segment("/app/new", "/app/new", None, &to).is_none());
    }
}
