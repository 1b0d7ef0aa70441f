package retrieval

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrNotReady is returned by Live.Search before the first index is set.
var ErrNotReady = errors.New("retrieval: index not loaded yet")

// Live is the index questions are answered from. Publishing a new corpus
// version builds a new Index beside the live one and swaps it in with
// Swap: a question sees either the old corpus or the new one, never half a
// document. It is safe for concurrent use; the zero value has no index.
type Live struct {
	p atomic.Pointer[Index]
}

// NewLive returns a Live serving ix (which may be nil).
func NewLive(ix *Index) *Live {
	l := &Live{}
	if ix != nil {
		l.p.Store(ix)
	}
	return l
}

// Swap makes ix the live index and returns the previous one.
func (l *Live) Swap(ix *Index) *Index { return l.p.Swap(ix) }

// Current returns the live index, or nil before the first Swap.
func (l *Live) Current() *Index { return l.p.Load() }

// Search searches the live index; ErrNotReady before one is set.
func (l *Live) Search(ctx context.Context, q Query) ([]Hit, error) {
	ix := l.p.Load()
	if ix == nil {
		return nil, ErrNotReady
	}
	return ix.Search(ctx, q)
}

// DocFreq is Index.DocFreq on the live index; ErrNotReady before one is set.
func (l *Live) DocFreq(ctx context.Context, terms []string, q Query) (int, []int, error) {
	ix := l.p.Load()
	if ix == nil {
		return 0, nil, ErrNotReady
	}
	return ix.DocFreq(ctx, terms, q)
}

// Scopes returns the live index's document scopes (Index.Scopes); nil
// before an index is set.
func (l *Live) Scopes() []DocScope {
	ix := l.p.Load()
	if ix == nil {
		return nil
	}
	return ix.Scopes()
}

// ScopeOf is Index.ScopeOf on the live index; false before one is set.
func (l *Live) ScopeOf(id string) (DocScope, bool) {
	ix := l.p.Load()
	if ix == nil {
		return DocScope{}, false
	}
	return ix.ScopeOf(id)
}
