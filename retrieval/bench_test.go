package retrieval

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"policybot/policies"
	"policybot/policies/norm"
)

// synthChars are the Han characters of the bundled corpus; synthetic text
// drawn from them looks like policy text to the analyzers.
const synthChars = "吴中区政府召开党组理论学习心会和常务议年月日苏州市人民办公室贯彻近平总书记期重要讲话指示精神以及省两研究部署安全生产绿色发展森林防火业经济高质量等点工作委副长万利主持了对审计出的并传达做好提求一刻不停强招商聚焦集群进步链补延着力升项目落地率续优化服切实为企建设排忧解难推动季度现门红关于突问题大隐患挂牌督方案调监管上报态整改到责任措施资金时限预五位加六消查巡通过压紧属体水碳峰行抓十面确保如标快转型积极培育低零负队伍灭夯基础构网格灾控系促制造若干策障费算针准支宣兑付效立读机答在执疑围绕本新模式创法帮助外贸拓国际场跨境电同文旅深挖掘山游历史源档级引内头将打成未来柱例局件依据名信息按类编写仅供演测试使用正条款印第章则定二适注册税征七所列活但须举载三景给予奖励评家元单四住宿星饭店甲乙固投含土超亿额个最繁荣唱音乐节营性售票张每赛事具规参数影响核八社织客夜览累次九获间壮户后首完收入纳统认非物遗坊或华老字号江附故存严失享受符合多照就复原结束申其余由释自起有至均独相增扩当备厂房智能软范车专特小巨晋足差台阶破分别配套采购鼓与技术品被装该销降得较环污染者他需财布知惠栏线交流易稳口美短险缴租赁海仓米包离岸账司功东满批餐饮直播络运违半下"

// synthCorpus is a seeded synthetic corpus: documents of articles of
// Zipf-distributed words, and queries made of words of random articles.
type synthCorpus struct {
	docs    []*policies.Document
	queries []string
	// sources are the chunk IDs whose words each query is made of.
	sources []string
}

// newSynthCorpus builds nDocs documents of perDoc articles each. The same
// seed gives the same corpus.
func newSynthCorpus(tb testing.TB, nDocs, perDoc int, seed uint64) *synthCorpus {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	chars := []rune(synthChars)
	vocab := make([]string, 8000)
	for i := range vocab {
		n := 2 + rng.IntN(3)
		w := make([]rune, n)
		for j := range w {
			w[j] = chars[rng.IntN(len(chars))]
		}
		vocab[i] = string(w)
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(seed+1, seed+2)), 1.07, 2, uint64(len(vocab)-1))
	sentence := func(b *strings.Builder, words []string) []string {
		n := 5 + rng.IntN(10)
		for i := 0; i < n; i++ {
			w := vocab[zipf.Uint64()]
			words = append(words, w)
			b.WriteString(w)
			if rng.IntN(6) == 0 {
				fmt.Fprintf(b, "%d万元", 1+rng.IntN(500))
			}
		}
		if rng.IntN(3) == 0 {
			b.WriteString("，")
		} else {
			b.WriteString("。")
		}
		return words
	}
	from, _ := policies.ParseDate("2024-01-01")
	to, _ := policies.ParseDate("2099-12-31")
	sc := &synthCorpus{}
	var articleWords [][]string
	var sources []string
	for d := 0; d < nDocs; d++ {
		doc := &policies.Document{
			ID:            fmt.Sprintf("synth-%05d", d),
			Category:      policies.Categories[d%len(policies.Categories)],
			EffectiveFrom: from,
			EffectiveTo:   to,
			CiteBy:        policies.ByArticle,
		}
		var title strings.Builder
		sentence(&title, nil)
		doc.Title = "关于" + strings.TrimRight(title.String(), "，。") + "的若干措施"
		for a := 1; a <= perDoc; a++ {
			var b strings.Builder
			var words []string
			for b.Len() < 3*150 { // ~150 runes
				words = sentence(&b, words)
			}
			doc.Articles = append(doc.Articles, policies.Article{Number: a, Text: b.String()})
			if rng.IntN(nDocs*perDoc/256+1) == 0 {
				articleWords = append(articleWords, words)
				sources = append(sources, fmt.Sprintf("%s#%d", doc.ID, a))
			}
		}
		sc.docs = append(sc.docs, doc)
	}
	sc.sources = sources
	for _, words := range articleWords {
		n := 2 + rng.IntN(4)
		var q strings.Builder
		for i := 0; i < n; i++ {
			q.WriteString(words[rng.IntN(len(words))])
		}
		q.WriteString("奖励多少？")
		sc.queries = append(sc.queries, q.String())
	}
	return sc
}

