package store

import (
	"context"
	"path/filepath"
	"testing"

	"policybot/corpus/record"
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
