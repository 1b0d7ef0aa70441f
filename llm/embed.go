package llm

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tmc/langchaingo/embeddings"
	"golang.org/x/sync/errgroup"

	"policybot/retrieval"
)

// EmbedConfig says which embedding model to use and how to reach it. The
// command fills it from EMBED_PROVIDER, EMBED_BASE_URL, EMBED_MODEL and
// EMBED_API_KEY. The offline default embedder is not here: it is
// retrieval.LocalEmbedder.
type EmbedConfig struct {
	// Provider is ProviderOpenAI (any OpenAI-compatible /v1/embeddings
	// server) or ProviderOllama.
	Provider string
	// BaseURL is the server: "https://api.openai.com/v1" (the /v1 is part
	// of it) or "http://127.0.0.1:11434" for Ollama. Empty means those.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>". Empty means a
	// keyless server: no Authorization header is sent.
	APIKey string
	// Model is the embedding model (text-embedding-3-small, bge-m3).
	// Required.
	Model string
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// BatchSize is how many texts go in one request; 0 means 32 for
	// openai and 8 for ollama.
	BatchSize int
	// Concurrency is how many requests may be in flight; 0 means 4.
	Concurrency int
	// HTTPClient sends the requests; nil means a new client on
	// http.DefaultTransport. It is not modified: NewEmbedder wraps a copy.
	HTTPClient *http.Client
}

// embedder is a retrieval.Embedder over a langchaingo client.
type embedder struct {
	id          retrieval.EmbedderIdentity
	emb         *embeddings.EmbedderImpl
	batch, conc int
	timeout     time.Duration
}

var _ retrieval.Embedder = (*embedder)(nil)

// NewEmbedder returns the embedder cfg names. It does not contact the
// server; a wrong URL or model shows at the first Embed. Its errors wrap
// retrieval.ErrEmbedder.
func NewEmbedder(cfg EmbedConfig) (retrieval.Embedder, error) {
	srv, err := server{provider: cfg.Provider, baseURL: cfg.BaseURL, apiKey: cfg.APIKey, model: cfg.Model, hc: cfg.HTTPClient}.check()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", retrieval.ErrEmbedder, err)
	}
	e := &embedder{
		id:      retrieval.EmbedderIdentity{Provider: srv.provider, Model: srv.model},
		batch:   cfg.BatchSize,
		conc:    cfg.Concurrency,
		timeout: cfg.Timeout,
	}
	if e.batch <= 0 {
		// langchaingo sends Ollama one request per text; a small batch
		// keeps the per-batch timeout meaningful.
		e.batch = 32
		if srv.provider == ProviderOllama {
			e.batch = 8
		}
	}
	if e.conc <= 0 {
		e.conc = 4
	}
	if e.timeout <= 0 {
		e.timeout = DefaultTimeout
	}
	c, _, err := connect(srv)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", retrieval.ErrEmbedder, srv.name(), err)
	}
	if e.emb, err = embeddings.NewEmbedder(c, embeddings.WithBatchSize(e.batch)); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", retrieval.ErrEmbedder, srv.name(), err)
	}
	return e, nil
}

// Identity implements retrieval.Embedder. The dimension is left to the
// index, which learns it from the first vectors.
func (e *embedder) Identity() retrieval.EmbedderIdentity { return e.id }

// Embed implements retrieval.Embedder: batches of BatchSize texts,
// Concurrency requests in flight, each bounded by Timeout. The first error
// cancels the batches still running and is returned. Ollama gets one
// request per text, so Concurrency is what keeps a corpus build from being
// serial there.
func (e *embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(e.conc)
	for start := 0; start < len(texts); start += e.batch {
		end := min(start+e.batch, len(texts))
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			cctx, cancel := context.WithTimeout(ctx, e.timeout)
			defer cancel()
			// The clients may rewrite the slice they are given.
			in := append([]string(nil), texts[start:end]...)
			vecs, err := e.emb.EmbedDocuments(cctx, in)
			if err != nil {
				return fmt.Errorf("embed texts %d–%d: %w", start, end-1, err)
			}
			if len(vecs) != len(in) {
				return fmt.Errorf("%w: embed texts %d–%d: got %d vectors for %d texts",
					retrieval.ErrEmbedder, start, end-1, len(vecs), len(in))
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
