package retrieval

import (
	"cmp"
	"slices"
)

// RRFK is the k of reciprocal rank fusion, score = Σ 1/(k + rank). 60 is
// the value of the original paper (Cormack et al., 2009) and the common
// default. With k = 60 a chunk that both lists rank in their top 61 beats
// one that only a single list ranks first (2/(60+61) > 1/61): agreement
// counts more than one list's confidence, which suits two lexical-ish
// rankers that fail differently. LEXICAL.md has the measurements.
const RRFK = 60

// fused is one candidate after fusion.
type fused struct {
	pos        int
	score      float64
	lexRank    int
	lexScore   float64
	denseRank  int
	denseScore float64
}

// scored is one entry of a ranked list: a row and its score.
type scored struct {
	pos   int
	score float64
}

// fuse merges the lexical and dense rankings of a search; tie orders two
// rows when everything else is equal.
func fuse(lex, dense []scored, tie func(a, b int) int) []fused { return rrf(RRFK, lex, dense, tie) }

// rrf merges the lexical and dense rankings (best first) by reciprocal rank
// fusion and returns the union, best first. Ties go to the candidate with
// the better single rank, then to the lexical list, then by tie, so the
// result is deterministic.
func rrf(k float64, lex, dense []scored, tie func(a, b int) int) []fused {
	out := mergeLists(lex, dense)
	for i := range out {
		f := &out[i]
		if f.lexRank > 0 {
			f.score += 1 / (k + float64(f.lexRank))
		}
		if f.denseRank > 0 {
			f.score += 1 / (k + float64(f.denseRank))
		}
	}
	slices.SortFunc(out, func(a, b fused) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(bestRank(a), bestRank(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(rankOrMax(a.lexRank), rankOrMax(b.lexRank)); c != 0 {
			return c
		}
		return tie(a.pos, b.pos)
	})
	return out
}

func rankOrMax(r int) int {
	if r == 0 {
		return int(^uint(0) >> 1)
	}
	return r
}

func bestRank(f fused) int { return min(rankOrMax(f.lexRank), rankOrMax(f.denseRank)) }

// mergeLists is the union of the two rankings, lexical first, with each
// chunk's ranks and scores in both, and fused score 0.
func mergeLists(lex, dense []scored) []fused {
	out := make([]fused, 0, len(lex)+len(dense))
	idx := make(map[int]int, len(lex)+len(dense))
	// add's pointer is used before the next add, which may move out.
	add := func(pos int) *fused {
		if i, ok := idx[pos]; ok {
			return &out[i]
		}
		idx[pos] = len(out)
		out = append(out, fused{pos: pos})
		return &out[len(out)-1]
	}
	for i, s := range lex {
		f := add(s.pos)
		f.lexRank, f.lexScore = i+1, s.score
	}
	for i, s := range dense {
		f := add(s.pos)
		f.denseRank, f.denseScore = i+1, s.score
	}
	return out
}
