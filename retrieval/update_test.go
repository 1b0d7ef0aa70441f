package retrieval

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"policybot/policies"
)

// hqDoc is a document not in testDocs, in version v (its amount differs).
func hqDoc(tb testing.TB, amount string) *policies.Document {
	tb.Helper()
	return &policies.Document{ID: "hq", Title: "吴中区总部经济若干措施", Category: policies.Commerce,
		EffectiveFrom: date(tb, "2025-01-01"), CiteBy: policies.ByArticle, Articles: []policies.Article{
			{Number: 1, Text: "为吸引企业设立区域总部，制定本措施。"},
			{Number: 2, Text: "对新设立区域总部的企业，给予一次性奖励" + amount + "。"},
		}}
}

const hqQuestion = "新设立区域总部一次性奖励多少"

// topText is the text of the first hit for q, "" when none.
func topText(tb testing.TB, ix *Index, q string) string {
	tb.Helper()
	hits, err := ix.Search(context.Background(), Query{Text: q, K: 3})
	if err != nil {
		tb.Fatalf("Search(%q): %v", q, err)
	}
	if len(hits) == 0 {
		return ""
	}
	return hits[0].Chunk.DocID + ": " + hits[0].Chunk.Text
}

// TestUpdateIncremental publishes, changes, rolls back and retires a
// document on an open index, searching after each step, and checks that
// each step embeds only the chunks it changes and ends where a fresh build
// of the same documents ends.
func TestUpdateIncremental(t *testing.T) {
	for _, onDisk := range []bool{false, true} {
		t.Run(fmt.Sprintf("dir=%v", onDisk), func(t *testing.T) {
			ctx := context.Background()
			emb := newCountingEmbedder("m1")
			opts := Options{Embedder: emb}
			if onDisk {
				opts.Dir = t.TempDir()
			}
			log, buf := testLogger()
			opts.Logger = log
			base := testDocs(t)
			ix := openTest(t, base, opts)
			opened := len(buf.String())
			steps := []struct {
				name     string
				docs     []*policies.Document
				embedded int64  // texts the step embeds
				top      string // first hit for hqQuestion
			}{
				{"publish", append(slices.Clip(base), hqDoc(t, "300万元")), 2, "hq: 对新设立区域总部的企业，给予一次性奖励300万元。"},
				{"new version", append(slices.Clip(base), hqDoc(t, "500万元")), 1, "hq: 对新设立区域总部的企业，给予一次性奖励500万元。"},
				{"rollback", append(slices.Clip(base), hqDoc(t, "300万元")), 1, "hq: 对新设立区域总部的企业，给予一次性奖励300万元。"},
				{"metadata only", append(slices.Clip(base), func() *policies.Document {
					d := hqDoc(t, "300万元")
					d.EffectiveTo = date(t, "2099-12-31")
					return d
				}()), 0, "hq: 对新设立区域总部的企业，给予一次性奖励300万元。"},
				{"retire", base, 0, ""},
			}
			for _, st := range steps {
				before := emb.texts.Load()
				if err := ix.Update(ctx, st.docs); err != nil {
					t.Fatalf("%s: Update: %v", st.name, err)
				}
				if got := emb.texts.Load() - before; got != st.embedded {
					t.Errorf("%s: embedded %d texts, want %d", st.name, got, st.embedded)
				}
				got := topText(t, ix, hqQuestion)
				if st.top == "" && strings.HasPrefix(got, "hq:") || st.top != "" && got != st.top {
					t.Errorf("%s: first hit = %q, want %q", st.name, got, st.top)
				}
				fresh := openTest(t, st.docs, Options{Embedder: newCountingEmbedder("m1")})
				if a, b := rankAll(t, ix), rankAll(t, fresh); a != b {
					t.Errorf("%s: updated index answers\n%s\na fresh build\n%s", st.name, a, b)
				}
				if got, want := len(ix.Chunks()), len(fresh.Chunks()); got != want {
					t.Errorf("%s: %d chunks, want %d", st.name, got, want)
				}
			}
			if l := buf.String()[opened:]; strings.Contains(l, "building") || strings.Contains(l, "built") {
				t.Errorf("an update rebuilt the index: %s", l)
			}
		})
	}
}

