package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"policybot/corpus/record"
	"policybot/policies/lang"
	"policybot/store/storetest"
)

func TestSQLiteCorpus(t *testing.T) {
	storetest.RunCorpus(t, func(t *testing.T) record.Store { return openTemp(t) })
}

func TestSQLiteInsights(t *testing.T) {
	storetest.RunInsights(t, func(t *testing.T) storetest.InsightsStore { return openTemp(t) })
}

func TestSQLiteCorpusSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "policybot.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v := record.Version{DocID: "wz-a", N: 1, Status: record.Published, Markdown: []byte("---\nid: wz-a\n---\n"), CreatedBy: "chen"}
	if _, err := s.Commit(ctx, record.Change{Add: []record.Version{v}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	gen, vs, err := s.Load(ctx)
	if err != nil || gen != 1 || len(vs) != 1 || vs[0].DocID != "wz-a" || vs[0].Status != record.Published {
		t.Errorf("after reopen, Load() = %d, %+v, %v; want generation 1 and the published version", gen, vs, err)
	}
}

// TestNotesWrittenBeforeChinese: a version and an audit entry stored
// before the Chinese columns (migration 0004) are read as English only.
func TestNotesWrittenBeforeChinese(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO corpus_versions (doc_id, version, status, markdown, warnings, created_by, created_at)
VALUES ('wz-a', 1, 'draft', '---', 'title taken from the document (标题取自正文，请核对)'||char(10)||'a second note', 'chen', '2026-05-01 10:00:00')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO corpus_audit (at, who, action, doc_id, detail) VALUES ('2026-05-01 10:00:00', 'chen', 'rollback', 'wz-a', 'republished version 1')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE corpus_state SET generation = 1`); err != nil {
		t.Fatal(err)
	}
	_, vs, err := s.Load(ctx)
	if err != nil || len(vs) != 1 {
		t.Fatalf("Load() = %v, %v", vs, err)
	}
	want := []lang.Text{{En: "title taken from the document (标题取自正文，请核对)"}, {En: "a second note"}}
	if !slices.Equal(vs[0].Warnings, want) {
		t.Errorf("warnings = %q, want %q", vs[0].Warnings, want)
	}
	audit, err := s.Audit(ctx, record.AuditQuery{})
	if err != nil || len(audit) != 1 || audit[0].Detail != (lang.Text{En: "republished version 1"}) {
		t.Errorf("Audit() = %+v, %v; want the English detail alone", audit, err)
	}
}
