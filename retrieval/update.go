package retrieval

import (
	"context"
	"errors"
	"fmt"
	stdfnv "hash/fnv"
	"slices"
	"time"

	"policybot/policies"
	"policybot/policies/norm"
)

// ErrStale is returned by Pending.Apply when the index changed after the
// update was prepared: prepare it again.
var ErrStale = errors.New("retrieval: the index changed since the update was prepared")

// docPlan is a document as an update wants it: its chunks, their hashes
// and, once planned, which rows they reuse.
type docPlan struct {
	doc    *policies.Document
	chunks []Chunk
	hashes []uint64
	hash   uint64
	// folded are the folded IndexTexts, computed when needed.
	folded []string
	// same is the index's entry when it holds this very document (same
	// pointer): chunks and hashes are then left empty.
	same *docEntry
}

// text returns the folded IndexText of chunk i.
func (d *docPlan) text(i int) string {
	if d.folded == nil {
		d.folded = make([]string, len(d.chunks))
	}
	if d.folded[i] == "" {
		d.folded[i] = norm.Fold(d.chunks[i].IndexText())
	}
	return d.folded[i]
}

// planDocs cuts docs into chunks and hashes them, except those for which
// held returns true: the index holds that very document already, and they
// are planned from what it holds. It fails when two documents share an ID.
func planDocs(docs []*policies.Document, held func(*policies.Document) bool) ([]*docPlan, error) {
	out := make([]*docPlan, 0, len(docs))
	seen := map[string]bool{}
	for _, d := range docs {
		if d == nil {
			continue
		}
		if seen[d.ID] {
			return nil, fmt.Errorf("retrieval: two documents with ID %q: document IDs must be unique", d.ID)
		}
		seen[d.ID] = true
		p := &docPlan{doc: d}
		if held == nil || !held(d) {
			if err := p.expand(); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// expand cuts the document into chunks and hashes them.
func (p *docPlan) expand() error {
	p.chunks = Chunks([]*policies.Document{p.doc})
	p.hashes = make([]uint64, len(p.chunks))
	h := stdfnv.New64a()
	ids := map[string]bool{}
	for i, c := range p.chunks {
		if ids[c.ID] {
			return fmt.Errorf("retrieval: two chunks with ID %q: document IDs must be unique", c.ID)
		}
		ids[c.ID] = true
		p.hashes[i] = chunkHash(c)
		fmt.Fprintf(h, "%x,", p.hashes[i])
	}
	p.hash = max(h.Sum64(), 1) // 0 means "no document" in lexicalIndex.apply
	p.same = nil
	return nil
}

// chunkHash identifies what is indexed and embedded for c: its ID (which
// names its document) and its IndexText. Dates and other metadata are left
// out: filters read them from the documents, so a changed date needs no
// reindexing.
func chunkHash(c Chunk) uint64 {
	h := stdfnv.New64a()
	h.Write([]byte(c.ID))
	h.Write([]byte{0})
	h.Write([]byte(c.IndexText()))
	return max(h.Sum64(), 1)
}

// Pending is an update prepared by Prepare: what changes, and the vectors
// of a remote embedder already computed. Apply it, or drop it.
type Pending struct {
	ix      *Index
	version uint64
	want    []*docPlan
	// rows[i][j] is the row chunk j of want[i] reuses, -1 for a new one.
	rows [][]int
	// vecs are the remote embedder's vectors of the new chunks, in order
	// of want and chunk; nil for the local embedder, which embeds in Apply
	// with the document frequencies the update leads to.
	vecs [][]float32
	// lexStale lists the documents of want the lexical index must
	// reindex; lexGone the documents it must drop, with the chunk IDs to
	// delete.
	lexStale []int
	lexDel   []string
	lexGone  []string
	// freed are the rows no wanted chunk reuses.
	freed []int
	// Added, Changed and Removed count documents; Chunks counts the chunks
	// to index and embed.
	Added, Changed, Removed, Chunks int
}

// Empty reports whether applying p would change nothing but metadata.
func (p *Pending) Empty() bool { return p.Added+p.Changed+p.Removed == 0 }

// Prepare works out what making the index hold exactly docs (in that
// order) changes: the documents added, those whose text changed and those
// removed, down to the chunks, and embeds the new chunks when the embedder
// is remote. The index does not change until Apply. A document whose
// metadata only changed (dates, region) needs no reindexing.
//
// It fails when two chunks share an ID, when the embedder fails, or when
// ctx is done.
func (ix *Index) Prepare(ctx context.Context, docs []*policies.Document) (*Pending, error) {
	ix.mu.RLock()
	held := make(map[*policies.Document]bool, len(ix.docs))
	for _, e := range ix.docs {
		held[e.doc] = true
	}
	ix.mu.RUnlock()
	want, err := planDocs(docs, func(d *policies.Document) bool { return held[d] })
	if err != nil {
		return nil, err
	}
	return ix.prepare(ctx, want)
}

// Update makes the index hold exactly docs: Prepare and Apply.
func (ix *Index) Update(ctx context.Context, docs []*policies.Document) error {
	p, err := ix.Prepare(ctx, docs)
	if err != nil {
		return err
	}
	return p.Apply()
}

func (ix *Index) prepare(ctx context.Context, want []*docPlan) (*Pending, error) {
	ix.mu.RLock()
	p := &Pending{ix: ix, version: ix.version, want: want, rows: make([][]int, len(want))}
	reused := make([]bool, len(ix.slots))
	wanted := map[string]bool{}
	for i, d := range want {
		wanted[d.doc.ID] = true
		if d.chunks == nil {
			// Held by the index: reuse its rows, unless an update came
			// since Planning (then plan it like any other).
			if e := ix.docs[d.doc.ID]; e != nil && e.doc == d.doc && ix.lexHashes[d.doc.ID] == e.hash {
				d.same, d.hash = e, e.hash
				p.rows[i] = e.rows
				for _, r := range e.rows {
					reused[r] = true
				}
				continue
			}
			if err := d.expand(); err != nil {
				ix.mu.RUnlock()
				return nil, err
			}
		}
		p.rows[i] = make([]int, len(d.chunks))
		embed := false
		for j, c := range d.chunks {
			p.rows[i][j] = -1
			if r, ok := ix.byID[c.ID]; ok && ix.slots[r].hash == d.hashes[j] && !reused[r] {
				p.rows[i][j] = r
				reused[r] = true
			} else {
				p.Chunks++
				embed = true
			}
		}
		held := ix.lexHashes[d.doc.ID]
		if held != d.hash {
			p.lexStale = append(p.lexStale, i)
		}
		switch {
		case held == 0 && ix.docs[d.doc.ID] == nil:
			p.Added++
		case held != d.hash || embed:
			p.Changed++
		}
	}
	// The rows nothing reuses: chunks of removed or changed documents, and
	// rows loaded from disk that no wanted chunk matches.
	for r, s := range ix.slots {
		if (s.doc != nil || s.chunk.ID != "") && !reused[r] {
			p.freed = append(p.freed, r)
		}
	}
	for id := range ix.docs {
		if !wanted[id] {
			p.Removed++
		}
	}
	var gone []string
	for id := range ix.lexHashes {
		if !wanted[id] {
			gone = append(gone, id)
			if ix.docs[id] == nil {
				p.Removed++
			}
		}
	}
	slices.Sort(gone)
	p.lexGone = gone
	// The chunk IDs to delete from the lexical index: those of stale and
	// gone documents that the wanted chunks do not replace.
	wantIDs := map[string]bool{}
	for _, i := range p.lexStale {
		for _, c := range want[i].chunks {
			wantIDs[c.ID] = true
		}
	}
	var ask []string // documents only the lexical index knows the chunks of
	oldIDs := func(id string) {
		if e := ix.docs[id]; e != nil {
			for _, r := range e.rows {
				if c := ix.slots[r].chunk.ID; !wantIDs[c] {
					p.lexDel = append(p.lexDel, c)
				}
			}
		} else if ix.lexHashes[id] != 0 {
			ask = append(ask, id)
		}
	}
	for _, i := range p.lexStale {
		oldIDs(want[i].doc.ID)
	}
	for _, id := range gone {
		oldIDs(id)
	}
	lex := ix.lex
	_, local := ix.emb.(*LocalEmbedder)
	emb, ident := ix.emb, ix.ident
	ix.mu.RUnlock()

	for _, id := range ask {
		ids, err := lex.chunksOf(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, c := range ids {
			if !wantIDs[c] {
				p.lexDel = append(p.lexDel, c)
			}
		}
	}
	if !local && p.Chunks > 0 {
		start := time.Now()
		texts := make([]string, 0, p.Chunks)
		for i, d := range want {
			for j := range d.chunks {
				if p.rows[i][j] < 0 {
					texts = append(texts, d.text(j))
				}
			}
		}
		vecs, err := emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embed %d chunks with %s: %w", len(texts), emb.Identity(), err)
		}
		if len(vecs) != len(texts) {
			return nil, fmt.Errorf("%w: %s: %d vectors for %d chunks", ErrEmbedder, emb.Identity(), len(vecs), len(texts))
		}
		dim, err := normalize(vecs)
		if err != nil {
			return nil, fmt.Errorf("embed chunks with %s: %w", emb.Identity(), err)
		}
		if want := max(ident.Dim, emb.Identity().Dim); want != 0 && dim != want {
			return nil, fmt.Errorf("%w: %s: vectors of length %d, want %d", ErrEmbedder, emb.Identity(), dim, want)
		}
		p.vecs = vecs
		ix.log.Debug("retrieval: chunks embedded", "chunks", len(texts), "embedder", emb.Identity().String(), "took", time.Since(start).Round(time.Millisecond))
	}
	return p, ctx.Err()
}

// Apply makes the prepared change, in both the lexical and the vector
// index, at once for searches. It returns ErrStale when the index changed
// since Prepare, and the lexical index's error when it cannot be written;
// either way the index is unchanged. The local embedder's document
// frequencies follow the change; when they have drifted far from those the
// vectors were computed with, Apply retrains them and recomputes every
// vector (LEXICAL.md, "Incremental updates").
func (p *Pending) Apply() error {
	ix := p.ix
	start := time.Now()
	ix.mu.Lock()
	if ix.version != p.version {
		ix.mu.Unlock()
		return ErrStale
	}
	// The lexical index first: it is the part that can fail.
	var ups []lexDoc
	docHashes := map[string]uint64{}
	for _, i := range p.lexStale {
		d := p.want[i]
		for j, c := range d.chunks {
			ups = append(ups, lexDoc{id: c.ID, doc: d.doc.ID, text: d.text(j)})
		}
		docHashes[d.doc.ID] = d.hash
	}
	for _, id := range p.lexGone {
		docHashes[id] = 0
	}
	if err := ix.lex.apply(ups, p.lexDel, docHashes); err != nil {
		ix.mu.Unlock()
		return err
	}
	for id, h := range docHashes {
		if h == 0 {
			delete(ix.lexHashes, id)
		} else {
			ix.lexHashes[id] = h
		}
	}

	// The vectors. A local embedder first counts the chunks that leave and
	// those that come (untrained, it learns from every wanted chunk), then
	// embeds the new ones with the counts the change leads to.
	le, local := ix.emb.(*LocalEmbedder)
	if local {
		if le.df == nil {
			le = le.train(p.allTexts())
			ix.emb = le
		} else {
			var added, removed []string
			unknown := 0
			for _, r := range p.freed {
				if s := ix.slots[r]; s.doc != nil {
					removed = append(removed, norm.Fold(s.chunk.IndexText()))
				} else {
					unknown++ // loaded from disk, text unknown: cannot be uncounted
				}
			}
			for i, d := range p.want {
				for j := range d.chunks {
					if p.rows[i][j] < 0 {
						added = append(added, d.text(j))
					}
				}
			}
			le.adjust(added, removed, unknown)
		}
	}
	for _, r := range p.freed {
		s := &ix.slots[r]
		if s.chunk.ID != "" && ix.byID[s.chunk.ID] == r {
			delete(ix.byID, s.chunk.ID)
		}
		*s = slot{}
		ix.vec.unset(r)
		ix.free = append(ix.free, r)
	}
	// Lowest rows first, so that a corpus rebuilt in order fills rows in
	// order.
	slices.Sort(ix.free)
	slices.Reverse(ix.free)
	newRow := func() int {
		if n := len(ix.free); n > 0 {
			r := ix.free[n-1]
			ix.free = ix.free[:n-1]
			return r
		}
		ix.slots = append(ix.slots, slot{})
		return len(ix.slots) - 1
	}

	entries := make(map[string]*docEntry, len(p.want))
	var batch []string
	var batchRows []int
	embedLocal := func() {
		if len(batch) == 0 {
			return
		}
		// The local embedder fails only when its context is done.
		vs, _ := le.Embed(context.Background(), batch)
		for k, v := range vs {
			normalizeOne(v)
			ix.vec.set(batchRows[k], v)
		}
		batch, batchRows = batch[:0], batchRows[:0]
	}
	nv := 0
	for i, d := range p.want {
		if d.same != nil {
			entries[d.doc.ID] = d.same
			continue
		}
		e := ix.docs[d.doc.ID]
		if e == nil {
			e = &docEntry{num: ix.newNum()}
			ix.nums[e.num] = e
		}
		e.doc, e.hash, e.rows = d.doc, d.hash, make([]int, len(d.chunks))
		entries[d.doc.ID] = e
		for j, c := range d.chunks {
			r := p.rows[i][j]
			if r < 0 {
				r = newRow()
				switch {
				case local:
					batch = append(batch, d.text(j))
					batchRows = append(batchRows, r)
					if len(batch) == 256 {
						embedLocal()
					}
				default:
					ix.vec.set(r, p.vecs[nv])
					nv++
				}
			}
			ix.slots[r] = slot{chunk: c, hash: d.hashes[j], doc: e}
			ix.byID[c.ID] = r
			e.rows[j] = r
		}
		d.folded = nil
	}
	embedLocal()
	for id, e := range ix.docs {
		if entries[id] == nil {
			ix.nums[e.num] = nil
		}
	}
	ix.docs = entries
	ix.order = ix.order[:0]
	for _, d := range p.want {
		ix.order = append(ix.order, d.doc.ID)
	}
	if ix.ident = ix.emb.Identity(); ix.ident.Dim == 0 {
		ix.ident.Dim = ix.vec.dim()
	}
	ix.version++
	if p.Chunks > 0 || len(p.freed) > 0 {
		ix.dirty = true
	}
	ix.mu.Unlock()

	if p.Chunks > 0 || len(p.freed) > 0 || len(p.lexStale) > 0 || len(p.lexGone) > 0 {
		ix.log.Info("retrieval: index updated", "added", p.Added, "changed", p.Changed, "removed", p.Removed,
			"chunks", p.Chunks, "took", time.Since(start).Round(time.Microsecond))
	}
	if local && le.stale() {
		ix.retrain()
	}
	return nil
}

// newNum returns a free document number. ix.mu is held.
func (ix *Index) newNum() int {
	for i, e := range ix.nums {
		if e == nil {
			return i
		}
	}
	ix.nums = append(ix.nums, nil)
	return len(ix.nums) - 1
}

// retrain counts the document frequencies of the local embedder anew from
// the chunks of the index and recomputes every vector with them, beside
// the live ones (searches go on meanwhile), then swaps them in.
func (ix *Index) retrain() {
	start := time.Now()
	ix.mu.RLock()
	version := ix.version
	le, ok := ix.emb.(*LocalEmbedder)
	if !ok {
		ix.mu.RUnlock()
		return
	}
	var rows []int
	for _, id := range ix.order {
		rows = append(rows, ix.docs[id].rows...)
	}
	k := 0
	trained := le.train(func() (string, bool) {
		if k == len(rows) {
			return "", false
		}
		k++
		return norm.Fold(ix.slots[rows[k-1]].chunk.IndexText()), true
	})
	vec := newSlabStore(ix.vec.dim())
	for start := 0; start < len(rows); start += 256 {
		end := min(start+256, len(rows))
		texts := make([]string, 0, end-start)
		for _, r := range rows[start:end] {
			texts = append(texts, norm.Fold(ix.slots[r].chunk.IndexText()))
		}
		vs, _ := trained.Embed(context.Background(), texts)
		for i, v := range vs {
			normalizeOne(v)
			vec.set(rows[start+i], v)
		}
	}
	ix.mu.RUnlock()

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.version != version {
		return // an update came between; the next one retrains
	}
	ix.emb, ix.vec, ix.dirty = trained, vec, true
	ix.log.Info("retrieval: local embedder retrained", "chunks", len(rows), "took", time.Since(start).Round(time.Millisecond))
}

// allTexts iterates over the folded texts of every wanted chunk.
func (p *Pending) allTexts() func() (string, bool) {
	i, j := 0, 0
	return func() (string, bool) {
		for i < len(p.want) && j == len(p.want[i].chunks) {
			i, j = i+1, 0
		}
		if i == len(p.want) {
			return "", false
		}
		j++
		return p.want[i].text(j - 1), true
	}
}