// TestUpdateSurvivesRestart checks that the updates made to an index in a
// data directory are what the next Open finds: nothing to reindex or
// re-embed after a Close, only what changed since otherwise.
func TestUpdateSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base := testDocs(t)
	docs := append(slices.Clip(base), hqDoc(t, "300万元"))
	ix := openTest(t, base, Options{Dir: dir, Embedder: newCountingEmbedder("m1")})
	if err := ix.Update(ctx, docs); err != nil {
		t.Fatal(err)
	}
	want := rankAll(t, ix)
	ix.Close()

	emb := newCountingEmbedder("m1")
	log, buf := testLogger()
	again := openTest(t, docs, Options{Dir: dir, Embedder: emb, Logger: log})
	if emb.calls.Load() != 0 || strings.Contains(buf.String(), "updated") || strings.Contains(buf.String(), "build") {
		t.Errorf("Open after the update and a Close: %d embedder calls, log %q; want a plain load", emb.calls.Load(), buf.String())
	}
	if got := rankAll(t, again); got != want {
		t.Errorf("reopened index answers\n%s\nwant\n%s", got, want)
	}
	again.Close()

	// The corpus moved on while the index was closed: only hq changes.
	moved := append(slices.Clip(base), hqDoc(t, "800万元"))
	emb = newCountingEmbedder("m1")
	log, buf = testLogger()
	third := openTest(t, moved, Options{Dir: dir, Embedder: emb, Logger: log})
	if emb.texts.Load() != 1 || !strings.Contains(buf.String(), "changed=1") {
		t.Errorf("Open of a corpus with one changed document: %d texts embedded, log %q; want 1 text, 1 document changed", emb.texts.Load(), buf.String())
	}
	if got := topText(t, third, hqQuestion); !strings.Contains(got, "800万元") {
		t.Errorf("first hit = %q, want the new version", got)
	}
}

// TestUpdateWhileOpenElsewhere checks that a second index opened on a data
// directory another index has open works from memory and leaves the
// directory to the first.
func TestUpdateWhileOpenElsewhere(t *testing.T) {
	dir := t.TempDir()
	docs := testDocs(t)
	first := openTest(t, docs, Options{Dir: dir})
	lexDir := readTestManifest(t, dir).Lexical.Dir
	log, buf := testLogger()
	second := openTest(t, docs, Options{Dir: dir, Logger: log})
	if !strings.Contains(buf.String(), "in use") {
		t.Errorf("log = %q, want a note that the saved index is in use", buf.String())
	}
	if got := readTestManifest(t, dir).Lexical.Dir; got != lexDir {
		t.Errorf("the second index replaced the saved one: %s → %s", lexDir, got)
	}
	if a, b := searchAll(t, first), searchAll(t, second); a != b {
		t.Errorf("second index answers\n%s\nthe first\n%s", b, a)
	}
	second.Close()
	if err := first.Update(context.Background(), append(slices.Clip(docs), hqDoc(t, "300万元"))); err != nil {
		t.Fatal(err)
	}
	if got := topText(t, first, hqQuestion); !strings.HasPrefix(got, "hq:") {
		t.Errorf("the first index after the second closed: first hit %q", got)
	}
}

// TestFreshBuildReplacesSavedIndex checks Options.Fresh: a new build beside
// an open index, which then removes its files when it closes.
func TestFreshBuildReplacesSavedIndex(t *testing.T) {
	dir := t.TempDir()
	docs := testDocs(t)
	old := openTest(t, docs, Options{Dir: dir})
	oldDir := readTestManifest(t, dir).Lexical.Dir
	fresh := openTest(t, docs, Options{Dir: dir, Fresh: true})
	newDir := readTestManifest(t, dir).Lexical.Dir
	if newDir == oldDir {
		t.Fatalf("Fresh build reused %s", oldDir)
	}
	if a, b := searchAll(t, old), searchAll(t, fresh); a != b {
		t.Errorf("fresh index answers\n%s\nthe old one\n%s", b, a)
	}
	old.Close()
	if _, err := osStat(dir, oldDir); err == nil {
		t.Errorf("the replaced index left %s behind", oldDir)
	}
	if _, err := osStat(dir, newDir); err != nil {
		t.Errorf("closing the replaced index removed the new one: %v", err)
	}
}

// TestPendingStale checks that an update prepared before another was
// applied is refused, and that nothing changes when it is dropped.
func TestPendingStale(t *testing.T) {
	ctx := context.Background()
	base := testDocs(t)
	ix := openTest(t, base, Options{})
	p, err := ix.Prepare(ctx, append(slices.Clip(base), hqDoc(t, "300万元")))
	if err != nil {
		t.Fatal(err)
	}
	if p.Added != 1 || p.Changed != 0 || p.Removed != 0 || p.Chunks != 2 || p.Empty() {
		t.Errorf("Prepare = added %d changed %d removed %d chunks %d, want 1 0 0 2", p.Added, p.Changed, p.Removed, p.Chunks)
	}
	if got := topText(t, ix, hqQuestion); strings.HasPrefix(got, "hq:") {
		t.Errorf("a prepared update is visible before Apply: %q", got)
	}
	if err := ix.Update(ctx, base[:3]); err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); !errors.Is(err, ErrStale) {
		t.Errorf("Apply after another update = %v, want ErrStale", err)
	}
	if got := topText(t, ix, hqQuestion); strings.HasPrefix(got, "hq:") {
		t.Errorf("a refused update is visible: %q", got)
	}
	if p, err := ix.Prepare(ctx, base[:3]); err != nil || !p.Empty() {
		t.Errorf("Prepare(the same documents) = %+v, %v; want an empty update", p, err)
	}
}

