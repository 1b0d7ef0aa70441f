package retrieval

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"policybot/internal/lookalike"
	"policybot/policies"
)

var lookalikeDocs = flag.Int("lookalike-docs", 300, "look-alike documents TestLookalikeRetrieval adds to the bundled corpus")

// homeRegion is the bundled corpus's district, the default scope.
const homeRegion = "吴中区"

// lookalikeCorpus returns the bundled corpus plus n generated look-alike
// documents (seed 1), and the questions generated about them.
func lookalikeCorpus(tb testing.TB, n int) ([]*policies.Document, []lookalike.Question) {
	tb.Helper()
	f, err := os.Open("../testdata/eval/questions.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	base, err := lookalike.ReadQuestions(f)
	if err != nil {
		tb.Fatal(err)
	}
	bundled := bundledDocs(tb)
	c, err := lookalike.Generate(lookalike.Config{Seed: 1, Docs: n}, bundled, base)
	if err != nil {
		tb.Fatal(err)
	}
	docs, err := c.Parse()
	if err != nil {
		tb.Fatal(err)
	}
	return append(slices.Clip(bundled), docs...), c.Questions
}

// scopedQuestion is a question with the scope the bot would search it in.
type scopedQuestion struct {
	evalQuestion
	query Query
}

// homeScoped puts questions in the home region's default scope: in force
// today, measures that apply in 吴中区.
func homeScoped(qs []evalQuestion) []scopedQuestion {
	out := make([]scopedQuestion, len(qs))
	for i, q := range qs {
		out[i] = scopedQuestion{q, Query{Text: q.text(), Region: homeRegion}}
	}
	return out
}

// unscoped searches questions with no scope at all: every region, every
// year (what retrieval did before scope filters).
func unscoped(qs []scopedQuestion) []scopedQuestion {
	out := make([]scopedQuestion, len(qs))
	for i, q := range qs {
		out[i] = scopedQuestion{q.evalQuestion, Query{Text: q.query.Text, IncludeInactive: true}}
	}
	return out
}

// generatedScoped puts the generated questions in the scope they name: the
// region (the home region when they name none) and the year, with
// expired documents when a year is named. This is the scope the bot is to
// read from the question; here it comes from the generator.
func generatedScoped(qs []lookalike.Question) []scopedQuestion {
	out := make([]scopedQuestion, len(qs))
	for i, q := range qs {
		region := q.Region
		if region == "" {
			region = homeRegion
		}
		out[i] = scopedQuestion{
			evalQuestion{ID: q.ID, Q: q.Q, Doc: q.Doc, Article: q.Article},
			Query{Text: stripScope(q.Q), Region: region, Year: q.Year, IncludeInactive: q.Year != 0},
		}
	}
	return out
}

// evaluateScoped runs every question through ix.Search in its scope and
// scores the rankings; it also returns the median time of a search.
func evaluateScoped(tb testing.TB, ix *Index, qs []scopedQuestion) (evalScore, time.Duration) {
	tb.Helper()
	ctx := context.Background()
	var lat []time.Duration
	byText := map[string]Query{}
	plain := make([]evalQuestion, len(qs))
	for i, q := range qs {
		plain[i] = q.evalQuestion
		plain[i].Q, plain[i].Turns = q.ID+"\x00"+q.query.Text, nil
		byText[plain[i].Q] = q.query
	}
	s := evaluate(tb, plain, func(key string) []Chunk {
		q := byText[key]
		q.K = 10
		start := time.Now()
		hits, err := ix.Search(ctx, q)
		lat = append(lat, time.Since(start))
		if err != nil {
			tb.Fatalf("Search(%+v): %v", q, err)
		}
		out := make([]Chunk, len(hits))
		for i, h := range hits {
			out[i] = h.Chunk
		}
		return out
	})
	slices.Sort(lat)
	return s, lat[len(lat)/2]
}

// TestLookalikeRetrieval is the look-alike gate of make test at the
// retrieval level: with look-alike measures of other regions and years in
// the index, (1) the shared questions searched in the home region's scope
// find their article first as with the bundled corpus alone, and no first
// hit comes from a measure that does not apply in the home region; (2)
// questions naming a region and a year, searched in that scope, find that
// document's article first. The bot-level gate (answers) is the look-alike
// run of `make eval`.
func TestLookalikeRetrieval(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an index of a few thousand chunks")
	}
	docs, generated := lookalikeCorpus(t, *lookalikeDocs)
	ix := openTest(t, docs, Options{})
	t.Logf("%d documents, %d chunks", len(docs), len(ix.Chunks()))

	shared, p50 := evaluateScoped(t, ix, homeScoped(evalQuestions(t)))
	report(t, "shared, home scope", shared)
	gen, p50g := evaluateScoped(t, ix, generatedScoped(generated))
	report(t, "generated, named scope", gen)
	t.Logf("search p50: shared %v, generated %v", p50, p50g)
	noScope, _ := evaluateScoped(t, ix, unscoped(homeScoped(evalQuestions(t))))
	report(t, "shared, no scope (before scope filters)", noScope)

	if shared.Hit1 < 0.98 {
		t.Errorf("shared questions in the home scope: hit@1 = %.3f, want ≥ 0.98 (misses %v)", shared.Hit1, shared.Misses)
	}
	if gen.Hit1 < 0.98 {
		t.Errorf("generated questions in the scope they name: hit@1 = %.3f, want ≥ 0.98 (misses %v)", gen.Hit1, gen.Misses[:min(20, len(gen.Misses))])
	}
	// No first hit of a home-scope search comes from another region.
	g := policies.DefaultRegions()
	for _, q := range homeScoped(evalQuestions(t)) {
		q.query.K = 1
		hits, err := ix.Search(context.Background(), q.query)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) > 0 && hits[0].Chunk.Region != "" && !g.AppliesIn(hits[0].Chunk.Region, homeRegion) {
			t.Errorf("%s: the first hit %s is a measure of %s", q.ID, hits[0].Chunk.ID, hits[0].Chunk.Region)
		}
	}
}

