package retrieval

import (
	"context"
	"fmt"
	"net/url"

	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms/ollama"
)

// DefaultOllamaBaseURL is where the Ollama adapter sends requests when
// EmbedConfig.BaseURL is empty.
const DefaultOllamaBaseURL = "http://127.0.0.1:11434"

// ollamaEmbedder embeds through Ollama's POST {base}/api/embed.
type ollamaEmbedder struct {
	cfg EmbedConfig
	emb *embeddings.EmbedderImpl
}

var _ Embedder = (*ollamaEmbedder)(nil)

func newOllamaEmbedder(cfg EmbedConfig) (*ollamaEmbedder, error) {
	if cfg.BatchSize <= 0 {
		// Ollama gets one request per text; a small batch keeps the
		// per-batch timeout meaningful.
		cfg.BatchSize = 8
	}
	cfg = cfg.withDefaults()
	if cfg.Model == "" {
		return nil, fmt.Errorf("%w: ollama: no model (EMBED_MODEL)", ErrEmbedder)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultOllamaBaseURL
	}
	// langchaingo calls log.Fatal on a URL it cannot parse, and reads
	// OLLAMA_HOST when given none: check the URL here and always pass it.
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("%w: ollama: base URL %q is not an absolute URL", ErrEmbedder, cfg.BaseURL)
	}
	opts := []ollama.Option{
		ollama.WithServerURL(cfg.BaseURL),
		ollama.WithModel(cfg.Model),
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, ollama.WithHTTPClient(cfg.HTTPClient))
	}
	llm, err := ollama.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("ollama embedder: %w", err)
	}
	emb, err := embeddings.NewEmbedder(llm, embeddings.WithBatchSize(cfg.BatchSize))
	if err != nil {
		return nil, fmt.Errorf("ollama embedder: %w", err)
	}
	return &ollamaEmbedder{cfg: cfg, emb: emb}, nil
}

// Identity implements Embedder.
func (e *ollamaEmbedder) Identity() EmbedderIdentity {
	return EmbedderIdentity{Provider: ProviderOllama, Model: e.cfg.Model}
}

// Embed implements Embedder. langchaingo sends Ollama one text per request,
// so cfg.Concurrency is what keeps a corpus build from being serial.
func (e *ollamaEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return embedBatched(ctx, texts, e.cfg.BatchSize, e.cfg.Concurrency, e.cfg.Timeout, e.emb.EmbedDocuments)
}
