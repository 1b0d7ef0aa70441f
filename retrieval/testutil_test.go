package retrieval

import (
	"context"
	"runtime"
	"testing"
)

// iterTexts hands texts to LocalEmbedder.train one by one.
func iterTexts(texts []string) func() (string, bool) {
	i := 0
	return func() (string, bool) {
		if i == len(texts) {
			return "", false
		}
		i++
		return texts[i-1], true
	}
}

// newLexicalIndex indexes the chunks (texts are their folded IndexTexts) in
// memory with the named analyzer, in one batch.
func newLexicalIndex(chunks []Chunk, texts []string, analyzer string) (*lexicalIndex, error) {
	l, err := newMemLexical(analyzer)
	if err != nil {
		return nil, err
	}
	docs := make([]lexDoc, len(chunks))
	for i, c := range chunks {
		docs[i] = lexDoc{id: c.ID, doc: c.DocID, text: texts[i]}
	}
	if err := l.apply(docs, nil, nil); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

// writeLexicalIndex builds the on-disk index of the chunks at path.
func writeLexicalIndex(path string, chunks []Chunk, texts []string, analyzer string) error {
	i := 0
	l, err := buildLexicalDir(path, analyzer, func() (lexDoc, bool) {
		if i == len(chunks) {
			return lexDoc{}, false
		}
		i++
		return lexDoc{id: chunks[i-1].ID, doc: chunks[i-1].DocID, text: texts[i-1]}, true
	}, nil)
	if err != nil {
		return err
	}
	return l.close()
}

// denseSearch ranks the chunks by the vectors alone (no filter).
func (ix *Index) denseSearch(ctx context.Context, folded string, n int) ([]Chunk, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	q, err := embedQuery(ctx, ix.emb, ix.ident, folded)
	if err != nil || q == nil {
		return nil, err
	}
	hits, err := ix.vec.nearest(ctx, q, n, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Chunk, len(hits))
	for i, h := range hits {
		out[i] = ix.slots[h.row].chunk
	}
	return out, nil
}

// byIDs maps lexical hits to the chunks.
func byIDs(tb testing.TB, chunks []Chunk, hits []lexHit) []Chunk {
	tb.Helper()
	pos := map[string]int{}
	for i, c := range chunks {
		pos[c.ID] = i
	}
	out := make([]Chunk, len(hits))
	for i, h := range hits {
		p, ok := pos[h.id]
		if !ok {
			tb.Fatalf("lexical hit %q is no chunk", h.id)
		}
		out[i] = chunks[p]
	}
	return out
}

// liveHeap is the heap in use after two collections.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
