package corpus_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"policybot/corpus"
	"policybot/corpus/record"
	"policybot/ingest"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"policybot/retrieval"
	"policybot/store"
)

// The service tests run the real Service over a real SQLite store in a
// temporary directory and the real index; the clock is fake.

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// convert is the upload converter the program uses: ingest's.
func convert(ctx context.Context, name string, data []byte, meta policies.Meta) (corpus.Converted, error) {
	res, err := ingest.Convert(ctx, name, data, meta, ingest.Options{})
	return corpus.Converted(res), err
}

type env struct {
	svc   *corpus.Service
	st    *store.SQLite
	live  *retrieval.Live
	clock *clock
	gens  atomic.Int64 // the last generation OnChange reported
}

func openStore(tb testing.TB) *store.SQLite {
	tb.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(tb.TempDir(), "policybot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// newEnv returns a Service over a new store; opts may adjust the options.
func newEnv(tb testing.TB, st *store.SQLite, opts ...func(*corpus.Options)) *env {
	tb.Helper()
	if st == nil {
		st = openStore(tb)
	}
	e := &env{st: st, live: retrieval.NewLive(nil), clock: &clock{t: t0}}
	o := corpus.Options{
		Store: st, Live: e.live, Now: e.clock.Now, Questions: st, Convert: convert,
		Index:    retrieval.Options{Now: e.clock.Now},
		OnChange: func(gen int64) { e.gens.Store(gen) },
	}
	for _, f := range opts {
		f(&o)
	}
	svc, err := corpus.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	e.svc = svc
	return e
}

// doc is a policy in the corpus format with the given article 2.
func doc(id, article2 string, extra ...string) string {
	return "---\nid: " + id + "\ntitle: 关于支持深海养殖装备发展的若干措施（" + id + "）\ncategory: manufacturing\nissuer: 苏州市吴中区人民政府\nlead_department: 区农业农村局\n" +
		strings.Join(extra, "") + "---\n\n# 测试文本\n\n第一条 为支持深海养殖装备产业发展，制定本措施。\n\n第二条 " + article2 + "\n"
}

const (
	oceanV1 = "企业购置深海养殖网箱的，按购置金额的30%给予补贴，每家企业最高补贴200万元。（责任单位：区农业农村局）"
	oceanV2 = "企业购置深海养殖网箱的，按购置金额的40%给予补贴，每家企业最高补贴300万元。（责任单位：区农业农村局）"
	oceanQ  = "购置深海养殖网箱补贴"
)

// search returns the ids and article texts the live index finds for q.
func (e *env) search(tb testing.TB, q string) map[string]string {
	tb.Helper()
	hits, err := e.live.Search(context.Background(), retrieval.Query{Text: q, K: 3})
	if err != nil {
		tb.Fatalf("Search(%q): %v", q, err)
	}
	out := map[string]string{}
	for _, h := range hits {
		if h.Chunk.Article == 2 {
			out[h.Chunk.DocID] = h.Chunk.Text
		}
	}
	return out
}

func (e *env) upload(tb testing.TB, name, md string, publish bool) corpus.UploadResult {
	tb.Helper()
	res, err := e.svc.Upload(context.Background(), "chen", name, []byte(md), corpus.Meta{}, publish)
	if err != nil {
		tb.Fatalf("Upload(%s): %v", name, err)
	}
	return res
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	fsys, err := policies.BundledFS()
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.Seed(ctx, "system", fsys)
	if err != nil || n != 4 {
		t.Fatalf("Seed(bundled) = %d, %v; want 4 documents", n, err)
	}
	if n, err := e.svc.Seed(ctx, "system", fsys); err != nil || n != 0 {
		t.Errorf("second Seed = %d, %v; want 0: the store is the source of truth", n, err)
	}
	if _, err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	docs, err := e.svc.Documents(ctx)
	if err != nil || len(docs) != 4 {
		t.Fatalf("Documents() = %v, %v", docs, err)
	}
	for _, d := range docs {
		if d.Status != record.Published || !d.Live || d.Current != 1 {
			t.Errorf("seeded %s: status %s live %v current %d; want published, live, 1", d.ID, d.Status, d.Live, d.Current)
		}
	}
	if got := len(e.svc.LiveDocuments()); got != 4 {
		t.Errorf("LiveDocuments() has %d documents, want 4", got)
	}
	hits, err := e.live.Search(ctx, retrieval.Query{Text: "海外仓补助"})
	if err != nil || len(hits) == 0 || hits[0].Chunk.DocID != "wz-com-2025" {
		t.Errorf("Search(海外仓补助) after seeding = %v, %v", hits, err)
	}
	audit, _ := e.svc.Audit(ctx, record.AuditQuery{})
	if len(audit) != 4 || audit[0].Action != record.ActionSeed || audit[0].Who != "system" {
		t.Errorf("audit after seeding = %+v; want 4 seed entries by system", audit)
	}

	// A second replica over the same store sees the same corpus.
	other := newEnv(t, e.st)
	if n, err := other.svc.Seed(ctx, "system", fsys); err != nil || n != 0 {
		t.Errorf("Seed on a seeded store = %d, %v", n, err)
	}
	if rebuilt, err := other.svc.Sync(ctx); err != nil || !rebuilt {
		t.Errorf("first Sync of a replica = %v, %v; want a build", rebuilt, err)
	}
	if rebuilt, err := other.svc.Sync(ctx); err != nil || rebuilt {
		t.Errorf("second Sync = %v, %v; want nothing to do", rebuilt, err)
	}
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	if err := e.svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}

	// Upload: a draft, not live.
	up := e.upload(t, "ocean.md", doc("wz-ocean", oceanV1), false)
	if up.N != 1 || up.Status != record.Draft || up.Published || !up.Publishable() || up.Diff != nil || len(up.Doc.Articles) != 2 {
		t.Fatalf("Upload = v%d %s published %v publishable %v diff %v; want a publishable draft v1 with 2 articles", up.N, up.Status, up.Published, up.Publishable(), up.Diff)
	}
	if got := e.search(t, oceanQ); got["wz-ocean"] != "" {
		t.Fatalf("a draft is searchable: %v", got)
	}

	// Publish: live without a restart.
	v, err := e.svc.Publish(ctx, "li", "wz-ocean", 0)
	if err != nil || v.N != 1 || v.Status != record.Published {
		t.Fatalf("Publish(newest draft) = v%d %s, %v", v.N, v.Status, err)
	}
	if got := e.search(t, oceanQ)["wz-ocean"]; !strings.Contains(got, "30%") {
		t.Fatalf("after publish, article 2 = %q; want v1's", got)
	}
	if g := e.gens.Load(); g != 2 {
		t.Errorf("OnChange generation = %d, want 2", g)
	}

	// Amend: a second version, diffed against the live one.
	up = e.upload(t, "ocean-v2.md", doc("wz-ocean", oceanV2), false)
	if up.N != 2 || up.Diff == nil || len(up.Diff.Changed) != 1 || up.Diff.Changed[0].Number != 2 || up.Diff.From != 1 || up.Diff.To != 2 {
		t.Fatalf("amended upload = v%d diff %+v; want v2 changing article 2 of v1", up.N, up.Diff)
	}
	if got := e.search(t, oceanQ)["wz-ocean"]; !strings.Contains(got, "30%") {
		t.Errorf("a new draft changed the live text: %q", got)
	}
	if _, err := e.svc.Publish(ctx, "li", "wz-ocean", 2); err != nil {
		t.Fatal(err)
	}
	if got := e.search(t, oceanQ)["wz-ocean"]; !strings.Contains(got, "40%") {
		t.Errorf("after publishing v2, article 2 = %q", got)
	}

	// History with diffs.
	h, err := e.svc.History(ctx, "wz-ocean")
	if err != nil || len(h) != 2 {
		t.Fatalf("History = %v, %v", h, err)
	}
	if h[0].Status != record.Superseded || len(h[0].Diff.Added) != 2 || h[1].Status != record.Published || len(h[1].Diff.Changed) != 1 {
		t.Errorf("History = [%s +%d, %s ~%d]; want superseded v1 adding 2, published v2 changing 1",
			h[0].Status, len(h[0].Diff.Added), h[1].Status, len(h[1].Diff.Changed))
	}

	// Rollback: v1's text again, as v3.
	v, err = e.svc.Rollback(ctx, "wang", "wz-ocean", 1)
	if err != nil || v.N != 3 || v.BasedOn != 1 || v.Status != record.Published {
		t.Fatalf("Rollback(1) = v%d based on %d %s, %v; want published v3 based on 1", v.N, v.BasedOn, v.Status, err)
	}
	if got := e.search(t, oceanQ)["wz-ocean"]; !strings.Contains(got, "30%") {
		t.Errorf("after rollback, article 2 = %q", got)
	}

	// Retire: out of answers.
	if _, err := e.svc.Retire(ctx, "wang", "wz-ocean", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := e.search(t, oceanQ); got["wz-ocean"] != "" {
		t.Errorf("a retired document is searchable: %v", got)
	}
	sum, _, err := e.svc.Document(ctx, "wz-ocean")
	if err != nil || sum.Status != record.Retired || sum.Live || sum.Current != 3 || sum.Latest != 3 {
		t.Errorf("Document summary = %+v, %v", sum, err)
	}

	// The audit log has every step, newest first.
	audit, err := e.svc.Audit(ctx, record.AuditQuery{DocID: "wz-ocean"})
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, a := range audit {
		steps = append(steps, fmt.Sprintf("%s %s %d→%d", a.Who, a.Action, a.FromVersion, a.ToVersion))
	}
	want := []string{"wang retire 3→0", "wang rollback 2→3", "li publish 1→2", "chen upload 1→2", "li publish 0→1", "chen upload 0→1"}
	if strings.Join(steps, "; ") != strings.Join(want, "; ") {
		t.Errorf("audit =\n%s\nwant\n%s", strings.Join(steps, "; "), strings.Join(want, "; "))
	}

	// It all survives a restart: a new Service over the same store.
	again := newEnv(t, e.st)
	if err := again.svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if got := again.search(t, oceanQ); got["wz-ocean"] != "" {
		t.Errorf("after a restart, the retired document is searchable: %v", got)
	}
	if _, vs, err := again.svc.Document(ctx, "wz-ocean"); err != nil || len(vs) != 3 {
		t.Errorf("after a restart, Document has %d versions, %v", len(vs), err)
	}
}

func TestUploadRefusals(t *testing.T) {
	e := newEnv(t, nil)
	spam := doc("wz-spam", "企业购置深海养殖网箱的，给予补贴。新万博体育官网注册即送彩金。")
	tests := []struct {
		name     string
		file     string
		data     string
		meta     corpus.Meta
		stored   bool   // a draft was stored
		code     string // a finding with this code
		hygiene  bool   // the finding is a hygiene one
		contains string // in its message
	}{
		{"spam", "spam.md", spam, corpus.Meta{}, true, policies.CodeSpam, true, "injected spam"},
		{"empty", "empty.md", "", corpus.Meta{}, false, corpus.CodeFile, false, "empty"},
		{"unknown type", "policy.xlsx", "PK\x03\x04whatever", corpus.Meta{}, false, corpus.CodeFile, false, "not supported"},
		{"not a pdf", "policy.pdf", "this is not a pdf at all", corpus.Meta{}, false, corpus.CodeFile, false, "not a PDF"},
		{"not a docx", "policy.docx", "plain text", corpus.Meta{}, false, corpus.CodeFile, false, "not a Word document"},
		{"no id", "notes.txt", "第一条 没有元数据的文本。", corpus.Meta{}, false, corpus.CodeNoFrontMatter, false, "id"},
		{"bad article numbers", "bad.md", strings.Replace(doc("wz-bad", oceanV1), "第二条", "第三条", 1), corpus.Meta{}, true, policies.CodeArticle, false, "skipped"},
		{"bad supersedes", "ok.txt", "第一条 文本。", corpus.Meta{Meta: policies.Meta{ID: "wz-x", Title: "x", Category: "other"}, Supersedes: "Not An Id"}, true, policies.CodeField, false, "supersedes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.svc.Upload(context.Background(), "chen", tc.file, []byte(tc.data), tc.meta, true)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if res.Published || res.Publishable() {
				t.Errorf("Upload(%s) published %v publishable %v; want neither", tc.name, res.Published, res.Publishable())
			}
			if (res.N > 0) != tc.stored {
				t.Errorf("Upload(%s) stored version %d; want stored %v", tc.name, res.N, tc.stored)
			}
			list := res.Errors()
			if tc.hygiene {
				list = res.Hygiene()
			}
			found := false
			for _, f := range list {
				if f.Code == tc.code && strings.Contains(f.Msg.String(), tc.contains) {
					found = true
				}
			}
			if !found {
				t.Errorf("Upload(%s) findings = %v; want a %s finding about %q", tc.name, res.Findings, tc.code, tc.contains)
			}
		})
	}
	if got := e.live.Current(); got != nil && len(got.Chunks()) > 0 {
		t.Errorf("refused uploads put %d chunks in the index", len(got.Chunks()))
	}
}

