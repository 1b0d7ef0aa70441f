package retrieval

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"policybot/policies"
	"policybot/policies/fault"
)

func TestSearchFilters(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	at := func(s string) time.Time { return date(t, s).Time }
	const q = "国家级专精特新小巨人企业奖励多少？出口信用保险保费补助"

	tests := []struct {
		name    string
		query   Query
		allowed []string // documents hits may come from
		mustHit []string // documents that must appear
	}{
		{"today by the clock", Query{}, []string{"mfg", "com", "news"}, []string{"mfg", "com"}},
		{"include inactive", Query{IncludeInactive: true}, []string{"mfg", "mfg-2022", "com", "com-2030", "news"}, []string{"mfg-2022", "com-2030"}},
		{"as of 2023", Query{AsOf: at("2023-06-01")}, []string{"mfg-2022", "news"}, []string{"mfg-2022"}},
		{"as of 2031", Query{AsOf: at("2031-01-01")}, []string{"com", "com-2030", "news"}, []string{"com", "com-2030"}},
		{"last day in force", Query{AsOf: at("2027-12-31")}, []string{"mfg", "com", "news"}, []string{"mfg"}},
		{"category", Query{Category: policies.Commerce}, []string{"com"}, []string{"com"}},
		{"category include inactive", Query{Category: policies.Commerce, IncludeInactive: true}, []string{"com", "com-2030"}, []string{"com", "com-2030"}},
		{"category and date", Query{Category: policies.Manufacturing, AsOf: at("2023-01-01")}, []string{"mfg-2022"}, []string{"mfg-2022"}},
		{"doc", Query{DocID: "com"}, []string{"com"}, []string{"com"}},
		{"expired doc", Query{DocID: "mfg-2022"}, nil, nil},
		{"expired doc include inactive", Query{DocID: "mfg-2022", IncludeInactive: true}, []string{"mfg-2022"}, []string{"mfg-2022"}},
		{"doc of another category", Query{DocID: "com", Category: policies.Manufacturing}, nil, nil},
		{"unknown doc", Query{DocID: "nope"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			query := tc.query
			query.Text = q
			query.K = MaxK
			hits, err := ix.Search(context.Background(), query)
			if err != nil {
				t.Fatalf("Search(%+v) error: %v", query, err)
			}
			seen := map[string]bool{}
			for _, h := range hits {
				if !slices.Contains(tc.allowed, h.Chunk.DocID) {
					t.Errorf("Search(%+v) returned %s, want only documents %v", query, h.Chunk.ID, tc.allowed)
				}
				seen[h.Chunk.DocID] = true
			}
			for _, d := range tc.mustHit {
				if !seen[d] {
					t.Errorf("Search(%+v) = %v, want a hit from %s", query, ids(hits), d)
				}
			}
			if len(tc.allowed) == 0 && len(hits) > 0 {
				t.Errorf("Search(%+v) = %v, want none", query, ids(hits))
			}
		})
	}
}

func TestSearchClockIsInjected(t *testing.T) {
	in2023 := func() time.Time { return time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC) }
	ix := openTest(t, testDocs(t), Options{Now: in2023})
	hits, err := ix.Search(context.Background(), Query{Text: "专精特新小巨人奖励", K: MaxK})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Chunk.ID != "mfg-2022#1" {
		t.Fatalf("Search() with the clock at 2023 = %v, want mfg-2022#1 first", ids(hits))
	}
	for _, h := range hits {
		if h.Chunk.DocID == "mfg" || h.Chunk.DocID == "com" {
			t.Errorf("Search() with the clock at 2023 returned %s, not yet in force", h.Chunk.ID)
		}
	}
}