var bench100kDir = flag.String("bench100k-dir", "", "data directory of Benchmark100k's index, kept between runs (default: a new temporary directory)")

var (
	bench100kOnce sync.Once
	bench100k     *Index
	bench100kQ    []string
	bench100kErr  error
)

// index100k opens (once per test binary) the index of 100,000 synthetic
// chunks, 1,000 documents of 100 articles, built into a temporary data
// directory as in production.
func index100k(b *testing.B) (*Index, []string) {
	b.Helper()
	bench100kOnce.Do(func() {
		sc := newSynthCorpus(b, 1000, 100, 42)
		dir := *bench100kDir
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "bench100k-"); err != nil {
				bench100kErr = err
				return
			}
		}
		start := time.Now()
		log := slog.New(slog.NewTextHandler(tbWriter{b}, &slog.HandlerOptions{Level: slog.LevelInfo}))
		bench100k, bench100kErr = Open(context.Background(), sc.docs, Options{Dir: dir, Logger: log})
		bench100kQ = sc.queries
		if bench100kErr == nil {
			b.Logf("100k index: %d chunks, %d queries, built in %v", len(bench100k.Chunks()), len(sc.queries), time.Since(start))
		}
	})
	// The build leaves garbage; collect it here, not in the timed loops of
	// whichever benchmark runs first.
	runtime.GC()
	if bench100kErr != nil {
		b.Fatal(bench100kErr)
	}
	return bench100k, bench100kQ
}

// Benchmark100k measures hybrid retrieval at 100,000 chunks, and each half
// alone. Run:
//
//	go test ./retrieval -run '^$' -bench Benchmark100k -benchtime 200x
func Benchmark100k(b *testing.B) {
	ix, queries := index100k(b)
	ctx := context.Background()
	b.Run("hybrid-Search", func(b *testing.B) {
		benchSearch(b, ix, queries)
	})
	b.Run("lexical-only", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := ix.lex.search(ctx, norm.Fold(queries[i%len(queries)]), Candidates, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dense-only", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := ix.denseSearch(ctx, norm.Fold(queries[i%len(queries)]), Candidates); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSearchBundled measures Search on the bundled corpus with the eval
// questions, reporting the median and 95th percentile too.
func BenchmarkSearchBundled(b *testing.B) {
	ix, err := Open(context.Background(), bundledDocs(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	var queries []string
	for _, q := range evalQuestions(b) {
		queries = append(queries, q.text())
	}
	ctx := context.Background()
	b.Run("hybrid", func(b *testing.B) { benchSearch(b, ix, queries) })
	b.Run("lexical", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := ix.lex.search(ctx, norm.Fold(queries[i%len(queries)]), Candidates, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dense", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := ix.denseSearch(ctx, norm.Fold(queries[i%len(queries)]), Candidates); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchSearch runs Search over queries in turn and reports p50 and p95.
func benchSearch(b *testing.B, ix *Index, queries []string) {
	b.Helper()
	ctx := context.Background()
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := ix.Search(ctx, Query{Text: queries[i%len(queries)], K: DefaultK}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
	}
}

// BenchmarkOpenBundled measures opening the bundled corpus: building
// everything in memory (no data directory), and loading a saved index.
func BenchmarkOpenBundled(b *testing.B) {
	docs := bundledDocs(b)
	ctx := context.Background()
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			ix, err := Open(ctx, docs, Options{})
			if err != nil {
				b.Fatal(err)
			}
			ix.Close()
		}
	})
	b.Run("load", func(b *testing.B) {
		dir := b.TempDir()
		ix, err := Open(ctx, docs, Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		ix.Close()
		for b.Loop() {
			ix, err := Open(ctx, docs, Options{Dir: dir})
			if err != nil {
				b.Fatal(err)
			}
			ix.Close()
		}
	})
	b.Run("lexical-only", func(b *testing.B) {
		chunks := Chunks(docs)
		texts := foldedTexts(chunks)
		for b.Loop() {
			l, err := newLexicalIndex(chunks, texts, BigramAnalyzer)
			if err != nil {
				b.Fatal(err)
			}
			l.close()
		}
	})
}

// tbWriter writes log lines to the test log.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func foldAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = norm.Fold(s)
	}
	return out
}
