package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"policybot/bot/convlog"
	"policybot/corpus/record"
	"policybot/policies/fault"
	"policybot/policies/lang"
)

// RunCorpus runs the suite of record.Store; open returns a new, empty
// store and arranges its closing with t.Cleanup.
func RunCorpus(t *testing.T, open func(t *testing.T) record.Store) {
	t.Run("Empty", func(t *testing.T) { testCorpusEmpty(t, open(t)) })
	t.Run("RoundTrip", func(t *testing.T) { testCorpusRoundTrip(t, open(t)) })
	t.Run("Update", func(t *testing.T) { testCorpusUpdate(t, open(t)) })
	t.Run("StaleBase", func(t *testing.T) { testCorpusStaleBase(t, open(t)) })
	t.Run("DuplicateVersion", func(t *testing.T) { testCorpusDuplicate(t, open(t)) })
	t.Run("UpdateUnknown", func(t *testing.T) { testCorpusUpdateUnknown(t, open(t)) })
	t.Run("BadStatus", func(t *testing.T) { testCorpusBadStatus(t, open(t)) })
	t.Run("AuditQuery", func(t *testing.T) { testCorpusAuditQuery(t, open(t)) })
	t.Run("ConcurrentCommits", func(t *testing.T) { testCorpusConcurrent(t, open(t)) })
}

// InsightsStore is a message log (convlog.Store) that also lists the questions the corpus
// did not answer well.
type InsightsStore interface {
	convlog.Store
	convlog.QuestionSource
}

// RunInsights runs the suite of convlog.QuestionSource over a message log;
// open returns a new, empty store and arranges its closing.
func RunInsights(t *testing.T, open func(t *testing.T) InsightsStore) {
	t.Run("UnansweredQuestions", func(t *testing.T) { testUnanswered(t, open(t)) })
	t.Run("UnansweredLimit", func(t *testing.T) { testUnansweredLimit(t, open(t)) })
}

func sampleVersion(id string, n int, status record.Status) record.Version {
	return record.Version{
		DocID: id, N: n, Status: status, Title: "关于促进海外仓发展的若干措施（" + id + "）",
		Markdown:  []byte("---\nid: " + id + "\ntitle: 海外仓\ncategory: commerce\n---\n\n第一条 对企业自建海外仓给予补助，最高100万元。\n"),
		Source:    record.Source{Name: id + ".docx", Type: "docx", SHA256: "ab12", Size: 2048},
		Warnings:  []lang.Text{lang.T("title taken from the document", "标题取自正文，请核对"), lang.T("a second note", "")},
		CreatedBy: "chen", CreatedAt: at(n),
	}
}

func mustCommit(t *testing.T, s record.Store, c record.Change) int64 {
	t.Helper()
	gen, err := s.Commit(context.Background(), c)
	if err != nil {
		t.Fatalf("Commit(%+v): %v", c, err)
	}
	return gen
}

func mustLoad(t *testing.T, s record.Store) (int64, []record.Version) {
	t.Helper()
	gen, vs, err := s.Load(context.Background())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return gen, vs
}

func equalVersions(a, b record.Version) bool {
	return a.DocID == b.DocID && a.N == b.N && a.Status == b.Status && a.Title == b.Title &&
		string(a.Markdown) == string(b.Markdown) && a.Source == b.Source && slices.Equal(a.Warnings, b.Warnings) &&
		a.BasedOn == b.BasedOn && a.CreatedBy == b.CreatedBy && a.CreatedAt.Equal(b.CreatedAt) &&
		a.PublishedAt.Equal(b.PublishedAt) && a.RetiredFrom.Equal(b.RetiredFrom)
}

func testCorpusEmpty(t *testing.T, s record.Store) {
	ctx := context.Background()
	if gen, err := s.Generation(ctx); gen != 0 || err != nil {
		t.Errorf("Generation() = %d, %v; want 0", gen, err)
	}
	if gen, vs := mustLoad(t, s); gen != 0 || len(vs) != 0 {
		t.Errorf("Load() = %d, %d versions; want 0, none", gen, len(vs))
	}
	if a, err := s.Audit(ctx, record.AuditQuery{}); err != nil || len(a) != 0 {
		t.Errorf("Audit() = %v, %v; want none", a, err)
	}
}

