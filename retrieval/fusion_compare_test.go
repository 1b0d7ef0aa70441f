package retrieval

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"policybot/retrieval/query"
)

var fusionCompare = flag.Int("fusion-compare", 0, "look-alike documents for TestFusionCompare (skipped when 0), e.g. 1000")

// weightedFusion merges the two rankings by a weighted sum of their scores,
// each normalised to [0, 1] over its list (min-max); a chunk missing from
// a list scores 0 there. alpha is the lexical weight.
func weightedFusion(alpha float64) func(lex, dense []scored, tie func(a, b int) int) []fused {
	return func(lex, dense []scored, tie func(a, b int) int) []fused {
		out := mergeLists(lex, dense)
		norm := func(l []scored) (lo, span float64) {
			if len(l) == 0 {
				return 0, 1
			}
			lo, hi := l[len(l)-1].score, l[0].score
			for _, s := range l {
				lo, hi = min(lo, s.score), max(hi, s.score)
			}
			if hi == lo {
				return lo - 1, 1 // a single score normalises to 1
			}
			return lo, hi - lo
		}
		llo, lspan := norm(lex)
		dlo, dspan := norm(dense)
		for i := range out {
			f := &out[i]
			if f.lexRank > 0 {
				f.score += alpha * (f.lexScore - llo) / lspan
			}
			if f.denseRank > 0 {
				f.score += (1 - alpha) * (f.denseScore - dlo) / dspan
			}
		}
		sortFused(out, tie)
		return out
	}
}

// lexicalFirst orders by the BM25 score; the chunks whose scores are
// within eps of the first of their group (walking down the BM25 list) are
// ordered among themselves by the dense score; the chunks BM25 did not
// find come after, by the dense score.
func lexicalFirst(eps float64) func(lex, dense []scored, tie func(a, b int) int) []fused {
	return func(lex, dense []scored, tie func(a, b int) int) []fused {
		out := mergeLists(lex, dense)
		group := map[int]int{}
		g, head := 0, 0.0
		for i, s := range lex {
			if i == 0 || s.score < head*(1-eps) || (eps == 0 && s.score != head) {
				g++
				head = s.score
			}
			group[s.pos] = g
		}
		key := func(f fused) int {
			if f.lexRank == 0 {
				return math.MaxInt
			}
			return group[f.pos]
		}
		slices.SortFunc(out, func(a, b fused) int {
			if c := cmp.Compare(key(a), key(b)); c != 0 {
				return c
			}
			if c := cmp.Compare(b.denseScore, a.denseScore); c != 0 {
				return c
			}
			return tie(a.pos, b.pos)
		})
		for i := range out {
			out[i].score = float64(len(out) - i)
		}
		return out
	}
}

func sortFused(out []fused, tie func(a, b int) int) {
	slices.SortFunc(out, func(a, b fused) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return tie(a.pos, b.pos)
	})
}

func TestFusionVariantsOrder(t *testing.T) {
	lex := []scored{{pos: 1, score: 10}, {pos: 2, score: 9.9}, {pos: 3, score: 2}}
	dense := []scored{{pos: 2, score: 0.9}, {pos: 4, score: 0.8}, {pos: 1, score: 0.1}}
	order := func(fs []fused) []int {
		var out []int
		for _, f := range fs {
			out = append(out, f.pos)
		}
		return out
	}
	for name, tc := range map[string]struct {
		f    func(lex, dense []scored, tie func(a, b int) int) []fused
		want []int
	}{
		"lexical first, exact":       {lexicalFirst(0), []int{1, 2, 3, 4}},
		"lexical first, 5% ties":     {lexicalFirst(0.05), []int{2, 1, 3, 4}},
		"weighted 0.5":               {weightedFusion(0.5), []int{2, 1, 4, 3}},
		"weighted 1 (lexical alone)": {weightedFusion(1), []int{1, 2, 3, 4}},
		"rrf":                        {func(l, d []scored, tie func(a, b int) int) []fused { return rrf(RRFK, l, d, tie) }, []int{2, 1, 4, 3}},
	} {
		if got := order(tc.f(lex, dense, cmp.Compare[int])); !slices.Equal(got, tc.want) {
			t.Errorf("%s: order %v, want %v", name, got, tc.want)
		}
	}
}

