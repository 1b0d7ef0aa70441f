package retrieval

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"policybot/policies/norm"
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
// saved with it; an incremental update adds and removes the counts of the
// chunks it adds and removes (LEXICAL.md, "Incremental updates"). An
// untrained LocalEmbedder weighs every feature 1.
type LocalEmbedder struct {
	dim int

	// mu guards the counts, which an index update changes while searches
	// embed their queries.
	mu sync.RWMutex
	// docs is how many texts the document frequencies were counted in; 0
	// when untrained.
	docs int
	// df maps a feature hash to the number of texts that contain it.
	// Features the corpus does not contain are dropped from queries: they
	// match nothing and would only add noise to the buckets they hash into.
	df map[uint64]uint32
	// trained is the number of texts of the last full training, and
	// changed the number added or removed since: the vectors computed
	// before a change keep their old weights, so the index retrains when
	// changed grows large (retrainShare).
	trained, changed int
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
	e.mu.RLock()
	defer e.mu.RUnlock()
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

// train returns a copy of e whose document frequencies are counted in the
// texts next returns, until it returns false. The texts are folded.
func (e *LocalEmbedder) train(next func() (string, bool)) *LocalEmbedder {
	t := &LocalEmbedder{dim: e.dim, df: make(map[uint64]uint32)}
	seen := make(map[uint64]struct{})
	for {
		text, ok := next()
		if !ok {
			break
		}
		t.count(text, seen, 1)
	}
	t.trained = t.docs
	return t
}

// count adds sign (1 or -1) to the frequency of every feature of the folded
// text, using seen as scratch space. e.mu is held for writing, or e is not
// shared yet.
func (e *LocalEmbedder) count(text string, seen map[uint64]struct{}, sign int) {
	clear(seen)
	features(text, func(h uint64) { seen[h] = struct{}{} })
	for h := range seen {
		switch n := e.df[h]; {
		case sign > 0:
			e.df[h] = n + 1
		case n <= 1:
			delete(e.df, h)
		default:
			e.df[h] = n - 1
		}
	}
	e.docs += sign
}

// adjust counts the folded texts added and removed by an index update;
// unknown more were removed whose texts are not known (loaded from disk),
// which cannot be uncounted and only add to the drift.
func (e *LocalEmbedder) adjust(added, removed []string, unknown int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := make(map[uint64]struct{})
	for _, t := range removed {
		e.count(t, seen, -1)
	}
	for _, t := range added {
		e.count(t, seen, 1)
	}
	e.changed += len(added) + len(removed) + unknown
}

// stale reports whether the counts changed so much since the last
// training that the vectors should be recomputed: more than retrainShare
// of the texts were added or removed.
func (e *LocalEmbedder) stale() bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return float64(e.changed) > retrainShare*float64(max(e.trained, e.docs, 1))
}

// retrainShare is the share of the chunks added or removed since the last
// training above which an update retrains the local embedder and
// recomputes every vector (LEXICAL.md, "Incremental updates").
const retrainShare = 0.25

// localState is the saved form of a trained LocalEmbedder.
type localState struct {
	Model            string
	Dim              int
	Docs             int
	Hashes           []uint64
	DF               []uint32
	Trained, Changed int
}

// marshal encodes the learnt frequencies in a stable order, so the same
// corpus gives the same bytes.
func (e *LocalEmbedder) marshal() ([]byte, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	st := localState{Model: LocalModel, Dim: e.dim, Docs: e.docs, Trained: e.trained, Changed: e.changed}
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
	if st.Model != LocalModel || st.Dim <= 0 || st.Docs < 0 || (st.Docs == 0) != (len(st.Hashes) == 0) ||
		len(st.Hashes) != len(st.DF) || st.Trained < 0 || st.Changed < 0 {
		return nil, fmt.Errorf("local embedder state: model %q, dim %d, %d docs, %d hashes, %d counts",
			st.Model, st.Dim, st.Docs, len(st.Hashes), len(st.DF))
	}
	df := make(map[uint64]uint32, len(st.Hashes))
	for i, h := range st.Hashes {
		df[h] = st.DF[i]
	}
	return &LocalEmbedder{dim: st.Dim, docs: st.Docs, df: df, trained: st.Trained, changed: st.Changed}, nil
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
