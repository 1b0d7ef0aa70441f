package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"policybot/bot/convlog"
	"policybot/corpus/record"
	"policybot/internal/pgtest"
	"policybot/slackbot"
	"policybot/store/storetest"
)

var _ slackbot.Deduper = (*Postgres)(nil)

// TestMain stops the throwaway PostgreSQL cluster after the tests.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openPostgres opens a store on url and closes it when t ends.
func openPostgres(t testing.TB, url string) *Postgres {
	t.Helper()
	p, err := OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// openPostgresTemp opens a store on a new, empty database.
func openPostgresTemp(t *testing.T) *Postgres { return openPostgres(t, pgtest.URL(t)) }

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) convlog.Store { return openPostgresTemp(t) })
}

func TestPostgresCorpus(t *testing.T) {
	storetest.RunCorpus(t, func(t *testing.T) record.Store { return openPostgresTemp(t) })
}

func TestPostgresInsights(t *testing.T) {
	storetest.RunInsights(t, func(t *testing.T) storetest.InsightsStore { return openPostgresTemp(t) })
}

// TestPostgresReplicasMigrateTogether opens one empty database from
// several replicas at once: the advisory lock lets one migrate while the
// others wait, and each finds the schema complete.
func TestPostgresReplicasMigrateTogether(t *testing.T) {
	url := pgtest.URL(t)
	const replicas = 6
	stores := make([]*Postgres, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = OpenPostgres(context.Background(), url)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: OpenPostgres: %v", i, err)
		}
		defer stores[i].Close()
	}
	ms, err := readMigrations(postgresMigrations, "migrations_pg")
	if err != nil {
		t.Fatal(err)
	}
	var rows, top int
	if err := stores[0].db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&rows, &top); err != nil {
		t.Fatal(err)
	}
	if rows != len(ms) || top != ms[len(ms)-1].version {
		t.Errorf("schema_migrations has %d rows up to version %d; want each of the %d migrations once", rows, top, len(ms))
	}
	// Every replica works on the result.
	for i, s := range stores {
		if _, err := s.Generation(context.Background()); err != nil {
			t.Errorf("replica %d: Generation: %v", i, err)
		}
	}
}

// TestPostgresMigrationLockHeld shows that a replica waits for the
// migration lock another session holds, and goes on once it is released.
func TestPostgresMigrationLockHeld(t *testing.T) {
	url := pgtest.URL(t)
	holder := openPostgres(t, url)
	ctx := context.Background()
	conn, err := holder.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		p, err := OpenPostgres(ctx, url)
		if err == nil {
			p.Close()
		}
		opened <- err
	}()
	// Wait until the second replica is blocked on the lock, as
	// pg_stat_activity shows it, then release it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := holder.db.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 1 {
			break
		}
		select {
		case err := <-opened:
			t.Fatalf("OpenPostgres returned (%v) while another session held the migration lock", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the second replica never waited for the migration lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, int64(migrationLock)); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Errorf("OpenPostgres after the lock was released: %v", err)
	}
}

func TestPostgresRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s := openPostgres(t, url)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	if p, err := OpenPostgres(ctx, url); err == nil {
		p.Close()
		t.Error("OpenPostgres(database from a newer version) = nil error, want a refusal")
	}
}

func TestOpenPostgresBadURL(t *testing.T) {
	for _, url := range []string{"postgres://user:s3cret@host:notaport/db", "mysql://x"} {
		_, err := OpenPostgres(context.Background(), url)
		if err == nil {
			t.Errorf("OpenPostgres(%q) = nil error, want one", url)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("OpenPostgres(%q) error %q shows the password", url, err)
		}
	}
}

// TestPostgresSchemaMatchesSQLite keeps the two schemas in step: the
// queries are shared, so every table and column of the SQLite schema must
// exist in PostgreSQL (which has slack_events besides).
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	lite, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "policybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := openPostgresTemp(t)

	want := map[string][]string{}
	rows, err := lite.r.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		want[table] = append(want[table], col)
	}
	rows.Close()
	got := map[string][]string{}
	rows, err = pg.db.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() ORDER BY table_name, column_name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		got[table] = append(got[table], col)
	}
	rows.Close()
	if len(want) == 0 {
		t.Fatal("no SQLite tables found")
	}
	for table, cols := range want {
		if !slices.Equal(got[table], cols) {
			t.Errorf("table %s: PostgreSQL columns %v, SQLite columns %v: add the migration to store/migrations_pg too", table, got[table], cols)
		}
	}
}