func TestUploadMetadataFromForm(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.upload(t, "old.md", doc("wz-old", oceanV1), true)
	meta := corpus.Meta{Meta: policies.Meta{ID: "wz-new", Title: "新措施", Category: "manufacturing", EffectiveFrom: "2026-06-01"}, Supersedes: "wz-old"}
	res, err := e.svc.Upload(ctx, "chen", "new.txt", []byte("第一条 总则。\n\n第二条 "+oceanV2+"\n"), meta, true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Published || res.DocID != "wz-new" || res.Doc.Supersedes != "wz-old" || res.Doc.EffectiveFrom.String() != "2026-06-01" {
		t.Fatalf("Upload with form metadata = %s published %v, supersedes %q, effective %s; findings %v",
			res.DocID, res.Published, res.Doc.Supersedes, res.Doc.EffectiveFrom, res.Findings)
	}
	// wz-old is retired from wz-new's effective date: until then it answers.
	sum, _, _ := e.svc.Document(ctx, "wz-old")
	if sum.Status != record.Retired || !sum.Live || !sum.RetiredFrom.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))) {
		t.Errorf("superseded document = %+v; want retired from 2026-06-01, still live", sum)
	}
	if got := e.search(t, oceanQ); got["wz-old"] == "" {
		t.Errorf("the superseded document left before its successor's effective date: %v", got)
	}
	if rebuilt, err := e.svc.Sync(ctx); err != nil || rebuilt {
		t.Errorf("Sync before the date = %v, %v; want nothing to do", rebuilt, err)
	}
	e.clock.Set(time.Date(2026, 6, 1, 0, 0, 1, 0, time.FixedZone("CST", 8*3600)))
	if rebuilt, err := e.svc.Sync(ctx); err != nil || !rebuilt {
		t.Errorf("Sync on the date = %v, %v; want a rebuild", rebuilt, err)
	}
	if got := e.search(t, oceanQ); got["wz-old"] != "" {
		t.Errorf("after its retire date the superseded document is searchable: %v", got)
	}
	audit, _ := e.svc.Audit(ctx, record.AuditQuery{DocID: "wz-old", Limit: 1})
	if len(audit) != 1 || audit[0].Action != record.ActionRetire || !strings.Contains(audit[0].Detail.En, "superseded by wz-new") || !strings.Contains(audit[0].Detail.Zh, "被 wz-new") {
		t.Errorf("audit of wz-old = %+v; want a retire superseded by wz-new", audit)
	}
}

