-- The values lists filter by (a licence's status, aimag, soum and minerals), one row
-- each, so a filtered list reads an index instead of every payload. The projection
-- keeps it (`projection::apply`); this fills it for the records already there.
create table record_value (
    record_id text not null,
    field text not null,
    value text not null,
    primary key (record_id, field, value)
);
create index record_value_lookup on record_value (field, value);

insert or ignore into record_value (record_id, field, value)
  select id, 'status', json_extract(payload, '$.status') from record
   where kind = 'licence' and retracted = 0 and json_type(payload, '$.status') = 'text';
insert or ignore into record_value (record_id, field, value)
  select id, 'aimag.mn', json_extract(payload, '$.aimag.mn') from record
   where kind = 'licence' and retracted = 0 and json_type(payload, '$.aimag.mn') = 'text';
insert or ignore into record_value (record_id, field, value)
  select id, 'soum.mn', json_extract(payload, '$.soum.mn') from record
   where kind = 'licence' and retracted = 0 and json_type(payload, '$.soum.mn') = 'text';
insert or ignore into record_value (record_id, field, value)
  select r.id, 'minerals', j.value from record r, json_each(r.payload, '$.minerals') j
   where r.kind = 'licence' and r.retracted = 0 and j.type = 'text';
