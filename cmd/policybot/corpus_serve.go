package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/corpus"
	"policybot/corpus/record"
	"policybot/ingest"
	"policybot/policies"
	"policybot/retrieval"
	"policybot/store"
	"policybot/web"
)

// seedAuthor is who the audit log says seeded the store.
const seedAuthor = "system"

// corpusDB is what the managed corpus keeps its state in: the SQLite or
// the PostgreSQL store.
type corpusDB interface {
	record.Store
	convlog.QuestionSource
}

var (
	_ corpusDB = (*store.SQLite)(nil)
	_ corpusDB = (*store.Postgres)(nil)
)

// openCorpus opens the managed corpus of `policybot serve` over st: on the
// first start it seeds the empty store from POLICYBOT_CORPUS_DIR (or the
// bundled corpus); after that the store is the source of truth. It builds
// the index of the published documents into the returned Live, which the
// bot searches. The caller runs svc.Run(ctx) in the background (retire
// dates, other replicas' changes) and calls svc.Close() after the server
// has stopped.
func openCorpus(ctx context.Context, cfg Config, adm AdminConfig, st corpusDB, log *slog.Logger) (*corpus.Service, *retrieval.Live, error) {
	p, err := cfg.parser()
	if err != nil {
		return nil, nil, err
	}
	emb, err := cfg.embedder()
	if err != nil {
		return nil, nil, err
	}
	live := retrieval.NewLive(nil)
	svc, err := corpus.New(corpus.Options{
		Store: st, Live: live, Parser: p, Questions: st, Now: cfg.Now, Logger: log,
		Index:   retrieval.Options{Dir: filepath.Join(cfg.DataDir, "index"), Embedder: emb, Logger: log, Now: cfg.Now},
		Convert: converter(cfg.ingestOptions(adm)),
	})
	if err != nil {
		return nil, nil, err
	}
	var seed fs.FS
	if cfg.CorpusDir != "" {
		seed = os.DirFS(cfg.CorpusDir)
	} else if seed, err = policies.BundledFS(); err != nil {
		return nil, nil, err
	}
	n, err := svc.Seed(ctx, seedAuthor, seed)
	if err != nil {
		return nil, nil, fmt.Errorf("seed the corpus: %w", err)
	}
	if n > 0 {
		log.Info("corpus: seeded the empty store", "versions", n, "from", cfg.CorpusDir)
	}
	if _, err := svc.Sync(ctx); err != nil {
		svc.Close()
		return nil, nil, fmt.Errorf("open index: %w", err)
	}
	if len(svc.LiveDocuments()) == 0 {
		log.Warn("corpus: no published document: every question will be refused until one is published at /admin")
	}
	return svc, live, nil
}

// adminHandler is the admin surface of `policybot serve` (404 everywhere
// when no admin token is configured).
func adminHandler(cfg Config, adm AdminConfig, svc *corpus.Service, log *slog.Logger) http.Handler {
	return web.NewAdminHandler(web.AdminDeps{
		Corpus: svc, Tokens: adm.Tokens, MaxUpload: adm.MaxUpload, PublicURL: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies,
		Logger: log, Now: cfg.Now,
	})
}

// newCorpusBot is the bot of `policybot serve` over the managed corpus:
// it searches live (the index the corpus Service swaps) instead of an index
// of the corpus files.
func newCorpusBot(cfg Config, live *retrieval.Live, conv convlog.Conversations, log *slog.Logger) (*bot.Bot, error) {
	b, _, err := cfg.newBot(live, conv, log)
	return b, err
}

// converter is ingest.Convert with the limits of opts, as the corpus takes
// it: the corpus does not import the file formats' adapter.
func converter(opts ingest.Options) corpus.Converter {
	return func(ctx context.Context, name string, data []byte, meta policies.Meta) (corpus.Converted, error) {
		res, err := ingest.Convert(ctx, name, data, meta, opts)
		return corpus.Converted(res), err
	}
}