// TestFusionCompare measures the fusion variants on the same rankings
// (FUSION.md): the shared question sets on the bundled corpus alone and
// with look-alikes (in the home scope, and with no scope at all), and the
// generated questions in the scope they name (and with no scope). Each
// question is rewritten by the default query rewriter, as the bot does. A
// measurement, not a check:
//
//	go test ./retrieval -run TestFusionCompare -v -args -fusion-compare 1000 -shared-eval /work/shared/eval
func TestFusionCompare(t *testing.T) {
	if *fusionCompare == 0 {
		t.Skip("measurement: pass -fusion-compare N (look-alike documents)")
	}
	rw := query.Default()
	variants := []struct {
		name   string
		f      func(lex, dense []scored, tie func(a, b int) int) []fused
		prior  float64
		strip  bool
		isProd bool
	}{
		{"RRF k=60", func(l, d []scored, tie func(a, b int) int) []fused { return rrf(60, l, d, tie) }, RegionPrior, true, true},
		{"RRF k=10", func(l, d []scored, tie func(a, b int) int) []fused { return rrf(10, l, d, tie) }, RegionPrior, true, false},
		{"weighted α=0.3", weightedFusion(0.3), RegionPrior, true, false},
		{"weighted α=0.5", weightedFusion(0.5), RegionPrior, true, false},
		{"weighted α=0.7", weightedFusion(0.7), RegionPrior, true, false},
		{"lexical first, dense breaks exact ties", lexicalFirst(0), RegionPrior, true, false},
		{"lexical first, dense breaks 5% ties", lexicalFirst(0.05), RegionPrior, true, false},
		{"RRF k=60, no region prior", func(l, d []scored, tie func(a, b int) int) []fused { return rrf(60, l, d, tie) }, 0, true, false},
		{"RRF k=60, scope words kept in the text", func(l, d []scored, tie func(a, b int) int) []fused { return rrf(60, l, d, tie) }, RegionPrior, false, false},
	}
	rewrite := func(qs []scopedQuestion, strip bool) []scopedQuestion {
		out := slices.Clone(qs)
		for i := range out {
			text := out[i].query.Text
			if !strip {
				text = out[i].Q
			}
			out[i].query.Text = rw.Rewrite(text).Expanded
		}
		return out
	}
	bundled := openTest(t, bundledDocs(t), Options{})
	docs, generated := lookalikeCorpus(t, *fusionCompare)
	big := openTest(t, docs, Options{})
	t.Logf("bundled: %d chunks; with look-alikes: %d documents, %d chunks", len(bundled.Chunks()), len(docs), len(big.Chunks()))

	type cond struct {
		name string
		ix   *Index
		qs   []scopedQuestion
	}
	sets := sharedSets(t)
	names := make([]string, 0, len(sets))
	for n := range sets {
		names = append(names, n)
	}
	slices.Sort(names)
	var conds []func(strip bool) cond
	for _, n := range names {
		conds = append(conds,
			func(bool) cond { return cond{n + ", bundled", bundled, rewrite(homeScoped(sets[n]), true)} },
			func(bool) cond {
				return cond{n + ", look-alikes, home scope", big, rewrite(homeScoped(sets[n]), true)}
			},
			func(bool) cond {
				return cond{n + ", look-alikes, no scope", big, rewrite(unscoped(homeScoped(sets[n])), true)}
			})
	}
	conds = append(conds,
		func(strip bool) cond {
			return cond{"generated, named scope", big, rewrite(generatedScoped(generated), strip)}
		},
		func(bool) cond {
			return cond{"generated, no scope", big, rewrite(unscoped(generatedScoped(generated)), false)}
		})

	var b strings.Builder
	b.WriteString("| set | n |")
	for _, v := range variants {
		fmt.Fprintf(&b, " %s |", v.name)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(variants)) + "\n")
	for _, mk := range conds {
		c := mk(true)
		fmt.Fprintf(&b, "| %s | %d |", c.name, len(c.qs))
		for _, v := range variants {
			c := mk(v.strip)
			c.ix.fusion, c.ix.regionPrior = v.f, v.prior
			s, _ := evaluateScoped(t, c.ix, c.qs)
			fmt.Fprintf(&b, " %.3f / %.3f |", s.Hit1, s.MRR)
		}
		b.WriteString("\n")
		c.ix.fusion, c.ix.regionPrior = fuse, RegionPrior
	}
	t.Logf("hit@1 / MRR@10:\n%s", b.String())
	_ = context.Background
}
