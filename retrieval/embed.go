package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// Embedder turns texts into vectors for the dense half of the search.
//
// An Embedder is the extension point for embedding providers: the offline
// LocalEmbedder and the OpenAI-compatible and Ollama adapters implement it.
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
	// Provider is "local", "openai" or "ollama".
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

// The embedding providers EmbedConfig.Provider accepts.
const (
	ProviderLocal  = "local"
	ProviderOpenAI = "openai"
	ProviderOllama = "ollama"
)

// ErrEmbedder reports an embedding provider that answered with something
// the index cannot use, or a configuration that names none.
var ErrEmbedder = errors.New("retrieval: embedder")

// EmbedConfig chooses and configures the embedder. The command fills it from
// EMBED_PROVIDER, EMBED_BASE_URL, EMBED_MODEL and EMBED_API_KEY; this
// package never reads the environment.
type EmbedConfig struct {
	// Provider is ProviderLocal (the default when empty), ProviderOpenAI
	// (any OpenAI-compatible /v1/embeddings server) or ProviderOllama.
	Provider string
	// BaseURL is the server: "https://api.openai.com/v1" (the /v1 is part
	// of it) or "http://127.0.0.1:11434" for Ollama. Empty means those.
	BaseURL string
	// Model is the embedding model; required for openai and ollama.
	Model string
	// APIKey is sent as a bearer token to OpenAI-compatible servers. Empty
	// is allowed for keyless local servers.
	APIKey string
	// Dim is the vector length of the local embedder; 0 means
	// DefaultLocalDim. Remote models report their own.
	Dim int
	// Timeout bounds each request to the server; 0 means 30s.
	Timeout time.Duration
	// BatchSize is how many texts go in one request; 0 means 32.
	BatchSize int
	// Concurrency is how many requests may be in flight; 0 means 4.
	Concurrency int
	// HTTPClient replaces the default HTTP client (tests, proxies).
	HTTPClient *http.Client
}

// NewEmbedder returns the embedder cfg names. It does not contact the
// server; a wrong URL or model shows at the first Embed.
func NewEmbedder(cfg EmbedConfig) (Embedder, error) {
	switch cfg.Provider {
	case "", ProviderLocal:
		return NewLocalEmbedder(cfg.Dim), nil
	case ProviderOpenAI:
		return newOpenAIEmbedder(cfg)
	case ProviderOllama:
		return newOllamaEmbedder(cfg)
	}
	return nil, fmt.Errorf("%w: unknown provider %q (want %s, %s or %s)",
		ErrEmbedder, cfg.Provider, ProviderLocal, ProviderOpenAI, ProviderOllama)
}

func (cfg EmbedConfig) withDefaults() EmbedConfig {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	return cfg
}

// embedBatched embeds texts in batches of batch, with at most conc batches
// in flight, each call bounded by timeout. The first error cancels the
// batches still running and is returned.
func embedBatched(ctx context.Context, texts []string, batch, conc int, timeout time.Duration,
	call func(ctx context.Context, texts []string) ([][]float32, error)) ([][]float32, error) {
	out := make([][]float32, len(texts))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for start := 0; start < len(texts); start += batch {
		end := min(start+batch, len(texts))
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			// The clients may rewrite the slice they are given.
			in := append([]string(nil), texts[start:end]...)
			vecs, err := call(cctx, in)
			if err != nil {
				return fmt.Errorf("embed texts %d–%d: %w", start, end-1, err)
			}
			if len(vecs) != len(in) {
				return fmt.Errorf("%w: embed texts %d–%d: got %d vectors for %d texts",
					ErrEmbedder, start, end-1, len(vecs), len(in))
			}
			copy(out[start:end], vecs)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

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
