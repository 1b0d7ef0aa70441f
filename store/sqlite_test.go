package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"policybot/bot/convlog"
	"policybot/store/storetest"
)

func openTemp(t *testing.T) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "sub dir", "policybot.db"))
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) convlog.Store { return openTemp(t) })
}

func TestSQLiteReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "policybot.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, "c1", convlog.Turn{Question: "q", Resolved: "q"}); err != nil {
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
	got, err := s.Recent(ctx, "c1", 4)
	if err != nil || len(got) != 1 || got[0].Question != "q" {
		t.Errorf("after reopen, Recent(c1) = %v, %v; want the one turn", got, err)
	}
	ms, err := readMigrations(sqliteMigrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := s.r.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil || version != len(ms) {
		t.Errorf("schema version = %d, %v; want %d", version, err, len(ms))
	}
}

func TestSQLiteWAL(t *testing.T) {
	s := openTemp(t)
	var mode string
	if err := s.w.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s.r.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("reader foreign_keys = %d, %v; want 1", fk, err)
	}
	if _, err := s.r.Exec(`DELETE FROM conversations`); err == nil {
		t.Error("a write through the read pool succeeded; want query_only")
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSQLite(ctx, s.Path()); err == nil {
		t.Error("OpenSQLite(database from a newer version) = nil error, want a refusal")
	}
}

func TestSQLiteWriteAfterClose(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "policybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(context.Background(), "c", convlog.Turn{Question: "q"}); err == nil {
		t.Error("Append after Close = nil, want an error")
	}
}

func TestReadMigrations(t *testing.T) {
	ms, err := readMigrations(sqliteMigrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 {
			t.Errorf("migration %d is %s (version %d): versions must run 1, 2, 3 …", i, m.name, m.version)
		}
	}
}

// BenchmarkAnswerWrites is what the server writes per answered question:
// the bot's turn (after reading the recent ones) and the message.
func BenchmarkAnswerWrites(b *testing.B) {
	s, err := OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "policybot.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchAnswerWrites(b, s)
}

// benchAnswerWrites is what the server writes per answered question (the
// turn, the message and its citations) from 16 goroutines, on s.
func benchAnswerWrites(b *testing.B, s convlog.Store) {
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := n.Add(1)
			conv := fmt.Sprintf("c%d", i)
			if _, err := s.Recent(ctx, conv, 4); err != nil {
				b.Error(err)
				return
			}
			if err := s.Append(ctx, conv, convlog.Turn{Question: "首次被认定为国家级专精特新小巨人企业奖励多少？", Resolved: "国家级 专精特新 小巨人 奖励", Doc: "wz-mfg-2025", Article: 6}); err != nil {
				b.Error(err)
				return
			}
			m := convlog.Message{ID: fmt.Sprintf("m%d", i), ConversationID: conv, Channel: convlog.ChannelChat, Question: "q", Answer: "根据……",
				Citations: []convlog.Citation{{Doc: "wz-mfg-2025", Article: 6, Label: "第6条", Title: "制造业", Quote: "奖励50万元"}}}
			if err := s.SaveMessage(ctx, m); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
