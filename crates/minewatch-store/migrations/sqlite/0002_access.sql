-- Accounts, sessions, receipts of anonymous reports, the access audit, and each record's
-- visibility level and owner (for list filters). Accounts, sessions and receipts are this
-- instance's credentials, not facts, so they live outside the ledger; who viewed
-- restricted data is in the ledger (op "access") and projected into access_event.

alter table record add column visibility text not null default 'public';
alter table record add column owner text;   -- community/organisation id; null: shared
update record set visibility = coalesce(json_extract(payload, '$.visibility'), 'public');
update record set owner = id where kind in ('community', 'organisation');
update record set owner = json_extract(payload, '$.community_id') where kind = 'observation';
create index record_access on record (kind, visibility, owner);

create table account (
    id text primary key,
    username text not null unique,
    display_name text not null,
    password_hash text not null,          -- argon2id PHC string
    must_change_password bigint not null default 0,
    disabled bigint not null default 0,
    failed_logins bigint not null default 0,
    locked_until bigint,                  -- UTC ms; login refused until then
    created_at bigint not null,
    last_login_at bigint
);

-- A role over a scope: scope_kind workspace (scope_id ''), organisation or community.
create table account_grant (
    account_id text not null references account (id) on delete cascade,
    role text not null,
    scope_kind text not null,
    scope_id text not null default '',
    primary key (account_id, role, scope_kind, scope_id)
);

-- The cookie holds a random token; only its SHA-256 is stored, so a copy of the
-- database does not let anyone sign in.
create table session (
    token_hash text primary key,
    account_id text not null references account (id) on delete cascade,
    csrf text not null,
    created_at bigint not null,
    expires_at bigint not null
);
create index session_account on session (account_id);

-- Receipt codes of anonymous reports (SHA-256 of the code) and the report they open.
create table receipt (
    code_hash text primary key,
    record_id text not null
);

-- Projection of the ledger's access entries: who saw or exported restricted fields.
create table access_event (
    entry_id text primary key,
    at_ms bigint not null,
    author text not null,
    record_id text not null,
    kind text not null,
    action text not null,
    via text not null,
    fields text not null
);
create index access_event_at on access_event (at_ms);
