package retrieval

import (
	"context"
	"fmt"

	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms/openai"
)

// DefaultOpenAIBaseURL is where the OpenAI adapter sends requests when
// EmbedConfig.BaseURL is empty.
const DefaultOpenAIBaseURL = "https://api.openai.com/v1"

// keylessToken is sent to OpenAI-compatible servers that need no key
// (vLLM, llama.cpp, LocalAI): langchaingo refuses to build a client with
// an empty token.
const keylessToken = "no-key"

// openAIEmbedder embeds through an OpenAI-compatible POST {base}/embeddings.
type openAIEmbedder struct {
	cfg EmbedConfig
	emb *embeddings.EmbedderImpl
}

var _ Embedder = (*openAIEmbedder)(nil)

func newOpenAIEmbedder(cfg EmbedConfig) (*openAIEmbedder, error) {
	cfg = cfg.withDefaults()
	if cfg.Model == "" {
		return nil, fmt.Errorf("%w: openai: no model (EMBED_MODEL)", ErrEmbedder)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultOpenAIBaseURL
	}
	token := cfg.APIKey
	if token == "" {
		token = keylessToken
	}
	// Every option is set explicitly: langchaingo otherwise falls back to
	// OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL and OPENAI_ORGANIZATION
	// from the environment, which this package must not depend on.
	opts := []openai.Option{
		openai.WithToken(token),
		openai.WithBaseURL(cfg.BaseURL),
		openai.WithModel(cfg.Model),
		openai.WithEmbeddingModel(cfg.Model),
		openai.WithOrganization(""),
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, openai.WithHTTPClient(cfg.HTTPClient))
	}
	llm, err := openai.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("openai embedder: %w", err)
	}
	emb, err := embeddings.NewEmbedder(llm, embeddings.WithBatchSize(cfg.BatchSize))
	if err != nil {
		return nil, fmt.Errorf("openai embedder: %w", err)
	}
	return &openAIEmbedder{cfg: cfg, emb: emb}, nil
}

// Identity implements Embedder.
func (e *openAIEmbedder) Identity() EmbedderIdentity {
	return EmbedderIdentity{Provider: ProviderOpenAI, Model: e.cfg.Model}
}

// Embed implements Embedder: batches of cfg.BatchSize texts, cfg.Concurrency
// requests in flight, each bounded by cfg.Timeout.
func (e *openAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return embedBatched(ctx, texts, e.cfg.BatchSize, e.cfg.Concurrency, e.cfg.Timeout, e.emb.EmbedDocuments)
}
