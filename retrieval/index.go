package retrieval

import (
	"cmp"
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
	"policybot/policies/fault"
	"policybot/policies/lang"
	"policybot/policies/norm"
)

// DefaultK is the number of hits Search returns when Query.K is not set.
const DefaultK = 5

// MaxK is the most hits Search returns.
const MaxK = 100

// Candidates is how many chunks each of the lexical and dense rankings
// contributes to the fusion (more when Query.K is larger).
const Candidates = 50

// The codes of the queries Search refuses (a fault.Invalid).
const (
	CodeEmptyQuery      = "empty_query"
	CodeUnknownCategory = "unknown_category"
)

// Options configure Open.
type Options struct {
	// Dir is the data directory of the index (e.g. ./data/index). Empty
	// keeps the index in memory only and rebuilds it at every Open.
	Dir string
	// Fresh ignores what Dir holds and builds the index anew into new
	// files; the saved index is replaced once the build succeeds. An index
	// open on the saved files keeps working until it is closed.
	Fresh bool
	// Embedder computes the dense vectors; nil means NewLocalEmbedder(0).
	Embedder Embedder
	// Regions is the region table of the region filter; nil means
	// policies.DefaultRegions().
	Regions *policies.Regions
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
	// Region, when set, keeps only the documents that apply in that region:
	// its own, those of the regions containing it (a 吴中区 query keeps
	// 吴中区, 苏州市, 江苏省 and 全国 documents) and those whose region is
	// unknown. A canonical or short name of the region table (吴中, 园区);
	// a name the table does not know keeps the documents of exactly that
	// region. "" means no region filter.
	Region string
	// Year, when not 0, keeps only the documents of that year (their
	// policies.Document.Year). It does not turn off the in-force filter:
	// to find an expired year's document, set IncludeInactive too.
	Year int
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
	// Score is the fused score; higher is better (see Fusion).
	Score float64
	// LexRank is the 1-based rank in the BM25 list, 0 when not in it.
	LexRank  int
	LexScore float64
	// DenseRank is the 1-based rank in the vector list, 0 when not in it.
	DenseRank int
	// DenseScore is the cosine similarity to the query.
	DenseScore float64
}

// Index answers Search over a set of documents, which Update changes
// document by document. It is safe for concurrent use: an update waits for
// the searches in progress and the searches that start meanwhile wait for
// it, so every search sees the documents before the update or after it.
type Index struct {
	log     *slog.Logger
	now     func() time.Time
	regions *policies.Regions
	// dir is the data directory; "" in memory.
	dir string

	// mu guards what follows: Search holds it for reading, an update for
	// writing.
	mu sync.RWMutex
	// slots are the chunks by row: row i of vec is slots[i]. A free slot
	// has doc nil; a slot loaded from disk whose document is not known
	// yet has doc nil and its ID set until the first update.
	slots []slot
	free  []int
	byID  map[string]int
	docs  map[string]*docEntry
	// order are the document IDs in corpus order.
	order []string
	nums  []*docEntry // by docEntry.num; nil when free
	lex   *lexicalIndex
	// lexHashes are the document hashes the lexical index holds.
	lexHashes map[string]uint64
	vec       *slabStore
	emb       Embedder
	ident     EmbedderIdentity
	// version counts the updates applied, for Pending.Apply.
	version uint64
	// dirty is set when the vectors changed since they were saved.
	dirty bool
	// fusion merges the two rankings; fuse, or a variant a measurement
	// compares.
	fusion func(lex, dense []scored, tie func(a, b int) int) []fused
	// regionPrior is RegionPrior, or a variant a measurement compares.
	regionPrior float64

	// dfCache holds DocFreq's counts within a filter for one version.
	dfCache struct {
		sync.Mutex
		version uint64
		m       map[dfKey]int
	}

	closeOnce sync.Once
	closeErr  error
}

// slot is one row of the index.
type slot struct {
	chunk Chunk
	// hash identifies the chunk's ID and indexed text (chunkHash).
	hash uint64
	doc  *docEntry
}

