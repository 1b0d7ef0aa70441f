package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/corpus"
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
	index   bot.Searcher
	bot     *bot.Bot
	// source says where the documents come from, for the log.
	source string
	close  func()
}

// newApp opens the documents the CLI commands (ask, eval) answer from and
// their index: the same published documents as `policybot serve` when the
// data directory holds serve's store (or DATABASE_URL names one), so that
// an official who publishes and checks with ask sees what companies see;
// else POLICYBOT_CORPUS_DIR or the bundled corpus. Conversations are JSON
// files under the data directory.
func newApp(ctx context.Context, cfg Config, logw io.Writer) (*app, error) {
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if a, ok, err := storeApp(ctx, cfg, log); ok || err != nil {
		return a, err
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
	source := "bundled corpus"
	if cfg.CorpusDir != "" {
		source = cfg.CorpusDir
	}
	return &app{cfg: cfg, log: log, hygiene: hygiene, index: ix, bot: b, source: source, close: func() { ix.Close() }}, nil
}

// storeApp is newApp over serve's store: it reports false when there is
// none to read (no POLICYBOT_CORPUS_DIR is given, no DATABASE_URL, and no
// store file in the data directory).
func storeApp(ctx context.Context, cfg Config, log *slog.Logger) (*app, bool, error) {
	if cfg.CorpusDir != "" {
		return nil, false, nil // the files named are what is asked about
	}
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, dbFile)); err != nil {
			return nil, false, nil
		}
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, true, fmt.Errorf("open the store (%s): %w", cfg.DataDir, err)
	}
	p, err := cfg.parser()
	if err != nil {
		db.Close()
		return nil, true, err
	}
	emb, err := cfg.embedder()
	if err != nil {
		db.Close()
		return nil, true, err
	}
	live := retrieval.NewLive(nil)
	// The index is built in memory: a running serve owns the one on disk.
	svc, err := corpus.New(corpus.Options{Store: db, Live: live, Parser: p, Questions: db, Now: cfg.Now, Logger: log,
		Index: retrieval.Options{Embedder: emb, Logger: log, Now: cfg.Now}})
	if err != nil {
		db.Close()
		return nil, true, err
	}
	if _, err := svc.Sync(ctx); err != nil {
		svc.Close()
		db.Close()
		return nil, true, fmt.Errorf("open index: %w", err)
	}
	if len(svc.LiveDocuments()) == 0 {
		svc.Close()
		db.Close()
		return nil, true, fmt.Errorf("the store in %s has no published document: publish one at /admin, or set POLICYBOT_CORPUS_DIR (商店中没有已发布的文件)", db.where)
	}
	b, hygiene, err := cfg.newBot(live, fileConversations{dir: filepath.Join(cfg.DataDir, "conversations")}, log)
	if err != nil {
		svc.Close()
		db.Close()
		return nil, true, err
	}
	log.Debug("answering from the store", "where", db.where, "documents", len(svc.LiveDocuments()))
	return &app{cfg: cfg, log: log, hygiene: hygiene, index: live, bot: b, source: db.where,
		close: func() { svc.Close(); db.Close() }}, true, nil
}

// newBot returns the bot over index with the configured rewriter, language
// model and hygiene rules (which it also returns, for the eval's check).
func (c Config) newBot(index bot.Searcher, conv convlog.Conversations, log *slog.Logger) (*bot.Bot, *policies.Hygiene, error) {
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
	routes, err := c.routes()
	if err != nil {
		return nil, nil, err
	}
	b, err := bot.New(bot.Config{
		Routes:    routes,
		Generator: gen, GeneratorTimeout: c.LLMDeadline, MaxGenerations: c.LLMConcurrency,
		BreakerFailures: c.LLMBreakerFailures, BreakerCooldown: c.LLMBreakerCooldown,
		Index: index, Rewriter: rw, Contact: c.Contact, HomeRegion: c.HomeRegion, Hygiene: p.Hygiene, Logger: log, Now: c.Now,
		Conversations: conv,
	})
	return b, p.Hygiene, err
}

// embedder returns the configured embedder (EMBED_*): the offline local
// one, or a server's through package llm.
func (c Config) embedder() (retrieval.Embedder, error) {
	if c.EmbedProvider == retrieval.ProviderLocal {
		return retrieval.NewLocalEmbedder(0), nil
	}
	e, err := llm.NewEmbedder(llm.EmbedConfig{
		Provider: c.EmbedProvider, BaseURL: c.EmbedBaseURL, Model: c.EmbedModel, APIKey: c.EmbedAPIKey,
	})
	if err != nil {
		return nil, fmt.Errorf("EMBED_PROVIDER=%s: %w", c.EmbedProvider, err)
	}
	return e, nil
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

// routes returns the directory of departments the bot routes uncovered
// topics to: the embedded bot/routes.txt plus POLICYBOT_ROUTES_FILE.
func (c Config) routes() (*bot.Routes, error) {
	if c.RoutesFile == "" {
		return bot.DefaultRoutes(), nil
	}
	f, err := os.Open(c.RoutesFile)
	if err != nil {
		return nil, fmt.Errorf("POLICYBOT_ROUTES_FILE: %w", err)
	}
	defer f.Close()
	rs, err := bot.LoadRoutes(f)
	if err != nil {
		return nil, fmt.Errorf("POLICYBOT_ROUTES_FILE: %w", err)
	}
	return rs, nil
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
