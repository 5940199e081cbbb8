-- hegui campaign database, schema version 1 (docs/CAMPAIGN.md documents every table and column).

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE organisations (
  id            INTEGER PRIMARY KEY,
  org_key       TEXT NOT NULL UNIQUE,
  credit_code   TEXT UNIQUE,
  name          TEXT NOT NULL,
  region_code   TEXT,
  industry      TEXT,
  contact_name  TEXT,
  contact_phone TEXT,
  contact_email TEXT,
  roster_line   INTEGER NOT NULL,
  added_at      TEXT NOT NULL
);

CREATE TABLE rounds (
  number     INTEGER PRIMARY KEY,
  opened_at  TEXT NOT NULL,
  due_date   TEXT,
  rectify_by TEXT
);

CREATE TABLE round_packs (
  round                INTEGER NOT NULL REFERENCES rounds(number),
  position             INTEGER NOT NULL,
  pack_id              TEXT NOT NULL,
  pack_version         TEXT NOT NULL,
  source               TEXT NOT NULL,
  questionnaire_digest TEXT NOT NULL,
  PRIMARY KEY (round, position)
);

CREATE TABLE rules (
  pack_id      TEXT NOT NULL,
  pack_version TEXT NOT NULL,
  rule_id      TEXT NOT NULL,
  position     INTEGER NOT NULL,
  rule_digest  TEXT NOT NULL,
  level        TEXT NOT NULL,
  severity     TEXT NOT NULL,
  section      TEXT NOT NULL,
  title_zh     TEXT NOT NULL,
  title_en     TEXT NOT NULL,
  PRIMARY KEY (pack_id, pack_version, rule_id)
);

CREATE TABLE submission_keys (
  id         INTEGER PRIMARY KEY,
  org_id     INTEGER NOT NULL REFERENCES organisations(id),
  round      INTEGER NOT NULL REFERENCES rounds(number),
  key_hash   BLOB NOT NULL UNIQUE,
  issued_at  TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX submission_keys_org ON submission_keys (org_id, round);

CREATE TABLE files (
  id          INTEGER PRIMARY KEY,
  digest      TEXT NOT NULL UNIQUE,
  size        INTEGER NOT NULL,
  bytes       BLOB NOT NULL,
  received_at TEXT NOT NULL
);

CREATE TABLE collects (
  id          INTEGER PRIMARY KEY,
  round       INTEGER NOT NULL REFERENCES rounds(number),
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  actor       TEXT NOT NULL,
  inboxes     TEXT NOT NULL,
  found       INTEGER NOT NULL DEFAULT 0,
  added       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE submissions (
  id                  INTEGER PRIMARY KEY,
  round               INTEGER NOT NULL REFERENCES rounds(number),
  collect_id          INTEGER NOT NULL REFERENCES collects(id),
  file_digest         TEXT NOT NULL REFERENCES files(digest),
  path                TEXT NOT NULL,
  file_time           TEXT,
  received_at         TEXT NOT NULL,
  state               TEXT NOT NULL CHECK (state IN ('accepted', 'rejected', 'unmatched')),
  key_check           TEXT NOT NULL,
  org_id              INTEGER REFERENCES organisations(id),
  claimed_name        TEXT,
  claimed_credit_code TEXT,
  assessment_date     TEXT,
  pack_id             TEXT,
  pack_version        TEXT,
  answers_digest      TEXT,
  verdict             TEXT,
  score               INTEGER,
  coverage            INTEGER,
  failed_required     INTEGER,
  outcome_codes       TEXT,
  errors              TEXT,
  late                INTEGER NOT NULL DEFAULT 0,
  UNIQUE (round, file_digest)
);
CREATE INDEX submissions_org ON submissions (round, org_id, state);

CREATE TABLE pins (
  round         INTEGER NOT NULL REFERENCES rounds(number),
  org_id        INTEGER NOT NULL REFERENCES organisations(id),
  submission_id INTEGER NOT NULL REFERENCES submissions(id),
  PRIMARY KEY (round, org_id)
);

CREATE TABLE audit (
  id      INTEGER PRIMARY KEY,
  at      TEXT NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  subject TEXT NOT NULL,
  reason  TEXT NOT NULL
);

-- Each organisation's current submission in each round: the pinned one, else the accepted one
-- received last.
CREATE VIEW current_submissions AS
SELECT s.* FROM submissions s
WHERE s.state = 'accepted' AND s.org_id IS NOT NULL AND s.id = COALESCE(
  (SELECT p.submission_id FROM pins p WHERE p.round = s.round AND p.org_id = s.org_id),
  (SELECT MAX(t.id) FROM submissions t
    WHERE t.round = s.round AND t.org_id = s.org_id AND t.state = 'accepted'));

-- Every rule's outcome per valid submission: one row per submission and rule of its pack, read
-- from the submission's outcome codes (one letter per rule, in pack order).
CREATE VIEW outcomes AS
SELECT s.id AS submission_id, r.rule_id AS rule_id,
  CASE substr(s.outcome_codes, r.position, 1)
    WHEN 'p' THEN 'pass' WHEN 'f' THEN 'fail' WHEN 'n' THEN 'not_applicable'
    WHEN 'u' THEN 'unanswered' WHEN 'w' THEN 'waived' END AS outcome
FROM submissions s
JOIN rules r ON r.pack_id = s.pack_id AND r.pack_version = s.pack_version
WHERE s.outcome_codes IS NOT NULL;