func testCorpusRoundTrip(t *testing.T, s record.Store) {
	ctx := context.Background()
	b1 := sampleVersion("wz-b", 1, record.Superseded)
	b1.PublishedAt = at(3)
	b2 := sampleVersion("wz-b", 2, record.Retired)
	b2.PublishedAt, b2.RetiredFrom, b2.BasedOn = at(5), at(3600), 1
	a1 := sampleVersion("wz-a", 1, record.Draft)
	a1.Warnings = nil
	gen := mustCommit(t, s, record.Change{Base: 0, Add: []record.Version{b2, a1, b1}, Audit: []record.AuditEntry{
		{At: at(1), Who: "chen", Action: record.ActionUpload, DocID: "wz-b", ToVersion: 1, Detail: lang.T("b.docx (docx)", "b.docx（docx）")},
		{At: at(2), Who: "li", Action: record.ActionPublish, DocID: "wz-b", FromVersion: 1, ToVersion: 2},
	}})
	if gen != 1 {
		t.Errorf("Commit() generation = %d, want 1", gen)
	}
	if g, err := s.Generation(ctx); g != 1 || err != nil {
		t.Errorf("Generation() = %d, %v; want 1", g, err)
	}
	gen, vs := mustLoad(t, s)
	want := []record.Version{a1, b1, b2}
	if gen != 1 || len(vs) != len(want) {
		t.Fatalf("Load() = generation %d, %d versions; want 1, %d", gen, len(vs), len(want))
	}
	for i := range want {
		if !equalVersions(vs[i], want[i]) {
			t.Errorf("Load()[%d] =\n%+v\nwant (ordered by id, version)\n%+v", i, vs[i], want[i])
		}
	}
	audit, err := s.Audit(ctx, record.AuditQuery{})
	if err != nil || len(audit) != 2 {
		t.Fatalf("Audit() = %v, %v; want 2 entries", audit, err)
	}
	if audit[0].Who != "li" || audit[0].Action != record.ActionPublish || audit[0].FromVersion != 1 || audit[0].ToVersion != 2 ||
		!audit[0].At.Equal(at(2)) || audit[1].Detail != lang.T("b.docx (docx)", "b.docx（docx）") || audit[0].ID <= audit[1].ID {
		t.Errorf("Audit() = %+v; want the publish by li first, then the upload", audit)
	}
}

func testCorpusUpdate(t *testing.T, s record.Store) {
	v := sampleVersion("wz-a", 1, record.Draft)
	mustCommit(t, s, record.Change{Base: 0, Add: []record.Version{v}})
	v.Status, v.PublishedAt = record.Published, at(10)
	mustCommit(t, s, record.Change{Base: 1, Update: []record.Version{v}})
	v.Status, v.RetiredFrom = record.Retired, at(20)
	gen := mustCommit(t, s, record.Change{Base: 2, Update: []record.Version{v}})
	if gen != 3 {
		t.Errorf("third Commit() generation = %d, want 3", gen)
	}
	_, vs := mustLoad(t, s)
	if len(vs) != 1 || !equalVersions(vs[0], v) {
		t.Fatalf("after updates Load() = %+v, want %+v", vs, v)
	}
	// Zero times go back to unset.
	v.Status, v.PublishedAt, v.RetiredFrom = record.Draft, time.Time{}, time.Time{}
	mustCommit(t, s, record.Change{Base: 3, Update: []record.Version{v}})
	if _, vs := mustLoad(t, s); !vs[0].PublishedAt.IsZero() || !vs[0].RetiredFrom.IsZero() {
		t.Errorf("after clearing, PublishedAt = %v, RetiredFrom = %v; want zero", vs[0].PublishedAt, vs[0].RetiredFrom)
	}
}

