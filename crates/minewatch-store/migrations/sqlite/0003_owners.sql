-- Requests belong to the community they name, as reports and case records do (a
-- request with no owner was open to every staff account of every community).
update record set owner = json_extract(payload, '$.community_id')
 where kind = 'request' and json_extract(payload, '$.community_id') is not null;

