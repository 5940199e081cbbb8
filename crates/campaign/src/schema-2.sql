-- hegui campaign database, schema version 2 (from version 1; docs/CAMPAIGN.md documents every
-- table and column).
--
-- What a submission's row in `hegui batch` needs besides what version 1 stored, so `report`
-- builds the batch outputs from the store without assessing again: the region and industry
-- the file gives, the kinds of enterprise its answers put it in, the number of warnings, and
-- 不清楚 kept apart in the outcome codes (`d`: unanswered, with a 不清楚 answer behind it).
-- Rows stored by version 1 have NULL `scopes`; `report` reads those files again.
ALTER TABLE submissions ADD COLUMN claimed_region_code TEXT;
ALTER TABLE submissions ADD COLUMN claimed_industry TEXT;
ALTER TABLE submissions ADD COLUMN scopes INTEGER;
ALTER TABLE submissions ADD COLUMN warnings INTEGER;

-- Several packs per round: each pack's rules follow the rules of the packs before it in the
-- round's outcome codes.
ALTER TABLE round_packs ADD COLUMN rule_offset INTEGER NOT NULL DEFAULT 0;

-- Every rule's outcome per valid submission: one row per submission and rule of each pack of
-- its round, read from the submission's outcome codes (one letter per rule, in the order of
-- the round's packs and then of each pack's rules).
DROP VIEW outcomes;
CREATE VIEW outcomes AS
SELECT s.id AS submission_id, p.pack_id AS pack_id, r.rule_id AS rule_id,
  CASE substr(s.outcome_codes, p.rule_offset + r.position, 1)
    WHEN 'p' THEN 'pass' WHEN 'f' THEN 'fail' WHEN 'n' THEN 'not_applicable'
    WHEN 'u' THEN 'unanswered' WHEN 'd' THEN 'unanswered' WHEN 'w' THEN 'waived' END AS outcome,
  substr(s.outcome_codes, p.rule_offset + r.position, 1) = 'd' AS dont_know
FROM submissions s
JOIN round_packs p ON p.round = s.round
JOIN rules r ON r.pack_id = p.pack_id AND r.pack_version = p.pack_version
WHERE s.outcome_codes IS NOT NULL;