// docEntry is a document of the index.
type docEntry struct {
	doc  *policies.Document
	num  int
	rows []int
	hash uint64
}

// Open returns the index of docs.
//
// With a Dir, Open reuses what is saved there: it reopens the lexical
// index and loads the vectors, then updates both to docs like Update does,
// so only the documents that changed since are reindexed and re-embedded.
// A part that cannot be used (missing, damaged, another format or
// embedder) is rebuilt, saved and logged with the reason; the lexical and
// the vector parts are checked and rebuilt separately, so a damaged BM25
// index never costs a re-embedding of the corpus by a remote model.
//
// Open fails when the embedder fails while building, when two chunks share
// an ID, or when ctx is done. Failing to save is logged, not returned: the
// index works from memory and is rebuilt at the next Open.
func Open(ctx context.Context, docs []*policies.Document, opts Options) (*Index, error) {
	ix := &Index{log: opts.Logger, now: opts.Now, regions: opts.Regions, emb: opts.Embedder, fusion: fuse, regionPrior: RegionPrior,
		byID: map[string]int{}, docs: map[string]*docEntry{}, lexHashes: map[string]uint64{}}
	if ix.log == nil {
		ix.log = slog.New(slog.DiscardHandler)
	}
	if ix.now == nil {
		ix.now = time.Now
	}
	if ix.regions == nil {
		ix.regions = policies.DefaultRegions()
	}
	if ix.emb == nil {
		ix.emb = NewLocalEmbedder(0)
	}
	want, err := planDocs(docs, nil)
	if err != nil {
		return nil, err
	}

	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			ix.log.Warn("retrieval: cannot use index directory; keeping the index in memory", "dir", opts.Dir, "err", err)
		} else {
			ix.dir = opts.Dir
		}
	}
	var old *manifest
	if ix.dir != "" && !opts.Fresh {
		m, reason, err := checkManifest(ix.dir)
		if err != nil {
			ix.log.Info("retrieval: building index", "dir", ix.dir, "reason", reason, "detail", err)
		}
		old = m
	}
	inUse := false
	if old != nil && old.Lexical != nil {
		switch err := ix.loadLexical(old.Lexical); {
		case errors.Is(err, errInUse):
			// Another index (of this process or another) owns the
			// directory: this one reads the saved vectors and writes nothing.
			ix.log.Warn("retrieval: the saved index is in use by another process; keeping this one in memory", "dir", ix.dir)
			inUse = true
		case err != nil:
			ix.log.Info("retrieval: rebuilding lexical index", "dir", ix.dir, "reason", "files damaged", "detail", err)
		}
	}
	if old != nil && old.Vectors != nil {
		if reason, err := ix.loadVectors(old.Vectors); err != nil {
			ix.log.Info("retrieval: rebuilding vectors", "dir", ix.dir, "reason", reason, "detail", err)
		}
	}
	if inUse {
		ix.dir = ""
	}
	if ctx.Err() != nil {
		ix.Close()
		return nil, ctx.Err()
	}

	builtLex := false
	if ix.lex == nil {
		if err := ix.buildLexical(want); err != nil {
			ix.Close()
			return nil, err
		}
		builtLex = true
	}
	builtVec := ix.vec == nil
	if builtVec {
		ix.vec = newSlabStore(0)
	}
	p, err := ix.prepare(ctx, want)
	if err != nil {
		ix.Close()
		return nil, err
	}
	if err := p.Apply(); err != nil {
		ix.Close()
		return nil, err
	}
	if builtVec {
		ix.log.Info("retrieval: vectors built", "chunks", len(ix.byID), "embedder", ix.ident.String(), "dim", ix.ident.Dim)
	}
	if ix.dir != "" && (builtLex || builtVec || old == nil) {
		if err := ix.save(); err != nil {
			ix.log.Warn("retrieval: cannot save index; it will be rebuilt at next start", "dir", ix.dir, "err", err)
		}
	}
	return ix, nil
}