// TestUpdateDuplicateIDs checks that an update with two documents of one
// ID is refused before anything changes.
func TestUpdateDuplicateIDs(t *testing.T) {
	docs := testDocs(t)
	ix := openTest(t, docs, Options{})
	if err := ix.Update(context.Background(), append(slices.Clip(docs), docs[0])); err == nil || !strings.Contains(err.Error(), "unique") {
		t.Errorf("Update(two documents mfg) = %v, want an error about unique IDs", err)
	}
}

// TestUpdateEmbedderDown checks that a remote embedder failing in Prepare
// leaves the index as it was.
func TestUpdateEmbedderDown(t *testing.T) {
	emb := newCountingEmbedder("m1")
	base := testDocs(t)
	ix := openTest(t, base, Options{Embedder: emb})
	want := searchAll(t, ix)
	emb.setFail(errors.New("connection refused"))
	if _, err := ix.Prepare(context.Background(), append(slices.Clip(base), hqDoc(t, "300万元"))); err == nil {
		t.Fatal("Prepare with the embedder down succeeded")
	}
	emb.setFail(nil)
	if got := searchAll(t, ix); got != want {
		t.Errorf("after a failed Prepare the index answers\n%s\nwant\n%s", got, want)
	}
}

// TestUpdateRetrainsLocalEmbedder checks that the local embedder's counts
// follow the updates, and that once many chunks changed the index retrains
// it: the result is then the index a fresh build of the same documents
// gives.
func TestUpdateRetrainsLocalEmbedder(t *testing.T) {
	ctx := context.Background()
	base := testDocs(t)
	log, buf := testLogger()
	ix := openTest(t, base[:2], Options{Logger: log})
	if err := ix.Update(ctx, base); err != nil { // 12 chunks where there were 6
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "retrained") {
		t.Errorf("log = %q, want the local embedder retrained", buf.String())
	}
	fresh := openTest(t, base, Options{})
	if a, b := rankAll(t, ix), rankAll(t, fresh); a != b {
		t.Errorf("retrained index answers\n%s\na fresh build\n%s", a, b)
	}
	le := ix.emb.(*LocalEmbedder)
	if le.docs != 12 || le.changed != 0 || le.trained != 12 {
		t.Errorf("after retraining: %d texts, %d changed, trained on %d; want 12, 0, 12", le.docs, le.changed, le.trained)
	}

	// A small change only adjusts the counts.
	buf2 := len(buf.String())
	if err := ix.Update(ctx, append(slices.Clip(base), hqDoc(t, "300万元"))); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String()[buf2:], "retrained") {
		t.Error("a two-chunk update retrained the embedder")
	}
	if le := ix.emb.(*LocalEmbedder); le.docs != 14 || le.changed != 2 {
		t.Errorf("after adding 2 chunks: %d texts, %d changed; want 14, 2", le.docs, le.changed)
	}
	if got := topText(t, ix, hqQuestion); !strings.HasPrefix(got, "hq:") {
		t.Errorf("first hit = %q, want hq", got)
	}
}

// TestSearchDuringUpdates runs searches while documents are replaced and
// checks that no search sees two versions of a document at once.
func TestSearchDuringUpdates(t *testing.T) {
	ctx := context.Background()
	base := testDocs(t)
	version := func(v int) []*policies.Document {
		d := hqDoc(t, fmt.Sprintf("%d00万元", v))
		d.Articles[0].Text = fmt.Sprintf("第%d版：为吸引企业设立区域总部，制定本措施。", v)
		return append(slices.Clip(base), d)
	}
	ix := openTest(t, version(1), Options{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 100)
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
				hits, err := ix.Search(ctx, Query{Text: "区域总部奖励 制定本措施", K: 10})
				if err != nil {
					errs <- err.Error()
					return
				}
				seen := map[string]bool{}
				for _, h := range hits {
					if h.Chunk.DocID != "hq" {
						continue
					}
					if h.Chunk.Article == 1 {
						seen["v"+h.Chunk.Text[len("第"):len("第")+1]] = true
					} else {
						seen["v"+h.Chunk.Text[strings.Index(h.Chunk.Text, "奖励")+len("奖励"):][:1]] = true
					}
				}
				if len(seen) > 1 {
					errs <- fmt.Sprintf("one search saw %v", seen)
					return
				}
			}
		}()
	}
	for v := 2; v <= 9; v++ {
		if err := ix.Update(ctx, version(v)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func osStat(dir, name string) (os.FileInfo, error) { return os.Stat(filepath.Join(dir, name)) }