// readEvalFile reads the questions of an eval-format file that expect a
// document.
func readEvalFile(tb testing.TB, path string) []evalQuestion {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []evalQuestion
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var q evalQuestion
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if q.Doc != "" {
			out = append(out, q)
		}
	}
	return out
}

// sharedSets are the question sets about the bundled corpus: the eval and
// development sets of testdata, the hard paraphrases, and the sets of a
// directory in the same format (-shared-eval, e.g. /work/shared/eval).
func sharedSets(tb testing.TB) map[string][]evalQuestion {
	tb.Helper()
	sets := map[string][]evalQuestion{
		"eval": evalQuestions(tb), "dev": readEvalFile(tb, "../testdata/eval/dev.jsonl"), "hard": hardQuestions,
	}
	if *sharedEval != "" {
		files, _ := filepath.Glob(filepath.Join(*sharedEval, "*.jsonl"))
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".jsonl")
			if name != "questions" { // the same as testdata's
				sets[name] = readEvalFile(tb, f)
			}
		}
	}
	return sets
}

var sharedEval = flag.String("shared-eval", "", "directory of more question sets about the bundled corpus for TestFusionCompare")

var yearWordRE = regexp.MustCompile(`(?:19|20)\d\d年`)

// stripScope removes the region names and years from a question whose
// scope is searched by filters: they are where and when, not what.
func stripScope(q string) string {
	ms := policies.DefaultRegions().Find(q)
	for i := len(ms) - 1; i >= 0; i-- {
		if !ms[i].Tier {
			q = q[:ms[i].Start] + q[ms[i].End:]
		}
	}
	return yearWordRE.ReplaceAllString(q, "")
}

// BenchmarkSearchLookalike measures Search over the bundled corpus plus
// 1,000 look-alike documents (about 14,700 chunks): the shared questions in
// the home scope and the generated ones in the scope they name. Run:
//
//	go test ./retrieval -run '^$' -bench BenchmarkSearchLookalike -benchtime 2000x
func BenchmarkSearchLookalike(b *testing.B) {
	docs, generated := lookalikeCorpus(b, 1000)
	ix, err := Open(context.Background(), docs, Options{Dir: b.TempDir(), Now: fixedNow})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	for name, qs := range map[string][]scopedQuestion{
		"shared-home-scope":     homeScoped(evalQuestions(b)),
		"generated-named-scope": generatedScoped(generated),
	} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			var lat []time.Duration
			for i := 0; b.Loop(); i++ {
				q := qs[i%len(qs)].query
				q.K = DefaultK
				start := time.Now()
				if _, err := ix.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
		})
	}
}
