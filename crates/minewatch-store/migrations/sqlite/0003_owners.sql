-- Requests belong to the community they name, as reports and case records do (a
-- request with no owner was open to every staff account of every community).
update record set owner = json_extract(payload, '$.community_id')
 where kind = 'request' and json_extract(payload, '$.community_id') is not null;


-- Views of restricted fields are audited once an hour per account and record: the check
-- reads this index.
create index access_event_view on access_event (record_id, author, at_ms);

-- The newest records (the dashboard's "latest") in index order, ties by id.
create index record_updated_id on record (updated_at, id);

-- Entries that change a record, per device (not the audit's): caches of what the records
-- say are kept until the sum moves (`Store::ledger_marker`).
alter table device add column changes bigint not null default 0;
update device set changes = (select count(*) from entry
                             where entry.device = device.id and entry.op <> 'access');