// buildLexical builds the lexical index of want: in a new directory of
// ix.dir when there is one, else in memory (filled by the first update).
func (ix *Index) buildLexical(want []*docPlan) error {
	start := time.Now()
	if ix.dir != "" {
		path, err := os.MkdirTemp(ix.dir, lexicalPrefix)
		if err == nil {
			// bleve wants to create the directory itself.
			os.Remove(path)
			hashes := make(map[string]uint64, len(want))
			for _, d := range want {
				hashes[d.doc.ID] = d.hash
			}
			di, ci := 0, 0
			next := func() (lexDoc, bool) {
				for di < len(want) && ci == len(want[di].chunks) {
					di, ci = di+1, 0
				}
				if di == len(want) {
					return lexDoc{}, false
				}
				d := want[di]
				ci++
				return lexDoc{id: d.chunks[ci-1].ID, doc: d.doc.ID, text: d.text(ci - 1)}, true
			}
			var l *lexicalIndex
			if l, err = buildLexicalDir(path, BigramAnalyzer, next, hashes); err == nil {
				ix.lex, ix.lexHashes = l, hashes
				ix.log.Debug("retrieval: lexical index built", "chunks", ci, "took", time.Since(start).Round(time.Millisecond))
				return nil
			}
			os.RemoveAll(path)
		}
		if !errors.Is(err, errEmptyBuild) {
			ix.log.Warn("retrieval: cannot save lexical index; keeping it in memory", "dir", ix.dir, "err", err)
		}
	}
	l, err := newMemLexical(BigramAnalyzer)
	if err != nil {
		return err
	}
	ix.lex, ix.lexHashes = l, map[string]uint64{}
	return nil
}

// Close saves the vectors when they changed since they were saved (so the
// next Open need not re-embed) and closes the lexical index. An index whose
// files another build has replaced (Options.Fresh) removes its own instead.
// Search must not be called after; calling Close again does nothing.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		current := false
		if ix.dir != "" && ix.lex != nil && ix.lex.path != "" {
			if m, err := readManifest(ix.dir); err == nil && m.Lexical != nil && filepath.Join(ix.dir, m.Lexical.Dir) == ix.lex.path {
				current = true
			}
		}
		if current && ix.dirty {
			if err := ix.saveLocked(); err != nil {
				ix.log.Warn("retrieval: cannot save the vectors; changed documents will be re-embedded at next start", "dir", ix.dir, "err", err)
			}
		}
		if ix.lex != nil {
			ix.closeErr = ix.lex.close()
			if !current && ix.lex.path != "" && ix.dir != "" {
				os.RemoveAll(ix.lex.path)
			}
		}
	})
	return ix.closeErr
}

// Chunks returns every chunk of the index, in corpus order. The slice is a
// copy.
func (ix *Index) Chunks() []Chunk {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []Chunk
	for _, id := range ix.order {
		for _, r := range ix.docs[id].rows {
			out = append(out, ix.slots[r].chunk)
		}
	}
	return out
}

// EmbedderName names the embedder that built the vectors, e.g.
// "local-hashed-ngram-v1" or "openai:text-embedding-3-small".
func (ix *Index) EmbedderName() string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.ident.String()
}

