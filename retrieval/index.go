package retrieval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"policybot/policies"
	"policybot/policies/norm"
)

// DefaultK is the number of hits Search returns when Query.K is not set.
const DefaultK = 5

// MaxK is the most hits Search returns.
const MaxK = 100

// Candidates is how many chunks each of the lexical and dense rankings
// contributes to the fusion (more when Query.K is larger).
const Candidates = 50

// ErrInvalidQuery reports a query that cannot be run: empty text or an
// unknown category.
var ErrInvalidQuery = errors.New("retrieval: invalid query")

// Options configure Open.
type Options struct {
	// Dir is the data directory of the index (e.g. ./data/index). Empty
	// keeps the index in memory only and rebuilds it at every Open.
	Dir string
	// Embedder computes the dense vectors; nil means NewLocalEmbedder(0).
	Embedder Embedder
	// Logger receives build and rebuild notices; nil discards them.
	Logger *slog.Logger
	// Now is the clock for queries without AsOf; nil means time.Now.
	Now func() time.Time
}

// Query is one search.
type Query struct {
	// Text is the question or a rewrite of it.
	Text string
	// K is the number of hits wanted; 0 means DefaultK, at most MaxK.
	K int
	// Category, when set, keeps only chunks of that category.
	Category policies.Category
	// DocID, when set, keeps only chunks of that document.
	DocID string
	// AsOf keeps only documents in force on that day; zero means today by
	// Options.Now.
	AsOf time.Time
	// IncludeInactive disables the in-force filter (expired and not yet
	// effective documents are returned too).
	IncludeInactive bool
}

// Hit is one retrieved chunk.
type Hit struct {
	Chunk Chunk
	// Score is the fused reciprocal-rank score; higher is better.
	Score float64
	// LexRank is the 1-based rank in the BM25 list, 0 when not in it.
	LexRank  int
	LexScore float64
	// DenseRank is the 1-based rank in the vector list, 0 when not in it.
	DenseRank int
	// DenseScore is the cosine similarity to the query.
	DenseScore float64
}

// Index answers Search over a fixed set of chunks. It is safe for
// concurrent use.
type Index struct {
	chunks []Chunk
	byID   map[string]int
	docs   []docInfo
	lex    *lexicalIndex
	vec    vectorStore
	emb    Embedder
	ident  EmbedderIdentity
	log    *slog.Logger
	now    func() time.Time

	closeOnce sync.Once
	closeErr  error
}

// docInfo is what the filters need to know of a document.
type docInfo struct {
	doc    *policies.Document
	chunks int
}

// Open returns the index of docs.
//
// With a Dir, Open reuses what is saved there when it was built from the
// same chunks, by the same format and, for the vectors, by the same
// embedder; otherwise (missing, stale, damaged) it rebuilds the part that
// does not match, saves it and logs why. The lexical and the vector parts
// are checked and rebuilt separately, so a damaged BM25 index never costs a
// re-embedding of the corpus by a remote model.
//
// Open fails when the embedder fails while building, when two chunks share
// an ID, or when ctx is done. Failing to save is logged, not returned: the
// index works from memory and is rebuilt at the next Open.
func Open(ctx context.Context, docs []*policies.Document, opts Options) (*Index, error) {
	ix := &Index{log: opts.Logger, now: opts.Now, emb: opts.Embedder}
	if ix.log == nil {
		ix.log = slog.New(slog.DiscardHandler)
	}
	if ix.now == nil {
		ix.now = time.Now
	}
	if ix.emb == nil {
		ix.emb = NewLocalEmbedder(0)
	}

	ix.chunks = Chunks(docs)
	ix.byID = make(map[string]int, len(ix.chunks))
	for i, c := range ix.chunks {
		if _, dup := ix.byID[c.ID]; dup {
			return nil, fmt.Errorf("retrieval: two chunks with ID %q: document IDs must be unique", c.ID)
		}
		ix.byID[c.ID] = i
	}
	docIndex := map[string]int{}
	for _, d := range docs {
		if d == nil {
			continue
		}
		if _, ok := docIndex[d.ID]; !ok {
			docIndex[d.ID] = len(ix.docs)
			ix.docs = append(ix.docs, docInfo{doc: d})
		}
	}
	for _, c := range ix.chunks {
		ix.docs[docIndex[c.DocID]].chunks++
	}
	texts := make([]string, len(ix.chunks))
	for i, c := range ix.chunks {
		texts[i] = norm.Fold(c.IndexText())
	}
	fp := fingerprint(ix.chunks, texts)

	dir := opts.Dir
	var old *manifest
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			ix.log.Warn("retrieval: cannot use index directory; keeping the index in memory", "dir", dir, "err", err)
			dir = ""
		} else {
			m, reason, err := ix.checkManifest(dir, fp)
			if err != nil {
				ix.log.Info("retrieval: building index", "dir", dir, "reason", reason, "detail", err)
			}
			old = m
		}
	}

	next := &manifest{Format: FormatVersion, Corpus: fp, Chunks: len(ix.chunks)}
	if old != nil && old.Lexical != nil {
		if err := ix.loadLexical(dir, old.Lexical); err != nil {
			ix.log.Info("retrieval: rebuilding lexical index", "dir", dir, "reason", "files damaged", "detail", err)
		} else {
			next.Lexical = old.Lexical
		}
	}
	if old != nil && old.Vectors != nil {
		if reason, err := ix.loadVectors(ctx, dir, old.Vectors); err != nil {
			if ctx.Err() != nil {
				ix.Close()
				return nil, ctx.Err()
			}
			ix.log.Info("retrieval: rebuilding vectors", "dir", dir, "reason", reason, "detail", err)
		} else {
			next.Vectors = old.Vectors
		}
	}

	if ix.lex == nil {
		part, err := ix.buildLexical(dir, texts)
		if err != nil {
			return nil, err
		}
		next.Lexical = part
	}
	if ix.vec == nil {
		part, err := ix.buildVectors(ctx, dir, texts)
		if err != nil {
			ix.Close()
			return nil, err
		}
		next.Vectors = part
	}
	if dir != "" && (next.Lexical != nil && next.Vectors != nil) && (old == nil || next.Lexical != old.Lexical || next.Vectors != old.Vectors) {
		next.Built = ix.now().UTC()
		if err := writeManifest(dir, next); err != nil {
			ix.log.Warn("retrieval: cannot save index; it will be rebuilt at next start", "dir", dir, "err", err)
		}
	}
	return ix, nil
}