func TestRetireFromDate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true)
	from := t0.Add(48 * time.Hour)
	if _, err := e.svc.Retire(ctx, "li", "wz-ocean", from); err != nil {
		t.Fatal(err)
	}
	if got := e.search(t, oceanQ); got["wz-ocean"] == "" {
		t.Error("retired from a future date, the document left at once")
	}
	e.clock.Set(from.Add(-time.Second))
	if rebuilt, _ := e.svc.Sync(ctx); rebuilt {
		t.Error("Sync rebuilt before the retire date")
	}
	e.clock.Set(from)
	if rebuilt, err := e.svc.Sync(ctx); err != nil || !rebuilt {
		t.Errorf("Sync at the retire date = %v, %v; want a rebuild", rebuilt, err)
	}
	if got := e.search(t, oceanQ); got["wz-ocean"] != "" {
		t.Errorf("after the retire date the document is searchable: %v", got)
	}
	if _, err := e.svc.Retire(ctx, "li", "wz-ocean", time.Time{}); !errors.Is(err, fault.Conflict) {
		t.Errorf("Retire(retired) = %v, want ErrConflict", err)
	}
}

func TestRefusedChanges(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true)                                     // v1 published
	e.upload(t, "spam.md", doc("wz-ocean", oceanV2+"百家乐在线，首存送100%。"), false)                    // v2 draft with spam
	e.upload(t, "draft.md", doc("wz-draft", oceanV2), false)                                    // never published
	e.upload(t, "ocean3.md", doc("wz-ocean", strings.Replace(oceanV2, "40%", "45%", 1)), false) // v3 draft
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"publish unknown document", func() error { _, err := e.svc.Publish(ctx, "li", "wz-nope", 0); return err }, fault.NotFound},
		{"publish unknown version", func() error { _, err := e.svc.Publish(ctx, "li", "wz-ocean", 9); return err }, fault.NotFound},
		{"publish the live version", func() error { _, err := e.svc.Publish(ctx, "li", "wz-ocean", 1); return err }, fault.Conflict},
		{"publish spam", func() error { _, err := e.svc.Publish(ctx, "li", "wz-ocean", 2); return err }, fault.Rejected},
		{"rollback to a draft", func() error { _, err := e.svc.Rollback(ctx, "li", "wz-ocean", 2); return err }, fault.Conflict},
		{"rollback to the live version", func() error { _, err := e.svc.Rollback(ctx, "li", "wz-ocean", 1); return err }, fault.Conflict},
		{"rollback to version 0", func() error { _, err := e.svc.Rollback(ctx, "li", "wz-ocean", 0); return err }, fault.Invalid},
		{"rollback unknown", func() error { _, err := e.svc.Rollback(ctx, "li", "wz-nope", 1); return err }, fault.NotFound},
		{"retire unpublished", func() error { _, err := e.svc.Retire(ctx, "li", "wz-draft", time.Time{}); return err }, fault.Conflict},
		{"retire unknown", func() error { _, err := e.svc.Retire(ctx, "li", "wz-nope", time.Time{}); return err }, fault.NotFound},
		{"document unknown", func() error { _, _, err := e.svc.Document(ctx, "wz-nope"); return err }, fault.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if fe := fault.As(err); fe == nil || fe.Msg.En == "" || fe.Msg.Zh == "" || fe.Code == "" {
				t.Errorf("err %v is not a *fault.Error with a code and a message in both languages", err)
			}
		})
	}
	if got := e.search(t, oceanQ)["wz-ocean"]; !strings.Contains(got, "30%") {
		t.Errorf("refused changes changed the live text: %q", got)
	}
	// Publishing with n = 0 takes the newest draft (v3), not the spam one.
	v, err := e.svc.Publish(ctx, "li", "wz-ocean", 0)
	if err != nil || v.N != 3 {
		t.Errorf("Publish(newest draft) = v%d, %v; want v3", v.N, err)
	}
}