// Search returns up to q.K chunks for q.Text, best first, from the chunks
// that pass q's filters; chunks filtered out are never returned. The BM25
// and vector rankings are computed concurrently and fused (Fusion).
//
// It refuses empty text or an unknown category with a fault.Invalid, and
// ctx's error when ctx is done. When the embedder fails (a remote server
// down), the error is logged and the hits come from BM25 alone, with
// DenseRank 0.
func (ix *Index) Search(ctx context.Context, q Query) ([]Hit, error) {
	text := norm.Fold(strings.TrimSpace(q.Text))
	if text == "" {
		return nil, fault.New(fault.Invalid, CodeEmptyQuery, lang.T("the query has no text", "查询内容为空"))
	}
	if q.Category != "" && !q.Category.Valid() {
		return nil, fault.New(fault.Invalid, CodeUnknownCategory,
			lang.T(fmt.Sprintf("unknown category %q", q.Category), fmt.Sprintf("类别无效：“%s”", q.Category)))
	}
	k := q.K
	if k <= 0 {
		k = DefaultK
	}
	k = min(k, MaxK)
	n := max(Candidates, k)

	// A remote model may take a while: the query is embedded before the
	// index is locked, so that an update does not wait for it.
	ix.mu.RLock()
	emb, ident := ix.emb, ix.ident
	ix.mu.RUnlock()
	qvec, denseErr := embedQuery(ctx, emb, ident, text)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	f := ix.filter(q)
	if f.none {
		return nil, nil
	}
	var dense []storeHit
	done := make(chan struct{})
	go func() {
		defer close(done)
		if denseErr != nil || qvec == nil {
			return
		}
		dense, denseErr = ix.vec.nearest(ctx, qvec, n, func(row int) bool {
			d := ix.slots[row].doc
			return d != nil && f.allows(d)
		})
	}()
	lex, lexErr := ix.lex.search(ctx, text, n, f.include, f.exclude)
	<-done
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lexErr != nil {
		return nil, lexErr
	}
	if denseErr != nil {
		ix.log.Warn("retrieval: vector search failed; using BM25 only", "embedder", ident.String(), "err", denseErr)
		dense = nil
	}
	lexRows := make([]scored, 0, len(lex))
	for _, h := range lex {
		r, ok := ix.byID[h.id]
		if !ok || ix.slots[r].doc == nil {
			ix.log.Error("retrieval: the lexical index holds a chunk the index does not", "chunk", h.id)
			continue
		}
		lexRows = append(lexRows, scored{pos: r, score: h.score})
	}
	denseRows := make([]scored, len(dense))
	for i, h := range dense {
		denseRows[i] = scored{pos: h.row, score: float64(h.sim)}
	}

	var hits []Hit
	slices.SortStableFunc(denseRows, func(a, b scored) int {
		// Equal similarities (copies of a text) in chunk ID order, whatever
		// rows they occupy.
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return ix.rowLess(a.pos, b.pos)
	})
	merged := ix.fusion(lexRows, denseRows, ix.rowLess)
	if f.region != "" && ix.regionPrior > 0 {
		ix.preferNarrowest(merged, f.region)
	}
	for _, c := range merged {
		s := ix.slots[c.pos]
		if s.doc == nil || !f.allows(s.doc) {
			// Both searches filter already; this guards the promise.
			ix.log.Error("retrieval: filtered chunk reached fusion", "chunk", s.chunk.ID)
			continue
		}
		hits = append(hits, Hit{
			Chunk: s.chunk, Score: c.score,
			LexRank: c.lexRank, LexScore: c.lexScore,
			DenseRank: c.denseRank, DenseScore: c.denseScore,
		})
		if len(hits) == k {
			break
		}
	}
	return hits, nil
}