// checkManifest reads dir's manifest and checks that it describes this
// corpus in this format. It returns nil and, for the log, a short reason
// and the error when the saved index cannot be used at all.
func (ix *Index) checkManifest(dir, fp string) (*manifest, string, error) {
	m, err := readManifest(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, "no index yet", err
	case err != nil:
		return nil, "manifest unreadable", err
	case m.Format != FormatVersion:
		return nil, "format changed", fmt.Errorf("format %d, want %d", m.Format, FormatVersion)
	case m.Corpus != fp || m.Chunks != len(ix.chunks):
		return nil, "corpus changed", fmt.Errorf("corpus %.12s with %d chunks, want %.12s with %d", m.Corpus, m.Chunks, fp, len(ix.chunks))
	}
	return m, "", nil
}

// loadLexical opens the saved bleve index after checking its files.
func (ix *Index) loadLexical(dir string, p *lexicalPart) error {
	if p.Analyzer != BigramAnalyzer {
		return fmt.Errorf("built with analyzer %q, want %q", p.Analyzer, BigramAnalyzer)
	}
	if p.Dir == "" || filepath.Base(p.Dir) != p.Dir || !strings.HasPrefix(p.Dir, lexicalPrefix) {
		return fmt.Errorf("bad lexical directory %q", p.Dir)
	}
	path := filepath.Join(dir, p.Dir)
	// bleve parses the segment files lazily, through mmap: damaged bytes
	// would surface as a panic in a later search, so check them first.
	if err := checkTree(path, p.Files); err != nil {
		return err
	}
	lex, err := openLexicalIndex(path, ix.chunks)
	if err != nil {
		return err
	}
	ix.lex = lex
	return nil
}

// buildLexical builds the lexical index: in dir when there is one (and
// reopens it from there), else in memory.
func (ix *Index) buildLexical(dir string, texts []string) (*lexicalPart, error) {
	start := time.Now()
	defer func() {
		ix.log.Debug("retrieval: lexical index built", "chunks", len(ix.chunks), "took", time.Since(start).Round(time.Millisecond))
	}()
	// bleve's offline builder panics on zero documents; an empty corpus is
	// rebuilt in no time anyway.
	if dir != "" && len(ix.chunks) > 0 {
		part, err := writeLexicalDir(dir, ix.chunks, texts, BigramAnalyzer)
		if err == nil {
			lex, err2 := openLexicalIndex(filepath.Join(dir, part.Dir), ix.chunks)
			if err2 == nil {
				ix.lex = lex
				return part, nil
			}
			err = err2
		}
		ix.log.Warn("retrieval: cannot save lexical index; keeping it in memory", "dir", dir, "err", err)
	}
	lex, err := newLexicalIndex(ix.chunks, texts, BigramAnalyzer)
	if err != nil {
		return nil, err
	}
	ix.lex = lex
	return nil, nil
}

