package retrieval

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// BigramAnalyzer is the analyzer of the production lexical index: bleve's
// CJK analyzer (Unicode word breaks, width folding, lower case, overlapping
// character bigrams). LEXICAL.md compares it with gse word segmentation.
const BigramAnalyzer = cjk.AnalyzerName

// Field names in the bleve documents.
const (
	fieldText = "text"
	fieldDoc  = "doc"
)

// docHashKey is the prefix of the bleve internal keys that record, for each
// document, the hash of the chunks indexed for it (docHash): the batch that
// indexes the chunks writes the key, so bleve's persisted snapshot says
// exactly which version of each document it holds, and a restart reindexes
// only the documents that changed meanwhile.
const docHashKey = "doc\x00"

// lexicalIndex is BM25 over the chunks' IndexText: a bleve scorch index in
// a directory of the data directory (updated in place by batches and
// persisted by bleve) or in memory.
type lexicalIndex struct {
	idx bleve.Index
	// path is the directory of an on-disk index, "" in memory.
	path string

	// persisted is closed by bleve when the last batch reached the disk.
	mu        sync.Mutex
	persisted chan struct{}
}

// lexHit is one entry of the lexical ranking.
type lexHit struct {
	id    string
	score float64
}

// lexDoc is a chunk as bleve indexes it.
type lexDoc struct {
	id, doc, text string
}

// lexicalMapping is the bleve mapping of the chunk documents: the folded
// IndexText analyzed by analyzer and scored with BM25, and the document ID
// as a keyword for filters. Nothing is stored: hits are mapped back to the
// chunks by ID.
func lexicalMapping(analyzer string) *mapping.IndexMappingImpl {
	im := bleve.NewIndexMapping()
	im.ScoringModel = index.BM25Scoring
	im.DefaultAnalyzer = analyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	text := bleve.NewTextFieldMapping()
	text.Analyzer = analyzer
	text.Store = false
	text.IncludeInAll = false
	text.IncludeTermVectors = false
	text.DocValues = false
	doc := bleve.NewTextFieldMapping()
	doc.Analyzer = keyword.Name
	doc.Store = false
	doc.IncludeInAll = false
	doc.IncludeTermVectors = false
	doc.DocValues = false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldText, text)
	dm.AddFieldMappingsAt(fieldDoc, doc)
	// No _all field: nothing searches it, and filling it costs a fifth of
	// the build.
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im.DefaultMapping = dm
	return im
}

func (d lexDoc) fields() map[string]any { return map[string]any{fieldText: d.text, fieldDoc: d.doc} }

