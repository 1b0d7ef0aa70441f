package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"policybot/bot"
	"policybot/llm"
	"policybot/policies"
	"policybot/retrieval"
	"policybot/retrieval/query"
)

// app is the wired program: corpus, index, query rewriter and bot.
type app struct {
	cfg     Config
	log     *slog.Logger
	hygiene *policies.Hygiene
	corpus  *policies.Corpus
	index   *retrieval.Index
	bot     *bot.Bot
}

// newApp loads the corpus and opens (or builds) the index. Documents with
// errors are left out of the index, each with a log line.
// conv keeps the conversations; nil means one JSON file each under the data
// directory (the CLI's).
func newApp(ctx context.Context, cfg Config, logw io.Writer, conv bot.ConversationStore) (*app, error) {
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: cfg.LogLevel}))
	p, err := cfg.parser()
	if err != nil {
		return nil, err
	}
	corpus, err := cfg.loadCorpus()
	if err != nil {
		return nil, fmt.Errorf("load corpus: %w", err)
	}
	for _, f := range corpus.Findings {
		if f.Severity == policies.Error {
			log.Warn("document left out of the index", "finding", f.String())
		}
	}
	docs := corpus.Valid()
	if len(docs) == 0 {
		return nil, fmt.Errorf("the corpus has no valid document (run policybot check)")
	}
	emb, err := retrieval.NewEmbedder(retrieval.EmbedConfig{
		Provider: cfg.EmbedProvider, BaseURL: cfg.EmbedBaseURL, Model: cfg.EmbedModel, APIKey: cfg.EmbedAPIKey,
	})
	if err != nil {
		return nil, err
	}
	ix, err := retrieval.Open(ctx, docs, retrieval.Options{
		Dir: filepath.Join(cfg.DataDir, "index"), Embedder: emb, Logger: log, Now: cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	rw, err := cfg.rewriter()
	if err != nil {
		return nil, err
	}
	gen, err := cfg.generator()
	if err != nil {
		return nil, err
	}
	if conv == nil {
		conv = fileConversations{dir: filepath.Join(cfg.DataDir, "conversations")}
	}
	b, err := bot.New(bot.Config{
		Generator: gen, GeneratorTimeout: cfg.LLMTimeout,
		Index: ix, Rewriter: rw, Contact: cfg.Contact, Hygiene: p.Hygiene, Logger: log, Now: cfg.Now,
		Conversations: conv,
	})
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, log: log, hygiene: p.Hygiene, corpus: corpus, index: ix, bot: b}, nil
}

// generator returns the configured language model, or nil for offline
// answers (LLM_PROVIDER=none).
func (c Config) generator() (bot.Generator, error) {
	if c.LLMProvider == "none" {
		return nil, nil
	}
	g, err := llm.New(llm.Config{Provider: c.LLMProvider, BaseURL: c.LLMBaseURL, APIKey: c.LLMAPIKey, Model: c.LLMModel, Timeout: c.LLMTimeout})
	if err != nil {
		return nil, fmt.Errorf("LLM_PROVIDER=%s: %w", c.LLMProvider, err)
	}
	return g, nil
}

// rewriter returns the query rewriter with the officials' extra tables.
func (c Config) rewriter() (*query.Rewriter, error) {
	var syn, glo []io.Reader
	for _, x := range []struct {
		path string
		into *[]io.Reader
	}{{c.SynonymsFile, &syn}, {c.GlossaryFile, &glo}} {
		if x.path == "" {
			continue
		}
		f, err := os.Open(x.path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		*x.into = append(*x.into, f)
	}
	if syn == nil && glo == nil {
		return query.Default(), nil
	}
	return query.Load(syn, glo)
}
