package retrieval

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"math"
	"policybot/policies/norm"
	"runtime"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
)

// LocalModel names the local embedder's algorithm. Change it whenever the
// features or weights change, so that indexes built by the old one are
// rebuilt.
const LocalModel = "local-hashed-ngram-v1"

// DefaultLocalDim is the local embedder's vector length. See LEXICAL.md for
// the measurements behind it.
const DefaultLocalDim = 1024

// LocalEmbedder is the offline default embedder: TF-IDF weighted character
// unigrams and bigrams, hashed (FNV-1a, signed) into a fixed number of
// dimensions and L2-normalised. It is deterministic, needs no network and
// no model file, and costs microseconds per text.
//
// It is lexical, not semantic: it finds the same words, not synonyms. Next
// to BM25 it is a second lexical opinion with other weighting (cosine, no
// length saturation), and it keeps the vector path exercised so that a real
// embedding model can replace it with no change elsewhere.
//
// The IDF weights are learnt from the chunks when the index is built and
// saved with it. An untrained LocalEmbedder weighs every feature 1.
type LocalEmbedder struct {
	dim int
	// docs is how many texts the document frequencies were counted in; 0
	// when untrained.
	docs int
	// df maps a feature hash to the number of texts that contain it.
	// Features the corpus does not contain are dropped from queries: they
	// match nothing and would only add noise to the buckets they hash into.
	df map[uint64]uint32
}

var _ Embedder = (*LocalEmbedder)(nil)

// NewLocalEmbedder returns an untrained local embedder of dim dimensions
// (DefaultLocalDim when dim <= 0).
func NewLocalEmbedder(dim int) *LocalEmbedder {
	if dim <= 0 {
		dim = DefaultLocalDim
	}
	return &LocalEmbedder{dim: dim}
}

// Identity implements Embedder.
func (e *LocalEmbedder) Identity() EmbedderIdentity {
	return EmbedderIdentity{Provider: ProviderLocal, Model: LocalModel, Dim: e.dim}
}

// Embed implements Embedder. It fails only when ctx is done. A text with no
// known feature gets the zero vector, which matches nothing.
func (e *LocalEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	const batch = 256
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for start := 0; start < len(texts); start += batch {
		end := min(start+batch, len(texts))
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			counts := make(map[uint64]int32)
			for i := start; i < end; i++ {
				out[i] = e.embedOne(texts[i], counts)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// embedOne embeds one text, using counts as scratch space.
func (e *LocalEmbedder) embedOne(text string, counts map[uint64]int32) []float32 {
	clear(counts)
	features(norm.Fold(text), func(h uint64) { counts[h]++ })
	v := make([]float32, e.dim)
	for h, n := range counts {
		idf := 1.0
		if e.df != nil {
			df, ok := e.df[h]
			if !ok {
				continue
			}
			idf = math.Log(float64(1+e.docs)/float64(1+df)) + 1
		}
		w := float32((1 + math.Log(float64(n))) * idf)
		if h>>63 == 1 {
			w = -w
		}
		v[(h&(1<<63-1))%uint64(e.dim)] += w
	}
	normalizeOne(v)
	return v
}

// train returns a copy of e whose document frequencies are counted in texts.
func (e *LocalEmbedder) train(texts []string) *LocalEmbedder {
	df := make(map[uint64]uint32)
	seen := make(map[uint64]struct{})
	for _, t := range texts {
		clear(seen)
		features(norm.Fold(t), func(h uint64) { seen[h] = struct{}{} })
		for h := range seen {
			df[h]++
		}
	}
	return &LocalEmbedder{dim: e.dim, docs: len(texts), df: df}
}

// localState is the saved form of a trained LocalEmbedder.
type localState struct {
	Model  string
	Dim    int
	Docs   int
	Hashes []uint64
	DF     []uint32
}

// marshal encodes the learnt frequencies in a stable order, so the same
// corpus gives the same bytes.
func (e *LocalEmbedder) marshal() ([]byte, error) {
	st := localState{Model: LocalModel, Dim: e.dim, Docs: e.docs}
	st.Hashes = make([]uint64, 0, len(e.df))
	for h := range e.df {
		st.Hashes = append(st.Hashes, h)
	}
	slices.Sort(st.Hashes)
	st.DF = make([]uint32, len(st.Hashes))
	for i, h := range st.Hashes {
		st.DF[i] = e.df[h]
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unmarshalLocal decodes what marshal wrote.
func unmarshalLocal(data []byte) (*LocalEmbedder, error) {
	var st localState
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return nil, err
	}
	if st.Model != LocalModel || st.Dim <= 0 || st.Docs <= 0 || len(st.Hashes) != len(st.DF) {
		return nil, fmt.Errorf("local embedder state: model %q, dim %d, %d docs, %d hashes, %d counts",
			st.Model, st.Dim, st.Docs, len(st.Hashes), len(st.DF))
	}
	df := make(map[uint64]uint32, len(st.Hashes))
	for i, h := range st.Hashes {
		df[h] = st.DF[i]
	}
	return &LocalEmbedder{dim: st.Dim, docs: st.Docs, df: df}, nil
}

// features calls emit with the hash of every feature of folded text: each
// unit (a Han character, a run of letters and digits, or a percent sign) and
// each pair of adjacent units. Punctuation and spaces separate units and
// break pairs. Single characters weigh as much as pairs: they are what lets
// 酒店 meet 饭店 and 比赛 meet 赛事, the partial matches that BM25 over
// bigrams misses (LEXICAL.md).
func features(s string, emit func(h uint64)) {
	var prev, cur string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.Is(unicode.Han, r) || r == '%':
			cur = s[i : i+size]
			i += size
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i + size
			for j < len(s) {
				r2, size2 := utf8.DecodeRuneInString(s[j:])
				if unicode.Is(unicode.Han, r2) || !(unicode.IsLetter(r2) || unicode.IsDigit(r2) || r2 == '.') {
					break
				}
				j += size2
			}
			cur = s[i:j]
			i = j
		default:
			prev = ""
			i += size
			continue
		}
		emit(fnv(cur, ""))
		if prev != "" {
			emit(fnv(prev, cur))
		}
		prev = cur
	}
}

// fnv is FNV-1a over a, a separator and b (b may be empty), without
// allocating.
func fnv(a, b string) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(a); i++ {
		h ^= uint64(a[i])
		h *= prime
	}
	if b != "" {
		h ^= 0x1f
		h *= prime
		for i := 0; i < len(b); i++ {
			h ^= uint64(b[i])
			h *= prime
		}
	}
	return h
}
