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

// newApp loads the corpus and opens (or builds) the index, for the CLI
// commands (ask, eval): conversations are JSON files under the data
// directory. Documents with errors are left out of the index, each with a
// log line. (serve uses the managed corpus instead: openCorpus.)
func newApp(ctx context.Context, cfg Config, logw io.Writer) (*app, error) {
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: cfg.LogLevel}))
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
	emb, err := cfg.embedder()
	if err != nil {
		return nil, err
	}
	ix, err := retrieval.Open(ctx, docs, retrieval.Options{
		Dir: filepath.Join(cfg.DataDir, "index"), Embedder: emb, Logger: log, Now: cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	b, hygiene, err := cfg.newBot(ix, fileConversations{dir: filepath.Join(cfg.DataDir, "conversations")}, log)
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, log: log, hygiene: hygiene, corpus: corpus, index: ix, bot: b}, nil
}

// newBot returns the bot over index with the configured rewriter, language
// model and hygiene rules (which it also returns, for the eval's check).
func (c Config) newBot(index bot.Searcher, conv bot.ConversationStore, log *slog.Logger) (*bot.Bot, *policies.Hygiene, error) {
	p, err := c.parser()
	if err != nil {
		return nil, nil, err
	}
	rw, err := c.rewriter()
	if err != nil {
		return nil, nil, err
	}
	gen, err := c.generator()
	if err != nil {
		return nil, nil, err
	}
	b, err := bot.New(bot.Config{
		Generator: gen, GeneratorTimeout: c.LLMDeadline, MaxGenerations: c.LLMConcurrency,
		BreakerFailures: c.LLMBreakerFailures, BreakerCooldown: c.LLMBreakerCooldown,
		Index: index, Rewriter: rw, Contact: c.Contact, HomeRegion: c.HomeRegion, Hygiene: p.Hygiene, Logger: log, Now: c.Now,
		Conversations: conv,
	})
	return b, p.Hygiene, err
}

// embedder returns the configured embedder (EMBED_*).
func (c Config) embedder() (retrieval.Embedder, error) {
	return retrieval.NewEmbedder(retrieval.EmbedConfig{
		Provider: c.EmbedProvider, BaseURL: c.EmbedBaseURL, Model: c.EmbedModel, APIKey: c.EmbedAPIKey,
	})
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
