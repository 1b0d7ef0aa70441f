package retrieval

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// rankAll runs a few queries and renders the rankings, to compare indexes
// whose lexical halves are segmented differently: bleve's BM25 statistics
// (the average field length) depend on the segments until they are merged,
// so the BM25 scores of an updated index differ slightly from those of a
// fresh build, and near-ties far down the list may swap. It renders the
// first three hits with their dense ranks and scores.
func rankAll(tb testing.TB, ix *Index) string {
	tb.Helper()
	var b strings.Builder
	for _, q := range []string{"专精特新小巨人奖励", "出口信用保险保费补助", "碳达峰任务", "智能化改造", "新设立区域总部一次性奖励多少"} {
		hits, err := ix.Search(context.Background(), Query{Text: q, K: 3, IncludeInactive: true})
		if err != nil {
			tb.Fatalf("Search(%q): %v", q, err)
		}
		for _, h := range hits {
			fmt.Fprintf(&b, "%s %d %.6f\n", h.Chunk.ID, h.DenseRank, h.DenseScore)
		}
		b.WriteString("--\n")
	}
	return b.String()
}

// searchAll runs a few queries and renders the results, to compare indexes.
func searchAll(tb testing.TB, ix *Index) string {
	tb.Helper()
	var b strings.Builder
	for _, q := range []string{"专精特新小巨人奖励", "出口信用保险保费补助", "碳达峰任务", "智能化改造"} {
		hits, err := ix.Search(context.Background(), Query{Text: q, K: 5, IncludeInactive: true})
		if err != nil {
			tb.Fatalf("Search(%q): %v", q, err)
		}
		for _, h := range hits {
			fmt.Fprintf(&b, "%s %.6f %d %.6f %d %.6f\n", h.Chunk.ID, h.Score, h.LexRank, h.LexScore, h.DenseRank, h.DenseScore)
		}
		b.WriteString("--\n")
	}
	return b.String()
}

func readTestManifest(tb testing.TB, dir string) *manifest {
	tb.Helper()
	m, err := readManifest(dir)
	if err != nil {
		tb.Fatalf("readManifest: %v", err)
	}
	return m
}

func writeTestManifest(tb testing.TB, dir string, m *manifest) {
	tb.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, manifestFile), data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// largestLexicalFile is the biggest segment file of the saved bleve index.
func largestLexicalFile(tb testing.TB, dir string) string {
	tb.Helper()
	m := readTestManifest(tb, dir)
	store := filepath.Join(dir, m.Lexical.Dir, "store")
	entries, err := os.ReadDir(store)
	if err != nil {
		tb.Fatal(err)
	}
	var best string
	var size int64 = -1
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && strings.HasSuffix(e.Name(), ".zap") && info.Size() > size {
			best, size = e.Name(), info.Size()
		}
	}
	if best == "" {
		tb.Fatalf("no segment in %s", store)
	}
	return filepath.Join(store, best)
}

// savedFile is the path of the saved file whose name starts with prefix
// (vectorsPrefix, embedderPrefix).
func savedFile(tb testing.TB, dir, prefix string) string {
	tb.Helper()
	for name := range readTestManifest(tb, dir).Vectors.Files {
		if strings.HasPrefix(name, prefix) {
			return filepath.Join(dir, name)
		}
	}
	tb.Fatalf("the manifest names no %s file", prefix)
	return ""
}

func truncateHalf(tb testing.TB, path string) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		tb.Fatal(err)
	}
}

