//go:build gse

package retrieval

import (
	"context"
	"runtime"
	"testing"
	"time"

	"policybot/policies/norm"
)

// TestEvalGse measures the gse variant: dictionary load time and heap, and
// lexical quality on the eval set. Run with -tags gse -v.
func TestEvalGse(t *testing.T) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	seg, err := gseSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)
	runtime.ReadMemStats(&after)
	peakAlloc := after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("gse LoadDictEmbed(zh_s): %v, allocated %.0f MB, live heap after GC +%.0f MB, sys %.0f MB",
		load, float64(peakAlloc)/1e6, float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6, float64(after.Sys)/1e6)
	t.Logf("sample: %q", seg.CutSearch("首次被认定为国家级专精特新小巨人企业，区里奖励多少？", true))

	docs := bundledDocs(t)
	chunks := Chunks(docs)
	texts := foldedTexts(chunks)
	qs := evalQuestions(t)
	for _, a := range []string{BigramAnalyzer, GseAnalyzer} {
		start := time.Now()
		lex, err := newLexicalIndex(chunks, texts, a)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: index of %d chunks built in %v", a, len(chunks), time.Since(start))
		report(t, "lexical "+a, evaluate(t, qs, lexRanker(t, lex, chunks)))
		report(t, "lexical "+a+" (hard set)", evaluate(t, hardQuestions, lexRanker(t, lex, chunks)))
		lex.close()
	}
}

// TestColdStartGse is TestColdStart with the gse dictionary loaded and a gse
// lexical index built, as a gse production binary would at every start.
func TestColdStartGse(t *testing.T) {
	if *coldDir == "" {
		t.Skip("measurement: pass -coldstart DIR")
	}
	start := time.Now()
	docs := bundledDocs(t)
	if _, err := gseSegmenter(); err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	chunks := Chunks(docs)
	lex, err := newLexicalIndex(chunks, foldedTexts(chunks), GseAnalyzer)
	if err != nil {
		t.Fatal(err)
	}
	defer lex.close()
	res, err := lex.search(context.Background(), norm.Fold("首次被认定为国家级专精特新小巨人企业，区里奖励多少？"), 5, nil, nil)
	if err != nil || len(res) == 0 {
		t.Fatalf("search: %v", err)
	}
	t.Logf("gse dictionary %v, total %v, top %s", loaded, time.Since(start), res[0].id)
}

// BenchmarkLexicalVariants compares the two analyzers on the bundled
// corpus: building the in-memory index, and searching with the eval
// questions. The gse dictionary is loaded before timing.
func BenchmarkLexicalVariants(b *testing.B) {
	if _, err := gseSegmenter(); err != nil {
		b.Fatal(err)
	}
	chunks := Chunks(bundledDocs(b))
	texts := foldedTexts(chunks)
	var queries []string
	for _, q := range evalQuestions(b) {
		queries = append(queries, norm.Fold(q.text()))
	}
	for _, a := range []string{BigramAnalyzer, GseAnalyzer} {
		b.Run("build/"+a, func(b *testing.B) {
			for b.Loop() {
				l, err := newLexicalIndex(chunks, texts, a)
				if err != nil {
					b.Fatal(err)
				}
				l.close()
			}
		})
		b.Run("search/"+a, func(b *testing.B) {
			l, err := newLexicalIndex(chunks, texts, a)
			if err != nil {
				b.Fatal(err)
			}
			defer l.close()
			for i := 0; b.Loop(); i++ {
				if _, err := l.search(context.Background(), queries[i%len(queries)], Candidates, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
