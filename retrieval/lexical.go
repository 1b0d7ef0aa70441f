package retrieval

import (
	"context"
	"fmt"

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

// lexicalIndex is BM25 over the chunks' IndexText, held in memory.
type lexicalIndex struct {
	idx bleve.Index
	// pos maps a chunk ID to its position in the chunk slice.
	pos map[string]int
}

// scored is one entry of a ranked list: a chunk position and its score.
type scored struct {
	pos   int
	score float64
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

func lexicalDoc(c Chunk, text string) map[string]any {
	return map[string]any{fieldText: text, fieldDoc: c.DocID}
}

func chunkPositions(chunks []Chunk) map[string]int {
	pos := make(map[string]int, len(chunks))
	for i, c := range chunks {
		pos[c.ID] = i
	}
	return pos
}

// newLexicalIndex indexes texts (the folded IndexText of chunks) in memory
// with the named bleve analyzer.
//
// The index is scorch with an empty path, which keeps it in memory.
// bleve.NewMemOnly would be the obvious call, but it builds an upsidedown
// index, whose reader cannot report field lengths, and bleve then silently
// scores with TF-IDF although the mapping asks for BM25.
func newLexicalIndex(chunks []Chunk, texts []string, analyzer string) (*lexicalIndex, error) {
	idx, err := bleve.NewUsing("", lexicalMapping(analyzer), scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	// One batch: an in-memory scorch index never merges segments, and every
	// batch is a segment that each search must visit.
	b := idx.NewBatch()
	for i, c := range chunks {
		if err := b.Index(c.ID, lexicalDoc(c, texts[i])); err != nil {
			idx.Close()
			return nil, fmt.Errorf("lexical index %s: %w", c.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		idx.Close()
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	return &lexicalIndex{idx: idx, pos: chunkPositions(chunks)}, nil
}

// writeLexicalIndex builds the on-disk index of the chunks at path, which
// must not exist, with bleve's offline builder (one merged segment).
func writeLexicalIndex(path string, chunks []Chunk, texts []string, analyzer string) error {
	b, err := bleve.NewBuilder(path, lexicalMapping(analyzer), nil)
	if err != nil {
		return fmt.Errorf("lexical index: %w", err)
	}
	for i, c := range chunks {
		if err := b.Index(c.ID, lexicalDoc(c, texts[i])); err != nil {
			b.Close()
			return fmt.Errorf("lexical index %s: %w", c.ID, err)
		}
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("lexical index: %w", err)
	}
	return nil
}

// openLexicalIndex opens, read-only, an index written by
// writeLexicalIndex. Opening maps the segment files: it costs well under a
// millisecond at any corpus size, where building costs about 0.3 ms per
// chunk (LEXICAL.md).
func openLexicalIndex(path string, chunks []Chunk) (*lexicalIndex, error) {
	idx, err := bleve.OpenUsing(path, map[string]any{"read_only": true})
	if err != nil {
		return nil, fmt.Errorf("lexical index: %w", err)
	}
	n, err := idx.DocCount()
	if err != nil || n != uint64(len(chunks)) {
		idx.Close()
		return nil, fmt.Errorf("lexical index holds %d chunks, want %d (%v)", n, len(chunks), err)
	}
	return &lexicalIndex{idx: idx, pos: chunkPositions(chunks)}, nil
}

// search returns up to n chunks matching any term of the folded query, best
// first. When docs is not nil only chunks of those documents are
// considered; the filter does not change the scores.
func (l *lexicalIndex) search(ctx context.Context, q string, n int, docs []string) ([]scored, error) {
	mq := query.NewMatchQuery(q)
	mq.SetField(fieldText)
	var qq query.Query = mq
	if docs != nil {
		if len(docs) == 0 {
			return nil, nil
		}
		terms := make([]query.Query, len(docs))
		for i, d := range docs {
			t := query.NewTermQuery(d)
			t.SetField(fieldDoc)
			terms[i] = t
		}
		bq := query.NewBooleanQuery([]query.Query{mq}, nil, nil)
		bq.AddFilter(query.NewDisjunctionQuery(terms))
		qq = bq
	}
	req := bleve.NewSearchRequestOptions(qq, n, 0, false)
	res, err := l.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("lexical search: %w", err)
	}
	out := make([]scored, 0, len(res.Hits))
	for _, h := range res.Hits {
		p, ok := l.pos[h.ID]
		if !ok {
			return nil, fmt.Errorf("lexical search: unknown chunk %q", h.ID)
		}
		out = append(out, scored{pos: p, score: h.Score})
	}
	return out, nil
}

func (l *lexicalIndex) close() error { return l.idx.Close() }

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
