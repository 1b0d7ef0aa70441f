package retrieval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"policybot/policies/norm"
)

// chromemStore keeps the vectors in a chromem-go collection, as the index
// did before slabStore. It stays here to measure the two side by side
// (BenchmarkVectorStores; LEXICAL.md, "Vectors: chromem-go or slabs").
type chromemStore struct {
	col *chromem.Collection
}

var _ vectorStore = (*chromemStore)(nil)

func newChromemStore(tb testing.TB) *chromemStore {
	tb.Helper()
	db := chromem.NewDB()
	// The index always passes vectors; a nil function would make chromem
	// fall back to OpenAI over the network.
	col, err := db.CreateCollection("chunks", nil, func(context.Context, string) ([]float32, error) {
		return nil, fmt.Errorf("no embedding function")
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &chromemStore{col: col}
}

func (s *chromemStore) dim() int { return 0 }

func (s *chromemStore) set(row int, v []float32) {
	err := s.col.AddDocument(context.Background(), chromem.Document{ID: strconv.Itoa(row), Embedding: v,
		Metadata: map[string]string{"doc": "d" + strconv.Itoa(row/100)}})
	if err != nil {
		panic(err)
	}
}

func (s *chromemStore) unset(row int) {
	_ = s.col.Delete(context.Background(), nil, nil, strconv.Itoa(row))
}

func (s *chromemStore) nearest(ctx context.Context, q []float32, n int, keep func(int) bool) ([]storeHit, error) {
	res, err := s.col.QueryEmbedding(ctx, q, min(n, s.col.Count()), nil, nil)
	if err != nil {
		return nil, err
	}
	out := make([]storeHit, 0, len(res))
	for _, r := range res {
		row, _ := strconv.Atoi(r.ID)
		if keep == nil || keep(row) {
			out = append(out, storeHit{row: row, sim: r.Similarity})
		}
	}
	return out, nil
}

// TestVectorStoresAgree checks that the slab store ranks like chromem-go.
func TestVectorStoresAgree(t *testing.T) {
	sc := newSynthCorpus(t, 3, 100, 7)
	texts := foldedTexts(Chunks(sc.docs))
	le := NewLocalEmbedder(0).train(iterTexts(texts))
	vecs, err := le.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	slab, cs := newSlabStore(0), newChromemStore(t)
	for i, v := range vecs {
		normalizeOne(v)
		slab.set(i, v)
		cs.set(i, slices.Clone(v))
	}
	for _, q := range sc.queries {
		qv, err := embedQuery(context.Background(), le, le.Identity(), norm.Fold(q))
		if err != nil || qv == nil {
			continue
		}
		a, _ := slab.nearest(context.Background(), qv, 10, nil)
		b, _ := cs.nearest(context.Background(), qv, 10, nil)
		for i := range a {
			if a[i].row != b[i].row && math.Abs(float64(a[i].sim-b[i].sim)) > 1e-6 {
				t.Fatalf("query %q: slab %v, chromem %v", q, a, b)
			}
		}
	}
}

// BenchmarkVectorStores compares the slab store with chromem-go on the
// same local-embedder vectors of synthetic chunks (100,000 by default):
// the heap each keeps per vector and the time of a nearest-neighbour
// query, for the local embedder's (sparse) queries and for dense ones as a
// remote model gives. Run:
//
//	go test ./retrieval -run '^$' -bench BenchmarkVectorStores -benchtime 100x
func BenchmarkVectorStores(b *testing.B) {
	n := 100000
	sc := newSynthCorpus(b, n/100, 100, 42)
	texts := foldedTexts(Chunks(sc.docs))
	le := NewLocalEmbedder(0).train(iterTexts(texts))
	var qs [][]float32
	for _, q := range sc.queries {
		if v, err := embedQuery(context.Background(), le, le.Identity(), norm.Fold(q)); err == nil && v != nil {
			qs = append(qs, v)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var dense [][]float32
	for range 20 {
		v := make([]float32, DefaultLocalDim)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		normalizeOne(v)
		dense = append(dense, v)
	}
	for _, kind := range []string{"slab", "chromem"} {
		b.Run(kind, func(b *testing.B) {
			base := liveHeap()
			var s vectorStore
			if kind == "slab" {
				s = newSlabStore(0)
			} else {
				s = newChromemStore(b)
			}
			for start := 0; start < len(texts); start += 1024 {
				vs, _ := le.Embed(context.Background(), texts[start:min(start+1024, len(texts))])
				for i, v := range vs {
					normalizeOne(v)
					s.set(start+i, v)
				}
			}
			perVector := float64(liveHeap()-base) / float64(len(texts))
			var lat, dlat []time.Duration
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				if _, err := s.nearest(ctx, qs[i%len(qs)], Candidates, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				// A remote model's query: every component non-zero.
				start = time.Now()
				if _, err := s.nearest(ctx, dense[i%len(dense)], Candidates, nil); err != nil {
					b.Fatal(err)
				}
				dlat = append(dlat, time.Since(start))
			}
			slices.Sort(lat)
			slices.Sort(dlat)
			b.ReportMetric(perVector, "heap-B/vector")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(dlat[len(dlat)/2].Microseconds())/1000, "dense-query-p50-ms")
			runtime.KeepAlive(s)
		})
	}
}