func TestSearchHits(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	ctx := context.Background()

	hits, err := ix.Search(ctx, Query{Text: "专精特新小巨人企业奖励多少"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != DefaultK {
		t.Fatalf("Search(K=0) returned %d hits, want DefaultK=%d", len(hits), DefaultK)
	}
	top := hits[0]
	if top.Chunk.ID != "mfg#1" || top.LexRank != 1 || top.DenseRank != 1 {
		t.Errorf("top hit = %s lex %d dense %d, want mfg#1 first in both lists", top.Chunk.ID, top.LexRank, top.DenseRank)
	}
	if want := 2.0 / (RRFK + 1); top.Score != want {
		t.Errorf("top Score = %v, want %v", top.Score, want)
	}
	if top.LexScore <= 0 || top.DenseScore <= 0 || top.DenseScore > 1.0001 {
		t.Errorf("top LexScore %v DenseScore %v, want > 0 and a cosine ≤ 1", top.LexScore, top.DenseScore)
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score > hits[i-1].Score {
			t.Errorf("hits not sorted by Score: %v after %v", hits[i].Score, hits[i-1].Score)
		}
	}

	hits, err = ix.Search(ctx, Query{Text: "奖励", K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 {
		t.Errorf("Search(K=2) returned %d hits", len(hits))
	}
}

// The index and the questions go through the one folding (norm.Fold): a
// full-width or traditional-character query ranks exactly as its plain form.
func TestSearchFoldsQuery(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	ctx := context.Background()
	for _, tc := range []struct{ plain, variant string }{
		{"智能化改造补助12%最高300万元", "智能化改造补助１２％最高３００万元"},
		{"智能化改造补助12%最高300万元", "智能化改造補助12%最高300萬元"},
	} {
		half, err := ix.Search(ctx, Query{Text: tc.plain})
		if err != nil {
			t.Fatal(err)
		}
		full, err := ix.Search(ctx, Query{Text: tc.variant})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids(half)) != fmt.Sprint(ids(full)) || half[0].Score != full[0].Score || half[0].LexScore != full[0].LexScore {
			t.Errorf("Search(%q) = %v (lex %v), Search(%q) = %v (lex %v), want equal",
				tc.variant, ids(full), full[0].LexScore, tc.plain, ids(half), half[0].LexScore)
		}
	}
}

func TestSearchInvalid(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	tests := []struct {
		q    Query
		code string
	}{
		{Query{Text: ""}, CodeEmptyQuery},
		{Query{Text: " \t\n"}, CodeEmptyQuery},
		{Query{Text: "奖励", Category: "tourism"}, CodeUnknownCategory},
	}
	for _, tc := range tests {
		if _, err := ix.Search(context.Background(), tc.q); !errors.Is(err, fault.Invalid) || fault.CodeOf(err) != tc.code {
			t.Errorf("Search(%+v) error = %v, want a fault.Invalid %q", tc.q, err, tc.code)
		}
	}
}

func TestSearchCancelled(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, Query{Text: "奖励"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Search(cancelled ctx) error = %v, want context.Canceled", err)
	}
}

func TestSearchEmbedderDownFallsBackToBM25(t *testing.T) {
	emb := newCountingEmbedder("m1")
	log, buf := testLogger()
	ix := openTest(t, testDocs(t), Options{Embedder: emb, Logger: log})
	emb.setFail(errors.New("connection refused"))

	hits, err := ix.Search(context.Background(), Query{Text: "出口信用保险保费补助"})
	if err != nil {
		t.Fatalf("Search() with the embedder down: %v", err)
	}
	if len(hits) == 0 || hits[0].Chunk.ID != "com#1" {
		t.Fatalf("Search() with the embedder down = %v, want com#1 first", ids(hits))
	}
	for _, h := range hits {
		if h.DenseRank != 0 || h.LexRank == 0 {
			t.Errorf("hit %s: LexRank %d DenseRank %d, want BM25 only", h.Chunk.ID, h.LexRank, h.DenseRank)
		}
	}
	if !strings.Contains(buf.String(), "vector search failed") {
		t.Errorf("log = %q, want a line about the vector search failing", buf.String())
	}
}

func TestSearchUnknownWords(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	hits, err := ix.Search(context.Background(), Query{Text: "zzzz qqqq"})
	if err != nil {
		t.Fatalf("Search(words not in the corpus) error: %v", err)
	}
	if len(hits) != 0 {
		t.Errorf("Search(words not in the corpus) = %v, want none", ids(hits))
	}
}

func TestSearchConcurrent(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	ctx := context.Background()
	queries := []string{"专精特新小巨人奖励", "出口信用保险", "境外展会展位费", "碳达峰任务", "智能化改造补助"}
	want := map[string]string{}
	for _, q := range queries {
		hits, err := ix.Search(ctx, Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		want[q] = fmt.Sprint(ids(hits))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				q := queries[(g+i)%len(queries)]
				hits, err := ix.Search(ctx, Query{Text: q})
				if err != nil {
					t.Error(err)
					return
				}
				if got := fmt.Sprint(ids(hits)); got != want[q] {
					t.Errorf("concurrent Search(%q) = %s, want %s", q, got, want[q])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestChunksAndEmbedderName(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	chunks := ix.Chunks()
	if len(chunks) != 12 {
		t.Errorf("Chunks() has %d chunks, want 12", len(chunks))
	}
	chunks[0].Text = "changed"
	if ix.Chunks()[0].Text == "changed" {
		t.Error("Chunks() returned the index's own slice")
	}
	if got := ix.EmbedderName(); got != LocalModel {
		t.Errorf("EmbedderName() = %q, want %q", got, LocalModel)
	}
	remote := openTest(t, testDocs(t), Options{Embedder: newCountingEmbedder("bge-m3")})
	if got := remote.EmbedderName(); got != "fake:bge-m3" {
		t.Errorf("EmbedderName() = %q, want fake:bge-m3", got)
	}
}

func TestOpenEmptyCorpus(t *testing.T) {
	ix := openTest(t, nil, Options{Dir: t.TempDir()})
	hits, err := ix.Search(context.Background(), Query{Text: "奖励"})
	if err != nil || len(hits) != 0 {
		t.Errorf("Search() on an empty corpus = %v, %v; want no hits, no error", ids(hits), err)
	}
}

func TestOpenDuplicateIDs(t *testing.T) {
	docs := testDocs(t)
	docs = append(docs, docs[0])
	if _, err := Open(context.Background(), docs, Options{}); err == nil {
		t.Error("Open(two documents with one ID) succeeded, want an error")
	}
}

func TestDocFreq(t *testing.T) {
	at := func(s string) time.Time { return date(t, s).Time }
	ix := openTest(t, testDocs(t), Options{})
	terms := []string{"奖励", "智改", "国家", "xyz", "不存", "保费"}
	for _, tc := range []struct {
		name string
		q    Query
		docs map[string]bool // nil: every chunk
	}{
		{"whole corpus", Query{IncludeInactive: true}, nil},
		{"in force", Query{AsOf: at("2026-06-01")}, map[string]bool{"mfg": true, "com": true, "news": true}},
		{"commerce", Query{Category: policies.Commerce, IncludeInactive: true}, map[string]bool{"com": true, "com-2030": true}},
		{"manufacturing in 2023", Query{Category: policies.Manufacturing, AsOf: at("2023-01-01")}, map[string]bool{"mfg-2022": true}},
		{"nothing", Query{DocID: "com", Category: policies.Manufacturing}, map[string]bool{}},
	} {
		// Twice: the second answer comes from the cache.
		for range 2 {
			n, df, err := ix.DocFreq(context.Background(), terms, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var chunks []Chunk
			for _, c := range ix.Chunks() {
				if tc.docs == nil || tc.docs[c.DocID] {
					chunks = append(chunks, c)
				}
			}
			if n != len(chunks) {
				t.Errorf("%s: DocFreq n = %d, want %d chunks", tc.name, n, len(chunks))
			}
			for i, term := range terms {
				want := 0
				for _, c := range chunks {
					if strings.Contains(c.IndexText(), term) {
						want++
					}
				}
				if df[i] != want {
					t.Errorf("%s: DocFreq(%q) = %d, want %d (chunks containing it)", tc.name, term, df[i], want)
				}
			}
		}
	}
}

// TestDocFreqAfterUpdate: counts within a filter follow an update.
func TestDocFreqAfterUpdate(t *testing.T) {
	docs := testDocs(t)
	ix := openTest(t, docs, Options{})
	// Both commerce measures (com, com-2030) have 保费, and both stay
	// allowed by the filter after com-2030 is changed: the count must come
	// from the index as it is now, not from the cache.
	q := Query{Category: policies.Commerce, IncludeInactive: true}
	_, before, err := ix.DocFreq(context.Background(), []string{"保费"}, q)
	if err != nil {
		t.Fatal(err)
	}
	if before[0] != 2 {
		t.Fatalf("DocFreq(保费) = %d before the update, want 2", before[0])
	}
	var changed []*policies.Document
	for _, d := range docs {
		if d.ID == "com-2030" {
			c := *d
			c.Articles = []policies.Article{{Number: 1, Text: "企业参加境外展会的，按展位费的50%给予补助。"}}
			d = &c
		}
		changed = append(changed, d)
	}
	if err := ix.Update(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	_, after, err := ix.DocFreq(context.Background(), []string{"保费"}, q)
	if err != nil {
		t.Fatal(err)
	}
	if after[0] != 1 {
		t.Errorf("after com-2030 lost its 保费 article: DocFreq(保费) = %d, want 1", after[0])
	}
}

// TestDocFreqDayInChina: the documents in force are those of the day in
// China (policies.Document.StatusAt); two instants of one UTC day on two
// sides of midnight in China are two days.
func TestDocFreqDayInChina(t *testing.T) {
	ix := openTest(t, testDocs(t), Options{})
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2029, 12, 31, 10, 0, 0, 0, time.UTC), 1}, // 18:00 on 31 December in China: com only
		{time.Date(2029, 12, 31, 17, 0, 0, 0, time.UTC), 2}, // 01:00 on 1 January: com-2030 too
	} {
		_, df, err := ix.DocFreq(context.Background(), []string{"保费"}, Query{Category: policies.Commerce, AsOf: tc.at})
		if err != nil {
			t.Fatal(err)
		}
		if df[0] != tc.want {
			t.Errorf("DocFreq(保费) as of %s = %d, want %d", tc.at, df[0], tc.want)
		}
	}
}
