package retrieval

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"policybot/policies/norm"
)

// TestLexicalScoresBM25 guards against bleve silently scoring with TF-IDF
// (which bleve.NewMemOnly does despite a BM25 mapping).
func TestLexicalScoresBM25(t *testing.T) {
	chunks := Chunks(testDocs(t))
	texts := foldedTexts(chunks)
	mem, err := newLexicalIndex(chunks, texts, BigramAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.close()
	path := filepath.Join(t.TempDir(), "lex")
	if err := writeLexicalIndex(path, chunks, texts, BigramAnalyzer); err != nil {
		t.Fatal(err)
	}
	disk, _, err := openLexicalDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer disk.close()

	for name, l := range map[string]*lexicalIndex{"memory": mem, "disk": disk} {
		t.Run(name, func(t *testing.T) {
			mq := query.NewMatchQuery(norm.Fold("出口信用保险"))
			mq.SetField(fieldText)
			res, err := l.idx.Search(bleve.NewSearchRequestOptions(mq, 1, 0, true))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 {
				t.Fatal("no hit")
			}
			if ex := res.Hits[0].Expl.String(); !strings.Contains(ex, "bm25 model") {
				t.Errorf("explanation does not mention BM25: %.300s", ex)
			}
		})
	}

	ctx := context.Background()
	a, err := mem.search(ctx, norm.Fold("出口信用保险保费补助"), 10, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := disk.search(ctx, norm.Fold("出口信用保险保费补助"), 10, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Errorf("memory index found %v, disk index %v", a, b)
	}
}

// TestLexicalFilterKeepsScores checks that the document filters (a list of
// documents to keep, or to drop) remove hits without changing the scores
// of the others.
func TestLexicalFilterKeepsScores(t *testing.T) {
	chunks := Chunks(testDocs(t))
	l, err := newLexicalIndex(chunks, foldedTexts(chunks), BigramAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	ctx := context.Background()
	q := norm.Fold("出口信用保险保费补助")
	all, err := l.search(ctx, q, 20, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	docOf := map[string]string{}
	for _, c := range chunks {
		docOf[c.ID] = c.DocID
	}
	want := map[string]float64{}
	for _, s := range all {
		if docOf[s.id] == "com" {
			want[s.id] = s.score
		}
	}
	for name, f := range map[string][2][]string{
		"include": {{"com"}, nil},
		"exclude": {nil, {"mfg", "mfg-2022", "com-2030", "news"}},
	} {
		got, err := l.search(ctx, q, 20, f[0], f[1])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(got) == 0 {
			t.Fatalf("%s: filtered search found %d, want %d", name, len(got), len(want))
		}
		for _, s := range got {
			if w, ok := want[s.id]; !ok || w != s.score {
				t.Errorf("%s: filtered hit %s score %v, unfiltered %v (present %v)", name, s.id, s.score, w, ok)
			}
		}
	}
	if none, err := l.search(ctx, q, 20, []string{}, nil); err != nil || len(none) != 0 {
		t.Errorf("search with no allowed document = %v, %v; want none", none, err)
	}
}

// TestLexicalDirUpdates checks that the on-disk index takes updates in
// place, records the document hashes with them, and gives them back after
// a reopen.
func TestLexicalDirUpdates(t *testing.T) {
	chunks := Chunks(testDocs(t))
	path := filepath.Join(t.TempDir(), "lex")
	if err := writeLexicalIndex(path, chunks, foldedTexts(chunks), BigramAnalyzer); err != nil {
		t.Fatal(err)
	}
	l, hashes, err := openLexicalDir(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 0 {
		t.Errorf("hashes of an index built without = %v", hashes)
	}
	ctx := context.Background()
	err = l.apply([]lexDoc{{id: "hq#1", doc: "hq", text: norm.Fold("新设立区域总部的企业，给予一次性奖励300万元。")}},
		[]string{"com#1", "com#2", "com#3"}, map[string]uint64{"hq": 7, "com": 0})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := l.search(ctx, norm.Fold("区域总部一次性奖励"), 5, nil, nil)
	if err != nil || len(hits) == 0 || hits[0].id != "hq#1" {
		t.Errorf("search after the update = %v, %v; want hq#1 first", hits, err)
	}
	if ids, err := l.chunksOf(ctx, "com"); err != nil || len(ids) != 0 {
		t.Errorf("chunks of the deleted document = %v, %v", ids, err)
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	l, hashes, err = openLexicalDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	if hashes["hq"] != 7 || len(hashes) != 1 {
		t.Errorf("hashes after reopen = %v, want hq: 7", hashes)
	}
	if ids, err := l.chunksOf(ctx, "hq"); err != nil || !slices.Equal(ids, []string{"hq#1"}) {
		t.Errorf("chunks of hq after reopen = %v, %v", ids, err)
	}
	if inUse(filepath.Join(path, "store", "root.bolt")) != true {
		t.Error("inUse() = false for an index open for updates")
	}
}