// unchanged checks that a refused commit wrote nothing.
func unchanged(t *testing.T, s record.Store, wantGen int64, wantVersions, wantAudit int) {
	t.Helper()
	gen, vs := mustLoad(t, s)
	audit, err := s.Audit(context.Background(), record.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if gen != wantGen || len(vs) != wantVersions || len(audit) != wantAudit {
		t.Errorf("after a refused Commit: generation %d, %d versions, %d audit entries; want %d, %d, %d",
			gen, len(vs), len(audit), wantGen, wantVersions, wantAudit)
	}
}

func testCorpusStaleBase(t *testing.T, s record.Store) {
	mustCommit(t, s, record.Change{Base: 0, Add: []record.Version{sampleVersion("wz-a", 1, record.Draft)},
		Audit: []record.AuditEntry{{At: at(1), Who: "chen", Action: record.ActionUpload, DocID: "wz-a", ToVersion: 1}}})
	for _, base := range []int64{0, 2} {
		_, err := s.Commit(context.Background(), record.Change{Base: base, Add: []record.Version{sampleVersion("wz-b", 1, record.Draft)},
			Audit: []record.AuditEntry{{At: at(2), Who: "chen", Action: record.ActionUpload, DocID: "wz-b", ToVersion: 1}}})
		if !errors.Is(err, fault.Conflict) {
			t.Errorf("Commit(Base %d) at generation 1: %v, want ErrConflict", base, err)
		}
	}
	unchanged(t, s, 1, 1, 1)
}

func testCorpusDuplicate(t *testing.T, s record.Store) {
	mustCommit(t, s, record.Change{Base: 0, Add: []record.Version{sampleVersion("wz-a", 1, record.Draft)}})
	_, err := s.Commit(context.Background(), record.Change{Base: 1,
		Add:   []record.Version{sampleVersion("wz-b", 1, record.Draft), sampleVersion("wz-a", 1, record.Published)},
		Audit: []record.AuditEntry{{At: at(2), Who: "chen", Action: record.ActionUpload, DocID: "wz-a", ToVersion: 1}}})
	if !errors.Is(err, fault.Conflict) {
		t.Errorf("Commit(existing version): %v, want ErrConflict", err)
	}
	unchanged(t, s, 1, 1, 0)
}

func testCorpusUpdateUnknown(t *testing.T, s record.Store) {
	mustCommit(t, s, record.Change{Base: 0, Add: []record.Version{sampleVersion("wz-a", 1, record.Draft)}})
	_, err := s.Commit(context.Background(), record.Change{Base: 1,
		Add:    []record.Version{sampleVersion("wz-b", 1, record.Draft)},
		Update: []record.Version{sampleVersion("wz-a", 7, record.Published)}})
	if !errors.Is(err, fault.NotFound) {
		t.Errorf("Commit(update of an unknown version): %v, want ErrNotFound", err)
	}
	unchanged(t, s, 1, 1, 0)
}

func testCorpusBadStatus(t *testing.T, s record.Store) {
	if _, err := s.Commit(context.Background(), record.Change{Add: []record.Version{sampleVersion("wz-a", 1, "live")}}); err == nil {
		t.Error(`Commit(status "live") = nil error, want a refusal`)
	}
	unchanged(t, s, 0, 0, 0)
}

func testCorpusAuditQuery(t *testing.T, s record.Store) {
	ctx := context.Background()
	var entries []record.AuditEntry
	for i := range 6 {
		id := []string{"wz-a", "wz-b"}[i%2]
		entries = append(entries, record.AuditEntry{At: at(i), Who: "chen", Action: record.ActionUpload, DocID: id, ToVersion: i/2 + 1})
	}
	mustCommit(t, s, record.Change{Audit: entries})
	tests := []struct {
		q    record.AuditQuery
		want []int // ToVersion of the entries, newest first
	}{
		{record.AuditQuery{}, []int{3, 3, 2, 2, 1, 1}},
		{record.AuditQuery{DocID: "wz-a"}, []int{3, 2, 1}},
		{record.AuditQuery{DocID: "wz-b", Limit: 2}, []int{3, 2}},
		{record.AuditQuery{Limit: 1}, []int{3}},
		{record.AuditQuery{DocID: "nope"}, nil},
	}
	for _, tc := range tests {
		got, err := s.Audit(ctx, tc.q)
		if err != nil {
			t.Fatalf("Audit(%+v): %v", tc.q, err)
		}
		var to []int
		for _, a := range got {
			to = append(to, a.ToVersion)
			if tc.q.DocID != "" && a.DocID != tc.q.DocID {
				t.Errorf("Audit(%+v) returned an entry of %s", tc.q, a.DocID)
			}
		}
		if !slices.Equal(to, tc.want) {
			t.Errorf("Audit(%+v) versions = %v, want %v", tc.q, to, tc.want)
		}
	}
}

// testCorpusConcurrent commits from many writers on the same base, as
// replicas racing would: exactly one wins.
func testCorpusConcurrent(t *testing.T, s record.Store) {
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Commit(context.Background(), record.Change{Base: 0,
				Add: []record.Version{sampleVersion(fmt.Sprintf("wz-%d", i), 1, record.Draft)}})
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, fault.Conflict):
			t.Errorf("writer %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent commits on one base succeeded, want 1", won, writers)
	}
	unchanged(t, s, 1, 1, 0)
}