// failingEmbedder fails while fail is set.
type failingEmbedder struct{ fail atomic.Bool }

func (f *failingEmbedder) Identity() retrieval.EmbedderIdentity {
	return retrieval.EmbedderIdentity{Provider: "fake", Model: "sum", Dim: 4}
}

func (f *failingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	if f.fail.Load() {
		return nil, errors.New("embedding server down")
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 4)
		for j, r := range t {
			v[j%4] += float32(r % 97)
		}
		v[0]++
		out[i] = v
	}
	return out, nil
}

func TestFailedBuildChangesNothing(t *testing.T) {
	ctx := context.Background()
	emb := &failingEmbedder{}
	e := newEnv(t, nil, func(o *corpus.Options) { o.Index.Embedder = emb })
	e.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true)
	before := e.live.Current()
	gen, _ := e.st.Generation(ctx)

	emb.fail.Store(true)
	if _, err := e.svc.Upload(ctx, "chen", "v2.md", []byte(doc("wz-ocean", oceanV2)), corpus.Meta{}, true); err == nil {
		t.Fatal("Upload(publish) with a failing index build = nil error")
	}
	if e.live.Current() != before {
		t.Error("a failed build replaced the live index")
	}
	if after, _ := e.st.Generation(ctx); after != gen {
		t.Errorf("a failed build committed: generation %d → %d", gen, after)
	}
	if got := e.search(t, oceanQ)["wz-ocean"]; !strings.Contains(got, "30%") {
		t.Errorf("after a failed publish, article 2 = %q; want v1's", got)
	}
	emb.fail.Store(false)
	if res := e.upload(t, "v2.md", doc("wz-ocean", oceanV2), true); !res.Published || res.N != 2 {
		t.Errorf("after the embedder recovered, Upload = v%d published %v; want v2 published", res.N, res.Published)
	}
}

