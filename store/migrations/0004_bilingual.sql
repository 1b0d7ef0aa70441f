-- PolicyBot, version 4: notes and audit details in both languages. The
-- English stays where it was (warnings, detail); the Chinese is beside it
-- (warnings_zh: one line per line of warnings; detail_zh). Rows written
-- before it have no Chinese: they are read as English only.
ALTER TABLE corpus_versions ADD COLUMN warnings_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE corpus_audit ADD COLUMN detail_zh TEXT NOT NULL DEFAULT '';