// TestPostgresSlackEventsOnce sends the same events to two replicas at
// once: each event is first seen by exactly one of them.
func TestPostgresSlackEventsOnce(t *testing.T) {
	url := pgtest.URL(t)
	a, b := openPostgres(t, url), openPostgres(t, url)
	ctx := context.Background()
	const events = 50
	var firsts [events]atomic.Int32
	var wg sync.WaitGroup
	var failures atomic.Int32
	for _, s := range []*Postgres{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range events {
				first, err := s.FirstSeen(ctx, fmt.Sprintf("Ev%04d", i))
				if err != nil {
					failures.Add(1)
					continue
				}
				if first {
					firsts[i].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d FirstSeen calls failed", n)
	}
	for i := range events {
		if n := firsts[i].Load(); n != 1 {
			t.Errorf("event Ev%04d was first seen %d times, want once", i, n)
		}
	}
	if first, err := a.FirstSeen(ctx, ""); !first || err != nil {
		t.Errorf(`FirstSeen("") = %v, %v; want true (an event without id is always new)`, first, err)
	}
}

// TestPostgresSlackEventsForgotten checks that old event ids are swept
// and new ones kept.
func TestPostgresSlackEventsForgotten(t *testing.T) {
	s := openPostgresTemp(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		id string
		at time.Time
	}{
		{"old", t0},
		{"recent", t0.Add(23 * time.Hour)},
		// "old" is now older than slackEventsKept, "recent" is not.
		{"new", t0.Add(slackEventsKept + time.Minute)},
	} {
		s.now = func() time.Time { return step.at }
		if first, err := s.FirstSeen(ctx, step.id); !first || err != nil {
			t.Fatalf("FirstSeen(%s) = %v, %v", step.id, first, err)
		}
	}
	var ids []string
	rows, err := s.db.QueryContext(ctx, `SELECT event_id FROM slack_events ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if !slices.Equal(ids, []string{"new", "recent"}) {
		t.Errorf("after the sweep, slack_events = %v, want [new recent]", ids)
	}
}

// watch starts WatchCorpus on s and returns a channel that receives one
// value per call of changed.
func watch(t *testing.T, s *Postgres, poll time.Duration) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.WatchCorpus(ctx, func(context.Context) { calls <- struct{}{} }, WatchOptions{Poll: poll})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return calls
}

// await waits for a call of changed. The deadline only keeps a broken
// watcher from hanging the run; it is not a timing assertion.
func await(t *testing.T, calls <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-calls:
	case <-time.After(30 * time.Second):
		t.Fatalf("changed was not called %s", what)
	}
}

// drain forgets the calls so far.
func drain(calls <-chan struct{}) {
	for {
		select {
		case <-calls:
		default:
			return
		}
	}
}

func commitDraft(t *testing.T, s record.Store, id string) {
	t.Helper()
	ctx := context.Background()
	gen, err := s.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := record.Version{DocID: id, N: 1, Status: record.Draft, Markdown: []byte("---\nid: " + id + "\n---\n"), CreatedBy: "chen"}
	if _, err := s.Commit(ctx, record.Change{Base: gen, Add: []record.Version{v}}); err != nil {
		t.Fatal(err)
	}
}

// TestWatchCorpusNotify commits on one replica and sees the other told by
// NOTIFY: the poll is an hour, so only the notification can deliver it.
func TestWatchCorpusNotify(t *testing.T) {
	url := pgtest.URL(t)
	a, b := openPostgres(t, url), openPostgres(t, url)
	calls := watch(t, b, time.Hour)
	await(t, calls, "after connecting")
	for i := range 3 {
		commitDraft(t, a, fmt.Sprintf("wz-%d", i))
		await(t, calls, fmt.Sprintf("after commit %d on the other replica", i))
	}
}

// TestWatchCorpusNotifiesOnlyCommits: a change rolled back is announced to
// nobody.
func TestWatchCorpusNotifiesOnlyCommits(t *testing.T) {
	url := pgtest.URL(t)
	a, b := openPostgres(t, url), openPostgres(t, url)
	calls := watch(t, b, time.Hour)
	await(t, calls, "after connecting")
	ctx := context.Background()
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE corpus_state SET generation = generation + 1`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// A committed change after the rolled-back one: its notification is
	// the first one to arrive.
	commitDraft(t, a, "wz-a")
	await(t, calls, "after the commit")
	if gen, err := b.Generation(ctx); err != nil || gen != 1 {
		t.Errorf("Generation() = %d, %v; want 1 (the rollback counted nothing)", gen, err)
	}
	select {
	case <-calls:
		t.Error("changed was called twice; want once, for the commit only")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestWatchCorpusPollFallback changes the generation without a
// notification (the trigger disabled): the poll finds it.
func TestWatchCorpusPollFallback(t *testing.T) {
	url := pgtest.URL(t)
	a, b := openPostgres(t, url), openPostgres(t, url)
	ctx := context.Background()
	if _, err := a.db.ExecContext(ctx, `ALTER TABLE corpus_state DISABLE TRIGGER corpus_state_notify`); err != nil {
		t.Fatal(err)
	}
	calls := watch(t, b, 20*time.Millisecond)
	await(t, calls, "after connecting")
	// With the trigger off, only the poll calls changed. It compares with
	// the generation it read before; commit until it has read one.
	for i := 0; ; i++ {
		commitDraft(t, a, fmt.Sprintf("wz-%d", i))
		select {
		case <-calls:
			return
		case <-time.After(200 * time.Millisecond):
			if i == 150 {
				t.Fatal("changed was not called by the poll")
			}
		}
	}
}

// TestWatchCorpusReconnects kills the listening connection: the watcher
// reconnects, calls changed (changes made while it was down were not
// announced to it), and hears later notifications.
func TestWatchCorpusReconnects(t *testing.T) {
	url := pgtest.URL(t)
	a, b := openPostgres(t, url), openPostgres(t, url)
	ctx := context.Background()
	calls := watch(t, b, time.Hour)
	await(t, calls, "after connecting")
	var killed int
	if err := a.db.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE application_name = $1 AND datname = current_database()`, listenerName).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listening connections, want 1", killed)
	}
	// Nothing else calls changed (the poll is an hour): this is the
	// call after the new connection listens.
	await(t, calls, "after the reconnection")
	drain(calls)
	commitDraft(t, a, "wz-a")
	await(t, calls, "for a commit after the reconnection")
}

// TestWatchCorpusStops returns from WatchCorpus when ctx is done, even
// while PostgreSQL cannot be reached.
func TestWatchCorpusStops(t *testing.T) {
	s := openPostgresTemp(t)
	cfg := s.cfg.Copy()
	cfg.Port = 1 // nothing listens there
	unreachable := &Postgres{queries: s.queries, db: s.db, cfg: cfg}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		unreachable.WatchCorpus(ctx, func(context.Context) {}, WatchOptions{Poll: time.Hour})
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("WatchCorpus did not return after its context was cancelled")
	}
}

func TestPostgresClosed(t *testing.T) {
	s, err := OpenPostgres(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FirstSeen(context.Background(), "Ev1"); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("FirstSeen after Close = %v, want an error", err)
	}
}

// BenchmarkPostgresAnswerWrites is BenchmarkAnswerWrites on PostgreSQL:
// what the server writes per answered question, from 16 goroutines. The
// throwaway cluster runs with fsync off, so this is the CPU cost of the
// queries, not what a durable server's disk allows.
func BenchmarkPostgresAnswerWrites(b *testing.B) {
	s := openPostgres(b, pgtest.URL(b))
	benchAnswerWrites(b, s)
}

// BenchmarkPostgresFirstSeen is the Slack duplicate check, one insert.
func BenchmarkPostgresFirstSeen(b *testing.B) {
	s := openPostgres(b, pgtest.URL(b))
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := s.FirstSeen(ctx, fmt.Sprintf("Ev%d", i)); err != nil {
			b.Fatal(err)
		}
	}
}