func garble(tb testing.TB, path string) {
	tb.Helper()
	info, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, info.Size())
	for i := range data {
		data[i] = byte(rng.UintN(256))
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestOpenReusesSavedIndex(t *testing.T) {
	docs := testDocs(t)
	t.Run("remote embedder", func(t *testing.T) {
		dir := t.TempDir()
		first := newCountingEmbedder("m1")
		a := openTest(t, docs, Options{Dir: dir, Embedder: first})
		if got := first.texts.Load(); got != 12 {
			t.Fatalf("first Open embedded %d texts, want 12", got)
		}
		built := readTestManifest(t, dir).Saved

		wantHits := searchAll(t, a)
		a.Close()
		second := newCountingEmbedder("m1")
		log, buf := testLogger()
		b := openTest(t, docs, Options{Dir: dir, Embedder: second, Logger: log})
		if got := second.calls.Load(); got != 0 {
			t.Errorf("second Open called the embedder %d times, want 0", got)
		}
		if strings.Contains(buf.String(), "build") || strings.Contains(buf.String(), "updated") {
			t.Errorf("second Open logged a build or an update: %s", buf.String())
		}
		if got := readTestManifest(t, dir).Saved; !got.Equal(built) {
			t.Errorf("manifest rewritten at %v, want left from %v", got, built)
		}
		if sb := searchAll(t, b); wantHits != sb {
			t.Errorf("reloaded index answers\n%s\nwant\n%s", sb, wantHits)
		}
	})
	t.Run("local embedder", func(t *testing.T) {
		dir := t.TempDir()
		a := openTest(t, docs, Options{Dir: dir})
		wantHits := searchAll(t, a)
		a.Close()
		log, buf := testLogger()
		b := openTest(t, docs, Options{Dir: dir, Logger: log})
		if strings.Contains(buf.String(), "build") || strings.Contains(buf.String(), "updated") {
			t.Errorf("second Open logged a build or an update: %s", buf.String())
		}
		le, ok := b.emb.(*LocalEmbedder)
		if !ok || le.docs != 12 {
			t.Errorf("reloaded embedder %T trained on %d texts, want the saved *LocalEmbedder of 12", b.emb, le.docs)
		}
		if sb := searchAll(t, b); wantHits != sb {
			t.Errorf("reloaded index answers\n%s\nwant\n%s", sb, wantHits)
		}
		fresh := openTest(t, docs, Options{})
		if sf, sb := searchAll(t, fresh), searchAll(t, b); sf != sb {
			t.Errorf("saved index answers\n%s\nin-memory index\n%s", sb, sf)
		}
	})
}

func TestOpenRebuildsDamagedIndex(t *testing.T) {
	tests := []struct {
		name      string
		damage    func(t *testing.T, dir string)
		reembed   bool   // whether the vectors must be rebuilt
		logReason string // in the log line
	}{
		{"manifest garbage", func(t *testing.T, dir string) { garble(t, filepath.Join(dir, manifestFile)) }, true, "manifest unreadable"},
		{"manifest truncated", func(t *testing.T, dir string) { truncateHalf(t, filepath.Join(dir, manifestFile)) }, true, "manifest unreadable"},
		{"manifest missing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, manifestFile)) }, true, "no index yet"},
		{"format changed", func(t *testing.T, dir string) {
			m := readTestManifest(t, dir)
			m.Format = FormatVersion + 1
			writeTestManifest(t, dir, m)
		}, true, "format changed"},
		{"vectors truncated", func(t *testing.T, dir string) { truncateHalf(t, savedFile(t, dir, vectorsPrefix)) }, true, "files damaged"},
		{"vectors garbage", func(t *testing.T, dir string) { garble(t, savedFile(t, dir, vectorsPrefix)) }, true, "files damaged"},
		{"vectors missing", func(t *testing.T, dir string) { os.Remove(savedFile(t, dir, vectorsPrefix)) }, true, "files damaged"},
		{"vectors garbage with matching checksum", func(t *testing.T, dir string) {
			path := savedFile(t, dir, vectorsPrefix)
			garble(t, path)
			data, _ := os.ReadFile(path)
			m := readTestManifest(t, dir)
			m.Vectors.Files[filepath.Base(path)] = sum(data)
			writeTestManifest(t, dir, m)
		}, true, "files damaged"},
		{"lexical segment truncated", func(t *testing.T, dir string) { truncateHalf(t, largestLexicalFile(t, dir)) }, false, "files damaged"},
		{"lexical segment garbage", func(t *testing.T, dir string) { garble(t, largestLexicalFile(t, dir)) }, false, "files damaged"},
		{"lexical directory missing", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, readTestManifest(t, dir).Lexical.Dir))
		}, false, "files damaged"},
		{"lexical segment added", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, readTestManifest(t, dir).Lexical.Dir, "store", "000000000009.zap"), make([]byte, 100), 0o644)
		}, false, "files damaged"},
		{"lexical directory escapes", func(t *testing.T, dir string) {
			m := readTestManifest(t, dir)
			m.Lexical.Dir = "../elsewhere"
			writeTestManifest(t, dir, m)
		}, false, "files damaged"},
	}
	docs := testDocs(t)
	want := searchAll(t, openTest(t, docs, Options{Embedder: newCountingEmbedder("m1")}))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			openTest(t, docs, Options{Dir: dir, Embedder: newCountingEmbedder("m1")}).Close()
			tc.damage(t, dir)

			emb := newCountingEmbedder("m1")
			log, buf := testLogger()
			ix := openTest(t, docs, Options{Dir: dir, Embedder: emb, Logger: log})
			if reembedded := emb.texts.Load() > 0; reembedded != tc.reembed {
				t.Errorf("re-embedded = %v, want %v", reembedded, tc.reembed)
			}
			if got := searchAll(t, ix); got != want {
				t.Errorf("rebuilt index answers\n%s\nwant\n%s", got, want)
			}
			if !strings.Contains(buf.String(), tc.logReason) {
				t.Errorf("log = %q, want the reason %q", buf.String(), tc.logReason)
			}
			ix.Close()

			// The rebuilt index is saved and reused.
			again := newCountingEmbedder("m1")
			log, buf = testLogger()
			ix = openTest(t, docs, Options{Dir: dir, Embedder: again, Logger: log})
			if again.calls.Load() != 0 || strings.Contains(buf.String(), "build") {
				t.Errorf("Open after the rebuild: %d embedder calls, log %q; want a reuse", again.calls.Load(), buf.String())
			}
			entries, _ := os.ReadDir(dir)
			var lexDirs int
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), lexicalPrefix) {
					lexDirs++
				}
			}
			if lexDirs != 1 {
				t.Errorf("%d lexical directories after the rebuild, want 1 (the old one removed)", lexDirs)
			}
		})
	}
}

