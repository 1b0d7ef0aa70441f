package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Embedder turns texts into vectors for the dense half of the search.
//
// An Embedder is the extension point for embedding providers: the offline
// LocalEmbedder here implements it, and so do the OpenAI-compatible and
// Ollama embedders of package llm, which talk to a server (see doc.go).
type Embedder interface {
	// Identity names the model. The index records it and is rebuilt when
	// it changes, because vectors of two models cannot be compared.
	Identity() EmbedderIdentity
	// Embed returns one vector per text, in order, all of one length. It
	// returns the transport's or server's error, or ErrEmbedder when the
	// answer is unusable (wrong count, empty or mixed-length vectors).
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// EmbedderIdentity is what the index records about the embedder that built
// it.
type EmbedderIdentity struct {
	// Provider is ProviderLocal or the remote provider's name ("openai",
	// "ollama").
	Provider string `json:"provider"`
	// Model is the model name ("text-embedding-3-small", "bge-m3") or, for
	// the local embedder, its algorithm and version.
	Model string `json:"model"`
	// Dim is the vector length, or 0 while a remote model has not yet been
	// called.
	Dim int `json:"dim"`
}

// String is the name shown to users: "local-hashed-ngram-v1" or
// "openai:text-embedding-3-small".
func (id EmbedderIdentity) String() string {
	if id.Provider == ProviderLocal {
		return id.Model
	}
	return id.Provider + ":" + id.Model
}

// ProviderLocal is the provider name of the LocalEmbedder.
const ProviderLocal = "local"

// ErrEmbedder reports an embedding provider that answered with something
// the index cannot use, or a configuration that names none.
var ErrEmbedder = errors.New("retrieval: embedder")

// normalize scales every vector to unit length, in place, and checks they
// all have the same length, which it returns. chromem-go ranks by dot
// product and assumes unit vectors; vectors from our own functions are not
// normalised for it.
func normalize(vecs [][]float32) (int, error) {
	dim := 0
	for i, v := range vecs {
		if len(v) == 0 {
			return 0, fmt.Errorf("%w: vector %d is empty", ErrEmbedder, i)
		}
		if dim == 0 {
			dim = len(v)
		} else if len(v) != dim {
			return 0, fmt.Errorf("%w: vector %d has length %d, want %d", ErrEmbedder, i, len(v), dim)
		}
		if !normalizeOne(v) {
			return 0, fmt.Errorf("%w: vector %d is zero or not finite", ErrEmbedder, i)
		}
	}
	return dim, nil
}

// normalizeOne scales v to unit length in place; it reports false for a
// zero vector or one with NaN or Inf, which have no direction.
func normalizeOne(v []float32) bool {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
		return false
	}
	inv := 1 / math.Sqrt(sum)
	for i, x := range v {
		v[i] = float32(float64(x) * inv)
	}
	return true
}
