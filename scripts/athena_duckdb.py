"""Runs the Athena engine's SQL, unchanged, in DuckDB over a local CloudTrail tree.

The tests use it to check that the generated query returns the same rows as
the local engine. The table is a DuckDB view shaped like the generated Athena
table: one row per record, the Hive JSON SerDe's view of it (object fields as
JSON text, absent fields NULL), and the partition columns `account`, `region`,
`day` taken from the key layout as partition projection takes them.

usage: athena_duckdb.py ROOT DATABASE TABLE  < {"sql": ..., "parameters": [...]}
prints {"header": [...], "rows": [[str|null, ...], ...]} like GetQueryResults.
"""
import json
import sys

import duckdb

root, database, table = sys.argv[1:4]
query = json.load(sys.stdin)

con = duckdb.connect()
con.execute("SET threads = 2")
con.execute(f'CREATE SCHEMA "{database}"')
glob = (root.rstrip("/") + "/**/*.json*").replace("'", "''")  # a SQL literal: views take no parameters
con.execute(
    f"""
CREATE VIEW "{database}"."{table}" AS
WITH files AS (
  SELECT filename, unnest(Records) AS r
  FROM read_json('{glob}', columns = {{'Records': 'JSON[]'}}, filename = true,
                 maximum_object_size = 33554432)
)
SELECT
  r->>'eventVersion' AS eventversion,
  r->>'eventTime' AS eventtime,
  r->>'eventSource' AS eventsource,
  r->>'eventName' AS eventname,
  r->>'awsRegion' AS awsregion,
  r->>'sourceIPAddress' AS sourceipaddress,
  r->>'userAgent' AS useragent,
  r->>'errorCode' AS errorcode,
  r->>'errorMessage' AS errormessage,
  CASE WHEN json_type(r->'requestParameters') IS NULL OR json_type(r->'requestParameters') = 'NULL'
       THEN NULL ELSE CAST(r->'requestParameters' AS VARCHAR) END AS requestparameters,
  CASE WHEN json_type(r->'responseElements') IS NULL OR json_type(r->'responseElements') = 'NULL'
       THEN NULL ELSE CAST(r->'responseElements' AS VARCHAR) END AS responseelements,
  r->>'requestID' AS requestid,
  r->>'eventID' AS eventid,
  r->>'eventType' AS eventtype,
  r->>'recipientAccountId' AS recipientaccountid,
  regexp_extract(filename, 'AWSLogs/(?:o-[a-z0-9]+/)?([0-9]{{12}})/CloudTrail/', 1) AS account,
  regexp_extract(filename, '/CloudTrail/([^/]+)/', 1) AS region,
  regexp_extract(filename, '/CloudTrail/[^/]+/([0-9]{{4}}/[0-9]{{2}}/[0-9]{{2}})/', 1) AS day
FROM files
"""
)
cur = con.execute(query["sql"], query["parameters"])
header = [d[0] for d in cur.description]
rows = [[None if v is None else str(v) for v in row] for row in cur.fetchall()]
json.dump({"header": header, "rows": rows}, sys.stdout)
