-- PolicyBot on PostgreSQL, version 5: notes and audit details in both
-- languages (see the SQLite migration 0004_bilingual.sql).
ALTER TABLE corpus_versions ADD COLUMN warnings_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE corpus_audit ADD COLUMN detail_zh TEXT NOT NULL DEFAULT '';
