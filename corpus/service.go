package corpus

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"policybot/bot/convlog"
	"policybot/corpus/record"
	"policybot/policies"
	"policybot/retrieval"
)

// Options are what a Service is made of.
type Options struct {
	// Store keeps the versions and the audit log (required).
	Store record.Store
	// Live is the index the bot searches (required). The Service owns every
	// index it swaps out of Live and closes it, after CloseDelay.
	Live *retrieval.Live
	// Index are the options of every index build (embedder, directory,
	// clock).
	Index retrieval.Options
	// Parser reads and checks the documents; nil means the default rules.
	Parser *policies.Parser
	// Convert turns uploads into the corpus format (cmd wires in
	// ingest.Convert with its limits); nil means uploads are taken only
	// in the corpus format itself, Markdown with front matter.
	Convert Converter
	// Questions are the refused and 👎 questions Insights groups; nil
	// turns Insights off.
	Questions convlog.QuestionSource
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// OnChange is called, with the new generation, after a change this
	// Service committed is live here: the hook to tell other replicas,
	// which then call Sync. It must not block.
	OnChange func(generation int64)
	// CheckEvery is how often Run calls Sync (retire dates that arrive,
	// changes made by other replicas); 0 means a minute.
	CheckEvery time.Duration
	// CloseDelay is how long a replaced index stays open for the searches
	// that started on it; 0 means two minutes. A search takes milliseconds.
	CloseDelay time.Duration
}

// Service manages the corpus. It is safe for concurrent use: writes (and
// index builds) are serialised, reads are served from a snapshot of the
// store that is reloaded when the store's generation moves.
type Service struct {
	store      record.Store
	live       *retrieval.Live
	index      retrieval.Options
	parser     *policies.Parser
	convert    Converter
	questions  convlog.QuestionSource
	now        func() time.Time
	log        *slog.Logger
	onChange   func(int64)
	checkEvery time.Duration
	closeDelay time.Duration

	// mu serialises the writes and the builds; built is what Live holds;
	// shut is set by Close.
	mu    sync.Mutex
	built built
	shut  bool
	// liveDocs are built.docs, for readers that must not wait for a build.
	liveDocs atomic.Pointer[[]*policies.Document]

	snapMu sync.Mutex
	snap   *snapshot
	parsed map[string]parsed // by versionKey

	closeMu sync.Mutex
	closing map[*retrieval.Index]*time.Timer
}

// built describes the index in Live.
type built struct {
	gen  int64  // the store generation it was built at; -1 before the first
	key  string // the live versions it holds
	docs []*policies.Document
	// next is the earliest future retire date among the live versions:
	// Sync rebuilds when it passes.
	next time.Time
}

type parsed struct {
	sum      [32]byte
	doc      *policies.Document
	findings []policies.Finding
}

// New returns a Service. Call Seed (on first start) and Sync before
// serving, and Run in the background.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Live == nil {
		return nil, errors.New("corpus: Store and Live are required")
	}
	s := &Service{
		store: opts.Store, live: opts.Live, index: opts.Index, parser: opts.Parser, convert: opts.Convert,
		questions: opts.Questions, now: opts.Now, log: opts.Logger, onChange: opts.OnChange,
		checkEvery: opts.CheckEvery, closeDelay: opts.CloseDelay,
		built: built{gen: -1}, parsed: map[string]parsed{}, closing: map[*retrieval.Index]*time.Timer{},
	}
	if s.parser == nil {
		s.parser = &policies.Parser{}
	}
	if s.convert == nil {
		s.convert = corpusFormatOnly
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.onChange == nil {
		s.onChange = func(int64) {}
	}
	if s.checkEvery <= 0 {
		s.checkEvery = time.Minute
	}
	if s.closeDelay <= 0 {
		s.closeDelay = 2 * time.Minute
	}
	return s, nil
}

// Run calls Sync every CheckEvery until ctx is done, logging failures: it
// takes retired documents out when their date arrives and picks up other
// replicas' changes.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.checkEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if rebuilt, err := s.Sync(ctx); err != nil {
				if ctx.Err() == nil {
					s.log.Error("corpus: sync failed; the previous index stays live", "err", err)
				}
			} else if rebuilt {
				s.log.Info("corpus: index updated", "generation", s.generation())
			}
		}
	}
}

func (s *Service) generation() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.built.gen
}

// Close closes the indexes the Service swapped out and still keeps open
// for searches in flight, and the live one. Call it after the server has
// stopped answering.
func (s *Service) Close() error {
	// Wait for a build in progress; none starts after.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shut = true
	s.closeMu.Lock()
	pending := s.closing
	s.closing = map[*retrieval.Index]*time.Timer{}
	s.closeMu.Unlock()
	var errs []error
	for ix, t := range pending {
		if t.Stop() {
			errs = append(errs, ix.Close())
		}
	}
	if ix := s.live.Current(); ix != nil {
		errs = append(errs, ix.Close())
	}
	return errors.Join(errs...)
}

// errNothing ends a change that has nothing to write.
var errNothing = errors.New("nothing to change")

// errClosed is returned for a change or a build after Close.
var errClosed = errors.New("corpus: the service is closed")