func TestOpenRebuildsDamagedLocalState(t *testing.T) {
	docs := testDocs(t)
	dir := t.TempDir()
	want := searchAll(t, openTest(t, docs, Options{Dir: dir}))
	garble(t, savedFile(t, dir, embedderPrefix))
	log, buf := testLogger()
	ix := openTest(t, docs, Options{Dir: dir, Logger: log})
	if !strings.Contains(buf.String(), "rebuilding vectors") {
		t.Errorf("log = %q, want the vectors rebuilt", buf.String())
	}
	if got := searchAll(t, ix); got != want {
		t.Errorf("rebuilt index answers\n%s\nwant\n%s", got, want)
	}
}

// TestOpenUpdatesStaleIndex checks that Open with a corpus that changed
// since the index was saved reindexes only what changed.
func TestOpenUpdatesStaleIndex(t *testing.T) {
	dir := t.TempDir()
	docs := testDocs(t)
	openTest(t, docs, Options{Dir: dir, Embedder: newCountingEmbedder("m1")}).Close()

	t.Run("article changed", func(t *testing.T) {
		changed := testDocs(t)
		changed[2].Articles[1].Text = "企业参加境外展会的，按展位费的80%给予补助。"
		emb := newCountingEmbedder("m1")
		log, buf := testLogger()
		ix := openTest(t, changed, Options{Dir: dir, Embedder: emb, Logger: log})
		if emb.texts.Load() != 1 || strings.Contains(buf.String(), "building") || !strings.Contains(buf.String(), "index updated") {
			t.Errorf("Open(changed corpus): embedded %d texts, log %q; want the one changed chunk embedded, no rebuild", emb.texts.Load(), buf.String())
		}
		hits, err := ix.Search(context.Background(), Query{Text: "境外展会展位费补助"})
		if err != nil || len(hits) == 0 || !strings.Contains(hits[0].Chunk.Text, "80%") {
			t.Errorf("Search after the change = %v, %v; want the new text first", ids(hits), err)
		}
	})
	t.Run("only dates changed", func(t *testing.T) {
		changed := testDocs(t)
		changed[2].EffectiveTo = date(t, "2025-12-31") // com expires
		openTest(t, testDocs(t), Options{Dir: dir, Embedder: newCountingEmbedder("m1")}).Close()
		emb := newCountingEmbedder("m1")
		ix := openTest(t, changed, Options{Dir: dir, Embedder: emb})
		if emb.calls.Load() != 0 {
			t.Errorf("Open(new dates) called the embedder %d times, want a reuse: dates are not indexed", emb.calls.Load())
		}
		hits, err := ix.Search(context.Background(), Query{Text: "出口信用保险保费补助", K: MaxK})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Chunk.DocID == "com" {
				t.Errorf("Search returned %s of a document that expired by its new date", h.Chunk.ID)
			}
		}
	})
}

