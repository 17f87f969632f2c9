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

insert into record_value (record_id, field, value)
  select id, 'status', payload::jsonb ->> 'status' from record
   where kind = 'licence' and retracted = 0 and jsonb_typeof(payload::jsonb -> 'status') = 'string'
  on conflict do nothing;
insert into record_value (record_id, field, value)
  select id, 'aimag.mn', payload::jsonb #>> '{aimag,mn}' from record
   where kind = 'licence' and retracted = 0 and jsonb_typeof(payload::jsonb #> '{aimag,mn}') = 'string'
  on conflict do nothing;
insert into record_value (record_id, field, value)
  select id, 'soum.mn', payload::jsonb #>> '{soum,mn}' from record
   where kind = 'licence' and retracted = 0 and jsonb_typeof(payload::jsonb #> '{soum,mn}') = 'string'
  on conflict do nothing;
insert into record_value (record_id, field, value)
  select r.id, 'minerals', m.v from record r
   cross join lateral jsonb_array_elements_text(
     case jsonb_typeof(r.payload::jsonb -> 'minerals') when 'array' then r.payload::jsonb -> 'minerals' else '[]'::jsonb end) m(v)
   where r.kind = 'licence' and r.retracted = 0
  on conflict do nothing;