// TestReplicas runs two Services on one store, as two replicas would: a
// write planned on a stale snapshot is planned again, and Sync picks up
// the other's changes.
func TestReplicas(t *testing.T) {
	ctx := context.Background()
	a := newEnv(t, nil)
	b := newEnv(t, a.st)
	a.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true)
	if err := b.svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	a.upload(t, "v2.md", doc("wz-ocean", oceanV2), true) // b has not seen v2
	res := b.upload(t, "v3.md", doc("wz-ocean", strings.Replace(oceanV1, "30%", "35%", 1)), true)
	if res.N != 3 || !res.Published {
		t.Fatalf("upload on the stale replica = v%d published %v; want v3", res.N, res.Published)
	}
	if rebuilt, err := a.svc.Sync(ctx); err != nil || !rebuilt {
		t.Errorf("Sync on the other replica = %v, %v; want a rebuild", rebuilt, err)
	}
	for name, e := range map[string]*env{"a": a, "b": b} {
		if got := e.search(t, oceanQ)["wz-ocean"]; !strings.Contains(got, "35%") {
			t.Errorf("replica %s serves %q, want v3's text", name, got)
		}
	}
}

func TestSeedSkipsBadFiles(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	fsys := fstest.MapFS{
		"a.md":      {Data: []byte(doc("wz-a", oceanV1))},
		"b.md":      {Data: []byte(doc("wz-b", oceanV2+"百家乐"))},
		"c.txt":     {Data: []byte("no front matter")},
		"d.md":      {Data: []byte(doc("wz-a", oceanV2))}, // a duplicate id
		"notes.pdf": {Data: []byte("%PDF-")},
	}
	n, err := e.svc.Seed(ctx, "system", fsys)
	if err != nil || n != 2 {
		t.Fatalf("Seed = %d, %v; want 2 (wz-a published, wz-b a draft)", n, err)
	}
	docs, _ := e.svc.Documents(ctx)
	if len(docs) != 2 || docs[0].Status != record.Published || docs[1].Status != record.Draft {
		t.Errorf("after Seed, Documents = %+v", docs)
	}
}

