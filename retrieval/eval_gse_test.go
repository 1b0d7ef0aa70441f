//go:build gse

package retrieval

import (
	"runtime"
	"testing"
	"time"
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
