//! Logging in and out, changing one's password, and the admin pages (accounts and the
//! audit of restricted data seen).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use minewatch_domain::{RecordId, Scope};
use minewatch_store::{LoginOutcome, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::access::{ClientKey, SESSION_COOKIE, Viewer, secure, set_cookie};
use crate::error::{OrPage, PageError};
use crate::i18n::Ui;
use crate::pages::local_next;
use crate::templates::{AuditPage, AuditRow, LoginPage, PasswordPage, UserRow, UsersPage};
use crate::views::{format_time, record_href};

type PageResult = Result<Response, PageError>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextParams {
    next: Option<String>,
}

pub async fn login_form(ui: Ui, Query(params): Query<NextParams>) -> PageResult {
    login_page(
        &ui,
        String::new(),
        local_next(params.next),
        None,
        StatusCode::OK,
    )
}

fn login_page(
    ui: &Ui,
    username: String,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = LoginPage {
        ui,
        username,
        next,
        error,
    };
    Ok((status, Html(page.render().page(ui)?)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Checks the password; on success always starts a new session (a session id known
/// before login is never kept, so it cannot be fixed by someone else) and ends the one
/// the browser had, if any.
pub async fn login(
    State(state): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Extension(client): Extension<ClientKey>,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let next = local_next(form.next);
    let throttle = &state.login_throttle;
    let slowed = |wait: std::time::Duration, username: String, next: String| {
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        let mut response = login_page(
            &ui,
            username,
            next,
            Some(ui.t_count("login-slowed", seconds as i64)),
            StatusCode::TOO_MANY_REQUESTS,
        )?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        Ok(response)
    };
    // While this address must wait, its guess is not even checked.
    let policy = state.security.login;
    if let Err(wait) = throttle.attempt(&form.username, &client.0, policy) {
        return slowed(wait, form.username, next);
    }
    let now = jiff::Timestamp::now().as_millisecond();
    let outcome = state
        .store
        .login(&form.username, &form.password, now)
        .await
        .page(&ui)?;
    let account = match outcome {
        LoginOutcome::Success(account) => {
            throttle.succeeded(&form.username, &client.0, policy);
            account
        }
        LoginOutcome::WrongCredentials => {
            let wait = throttle.wait(&form.username, &client.0);
            if !wait.is_zero() {
                return slowed(wait, form.username, next);
            }
            return login_page(
                &ui,
                form.username,
                next,
                Some(ui.t("login-wrong")),
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    if let Some(old) = crate::access::cookie_value(&headers, SESSION_COOKIE) {
        state.store.end_session(old).await.page(&ui)?;
    }
    let ttl = state.security.session_ttl;
    let token = state
        .store
        .create_session(&account.id, ttl.as_millis() as i64)
        .await
        .page(&ui)?;
    let to = if account.must_change_password {
        "/account/password".to_owned()
    } else {
        next
    };
    let mut response = Redirect::to(&to).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &token,
            ttl.as_secs() as i64,
            secure(&state.security, &headers),
        ),
    );
    Ok(response)
}

pub async fn logout(State(state): State<AppState>, ui: Ui, headers: HeaderMap) -> PageResult {
    if let Some(token) = crate::access::cookie_value(&headers, SESSION_COOKIE) {
        state.store.end_session(token).await.page(&ui)?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, secure(&state.security, &headers)),
    );
    Ok(response)
}

pub async fn password_form(viewer: Viewer, ui: Ui) -> PageResult {
    password_page(&ui, &viewer, false, None, StatusCode::OK)
}

fn password_page(
    ui: &Ui,
    viewer: &Viewer,
    done: bool,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = PasswordPage {
        ui,
        must_change: viewer
            .account
            .as_ref()
            .is_some_and(|a| a.must_change_password),
        done,
        error,
    };
    Ok((status, Html(page.render().page(ui)?)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// Changes the password after checking the current one (wrong ones count towards the
/// lockout); every session of the account ends and this browser gets a new one.
pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    ui: Ui,
    headers: HeaderMap,
    Extension(client): Extension<ClientKey>,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let Some(account) = viewer.account.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    let refuse = |key: &str, status| password_page(&ui, &viewer, false, Some(ui.t(key)), status);
    if form.new != form.confirm {
        return refuse("password-mismatch", StatusCode::UNPROCESSABLE_ENTITY);
    }
    if form.new == form.current {
        return refuse("password-same", StatusCode::UNPROCESSABLE_ENTITY);
    }
    if minewatch_store::check_password(&form.new).is_err() {
        return refuse("password-rule", StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The current password is guessed no faster here than at the login form (a
    // session left open is not a way to find it).
    let policy = state.security.login;
    if let Err(wait) = state
        .login_throttle
        .attempt(&account.username, &client.0, policy)
    {
        let seconds = wait.as_secs_f64().ceil().max(1.0) as i64;
        return password_page(
            &ui,
            &viewer,
            false,
            Some(ui.t_count("login-slowed", seconds)),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let now = jiff::Timestamp::now().as_millisecond();
    match state
        .store
        .login(&account.username, &form.current, now)
        .await
        .page(&ui)?
    {
        LoginOutcome::Success(_) => {
            state
                .login_throttle
                .succeeded(&account.username, &client.0, policy);
        }
        LoginOutcome::WrongCredentials => {
            return refuse("password-current-wrong", StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    match state
        .store
        .set_password(&account.username, &form.new, false)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Invalid(_)) => {
            return refuse("password-rule", StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Err(e).page(&ui),
    }
    let ttl = state.security.session_ttl;
    let token = state
        .store
        .create_session(&account.id, ttl.as_millis() as i64)
        .await
        .page(&ui)?;
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &token,
            ttl.as_secs() as i64,
            secure(&state.security, &headers),
        ),
    );
    Ok(response)
}

/// Who saw or exported restricted data, newest first.
pub async fn audit(State(state): State<AppState>, ui: Ui) -> PageResult {
    let events = state.store.access_events(500).await.page(&ui)?;
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let (record, href) = match RecordId::parse(&e.record_id) {
            Some(id) => match state.store.get(&id).await {
                Ok(r) => (
                    crate::views::display_name(&r, ui.lang),
                    record_href(r.kind, &r.id),
                ),
                Err(_) => (e.record_id.clone(), None),
            },
            None => (e.record_id.clone(), None),
        };
        rows.push(AuditRow {
            when: format_time(&ui, e.at_ms),
            who: e.author,
            action: ui.t(&format!("audit-action-{}", e.action)),
            via: e.via,
            record,
            href,
            fields: e
                .fields
                .iter()
                .map(|f| ui.t(&format!("field-{f}")))
                .collect::<Vec<_>>()
                .join(", "),
            entry_id: e.entry_id,
        });
    }
    let page = AuditPage { ui: &ui, rows };
    Ok(Html(page.render().page(&ui)?).into_response())
}

/// The accounts and their roles (managed with `minewatch user …`).
pub async fn users(State(state): State<AppState>, ui: Ui) -> PageResult {
    let accounts = state.store.accounts().await.page(&ui)?;
    let mut rows = Vec::with_capacity(accounts.len());
    for a in accounts {
        let mut roles = Vec::new();
        for g in &a.grants {
            let scope = match &g.scope {
                Scope::Workspace => ui.t("scope-workspace"),
                Scope::Organisation(id) | Scope::Community(id) => match state.store.get(id).await {
                    Ok(r) => crate::views::display_name(&r, ui.lang),
                    Err(_) => id.to_string(),
                },
            };
            roles.push(format!("{} ({scope})", ui.t(&format!("role-{}", g.role))));
        }
        let state_label = if a.disabled {
            ui.t("users-disabled")
        } else if a.must_change_password {
            ui.t("users-one-time")
        } else {
            ui.t("users-active")
        };
        rows.push(UserRow {
            username: a.username,
            display_name: a.display_name,
            roles: roles.join(", "),
            last_login: a
                .last_login_at_ms
                .map(|ms| format_time(&ui, ms))
                .unwrap_or_default(),
            state: state_label,
        });
    }
    let page = UsersPage { ui: &ui, rows };
    Ok(Html(page.render().page(&ui)?).into_response())
}