// loadVectors loads the saved vectors after checking the embedder and the
// files. On failure it returns a short reason for the log and the error.
func (ix *Index) loadVectors(ctx context.Context, dir string, p *vectorPart) (string, error) {
	want := ix.emb.Identity()
	if p.Embedder.Provider != want.Provider || p.Embedder.Model != want.Model || (want.Dim != 0 && p.Embedder.Dim != want.Dim) {
		return "embedder changed", fmt.Errorf("built by %s (dim %d), now %s (dim %d)", p.Embedder, p.Embedder.Dim, want, want.Dim)
	}
	emb := ix.emb
	if _, ok := ix.emb.(*LocalEmbedder); ok {
		data, err := readChecked(dir, p.Files, embedderFile)
		if err != nil {
			return "files damaged", err
		}
		trained, err := unmarshalLocal(data)
		if err != nil {
			return "files damaged", err
		}
		if trained.dim != want.Dim {
			return "embedder changed", fmt.Errorf("saved dim %d, want %d", trained.dim, want.Dim)
		}
		emb = trained
	}
	data, err := readChecked(dir, p.Files, vectorsFile)
	if err != nil {
		return "files damaged", err
	}
	store, err := importChromemStore(emb, data)
	if err != nil {
		return "files damaged", err
	}
	if store.count() != len(ix.chunks) {
		return "files damaged", fmt.Errorf("%d vectors for %d chunks", store.count(), len(ix.chunks))
	}
	for _, c := range ix.chunks {
		d, err := store.dim(ctx, c.ID)
		if err != nil || d != p.Embedder.Dim {
			return "files damaged", fmt.Errorf("vector of %s: dim %d, want %d (%v)", c.ID, d, p.Embedder.Dim, err)
		}
	}
	ix.emb, ix.vec, ix.ident = emb, store, p.Embedder
	return "", nil
}

// buildVectors embeds every chunk and fills the vector store; with a dir it
// saves them.
func (ix *Index) buildVectors(ctx context.Context, dir string, texts []string) (*vectorPart, error) {
	start := time.Now()
	files := map[string][]byte{}
	emb := ix.emb
	if le, ok := emb.(*LocalEmbedder); ok {
		trained := le.train(texts)
		state, err := trained.marshal()
		if err != nil {
			return nil, fmt.Errorf("local embedder state: %w", err)
		}
		files[embedderFile] = state
		emb = trained
	}

	var vecs [][]float32
	ident := emb.Identity()
	if len(texts) > 0 {
		var err error
		vecs, err = emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embed corpus with %s: %w", ident, err)
		}
		if len(vecs) != len(texts) {
			return nil, fmt.Errorf("%w: %s: %d vectors for %d chunks", ErrEmbedder, ident, len(vecs), len(texts))
		}
		dim, err := normalize(vecs)
		if err != nil {
			return nil, fmt.Errorf("embed corpus with %s: %w", ident, err)
		}
		if ident.Dim != 0 && dim != ident.Dim {
			return nil, fmt.Errorf("%w: %s: vectors of length %d, want %d", ErrEmbedder, ident, dim, ident.Dim)
		}
		ident.Dim = dim
	}
	embedTook := time.Since(start)

	ids := make([]string, len(ix.chunks))
	meta := make([]map[string]string, len(ix.chunks))
	for i, c := range ix.chunks {
		ids[i] = c.ID
		meta[i] = map[string]string{metaDoc: c.DocID, metaCategory: string(c.Category)}
	}
	store, err := newChromemStore(ctx, emb, ids, vecs, meta)
	if err != nil {
		return nil, err
	}
	ix.emb, ix.vec, ix.ident = emb, store, ident
	ix.log.Info("retrieval: vectors built", "chunks", len(ix.chunks), "embedder", ident.String(),
		"dim", ident.Dim, "took", time.Since(start).Round(time.Millisecond),
		"embed_took", embedTook.Round(time.Millisecond))

	if dir == "" {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := store.export(&buf); err != nil {
		ix.log.Warn("retrieval: cannot save vectors; they will be rebuilt at next start", "dir", dir, "err", err)
		return nil, nil
	}
	files[vectorsFile] = buf.Bytes()
	sums, err := writeFiles(dir, files)
	if err != nil {
		ix.log.Warn("retrieval: cannot save vectors; they will be rebuilt at next start", "dir", dir, "err", err)
		return nil, nil
	}
	return &vectorPart{Embedder: ident, Files: sums}, nil
}

// Close releases the lexical index. Search must not be called after;
// calling Close again does nothing.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		if ix.lex != nil {
			ix.closeErr = ix.lex.close()
		}
	})
	return ix.closeErr
}