// DocFreq returns, for the chunks of the documents q's filters allow (the
// filters of Search: region, year, category, document, in force on
// q.AsOf), how many there are and, for each term, how many contain it in
// their indexed text: how rare a word is among the measures that can
// answer — among a thousand districts' look-alike measures, 商务 still
// tells a district's commerce measure from its manufacturing one. Terms
// are folded text (norm.Fold) in the lexical index's tokens: two Han
// characters (a bigram) or a Latin word. The answerer uses it to tell the
// words that single out a few articles from the words every article has.
// Counts within a filter are cached until the next update.
func (ix *Index) DocFreq(ctx context.Context, terms []string, q Query) (n int, df []int, err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	f := ix.filter(q)
	switch {
	case f.none:
		return 0, make([]int, len(terms)), nil
	case f.allowed == nil:
		return ix.lex.docFreq(ctx, terms)
	}
	for _, id := range f.include {
		n += len(ix.docs[id].rows)
	}
	if f.include == nil {
		for _, e := range ix.docs {
			if f.allows(e) {
				n += len(e.rows)
			}
		}
	}
	key := f.key()
	df = make([]int, len(terms))
	var missing []int
	ix.dfCache.Lock()
	if ix.dfCache.version != ix.version || len(ix.dfCache.m) > dfCacheSize {
		ix.dfCache.version, ix.dfCache.m = ix.version, map[dfKey]int{}
	}
	for i, t := range terms {
		c, ok := ix.dfCache.m[dfKey{key, t}]
		if !ok {
			missing = append(missing, i)
		}
		df[i] = c
	}
	ix.dfCache.Unlock()
	if len(missing) == 0 {
		return n, df, nil
	}
	ask := make([]string, len(missing))
	for k, i := range missing {
		ask[k] = terms[i]
	}
	got, err := ix.lex.docFreqIn(ctx, ask, f.include, f.exclude)
	if err != nil {
		return 0, nil, err
	}
	ix.dfCache.Lock()
	if ix.dfCache.version == ix.version {
		for k, i := range missing {
			ix.dfCache.m[dfKey{key, terms[i]}] = got[k]
		}
	}
	ix.dfCache.Unlock()
	for k, i := range missing {
		df[i] = got[k]
	}
	return n, df, nil
}

// dfCacheSize bounds the cached counts of DocFreq: past it the cache
// starts again.
const dfCacheSize = 100_000

// dfKey is a cached count of DocFreq: a term within the documents of a
// filter (filter.key).
type dfKey struct {
	filter uint64
	term   string
}

// RegionPrior is how much Search prefers the documents of the region a
// query names (Query.Region) to those of the regions containing it: the
// fused score of a chunk is multiplied by 1 − RegionPrior for each level
// its document's region is above the query's (a 苏州市 measure in a 吴中区
// search by 1 − RegionPrior, a 江苏省 one by 1 − 2·RegionPrior; a document
// of unknown region counts as above 全国). The city's and the province's
// copies of a district measure score within a few per cent of it; the
// prior puts the district's first while a clearly better match from a
// wider region still wins. FUSION.md has the measurements.
const RegionPrior = 0.05

// preferNarrowest applies the region prior to merged and sorts it again.
func (ix *Index) preferNarrowest(merged []fused, region string) {
	anc := ix.regions.Ancestors(region)
	for i := range merged {
		d := ix.slots[merged[i].pos].doc
		if d == nil {
			continue
		}
		depth := 0
		switch r := d.doc.Region; {
		case r == region:
		case r == "":
			depth = len(anc) + 1
		default:
			depth = slices.Index(anc, r) + 1
			if depth == 0 {
				depth = len(anc) + 1
			}
		}
		merged[i].score *= max(0, 1-ix.regionPrior*float64(depth))
	}
	slices.SortStableFunc(merged, func(a, b fused) int { return cmp.Compare(b.score, a.score) })
}

// rowLess orders two rows by chunk ID: the fusion's last tie-break, the
// same whatever rows the chunks happen to occupy.
func (ix *Index) rowLess(a, b int) int {
	return strings.Compare(ix.slots[a].chunk.ID, ix.slots[b].chunk.ID)
}

// embedQuery embeds the folded query; nil, nil when no feature of it is
// known (nothing is similar).
func embedQuery(ctx context.Context, emb Embedder, ident EmbedderIdentity, text string) ([]float32, error) {
	vecs, err := emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed query with %s: %w", ident, err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("%w: %d vectors for one query", ErrEmbedder, len(vecs))
	}
	v := vecs[0]
	if ident.Dim != 0 && len(v) != ident.Dim {
		// The model behind the name changed. Open cannot see that without
		// calling the server, so the saved vectors must be removed by hand.
		return nil, fmt.Errorf("%w: query vector of length %d, index has %d: the model changed; delete the index directory to rebuild",
			ErrEmbedder, len(v), ident.Dim)
	}
	if !normalizeOne(v) {
		return nil, nil
	}
	return v, nil
}
