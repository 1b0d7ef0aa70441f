package retrieval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"policybot/policies/norm"
	"runtime"
	"slices"

	chromem "github.com/philippgille/chromem-go"
)

// vectorStore is what the index needs from a vector database: nearest
// neighbours by cosine, restricted by equality on metadata.
type vectorStore interface {
	// count is the number of vectors stored.
	count() int
	// query returns up to n stored IDs nearest to the unit vector vec, most
	// similar first, among those whose metadata equal every pair of where.
	query(ctx context.Context, vec []float32, n int, where map[string]string) ([]storeHit, error)
}

// storeHit is one answer of a vectorStore.
type storeHit struct {
	id  string
	sim float32
}

// Metadata keys stored with each vector, for the where of a query.
const (
	metaDoc      = "doc"
	metaCategory = "category"
)

const chromemCollection = "chunks"

// chromemStore keeps the vectors in an in-memory chromem-go collection and
// snapshots it with chromem's Export/Import (one gob file). chromem's
// persistent mode is not used: it writes one file per vector.
type chromemStore struct {
	db  *chromem.DB
	col *chromem.Collection
}

var _ vectorStore = (*chromemStore)(nil)

// chromemFunc is the embedding function handed to chromem. The index always
// passes vectors, so chromem never calls it; it exists because a nil
// function makes chromem fall back to OpenAI over the network.
func chromemFunc(e Embedder) chromem.EmbeddingFunc {
	return func(ctx context.Context, text string) ([]float32, error) {
		vecs, err := e.Embed(ctx, []string{norm.Fold(text)})
		if err != nil {
			return nil, err
		}
		if len(vecs) != 1 || !normalizeOne(vecs[0]) {
			return nil, fmt.Errorf("%w: no usable vector for %q", ErrEmbedder, text)
		}
		return vecs[0], nil
	}
}

// newChromemStore stores unit vectors under ids with their metadata.
func newChromemStore(ctx context.Context, e Embedder, ids []string, vecs [][]float32, meta []map[string]string) (*chromemStore, error) {
	db := chromem.NewDB()
	col, err := db.CreateCollection(chromemCollection, nil, chromemFunc(e))
	if err != nil {
		return nil, fmt.Errorf("vector store: %w", err)
	}
	if len(ids) > 0 {
		// Content stays empty: the chunks live in the Index, and the
		// snapshot need not carry the corpus twice.
		if err := col.AddConcurrently(ctx, ids, vecs, meta, nil, runtime.GOMAXPROCS(0)); err != nil {
			return nil, fmt.Errorf("vector store: %w", err)
		}
	}
	return &chromemStore{db: db, col: col}, nil
}

// importChromemStore loads a snapshot written by export.
func importChromemStore(e Embedder, data []byte) (*chromemStore, error) {
	db := chromem.NewDB()
	if err := db.ImportFromReader(bytes.NewReader(data), "", chromemCollection); err != nil {
		return nil, fmt.Errorf("vector store: %w", err)
	}
	col := db.GetCollection(chromemCollection, chromemFunc(e))
	if col == nil {
		return nil, errors.New("vector store: snapshot has no collection " + chromemCollection)
	}
	return &chromemStore{db: db, col: col}, nil
}

// export writes a snapshot of the vectors to w.
func (s *chromemStore) export(w io.Writer) error {
	return s.db.ExportToWriter(w, false, "", chromemCollection)
}

// dim returns the length of the vector stored under id.
func (s *chromemStore) dim(ctx context.Context, id string) (int, error) {
	d, err := s.col.GetByID(ctx, id)
	if err != nil {
		return 0, err
	}
	return len(d.Embedding), nil
}

func (s *chromemStore) count() int { return s.col.Count() }

func (s *chromemStore) query(ctx context.Context, vec []float32, n int, where map[string]string) ([]storeHit, error) {
	// chromem fails when asked for more results than it holds.
	n = min(n, s.col.Count())
	if n <= 0 {
		return nil, nil
	}
	res, err := s.col.QueryEmbedding(ctx, vec, n, where, nil)
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	out := make([]storeHit, len(res))
	for i, r := range res {
		out[i] = storeHit{id: r.ID, sim: r.Similarity}
	}
	// chromem's order among equal similarities depends on map iteration.
	slices.SortStableFunc(out, func(a, b storeHit) int {
		if a.sim != b.sim {
			if a.sim > b.sim {
				return -1
			}
			return 1
		}
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
	return out, nil
}
