package retrieval

import (
	"context"
	"math"
	"policybot/policies/norm"
	"slices"
	"strings"
	"sync"
	"testing"
)

func vecNorm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestLocalEmbedderDeterministicAndNormalised(t *testing.T) {
	ctx := context.Background()
	corpus := []string{"首次认定为国家级专精特新小巨人企业，奖励50万元。", "出口信用保险保费补助50%。", "境外展会展位费补助。"}
	a := NewLocalEmbedder(256).train(iterTexts(corpus))
	b := NewLocalEmbedder(256).train(iterTexts(corpus))
	texts := append(slices.Clone(corpus), "专精特新奖励多少？", "ｘｙｚ　９９９")
	va, err := a.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := b.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		if !slices.Equal(va[i], vb[i]) {
			t.Errorf("Embed(%q) differs between two embedders trained alike", texts[i])
		}
		if len(va[i]) != 256 {
			t.Errorf("Embed(%q) has length %d, want 256", texts[i], len(va[i]))
		}
	}
	for i := range 4 {
		if n := vecNorm(va[i]); math.Abs(n-1) > 1e-6 {
			t.Errorf("|Embed(%q)| = %v, want 1", texts[i], n)
		}
	}
	if n := vecNorm(va[4]); n != 0 {
		t.Errorf("|Embed(%q)| = %v, want 0: no feature occurs in the corpus", texts[4], n)
	}
	again, _ := a.Embed(ctx, texts[:1])
	if !slices.Equal(again[0], va[0]) {
		t.Error("Embed is not deterministic across calls")
	}

	untrained, _ := NewLocalEmbedder(0).Embed(ctx, []string{"ＡＢＣ５０％"})
	if len(untrained[0]) != DefaultLocalDim || math.Abs(vecNorm(untrained[0])-1) > 1e-6 {
		t.Errorf("untrained Embed: length %d norm %v, want %d and 1", len(untrained[0]), vecNorm(untrained[0]), DefaultLocalDim)
	}

	sa, _ := a.marshal()
	sb, _ := b.marshal()
	if string(sa) != string(sb) {
		t.Error("marshal() differs between two embedders trained alike")
	}
	c, err := unmarshalLocal(sa)
	if err != nil {
		t.Fatalf("unmarshalLocal: %v", err)
	}
	vc, _ := c.Embed(ctx, texts)
	for i := range texts {
		if !slices.Equal(va[i], vc[i]) {
			t.Errorf("Embed(%q) differs after marshal and unmarshal", texts[i])
		}
	}
	if id := c.Identity(); id != (EmbedderIdentity{Provider: ProviderLocal, Model: LocalModel, Dim: 256}) {
		t.Errorf("Identity() = %+v", id)
	}
}

func TestLocalEmbedderSimilarity(t *testing.T) {
	ctx := context.Background()
	corpus := []string{"新评定为四星级旅游饭店的，奖励80万元。", "举办国际级体育赛事的，最高奖励200万元。", "出口信用保险保费补助。"}
	e := NewLocalEmbedder(0).train(iterTexts(corpus))
	docs, _ := e.Embed(ctx, corpus)
	q, _ := e.Embed(ctx, []string{"四星级酒店奖励"})
	best, bestSim := -1, float32(-2)
	for i, d := range docs {
		var s float32
		for j := range d {
			s += d[j] * q[0][j]
		}
		if s > bestSim {
			best, bestSim = i, s
		}
	}
	if best != 0 {
		t.Errorf("nearest to 四星级酒店奖励 is %q, want the 饭店 article", corpus[best])
	}
}

func TestFeatures(t *testing.T) {
	var got []uint64
	features(norm.Fold("补助５０％，ab"), func(h uint64) { got = append(got, h) })
	want := []uint64{
		fnv("补", ""), fnv("助", ""), fnv("补", "助"), fnv("50", ""), fnv("助", "50"),
		fnv("%", ""), fnv("50", "%"), fnv("ab", ""),
	}
	if !slices.Equal(got, want) {
		t.Errorf("features(补助５０％，ab) = %v, want %v", got, want)
	}
}

func TestLocalEmbedderIdentity(t *testing.T) {
	for _, dim := range []int{0, 128} {
		want := EmbedderIdentity{Provider: ProviderLocal, Model: LocalModel, Dim: dim}
		if dim == 0 {
			want.Dim = DefaultLocalDim
		}
		if got := NewLocalEmbedder(dim).Identity(); got != want {
			t.Errorf("NewLocalEmbedder(%d).Identity() = %+v, want %+v", dim, got, want)
		}
	}
}

// remoteEmbedder stands for an embedder of package llm: a provider and
// model, and no dimension until it is called. 出口 texts point one way,
// the others another.
type remoteEmbedder struct {
	mu    sync.Mutex
	calls [][]string
}

func (e *remoteEmbedder) Identity() EmbedderIdentity {
	return EmbedderIdentity{Provider: "openai", Model: "m"}
}

func (e *remoteEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls = append(e.calls, slices.Clone(texts))
	e.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, in := range texts {
		out[i] = []float32{0, 1}
		if strings.Contains(in, "出口") {
			out[i] = []float32{3, 0}
		}
	}
	return out, nil
}

func TestOpenWithRemoteEmbedder(t *testing.T) {
	e := &remoteEmbedder{}
	dir := t.TempDir()
	ix := openTest(t, testDocs(t), Options{Dir: dir, Embedder: e})
	if m := readTestManifest(t, dir); m.Vectors.Embedder != (EmbedderIdentity{Provider: "openai", Model: "m", Dim: 2}) {
		t.Errorf("manifest embedder = %+v, want openai m dim 2", m.Vectors.Embedder)
	}
	if got := ix.EmbedderName(); got != "openai:m" {
		t.Errorf("EmbedderName() = %q, want openai:m", got)
	}
	before := len(e.calls)
	hits, err := ix.Search(context.Background(), Query{Text: "出口信用保险"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.calls) != before+1 || e.calls[before][0] != "出口信用保险" {
		t.Errorf("Search made %d embedder calls (last %q), want one with the query", len(e.calls)-before, e.calls[len(e.calls)-1])
	}
	if len(hits) == 0 || hits[0].Chunk.ID != "com#1" || hits[0].DenseRank != 1 || math.Abs(hits[0].DenseScore-1) > 1e-6 {
		t.Errorf("Search() = %v (dense rank %d, cosine %v), want com#1 first with cosine 1", ids(hits), hits[0].DenseRank, hits[0].DenseScore)
	}
}
