package retrieval

import (
	"cmp"
	"container/heap"
	"context"
	"runtime"
	"slices"
	"sync"
)

// vectorStore is what the index needs from a vector store: unit vectors
// stored by row number (the row of a chunk is its slot in the index), and
// the rows nearest to a query by cosine. slabStore is the one the index
// uses; a store in another engine (pgvector) would map rows to its ids.
type vectorStore interface {
	// dim is the vector length; 0 before the first set.
	dim() int
	// set stores the unit vector v at row, replacing what was there.
	set(row int, v []float32)
	// unset empties row.
	unset(row int)
	// nearest returns up to n rows whose vectors are nearest to the unit
	// vector q, most similar first (ties by row), among the stored rows
	// for which keep returns true (every stored row when keep is nil). It
	// returns ctx's error when ctx is done.
	nearest(ctx context.Context, q []float32, n int, keep func(row int) bool) ([]storeHit, error)
}

// storeHit is one answer of a vectorStore.
type storeHit struct {
	row int
	sim float32
}

// slabRows is the number of rows of one slab: 1024 rows of 1024 float32 are
// 4 MB, small enough to grow by and large enough that a scan is a few long
// loops.
const slabRows = 1024

// slabStore keeps the vectors as float32 in slabs of slabRows rows, each
// one contiguous block laid out by column (slab[c*slabRows+r] is component c
// of row r). A query with few non-zero components — the local embedder's
// are 20–60 of 1024 — then reads only those columns: the scan costs
// non-zero components × rows multiply-adds instead of dim × rows. A dense
// query (a remote model's) costs the same as a row-major scan.
//
// It replaces chromem-go's collection, which keeps one []float32 and a
// metadata map per vector and scans every component of every vector:
// LEXICAL.md compares the two. It is not safe for concurrent use on its
// own: the Index serialises writes against searches.
type slabStore struct {
	d     int
	slabs [][]float32
	// stored marks the rows that hold a vector.
	stored []bool
}

var _ vectorStore = (*slabStore)(nil)

func newSlabStore(dim int) *slabStore { return &slabStore{d: dim} }

func (s *slabStore) dim() int { return s.d }

// rows is the number of rows the store has room for.
func (s *slabStore) rows() int { return len(s.stored) }

func (s *slabStore) grow(row int) {
	for row >= len(s.slabs)*slabRows {
		s.slabs = append(s.slabs, make([]float32, slabRows*s.d))
	}
	if row >= len(s.stored) {
		s.stored = append(s.stored, make([]bool, row+1-len(s.stored))...)
	}
}

func (s *slabStore) set(row int, v []float32) {
	if s.d == 0 {
		s.d = len(v)
	}
	s.grow(row)
	slab, r := s.slabs[row/slabRows], row%slabRows
	for c, x := range v[:s.d] {
		slab[c*slabRows+r] = x
	}
	s.stored[row] = true
}

func (s *slabStore) unset(row int) {
	if row >= len(s.stored) || !s.stored[row] {
		return
	}
	slab, r := s.slabs[row/slabRows], row%slabRows
	for c := 0; c < s.d; c++ {
		slab[c*slabRows+r] = 0
	}
	s.stored[row] = false
}

// vector returns a copy of the vector at row.
func (s *slabStore) vector(row int) []float32 {
	v := make([]float32, s.d)
	slab, r := s.slabs[row/slabRows], row%slabRows
	for c := range v {
		v[c] = slab[c*slabRows+r]
	}
	return v
}

func (s *slabStore) nearest(ctx context.Context, q []float32, n int, keep func(row int) bool) ([]storeHit, error) {
	if n <= 0 || len(s.slabs) == 0 || len(q) != s.d {
		return nil, nil
	}
	type comp struct {
		c int
		w float32
	}
	var nz []comp
	for c, w := range q {
		if w != 0 {
			nz = append(nz, comp{c, w})
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(s.slabs))
	if len(nz)*len(s.stored) < 1<<18 {
		workers = 1 // not worth a goroutine
	}
	tops := make([]topN, workers)
	var wg sync.WaitGroup
	var ctxErr error
	var errOnce sync.Once
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tops[w]
			t.n = n
			scores := make([]float32, slabRows)
			for si := w; si < len(s.slabs); si += workers {
				if ctx.Err() != nil {
					errOnce.Do(func() { ctxErr = ctx.Err() })
					return
				}
				clear(scores)
				slab := s.slabs[si]
				for _, x := range nz {
					col := slab[x.c*slabRows : x.c*slabRows+slabRows]
					axpy(scores, col, x.w)
				}
				base := si * slabRows
				last := min(slabRows, len(s.stored)-base)
				for r := 0; r < last; r++ {
					row := base + r
					if !s.stored[row] || (keep != nil && !keep(row)) {
						continue
					}
					t.offer(storeHit{row: row, sim: scores[r]})
				}
			}
		}()
	}
	wg.Wait()
	if ctxErr != nil {
		return nil, ctxErr
	}
	var all []storeHit
	for _, t := range tops {
		all = append(all, t.h...)
	}
	slices.SortFunc(all, compareHits)
	if len(all) > n {
		all = all[:n]
	}
	return all, nil
}

// axpy adds w·x to y; len(x) == len(y). Four at a time: the compiler does
// not vectorise, and this halves the loop overhead.
func axpy(y, x []float32, w float32) {
	x = x[:len(y)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		y[i] += w * x[i]
		y[i+1] += w * x[i+1]
		y[i+2] += w * x[i+2]
		y[i+3] += w * x[i+3]
	}
	for ; i < len(y); i++ {
		y[i] += w * x[i]
	}
}

// compareHits orders by similarity, highest first, then by row.
func compareHits(a, b storeHit) int {
	if c := cmp.Compare(b.sim, a.sim); c != 0 {
		return c
	}
	return cmp.Compare(a.row, b.row)
}

// topN keeps the n best hits seen, as a min-heap (worst on top).
type topN struct {
	n int
	h []storeHit
}

func (t *topN) Len() int           { return len(t.h) }
func (t *topN) Less(i, j int) bool { return compareHits(t.h[i], t.h[j]) > 0 }
func (t *topN) Swap(i, j int)      { t.h[i], t.h[j] = t.h[j], t.h[i] }
func (t *topN) Push(x any)         { t.h = append(t.h, x.(storeHit)) }
func (t *topN) Pop() any {
	x := t.h[len(t.h)-1]
	t.h = t.h[:len(t.h)-1]
	return x
}

func (t *topN) offer(x storeHit) {
	if len(t.h) < t.n {
		heap.Push(t, x)
		return
	}
	if compareHits(x, t.h[0]) < 0 {
		t.h[0] = x
		heap.Fix(t, 0)
	}
}