// Chunks returns every chunk of the index, in corpus order. The slice is a
// copy.
func (ix *Index) Chunks() []Chunk { return slices.Clone(ix.chunks) }

// EmbedderName names the embedder that built the vectors, e.g.
// "local-hashed-ngram-v1" or "openai:text-embedding-3-small".
func (ix *Index) EmbedderName() string { return ix.ident.String() }

// Search returns up to q.K chunks for q.Text, best first, from the chunks
// that pass q's filters; chunks filtered out are never returned. The BM25
// and vector rankings are computed concurrently and fused (RRF, RRFK).
//
// It returns ErrInvalidQuery for empty text or an unknown category, and
// ctx's error when ctx is done. When the embedder fails (a remote server
// down), the error is logged and the hits come from BM25 alone, with
// DenseRank 0.
func (ix *Index) Search(ctx context.Context, q Query) ([]Hit, error) {
	text := norm.Fold(strings.TrimSpace(q.Text))
	if text == "" {
		return nil, fmt.Errorf("%w: empty text", ErrInvalidQuery)
	}
	if q.Category != "" && !q.Category.Valid() {
		return nil, fmt.Errorf("%w: unknown category %q", ErrInvalidQuery, q.Category)
	}
	k := q.K
	if k <= 0 {
		k = DefaultK
	}
	k = min(k, MaxK)
	n := max(Candidates, k)

	f := ix.filter(q)
	if f.none {
		return nil, nil
	}

	var dense []scored
	var denseErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		dense, denseErr = ix.denseSearch(ctx, text, n, f)
	}()
	lex, lexErr := ix.lex.search(ctx, text, n, f.docIDs)
	<-done
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lexErr != nil {
		return nil, lexErr
	}
	if denseErr != nil {
		ix.log.Warn("retrieval: vector search failed; using BM25 only", "embedder", ix.ident.String(), "err", denseErr)
		dense = nil
	}

	var hits []Hit
	for _, c := range fuse(RRFK, lex, dense) {
		ch := ix.chunks[c.pos]
		if !f.allows(ch.DocID) {
			// Both searches filter already; this guards the promise.
			ix.log.Error("retrieval: filtered chunk reached fusion", "chunk", ch.ID)
			continue
		}
		hits = append(hits, Hit{
			Chunk: ch, Score: c.score,
			LexRank: c.lexRank, LexScore: c.lexScore,
			DenseRank: c.denseRank, DenseScore: c.denseScore,
		})
		if len(hits) == k {
			break
		}
	}
	return hits, nil
}

// DocFreq returns the number of chunks in the index and, for each term, the
// number of chunks whose indexed text contains it. Terms are folded text
// (norm.Fold) in the lexical index's tokens: two Han characters (a bigram)
// or a Latin word. The answerer uses it to tell the words that single out a
// few articles from the words every article has.
func (ix *Index) DocFreq(ctx context.Context, terms []string) (n int, df []int, err error) {
	return ix.lex.docFreq(ctx, terms)
}

// denseSearch returns up to n chunks by cosine similarity that pass f.
func (ix *Index) denseSearch(ctx context.Context, text string, n int, f filter) ([]scored, error) {
	if ix.vec.count() == 0 {
		return nil, nil
	}
	vecs, err := ix.emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed query with %s: %w", ix.ident, err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("%w: %d vectors for one query", ErrEmbedder, len(vecs))
	}
	v := vecs[0]
	if len(v) != ix.ident.Dim {
		// The model behind the name changed. Open cannot see that without
		// calling the server, so the saved vectors must be removed by hand.
		return nil, fmt.Errorf("%w: query vector of length %d, index has %d: the model changed; delete the index directory to rebuild",
			ErrEmbedder, len(v), ix.ident.Dim)
	}
	if !normalizeOne(v) {
		// No feature of the query occurs in the corpus: nothing is similar.
		return nil, nil
	}
	// The store filters by equality; chunks it keeps that the date filter
	// drops are asked for in addition, so n survive when n exist.
	res, err := ix.vec.query(ctx, v, n+f.extra, f.where)
	if err != nil {
		return nil, err
	}
	out := make([]scored, 0, min(n, len(res)))
	for _, r := range res {
		p, ok := ix.byID[r.id]
		if !ok {
			return nil, fmt.Errorf("vector search: unknown chunk %q", r.id)
		}
		if !f.allows(ix.chunks[p].DocID) {
			continue
		}
		out = append(out, scored{pos: p, score: float64(r.sim)})
		if len(out) == n {
			break
		}
	}
	return out, nil
}