func TestOpenRebuildsOnEmbedderChange(t *testing.T) {
	docs := testDocs(t)
	tests := []struct {
		name          string
		before, after func() Embedder
	}{
		{"model", func() Embedder { return newCountingEmbedder("m1") }, func() Embedder { return newCountingEmbedder("m2") }},
		{"local dim", func() Embedder { return NewLocalEmbedder(64) }, func() Embedder { return NewLocalEmbedder(128) }},
		{"local to remote", func() Embedder { return NewLocalEmbedder(0) }, func() Embedder { return newCountingEmbedder("m1") }},
		{"remote to local", func() Embedder { return newCountingEmbedder("m1") }, func() Embedder { return NewLocalEmbedder(0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			openTest(t, docs, Options{Dir: dir, Embedder: tc.before()}).Close()
			lexBefore := readTestManifest(t, dir).Lexical.Dir

			after := tc.after()
			log, buf := testLogger()
			ix := openTest(t, docs, Options{Dir: dir, Embedder: after, Logger: log})
			if !strings.Contains(buf.String(), "embedder changed") {
				t.Errorf("log = %q, want a rebuild because the embedder changed", buf.String())
			}
			m := readTestManifest(t, dir)
			if m.Vectors.Embedder.Model != after.Identity().Model || m.Vectors.Embedder.Dim != ix.ident.Dim {
				t.Errorf("manifest embedder = %+v, want %+v", m.Vectors.Embedder, after.Identity())
			}
			if m.Lexical.Dir != lexBefore {
				t.Errorf("lexical index rebuilt (%s → %s); only the vectors depend on the embedder", lexBefore, m.Lexical.Dir)
			}
			hasState := false
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				hasState = hasState || strings.HasPrefix(e.Name(), embedderPrefix)
			}
			if _, local := after.(*LocalEmbedder); local != hasState {
				t.Errorf("local embedder state present = %v, want %v", hasState, local)
			}
		})
	}
}

func TestOpenUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	log, buf := testLogger()
	ix := openTest(t, testDocs(t), Options{Dir: filepath.Join(file, "index"), Logger: log})
	if hits, err := ix.Search(context.Background(), Query{Text: "出口信用保险"}); err != nil || len(hits) == 0 {
		t.Errorf("Search() with an unusable Dir = %v, %v; want hits from memory", ids(hits), err)
	}
	if !strings.Contains(buf.String(), "cannot use index directory") {
		t.Errorf("log = %q, want a warning about the directory", buf.String())
	}
}

func TestImportGarbage(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("garbage"), make([]byte, 4096), []byte(vectorsMagic + "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01")} {
		if _, _, err := decodeVectors(bufio.NewReader(bytes.NewReader(data))); err == nil {
			t.Errorf("decodeVectors(%d bytes of garbage) succeeded", len(data))
		}
		if _, err := unmarshalLocal(data); err == nil {
			t.Errorf("unmarshalLocal(%d bytes of garbage) succeeded", len(data))
		}
	}
}

// TestOpenBuildsInDataDir: the lexical index is built inside the data
// directory, not in the system's temporary directory, so it can be
// renamed into place when the two are on different filesystems (a data
// volume) and is reused at the next start instead of being rebuilt.
func TestOpenBuildsInDataDir(t *testing.T) {
	tests := []struct {
		name   string
		tmpdir func(t *testing.T) string
	}{
		{"TMPDIR missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") }},
		// A real cross-device rename, where a tmpfs other than the data
		// directory's filesystem is at hand.
		{"TMPDIR on another filesystem", func(t *testing.T) string {
			other, err := os.MkdirTemp("/dev/shm", "policybot-test-")
			if err != nil {
				t.Skipf("no /dev/shm: %v", err)
			}
			t.Cleanup(func() { os.RemoveAll(other) })
			probe := filepath.Join(other, "probe")
			if err := os.WriteFile(probe, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			err = os.Rename(probe, filepath.Join(t.TempDir(), "probe"))
			os.Remove(probe)
			if !errors.Is(err, syscall.EXDEV) {
				t.Skipf("/dev/shm is on the test directory's filesystem (rename: %v)", err)
			}
			return other
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmp := tc.tmpdir(t)
			t.Setenv("TMPDIR", tmp)
			dir := t.TempDir()
			log, buf := testLogger()
			a := openTest(t, testDocs(t), Options{Dir: dir, Logger: log})
			a.Close()
			if strings.Contains(buf.String(), "cannot save") {
				t.Errorf("first Open: log %q, want the index saved", buf.String())
			}
			if m := readTestManifest(t, dir); m.Lexical == nil {
				t.Fatalf("manifest has no lexical index: %+v", m)
			}
			log, buf = testLogger()
			openTest(t, testDocs(t), Options{Dir: dir, Logger: log})
			if strings.Contains(buf.String(), "lexical index built") {
				t.Errorf("second Open rebuilt the lexical index: log %q", buf.String())
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), tmpPrefix) || strings.Contains(e.Name(), "build") {
					t.Errorf("%s left in the data directory", e.Name())
				}
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("%d files left in TMPDIR (%s), want none", len(left), left[0].Name())
			}
		})
	}
}
