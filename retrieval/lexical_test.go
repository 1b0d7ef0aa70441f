package retrieval

import (
	"context"
	"path/filepath"
	"policybot/policies/norm"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
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
	disk, err := openLexicalIndex(path, chunks)
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
	a, err := mem.search(ctx, norm.Fold("出口信用保险保费补助"), 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := disk.search(ctx, norm.Fold("出口信用保险保费补助"), 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("memory index found %d, disk index %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("hit %d: memory %+v, disk %+v", i, a[i], b[i])
		}
	}
}

// TestLexicalFilterKeepsScores checks that the document filter removes hits
// without changing the scores of the others.
func TestLexicalFilterKeepsScores(t *testing.T) {
	chunks := Chunks(testDocs(t))
	l, err := newLexicalIndex(chunks, foldedTexts(chunks), BigramAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	ctx := context.Background()
	q := norm.Fold("出口信用保险保费补助")
	all, err := l.search(ctx, q, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	only, err := l.search(ctx, q, 20, []string{"com"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]float64{}
	for _, s := range all {
		if chunks[s.pos].DocID == "com" {
			want[s.pos] = s.score
		}
	}
	if len(only) != len(want) || len(only) == 0 {
		t.Fatalf("filtered search found %d, want %d", len(only), len(want))
	}
	for _, s := range only {
		if w, ok := want[s.pos]; !ok || w != s.score {
			t.Errorf("filtered hit %s score %v, unfiltered %v (present %v)", chunks[s.pos].ID, s.score, w, ok)
		}
	}
	if none, err := l.search(ctx, q, 20, []string{}); err != nil || len(none) != 0 {
		t.Errorf("search with no allowed document = %v, %v; want none", none, err)
	}
}