func TestInsights(t *testing.T) {
	e := newEnv(t, nil, func(o *corpus.Options) { o.Questions = nil })
	if _, err := e.svc.Insights(context.Background(), t0); !errors.Is(err, fault.NotFound) {
		t.Errorf("Insights without a question source = %v, want ErrNotFound", err)
	}
}

// TestConcurrentSearchesSeeOneVersion searches while versions are
// published and rolled back: every search sees v1 or v2 whole, never an
// error or nothing.
func TestConcurrentSearchesSeeOneVersion(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true)
	e.upload(t, "v2.md", doc("wz-ocean", oceanV2), false)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				hits, err := e.live.Search(ctx, retrieval.Query{Text: oceanQ, K: 1})
				if err != nil || len(hits) != 1 {
					t.Errorf("Search during publishes = %v, %v", hits, err)
					return
				}
				text := hits[0].Chunk.Text
				if !strings.Contains(text, "30%") && !strings.Contains(text, "40%") {
					t.Errorf("Search during publishes found %q", text)
					return
				}
				searches.Add(1)
			}
		}()
	}
	if _, err := e.svc.Publish(ctx, "li", "wz-ocean", 2); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if _, err := e.svc.Rollback(ctx, "li", "wz-ocean", 1+i%2); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d searches during 7 publishes", searches.Load())
}