func testUnanswered(t *testing.T, s InsightsStore) {
	ctx := context.Background()
	msg := func(id string, sec int, q string, refused bool) convlog.Message {
		return convlog.Message{ID: id, ConversationID: "c-" + id, Channel: convlog.ChannelChat, Question: q, Answer: "…", Refused: refused, CreatedAt: at(sec)}
	}
	for _, m := range []convlog.Message{
		msg("old", 1, "很早以前被拒绝的问题", true),
		msg("refused", 20, "海外仓补助怎么申请", true),
		msg("down", 30, "研发费用补贴多少", false),
		msg("up", 40, "首台套奖励多少", false),
		msg("down-then-up", 50, "人才公寓怎么申请", false),
		msg("up-then-down", 60, "技改补贴比例", false),
		msg("unrated", 70, "专精特新奖励", false),
		msg("refused-and-down", 80, "外资到账奖励", true),
	} {
		if err := s.SaveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []convlog.Feedback{
		{MessageID: "down", Rating: convlog.RatingDown, Comment: "没有回答金额", CreatedAt: at(31)},
		{MessageID: "up", Rating: convlog.RatingUp, CreatedAt: at(41)},
		{MessageID: "down-then-up", Rating: convlog.RatingDown, Comment: "不对", CreatedAt: at(51)},
		{MessageID: "down-then-up", Rating: convlog.RatingUp, CreatedAt: at(52)},
		{MessageID: "up-then-down", Rating: convlog.RatingUp, CreatedAt: at(61)},
		{MessageID: "up-then-down", Rating: convlog.RatingDown, CreatedAt: at(62)},
		{MessageID: "refused-and-down", Rating: convlog.RatingDown, Comment: "没答", CreatedAt: at(81)},
	} {
		if err := s.SaveFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.UnansweredQuestions(ctx, at(10), 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []convlog.Question{
		{MessageID: "refused", Text: "海外仓补助怎么申请", At: at(20), Refused: true},
		{MessageID: "down", Text: "研发费用补贴多少", At: at(30), Down: true, Comment: "没有回答金额"},
		{MessageID: "up-then-down", Text: "技改补贴比例", At: at(60), Down: true},
		{MessageID: "refused-and-down", Text: "外资到账奖励", At: at(80), Refused: true, Down: true, Comment: "没答"},
	}
	if !slices.EqualFunc(got, want, func(a, b convlog.Question) bool {
		return a.MessageID == b.MessageID && a.Text == b.Text && a.At.Equal(b.At) && a.Refused == b.Refused && a.Down == b.Down && a.Comment == b.Comment
	}) {
		t.Errorf("UnansweredQuestions(since 10s) =\n%+v\nwant (oldest first)\n%+v", got, want)
	}
}

func testUnansweredLimit(t *testing.T, s InsightsStore) {
	ctx := context.Background()
	for i := range 5 {
		m := convlog.Message{ID: fmt.Sprintf("m%d", i), ConversationID: "c", Channel: convlog.ChannelChat, Question: fmt.Sprintf("问题%d", i), Answer: "…", Refused: true, CreatedAt: at(i)}
		if err := s.SaveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.UnansweredQuestions(ctx, at(0), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].MessageID != "m3" || got[1].MessageID != "m4" {
		t.Errorf("UnansweredQuestions(limit 2) = %+v; want the latest two, m3 then m4", got)
	}
}
