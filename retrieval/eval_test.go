package retrieval

import (
	"context"
	"testing"

	"policybot/policies/norm"
)

// TestEvalBundled measures retrieval quality on the eval set and the hard
// set with the bundled corpus; run it with -v to read the numbers
// (LEXICAL.md records them). It fails only below a low floor.
func TestEvalBundled(t *testing.T) {
	ctx := context.Background()
	docs := bundledDocs(t)
	qs := evalQuestions(t)
	chunks := Chunks(docs)
	texts := foldedTexts(chunks)

	lex, err := newLexicalIndex(chunks, texts, BigramAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	defer lex.close()
	ix, err := Open(ctx, docs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()

	dense := func(q string) []Chunk {
		res, err := ix.denseSearch(ctx, norm.Fold(q), 10)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	hybrid := func(q string) []Chunk {
		hits, err := ix.Search(ctx, Query{Text: q, K: 10, IncludeInactive: true})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]Chunk, len(hits))
		for i, h := range hits {
			out[i] = h.Chunk
		}
		return out
	}
	for _, set := range []struct {
		name string
		qs   []evalQuestion
	}{{"eval", qs}, {"hard", hardQuestions}} {
		report(t, set.name+": lexical bleve cjk bigram BM25", evaluate(t, set.qs, lexRanker(t, lex, chunks)))
		report(t, set.name+": dense "+ix.EmbedderName(), evaluate(t, set.qs, dense))
		h := evaluate(t, set.qs, hybrid)
		report(t, set.name+": hybrid RRF", h)
		// A floor, not a target: it catches a broken ranking, and leaves
		// room for corpus edits.
		if h.Hit5 < 0.9 {
			t.Errorf("%s set: hybrid hit@5 = %.3f, want ≥ 0.9", set.name, h.Hit5)
		}
	}
}

func foldedTexts(chunks []Chunk) []string {
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = norm.Fold(c.IndexText())
	}
	return texts
}

func lexRanker(tb testing.TB, lex *lexicalIndex, chunks []Chunk) func(string) []Chunk {
	return func(q string) []Chunk {
		res, err := lex.search(context.Background(), norm.Fold(q), 10, nil, nil)
		if err != nil {
			tb.Fatal(err)
		}
		return byIDs(tb, chunks, res)
	}
}

func report(tb testing.TB, name string, s evalScore) {
	tb.Helper()
	tb.Logf("%-44s n=%d hit@1=%.3f hit@5=%.3f mrr=%.3f misses@1=%v", name, s.N, s.Hit1, s.Hit5, s.MRR, s.Misses)
}
