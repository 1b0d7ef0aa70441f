package corpus

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"policybot/corpus/record"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/retrieval"
)

// The live index: every change is planned on a snapshot, the index it
// leads to prepared, the change committed, the index swapped in or updated
// in place; Sync follows other replicas and retire dates.

// change plans a write on the current snapshot, builds the index the write
// leads to, commits the write and swaps the index in: a failed build
// commits nothing, and a failed commit leaves the old index live. A commit
// that loses a race with another replica is planned again.
func (s *Service) change(ctx context.Context, plan func(st *snapshot, now time.Time) (record.Change, error)) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return 0, errClosed
	}
	for attempt := 0; ; attempt++ {
		st, err := s.snapshot(ctx)
		if err != nil {
			return 0, err
		}
		now := s.now()
		ch, err := plan(st, now)
		if err != nil {
			return 0, err
		}
		ch.Base = st.gen
		next := st.apply(ch)
		docs, key, retireAt := next.liveSet(now)
		// The index change is prepared (and, with a remote embedder, the
		// new chunks embedded) before the commit, so that a failure
		// commits nothing; it is applied after.
		var ix *retrieval.Index
		var pending *retrieval.Pending
		if cur := s.live.Current(); cur == nil {
			if ix, err = s.build(ctx, docs); err != nil {
				return 0, fmt.Errorf("%w; nothing was changed", err)
			}
		} else if key != s.built.key {
			if pending, err = cur.Prepare(ctx, docs); err != nil {
				return 0, fmt.Errorf("update the index: %w; nothing was changed", err)
			}
		}
		gen, err := s.store.Commit(ctx, ch)
		if err != nil {
			if ix != nil {
				ix.Close()
			}
			if errors.Is(err, fault.Conflict) && attempt < 2 {
				s.log.Info("corpus: the store changed meanwhile; planning again", "err", err)
				continue
			}
			if errors.Is(err, fault.Conflict) {
				return 0, refuse(fault.Conflict, CodeChanged, "the corpus was changed by someone else at the same time: reload and try again", "文档库刚被他人修改，请刷新后重试")
			}
			return 0, fmt.Errorf("save the corpus change: %w", err)
		}
		// The versions this change stored are parsed already: the reload
		// the next request makes need not parse them again.
		s.snapMu.Lock()
		for _, v := range ch.Add {
			if v.Doc != nil {
				s.parsed[versionKey(v.DocID, v.N)] = parsed{sum: sha256.Sum256(v.Markdown), doc: v.Doc, findings: v.Findings}
			}
		}
		s.snapMu.Unlock()
		b := built{gen: gen, key: key, docs: docs, next: retireAt}
		switch {
		case ix != nil:
			s.swap(ix, b)
		case pending != nil:
			if err := s.apply(ctx, pending, b); err != nil {
				// Committed, but not live here: Run retries.
				s.built.gen = -1
				return 0, fmt.Errorf("the change was saved but the index could not follow (it will retry): %w", err)
			}
		default:
			s.built = b
		}
		for _, a := range ch.Audit {
			s.log.Info("corpus: "+string(a.Action), "who", a.Who, "doc", a.DocID, "from", a.FromVersion, "to", a.ToVersion, "detail", a.Detail.En)
		}
		s.onChange(gen)
		return gen, nil
	}
}

// Rebuild builds a new index from the versions live now, beside the live
// one, and swaps it into Live. A build that fails leaves the old index live
// and returns the error. (Changes need no rebuild: they update the live
// index in place; this is for an index that must be built anew.)
func (s *Service) Rebuild(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rebuild(ctx, true)
}

// Sync updates the index when the store changed since the last build (a
// change by another replica) or a retire date among the live versions has
// arrived, changing only the documents that changed; otherwise it does
// nothing. It reports whether the index changed.
func (s *Service) Sync(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return false, errClosed
	}
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return false, fmt.Errorf("corpus generation: %w", err)
	}
	now := s.now()
	if gen == s.built.gen && s.live.Current() != nil && (s.built.next.IsZero() || now.Before(s.built.next)) {
		return false, nil
	}
	before := s.built.key
	if err := s.rebuild(ctx, false); err != nil {
		return false, err
	}
	return s.built.key != before, nil
}

// rebuild loads the store and brings the index in Live to the live
// versions: unless force, only when they differ from it, and then by an
// incremental update of the documents that changed; with force, by a new
// index built beside it. s.mu is held.
func (s *Service) rebuild(ctx context.Context, force bool) error {
	if s.shut {
		return errClosed
	}
	st, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	docs, key, next := st.liveSet(now)
	b := built{gen: st.gen, key: key, docs: docs, next: next}
	cur := s.live.Current()
	switch {
	case !force && key == s.built.key && cur != nil:
		s.built.gen, s.built.next = st.gen, next
		return nil
	case !force && cur != nil:
		p, err := cur.Prepare(ctx, docs)
		if err != nil {
			return fmt.Errorf("update the index: %w", err)
		}
		return s.apply(ctx, p, b)
	}
	ix, err := s.build(ctx, docs)
	if err != nil {
		return err
	}
	s.swap(ix, b)
	return nil
}

// apply applies an update prepared on the live index and records b as
// what it holds. Should the update fail (the lexical index cannot be
// written), a new index is built beside and swapped in instead. s.mu is
// held.
func (s *Service) apply(ctx context.Context, p *retrieval.Pending, b built) error {
	if err := p.Apply(); err != nil {
		s.log.Error("corpus: incremental index update failed; building a new index", "err", err)
		ix, err := s.build(ctx, b.docs)
		if err != nil {
			return err
		}
		s.swap(ix, b)
		return nil
	}
	s.built = b
	s.liveDocs.Store(&b.docs)
	return nil
}

// build opens a new index of docs beside the live one (in new files of the
// data directory, Options.Fresh, when there is a live one: it keeps its
// files until it is closed).
func (s *Service) build(ctx context.Context, docs []*policies.Document) (*retrieval.Index, error) {
	opts := s.index
	opts.Fresh = s.live.Current() != nil
	ix, err := retrieval.Open(ctx, docs, opts)
	if err != nil {
		return nil, fmt.Errorf("build the index: %w", err)
	}
	return ix, nil
}

// swap puts ix live and closes the index it replaces after closeDelay,
// when the searches that started on it are long done. s.mu is held.
func (s *Service) swap(ix *retrieval.Index, b built) {
	old := s.live.Swap(ix)
	s.built = b
	s.liveDocs.Store(&b.docs)
	if old == nil || old == ix {
		return
	}
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	s.closing[old] = time.AfterFunc(s.closeDelay, func() {
		s.closeMu.Lock()
		delete(s.closing, old)
		s.closeMu.Unlock()
		if err := old.Close(); err != nil {
			s.log.Warn("corpus: close replaced index", "err", err)
		}
	})
}