// TestRollbackTwice: a rollback sent twice (a double click, a retried
// request) makes one version, not two.
func TestRollbackTwice(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true)
	e.upload(t, "v2.md", doc("wz-ocean", oceanV2), true)
	var got []int
	for range 2 {
		v, err := e.svc.Rollback(ctx, "li", "wz-ocean", 1)
		if err != nil {
			t.Fatalf("Rollback(1) = %v", err)
		}
		got = append(got, v.N)
		if v.BasedOn != 1 || v.Status != record.Published {
			t.Errorf("Rollback(1) = v%d based on %d, %s; want a published copy of v1", v.N, v.BasedOn, v.Status)
		}
	}
	if got[0] != 3 || got[1] != 3 {
		t.Errorf("two rollbacks to v1 returned versions %v, want [3 3]", got)
	}
	sum, vs, err := e.svc.Document(ctx, "wz-ocean")
	if err != nil || len(vs) != 3 || sum.Current != 3 {
		t.Errorf("after two rollbacks to v1: %d versions, current v%d (%v); want 3 versions, v3 current", len(vs), sum.Current, err)
	}
	audit, err := e.svc.Audit(ctx, record.AuditQuery{DocID: "wz-ocean"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range audit {
		if a.Action == record.ActionRollback {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the audit log has %d rollbacks, want 1", n)
	}
	// Another version published meanwhile: rolling back to v1 again is a
	// new version.
	if v, err := e.svc.Rollback(ctx, "li", "wz-ocean", 2); err != nil || v.N != 4 {
		t.Fatalf("Rollback(2) = v%d, %v; want v4", v.N, err)
	}
	if v, err := e.svc.Rollback(ctx, "li", "wz-ocean", 1); err != nil || v.N != 5 {
		t.Errorf("Rollback(1) after v4 = v%d, %v; want v5", v.N, err)
	}
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true)
	e.upload(t, "v2.md", doc("wz-ocean", oceanV2), true) // v1's index waits to be closed
	if err := e.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := e.svc.Upload(ctx, "chen", "v3.md", []byte(doc("wz-ocean", oceanV1)), corpus.Meta{}, true); err == nil {
		t.Error("Upload after Close = nil error")
	}
	if _, err := e.svc.Sync(ctx); err == nil {
		t.Error("Sync after Close = nil error")
	}
	if err := e.svc.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestPublishIfCurrent: two officials each prepare a version of the same
// document while v1 is live. The first to publish wins; the second, whose
// view is outdated, is refused with what changed and by whom, and nothing
// of theirs goes live. Publishing on the fresh view works.
func TestPublishIfCurrent(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true)
	li := e.upload(t, "ocean-li.md", doc("wz-ocean", oceanV2), false)
	wang := e.upload(t, "ocean-wang.md", doc("wz-ocean", strings.ReplaceAll(oceanV2, "40%", "45%")), false)

	if _, err := e.svc.PublishIf(ctx, "li", "wz-ocean", li.N, 1); err != nil {
		t.Fatalf("li publishes v%d on v1: %v", li.N, err)
	}
	_, err := e.svc.PublishIf(ctx, "wang", "wz-ocean", wang.N, 1)
	var se *corpus.StaleError
	if !errors.As(err, &se) || !errors.Is(err, fault.Conflict) {
		t.Fatalf("wang publishes on the outdated v1: %v, want a StaleError", err)
	}
	if se.Base != 1 || se.Current != li.N || se.By != "li" || len(se.Diff.Changed) != 1 || se.Diff.Changed[0].Number != 2 {
		t.Errorf("StaleError = base %d current %d by %q changed %+v; want 1 → v%d by li, article 2 changed", se.Base, se.Current, se.By, se.Diff.Changed, li.N)
	}
	if got := e.search(t, oceanQ)["wz-ocean"]; !strings.Contains(got, "40%") {
		t.Errorf("after the refused publish the live text is %q, want li's", got)
	}
	if v, err := e.svc.PublishIf(ctx, "wang", "wz-ocean", wang.N, li.N); err != nil || v.N != wang.N {
		t.Errorf("wang publishes again on the fresh view: v%d, %v", v.N, err)
	}

	// An upload that publishes at once is conditional too; a new
	// document's base is 0.
	base := 0
	res, err := e.svc.Upload(ctx, "chen", "new.md", []byte(doc("wz-new", oceanV1)), corpus.Meta{Base: &base}, true)
	if err != nil || !res.Published {
		t.Fatalf("upload of a new document on base 0 = %+v, %v", res.Version.N, err)
	}
	res, err = e.svc.Upload(ctx, "wang", "new2.md", []byte(doc("wz-new", oceanV2)), corpus.Meta{Base: &base}, true)
	if !errors.As(err, &se) || se.Current != 1 || se.By != "chen" {
		t.Errorf("a second new document with the same id on base 0: %+v, %v; want a StaleError by chen", res.Version.N, err)
	}
}

// TestChangesUpdateTheIndexInPlace checks that a publish, a new version, a
// rollback and a retire change the live index in place — on the replica
// that made the change and, through Sync, on another — and never build a
// new one.
func TestChangesUpdateTheIndexInPlace(t *testing.T) {
	ctx := context.Background()
	dirs := func(dir string) func(*corpus.Options) {
		return func(o *corpus.Options) { o.Index.Dir = dir }
	}
	a := newEnv(t, nil, dirs(t.TempDir()))
	b := newEnv(t, a.st, dirs(t.TempDir()))
	fsys, err := policies.BundledFS()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.Seed(ctx, "system", fsys); err != nil {
		t.Fatal(err)
	}
	for _, e := range []*env{a, b} {
		if _, err := e.svc.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ixA, ixB := a.live.Current(), b.live.Current()
	chunks := len(ixA.Chunks())
	steps := []struct {
		name   string
		do     func()
		want   string // in article 2 of wz-ocean; "" when it must not be found
		chunks int
	}{
		{"publish", func() { a.upload(t, "ocean.md", doc("wz-ocean", oceanV1), true) }, "30%", chunks + 2},
		{"new version", func() { a.upload(t, "v2.md", doc("wz-ocean", oceanV2), true) }, "40%", chunks + 2},
		{"rollback", func() {
			if _, err := a.svc.Rollback(ctx, "li", "wz-ocean", 1); err != nil {
				t.Fatal(err)
			}
		}, "30%", chunks + 2},
		{"retire", func() {
			if _, err := a.svc.Retire(ctx, "li", "wz-ocean", time.Time{}); err != nil {
				t.Fatal(err)
			}
		}, "", chunks},
	}
	for _, st := range steps {
		st.do()
		if changed, err := b.svc.Sync(ctx); err != nil || !changed {
			t.Fatalf("%s: Sync on the other replica = %v, %v; want a change", st.name, changed, err)
		}
		for name, e := range map[string]*env{"a": a, "b": b} {
			got := e.search(t, oceanQ)["wz-ocean"]
			if st.want == "" && got != "" || st.want != "" && !strings.Contains(got, st.want) {
				t.Errorf("%s: replica %s serves %q, want %q", st.name, name, got, st.want)
			}
			if n := len(e.live.Current().Chunks()); n != st.chunks {
				t.Errorf("%s: replica %s holds %d chunks, want %d", st.name, name, n, st.chunks)
			}
		}
		if a.live.Current() != ixA || b.live.Current() != ixB {
			t.Fatalf("%s: a new index was built; want the live one updated in place", st.name)
		}
	}
}

// TestUploadScopeFromForm checks the scope fields of the upload form: they
// fill in what a file does not say (its own front matter too), never
// replace what it says, and are checked.
func TestUploadScopeFromForm(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	body := []byte("第一条 总则。\n\n第二条 " + oceanV1 + "\n")
	res, err := e.svc.Upload(ctx, "chen", "x.txt", body, corpus.Meta{
		Meta:  policies.Meta{ID: "xc-ocean", Title: "深海养殖措施", Category: "manufacturing", Issuer: "区农业农村局"},
		Scope: corpus.Scope{Region: "相城", Year: "2024", Status: "已废止"},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Doc; d == nil || d.Region != "相城区" || d.Level != policies.LevelDistrict || d.Year != 2024 || d.Status != policies.StatusRepealed ||
		!slices.Equal(d.Inferred, []string{"level"}) || !res.Publishable() {
		t.Fatalf("Upload with form scope = %+v, findings %v", res.Doc, res.Findings)
	}

	// A file with its own front matter: the region it gives stays, the
	// year it lacks comes from the form.
	md := doc("wz-ocean", oceanV1, "region: 吴中区\n")
	res, err = e.svc.Upload(ctx, "chen", "ocean.md", []byte(md), corpus.Meta{Scope: corpus.Scope{Region: "相城区", Year: "2023"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Doc; d.Region != "吴中区" || d.Year != 2023 || slices.Contains(d.Inferred, "year") {
		t.Errorf("own front matter + form scope: region %q year %d inferred %v; want 吴中区, 2023 from the form", d.Region, d.Year, d.Inferred)
	}
	if !slices.ContainsFunc(res.Warnings, func(w lang.Text) bool {
		return strings.Contains(w.En, "the file gives region itself") && strings.Contains(w.Zh, "文件中已有 region")
	}) {
		t.Errorf("warnings = %v, want one saying the form's region is not used", res.Warnings)
	}
	if !strings.Contains(string(res.Markdown), "year: 2023\n") {
		t.Errorf("stored text does not carry the year:\n%s", res.Markdown)
	}

	for _, sc := range []corpus.Scope{{Year: "25"}, {Level: "镇"}, {Status: "暂停"}, {Region: "吴中区: x"}} {
		res, err := e.svc.Upload(ctx, "chen", "ocean.md", []byte(doc("wz-ocean", oceanV1)), corpus.Meta{Scope: sc}, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Published || res.Publishable() {
			t.Errorf("Upload with form scope %+v: published %v, findings %v; want an error", sc, res.Published, res.Findings)
		}
	}
}
