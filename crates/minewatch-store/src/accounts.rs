//! Accounts, their grants, passwords (argon2id) and sessions.
//!
//! These are this instance's credentials, not facts about the world, so they live in
//! ordinary tables beside the ledger. Sessions are in the database so several `serve`
//! processes share them; the cookie holds a random token and the table only its
//! SHA-256, so a copy of the database does not let anyone sign in.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use minewatch_domain::{FieldError, Grant, RecordId, RecordKind, Role, Scope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ledger::sha256_hex;
use crate::{Store, StoreError, now_ms};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// An account and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
    /// Set for a one-time password: the account must choose its own before anything else.
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at_ms: i64,
    pub last_login_at_ms: Option<i64>,
}

/// What [`Store::create_account`] needs.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub grants: Vec<Grant>,
    pub password: &'a str,
    pub must_change_password: bool,
}

/// The result of a login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    Success(Account),
    /// Unknown user, wrong password or disabled account: callers say the same thing for
    /// all three, so a login form does not tell which usernames exist.
    WrongCredentials,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account: Account,
    /// The token forms of this session must carry.
    pub csrf: String,
    pub expires_at_ms: i64,
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    hex::encode(bytes)
}

/// A random code easy to read aloud and type on a phone: groups of four characters from
/// an alphabet without look-alikes (no 0/o, 1/l/i), 5 bits each.
pub fn random_code(groups: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    // Rejection sampling keeps every symbol equally likely: bytes of 248 (= 31 * 8) and
    // above are drawn again.
    let limit = 256 - 256 % ALPHABET.len();
    let mut chars = Vec::with_capacity(groups * 4);
    while chars.len() < groups * 4 {
        let mut byte = [0u8; 1];
        getrandom::fill(&mut byte).expect("the operating system provides random bytes");
        if usize::from(byte[0]) < limit {
            chars.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of a receipt code or session token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.trim().to_lowercase().as_bytes())
}

fn hash_password(password: &str) -> Result<String, StoreError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Config(format!("hashing a password: {e}")))
}

fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to check unknown usernames against, so they take as long as known ones.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_hex(16)).expect("argon2 hashes a password"))
}

fn check_username(username: &str) -> Result<(), StoreError> {
    let ok = (2..=64).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(vec![FieldError::new(
            "username",
            "bad-username",
            "2 to 64 characters: lowercase letters a-z, digits, '.', '_' and '-'",
        )]))
    }
}

/// Checks a new password; the error names the field `password`.
pub fn check_password(password: &str) -> Result<(), StoreError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StoreError::Invalid(vec![FieldError::new(
            "password",
            "password-too-short",
            format!("at least {MIN_PASSWORD_CHARS} characters"),
        )]));
    }
    if password.len() > 1024 {
        return Err(StoreError::Invalid(vec![FieldError::new(
            "password",
            "too-long",
            "at most 1024 bytes",
        )]));
    }
    Ok(())
}

// `locked_until` is no longer read or set (wrong passwords slow their address instead of
// locking the account); the column stays for databases made before.
const ACCOUNT_COLUMNS: &str = "id, username, display_name, must_change_password, disabled, \
                               created_at, last_login_at";

