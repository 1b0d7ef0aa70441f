package retrieval

import (
	"cmp"
	"math"
	"testing"
)

func TestFuse(t *testing.T) {
	tests := []struct {
		name       string
		lex, dense []scored
		want       []int // positions, best first
	}{
		{
			name:  "agreement beats a single first place",
			lex:   []scored{{pos: 1, score: 9}, {pos: 2, score: 5}},
			dense: []scored{{pos: 3, score: 0.9}, {pos: 2, score: 0.8}},
			want:  []int{2, 1, 3},
		},
		{
			name:  "equal scores: better single rank, then lexical, then corpus order",
			lex:   []scored{{pos: 7, score: 3}, {pos: 8, score: 2}},
			dense: []scored{{pos: 5, score: 0.9}, {pos: 4, score: 0.8}},
			want:  []int{7, 5, 8, 4},
		},
		{
			name: "one list empty",
			lex:  []scored{{pos: 3, score: 1}, {pos: 1, score: 0.5}},
			want: []int{3, 1},
		},
		{name: "both empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rrf(RRFK, tc.lex, tc.dense, cmp.Compare[int])
			var pos []int
			for _, f := range got {
				pos = append(pos, f.pos)
			}
			if len(pos) != len(tc.want) {
				t.Fatalf("fuse() order = %v, want %v", pos, tc.want)
			}
			for i := range pos {
				if pos[i] != tc.want[i] {
					t.Fatalf("fuse() order = %v, want %v", pos, tc.want)
				}
			}
		})
	}
}

func TestFuseRanksAndScores(t *testing.T) {
	got := rrf(60, []scored{{pos: 1, score: 9}, {pos: 2, score: 5}}, []scored{{pos: 2, score: 0.8}}, cmp.Compare[int])
	want := []fused{
		{pos: 2, score: 1.0/62 + 1.0/61, lexRank: 2, lexScore: 5, denseRank: 1, denseScore: 0.8},
		{pos: 1, score: 1.0 / 61, lexRank: 1, lexScore: 9},
	}
	if len(got) != len(want) {
		t.Fatalf("fuse() = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Abs(g.score-w.score) > 1e-12 {
			t.Errorf("fuse()[%d].score = %v, want %v", i, g.score, w.score)
		}
		g.score = w.score
		if g != w {
			t.Errorf("fuse()[%d] = %+v, want %+v", i, g, w)
		}
	}
}
