-- The ledger and the first projections. SQLite and PostgreSQL share every query, so
-- types stay within what both (and sqlx's Any driver) read the same way: bigint for
-- integers and UTC milliseconds, text, blob, and 0/1 integers for booleans.

-- One row per device (an instance's ed25519 key). `seq` and `head` are the device's
-- chain tip; appends lock this row first, which serialises writers of one chain.
create table device (
    id text primary key,            -- hex of the ed25519 public key
    public_key blob not null,
    seq bigint not null default 0,  -- seq of the device's last entry
    head text,                      -- id of the device's last entry
    created_at bigint not null
);

-- Signed, hash-chained entries. `body` holds the canonical JSON (RFC 8785) that `id`
-- hashes and `sig` signs; the other columns repeat parts of it for lookups and are
-- checked against it by `minewatch verify`. `pos` is this instance's arrival order.
create table entry (
    pos integer primary key autoincrement,
    id text not null unique,
    device text not null,
    seq bigint not null,
    op text not null,
    kind text not null,
    record_id text not null,
    at_ms bigint not null,
    body blob not null,
    sig blob not null,
    unique (device, seq)
);
create index entry_record on entry (record_id, pos);

-- Projection: the current version of every record, derived from the ledger only.
create table record (
    id text primary key,
    kind text not null,
    payload text not null,
    label text not null,
    search text not null,           -- lowercased label (SQLite's lower() is ASCII-only)
    version bigint not null,
    retracted bigint not null default 0,
    head text not null,
    created_at bigint not null,
    created_by text not null,
    updated_at bigint not null,
    updated_by text not null
);
create index record_kind_label on record (kind, label);
create index record_updated on record (updated_at);

-- Projection: references between current records (licence -> holder company, ...).
create table record_link (
    from_id text not null,
    rel text not null,
    to_id text not null,
    primary key (from_id, rel, to_id)
);
create index record_link_to on record_link (to_id);