impl Store {
    /// Creates an account with its grants, in one transaction.
    pub async fn create_account(&self, new: NewAccount<'_>) -> Result<Account, StoreError> {
        check_username(new.username)?;
        check_password(new.password)?;
        let display_name = new.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "display_name",
                "required",
                "a name of 1 to 200 characters",
            )]));
        }
        self.check_grants(&new.grants).await?;
        let hash = hash_password(new.password)?;
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "insert into account (id, username, display_name, password_hash, must_change_password,
                                  created_at)
             values ($1, $2, $3, $4, $5, $6) on conflict (username) do nothing",
        )
        .bind(id.clone())
        .bind(new.username.to_owned())
        .bind(display_name.to_owned())
        .bind(hash)
        .bind(i64::from(new.must_change_password))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "an account named {:?} exists already",
                new.username
            )));
        }
        insert_grants(&mut tx, &id, &new.grants).await?;
        tx.commit().await?;
        self.account(new.username)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                id: new.username.to_owned(),
            })
    }

    /// The account named `username`.
    pub async fn account(&self, username: &str) -> Result<Option<Account>, StoreError> {
        let sql = format!("select {ACCOUNT_COLUMNS} from account where username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.account_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    /// Every account, by username.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let sql = format!("select {ACCOUNT_COLUMNS} from account order by username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.account_from_row(row).await?);
        }
        Ok(out)
    }

    /// Replaces an account's grants.
    pub async fn set_grants(&self, username: &str, grants: &[Grant]) -> Result<(), StoreError> {
        self.check_grants(grants).await?;
        let account = self.require_account(username).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from account_grant where account_id = $1")
            .bind(account.id.clone())
            .execute(&mut *tx)
            .await?;
        insert_grants(&mut tx, &account.id, grants).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password, clears any lockout and ends the account's sessions.
    pub async fn set_password(
        &self,
        username: &str,
        password: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        check_password(password)?;
        let account = self.require_account(username).await?;
        let hash = hash_password(password)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "update account set password_hash = $2, must_change_password = $3, failed_logins = 0,
                                locked_until = null
             where id = $1",
        )
        .bind(account.id.clone())
        .bind(hash)
        .bind(i64::from(must_change))
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from session where account_id = $1")
            .bind(account.id.clone())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a password. Wrong ones are counted on the account (for the admin's list)
    /// but never lock it: a lock would let a stranger keep a coordinator out by typing
    /// wrong passwords. Guessing is slowed where the guesser is, by the web app's
    /// growing delays per account and address.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        now_ms: i64,
    ) -> Result<LoginOutcome, StoreError> {
        let row = sqlx::query(
            "select username, password_hash, disabled from account where username = $1",
        )
        .bind(username.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            password_matches(password, dummy_hash());
            return Ok(LoginOutcome::WrongCredentials);
        };
        let username: String = row.try_get("username")?;
        let hash: String = row.try_get("password_hash")?;
        let matches = password_matches(password, &hash);
        if matches && row.try_get::<i64, _>("disabled")? == 0 {
            sqlx::query(
                "update account set failed_logins = 0, locked_until = null, last_login_at = $2
                 where username = $1",
            )
            .bind(username.clone())
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
            return Ok(match self.account(&username).await? {
                Some(account) => LoginOutcome::Success(account),
                None => LoginOutcome::WrongCredentials,
            });
        }
        if !matches {
            sqlx::query("update account set failed_logins = failed_logins + 1 where username = $1")
                .bind(username)
                .execute(&self.pool)
                .await?;
        }
        Ok(LoginOutcome::WrongCredentials)
    }

    /// Starts a session; returns the token for the cookie (only its hash is stored).
    pub async fn create_session(
        &self,
        account_id: &str,
        ttl_ms: i64,
    ) -> Result<String, StoreError> {
        let token = random_hex(32);
        let now = now_ms();
        sqlx::query(
            "insert into session (token_hash, account_id, csrf, created_at, expires_at)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&token))
        .bind(account_id.to_owned())
        .bind(random_hex(32))
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&self.pool)
        .await?;
        // Expired sessions are swept whenever a new one starts.
        sqlx::query("delete from session where expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(token)
    }

    /// The live session a token opens, if any (expired ones open nothing, and sessions of
    /// disabled accounts neither).
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let row = sqlx::query(
            "select s.csrf as csrf, s.expires_at as expires_at, a.username as username,
                    a.disabled as disabled
             from session s join account a on a.id = s.account_id
             where s.token_hash = $1 and s.expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("disabled")? != 0 {
            return Ok(None);
        }
        let username: String = row.try_get("username")?;
        let Some(account) = self.account(&username).await? else {
            return Ok(None);
        };
        Ok(Some(Session {
            account,
            csrf: row.try_get("csrf")?,
            expires_at_ms: row.try_get("expires_at")?,
        }))
    }

    /// Ends the session a token opens (logout).
    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("delete from session where token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn require_account(&self, username: &str) -> Result<Account, StoreError> {
        self.account(username)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                id: format!("account {username}"),
            })
    }

    /// Every scope must name a current community or organisation.
    async fn check_grants(&self, grants: &[Grant]) -> Result<(), StoreError> {
        for (i, g) in grants.iter().enumerate() {
            let expected = match &g.scope {
                Scope::Workspace => continue,
                Scope::Organisation(_) => RecordKind::Organisation,
                Scope::Community(_) => RecordKind::Community,
            };
            let id = g.scope.target().expect("scoped grants have a target");
            let ok = match self.get(id).await {
                Ok(r) => r.kind == expected && !r.retracted,
                Err(StoreError::NotFound { .. }) => false,
                Err(e) => return Err(e),
            };
            if !ok {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    format!("grants[{i}].scope"),
                    "unknown-reference",
                    format!("no {expected} with id {id}"),
                )]));
            }
        }
        Ok(())
    }

    async fn account_from_row(&self, row: &AnyRow) -> Result<Account, StoreError> {
        let id: String = row.try_get("id")?;
        let grant_rows = sqlx::query(
            "select role, scope_kind, scope_id from account_grant where account_id = $1
             order by role, scope_kind, scope_id",
        )
        .bind(id.clone())
        .fetch_all(&self.pool)
        .await?;
        let mut grants = Vec::new();
        for g in &grant_rows {
            let role: String = g.try_get("role")?;
            let scope_kind: String = g.try_get("scope_kind")?;
            let scope_id: String = g.try_get("scope_id")?;
            let role = Role::parse(&role).ok_or_else(|| {
                StoreError::Corrupt(format!("account {id}: unknown role {role:?}"))
            })?;
            let scope = Scope::from_parts(&scope_kind, Some(&scope_id)).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "account {id}: bad scope {scope_kind:?} {scope_id:?}"
                ))
            })?;
            grants.push(Grant { role, scope });
        }
        Ok(Account {
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            grants,
            must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
            disabled: row.try_get::<i64, _>("disabled")? != 0,
            created_at_ms: row.try_get("created_at")?,
            last_login_at_ms: row.try_get("last_login_at")?,
            id,
        })
    }
}

async fn insert_grants(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    account_id: &str,
    grants: &[Grant],
) -> Result<(), StoreError> {
    for g in grants {
        sqlx::query(
            "insert into account_grant (account_id, role, scope_kind, scope_id)
             values ($1, $2, $3, $4) on conflict do nothing",
        )
        .bind(account_id.to_owned())
        .bind(g.role.as_str())
        .bind(g.scope.kind_str())
        .bind(
            g.scope
                .target()
                .map(RecordId::to_string)
                .unwrap_or_default(),
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