// newMemLexical returns an empty in-memory index with the named analyzer.
//
// It is scorch with an empty path, which keeps it in memory.
// bleve.NewMemOnly would be the obvious call, but it builds an upsidedown
// index, whose reader cannot report field lengths, and bleve then silently
// scores with TF-IDF although the mapping asks for BM25. An in-memory
// scorch index never merges its segments: each update adds one that every
// search visits, which is fine for the tests and the CLI it serves.
func newMemLexical(analyzer string) (*lexicalIndex, error) {
	idx, err := bleve.NewUsing("", lexicalMapping(analyzer), scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	return &lexicalIndex{idx: idx}, nil
}

// buildLexicalDir builds the on-disk index of the chunks next returns at
// path, which must not exist, with bleve's offline builder (one merged
// segment), recording each document's hash; then opens it for updates.
//
// The builder writes its segments in a temporary directory and renames the
// merged one to path at the end. That directory is made beside path (a
// .tmp- entry, removed when done, and by writeManifest if a crash left it):
// in the system's temporary directory, the default, the rename fails when
// the data directory is on another filesystem, and the index would be
// rebuilt at every start.
func buildLexicalDir(path, analyzer string, next func() (lexDoc, bool), hashes map[string]uint64) (*lexicalIndex, error) {
	work, err := os.MkdirTemp(filepath.Dir(path), tmpPrefix+"lexical-build-")
	if err != nil {
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	defer os.RemoveAll(work)
	b, err := bleve.NewBuilder(path, lexicalMapping(analyzer), map[string]any{"buildPathPrefix": work})
	if err != nil {
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	n := 0
	for {
		d, ok := next()
		if !ok {
			break
		}
		if err := b.Index(d.id, d.fields()); err != nil {
			b.Close()
			return nil, fmt.Errorf("lexical index %s: %w", d.id, err)
		}
		n++
	}
	if n == 0 {
		// bleve's builder panics on zero documents.
		return nil, errEmptyBuild
	}
	if err := b.Close(); err != nil {
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	l, _, err := openLexicalDir(path)
	if err != nil {
		return nil, err
	}
	// The builder keeps its internal values to itself (bleve passes the
	// mapping through them): the hashes go in a batch of their own.
	if err := l.apply(nil, nil, hashes); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

// errEmptyBuild is buildLexicalDir's refusal of an empty corpus, which is
// kept in memory instead.
var errEmptyBuild = fmt.Errorf("lexical index: nothing to build")

// openLexicalDir opens the index at path for updates after checking its
// segment files, and returns the document hashes it records. Another
// process using the index makes it fail after a second instead of waiting.
func openLexicalDir(path string) (*lexicalIndex, map[string]uint64, error) {
	// bleve parses segment files lazily, through mmap: damaged bytes would
	// surface as a panic in a later search, so check them first.
	if err := checkSegments(path); err != nil {
		return nil, nil, err
	}
	idx, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": "1s"})
	if err != nil {
		return nil, nil, fmt.Errorf("lexical index: %w", err)
	}
	l := &lexicalIndex{idx: idx, path: path}
	hashes, err := l.docHashes()
	if err != nil {
		idx.Close()
		return nil, nil, err
	}
	return l, hashes, nil
}

// checkSegments checks every segment file of the index at path against
// the CRC-32 its last four bytes hold (zap's footer), and that root.bolt is
// there.
func checkSegments(path string) error {
	store := filepath.Join(path, "store")
	if _, err := os.Stat(filepath.Join(store, "root.bolt")); err != nil {
		return err
	}
	n := 0
	err := filepath.WalkDir(store, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".zap") {
			return err
		}
		n++
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		if info.Size() < 64 {
			return fmt.Errorf("%s: %d bytes, too short for a segment", d.Name(), info.Size())
		}
		h := crc32.NewIEEE()
		if _, err := io.CopyN(h, f, info.Size()-4); err != nil {
			return err
		}
		var want [4]byte
		if _, err := io.ReadFull(f, want[:]); err != nil {
			return err
		}
		if got := h.Sum32(); got != binary.BigEndian.Uint32(want[:]) {
			return fmt.Errorf("%s: checksum %08x, footer says %08x", d.Name(), got, binary.BigEndian.Uint32(want[:]))
		}
		return nil
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("no segment file in %s", store)
	}
	return err
}

// docHashes reads the document hashes the index records.
func (l *lexicalIndex) docHashes() (map[string]uint64, error) {
	r, err := l.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	rd, err := r.Reader()
	if err != nil {
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	defer rd.Close()
	snap, ok := rd.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("lexical index: reader %T is not scorch's", rd)
	}
	out := map[string]uint64{}
	for k, v := range snap.Internal() {
		if id, ok := strings.CutPrefix(k, docHashKey); ok {
			if len(v) != 8 {
				return nil, fmt.Errorf("lexical index: document %q has a hash of %d bytes", id, len(v))
			}
			out[id] = binary.BigEndian.Uint64(v)
		}
	}
	return out, nil
}

// count is the number of chunks in the index.
func (l *lexicalIndex) count() (int, error) {
	n, err := l.idx.DocCount()
	return int(n), err
}

// chunksOf returns the IDs of the chunks the index holds for document doc.
func (l *lexicalIndex) chunksOf(ctx context.Context, doc string) ([]string, error) {
	tq := query.NewTermQuery(doc)
	tq.SetField(fieldDoc)
	var out []string
	for from := 0; ; from += 1000 {
		req := bleve.NewSearchRequestOptions(tq, 1000, from, false)
		res, err := l.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("lexical index: chunks of %s: %w", doc, err)
		}
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		if len(res.Hits) < 1000 {
			return out, nil
		}
	}
}

// apply indexes upserts (replacing chunks of the same ID), deletes the
// chunks of deletes and records the document hashes of docs (0: the
// document is gone), in one bleve batch: a search sees all of it or none.
func (l *lexicalIndex) apply(upserts []lexDoc, deletes []string, docs map[string]uint64) error {
	if len(upserts) == 0 && len(deletes) == 0 && len(docs) == 0 {
		return nil
	}
	b := l.idx.NewBatch()
	for _, d := range upserts {
		if err := b.Index(d.id, d.fields()); err != nil {
			return fmt.Errorf("lexical index %s: %w", d.id, err)
		}
	}
	for _, id := range deletes {
		b.Delete(id)
	}
	for id, h := range docs {
		if h == 0 {
			b.DeleteInternal([]byte(docHashKey + id))
		} else {
			b.SetInternal([]byte(docHashKey+id), binary.BigEndian.AppendUint64(nil, h))
		}
	}
	if l.path != "" {
		done := make(chan struct{})
		var once sync.Once
		b.SetPersistedCallback(func(error) { once.Do(func() { close(done) }) })
		l.mu.Lock()
		l.persisted = done
		l.mu.Unlock()
	}
	if err := l.idx.Batch(b); err != nil {
		return fmt.Errorf("lexical index: %w", err)
	}
	return nil
}

// search returns up to n chunks matching any term of the folded query, best
// first. include, when not nil, keeps only chunks of those documents;
// exclude drops the chunks of those. The filters do not change the scores.
func (l *lexicalIndex) search(ctx context.Context, q string, n int, include, exclude []string) ([]lexHit, error) {
	if include != nil && len(include) == 0 {
		return nil, nil
	}
	qq, err := l.textQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(inDocs(qq, include, exclude), n, 0, false)
	res, err := l.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("lexical search: %w", err)
	}
	out := make([]lexHit, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = lexHit{id: h.ID, score: h.Score}
	}
	return out, nil
}

// inDocs restricts qq to the chunks of the documents include lists (when
// not nil) and not of those exclude lists. The documents to keep are a
// second required clause of boost 0 (it adds nothing to the score): bleve
// then walks their few postings and skips the text terms' postings to
// them, where a filter would walk every posting of the text terms and test
// each hit.
func inDocs(qq query.Query, include, exclude []string) query.Query {
	if include == nil && len(exclude) == 0 {
		return qq
	}
	terms := func(ids []string, boost float64) query.Query {
		qs := make([]query.Query, len(ids))
		for i, d := range ids {
			t := query.NewTermQuery(d)
			t.SetField(fieldDoc)
			t.SetBoost(boost)
			qs[i] = t
		}
		dq := query.NewDisjunctionQuery(qs)
		dq.SetBoost(boost)
		return dq
	}
	bq := query.NewBooleanQuery([]query.Query{qq}, nil, nil)
	if include != nil {
		bq.AddMust(terms(include, 0))
	}
	if len(exclude) > 0 {
		bq.AddMustNot(terms(exclude, 1))
	}
	return bq
}

// A query term found in more than pruneChunks chunks and more than
// pruneShare of all chunks is left out of the lexical search when the query
// has other terms. BM25 gives such a term little weight (idf ≈ 1 against 5
// and more for a term of a few hundred chunks), but walking its postings is
// most of the cost of a search in a large index: at 100,000 synthetic
// chunks, leaving out the terms of over 30% of the chunks cuts a BM25
// search by about 7× with the same hit@1 (LEXICAL.md). Below pruneChunks
// chunks no term is ever left out, so the bundled corpus and a district's
// are ranked by every term.
const (
	pruneChunks = 20000
	pruneShare  = 0.3
)

// textQuery is the query of the folded text q: a match query of its terms
// (bigrams), less the terms too common to matter (pruneChunks).
func (l *lexicalIndex) textQuery(ctx context.Context, q string) (query.Query, error) {
	mq := query.NewMatchQuery(q)
	mq.SetField(fieldText)
	n, err := l.idx.DocCount()
	if err != nil || n <= pruneChunks {
		return mq, err
	}
	limit := uint64(max(pruneChunks, pruneShare*float64(n)))
	an := l.idx.Mapping().AnalyzerNamed(l.idx.Mapping().AnalyzerNameForPath(fieldText))
	adv, err := l.idx.Advanced()
	if an == nil || err != nil {
		return mq, err
	}
	rd, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("lexical search: %w", err)
	}
	defer rd.Close()
	var kept []query.Query
	pruned := false
	seen := map[string]bool{}
	for _, tok := range an.Analyze([]byte(q)) {
		term := string(tok.Term)
		if seen[term] {
			// A match query counts a repeated term twice; keep the
			// original query when nothing is pruned.
			kept = append(kept, termQuery(term))
			continue
		}
		seen[term] = true
		tfr, err := rd.TermFieldReader(ctx, tok.Term, fieldText, false, false, false)
		if err != nil {
			return nil, fmt.Errorf("lexical search: %w", err)
		}
		df := tfr.Count()
		tfr.Close()
		if df > limit {
			pruned = true
			continue
		}
		kept = append(kept, termQuery(term))
	}
	if !pruned || len(kept) == 0 {
		return mq, nil
	}
	return query.NewDisjunctionQuery(kept), nil
}

func termQuery(term string) query.Query {
	t := query.NewTermQuery(term)
	t.SetField(fieldText)
	return t
}

// docFreqIn returns, for each term, the number of chunks of the documents
// include lists (when not nil) and not of those exclude lists whose text
// contains it.
func (l *lexicalIndex) docFreqIn(ctx context.Context, terms []string, include, exclude []string) ([]int, error) {
	df := make([]int, len(terms))
	if include != nil && len(include) == 0 {
		return df, nil
	}
	for i, t := range terms {
		req := bleve.NewSearchRequestOptions(inDocs(termQuery(t), include, exclude), 0, 0, false)
		req.Score = "none"
		res, err := l.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("document frequency: %w", err)
		}
		df[i] = int(res.Total)
	}
	return df, nil
}

// close waits (up to a few seconds) for bleve to persist the last update,
// then closes the index.
func (l *lexicalIndex) close() error {
	l.mu.Lock()
	done := l.persisted
	l.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	return l.idx.Close()
}

// docFreq returns the number of chunks and, for each term (an analyzed
// token: a CJK bigram or a folded Latin word), the number of chunks that
// contain it.
func (l *lexicalIndex) docFreq(ctx context.Context, terms []string) (int, []int, error) {
	adv, err := l.idx.Advanced()
	if err != nil {
		return 0, nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return 0, nil, err
	}
	defer r.Close()
	n, err := r.DocCount()
	if err != nil {
		return 0, nil, err
	}
	df := make([]int, len(terms))
	for i, t := range terms {
		tfr, err := r.TermFieldReader(ctx, []byte(t), fieldText, false, false, false)
		if err != nil {
			return 0, nil, err
		}
		df[i] = int(tfr.Count())
		tfr.Close()
	}
	return int(n), df, nil
}
