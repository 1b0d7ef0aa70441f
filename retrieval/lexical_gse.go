//go:build gse

// The gse variant of the lexical index: word segmentation with the gse
// dictionary instead of character bigrams. It lost the comparison in
// LEXICAL.md (no better ranking; about 2 s and 135 MB of live heap to load
// the dictionary at every start), so it is compiled only with -tags gse,
// for the measurements, and the production binary carries neither gse nor
// its embedded dictionaries (+33 MB).

package retrieval

import (
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/go-ego/gse"
)

// GseAnalyzer is the bleve analyzer that segments with gse in search mode.
const GseAnalyzer = "policybot-gse"

var gseSeg struct {
	once sync.Once
	seg  gse.Segmenter
	err  error
}

// gseSegmenter loads gse's simplified-Chinese dictionary once. The
// dictionary is embedded in the gse package (LoadDictEmbed), so nothing is
// read from the module cache at run time.
func gseSegmenter() (*gse.Segmenter, error) {
	gseSeg.once.Do(func() {
		gseSeg.err = gseSeg.seg.LoadDictEmbed("zh_s")
	})
	return &gseSeg.seg, gseSeg.err
}

// gseTokenizer is a bleve tokenizer over gse's search mode, which emits each
// word and the dictionary words inside it (中华人民共和国 → 中华, 人民,
// 共和, 共和国, 中华人民共和国), for recall on queries that use a part of
// a compound.
type gseTokenizer struct{ seg *gse.Segmenter }

// Tokenize implements analysis.Tokenizer.
func (t gseTokenizer) Tokenize(input []byte) analysis.TokenStream {
	s := string(input)
	words := t.seg.CutSearch(s, true)
	out := make(analysis.TokenStream, 0, len(words))
	cursor := 0
	for _, w := range words {
		if !hasWordRune(w) {
			continue
		}
		start := strings.Index(s[cursor:], w)
		if start < 0 {
			// A sub-word emitted after its compound: search from the top.
			start = strings.Index(s, w)
		} else {
			start += cursor
			cursor = start
		}
		if start < 0 {
			start = 0
		}
		out = append(out, &analysis.Token{
			Term:     []byte(w),
			Start:    start,
			End:      start + len(w),
			Position: len(out) + 1,
			Type:     analysis.Ideographic,
		})
	}
	return out
}

func hasWordRune(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func init() {
	err := registry.RegisterTokenizer(GseAnalyzer, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		seg, err := gseSegmenter()
		if err != nil {
			return nil, fmt.Errorf("gse dictionary: %w", err)
		}
		return gseTokenizer{seg: seg}, nil
	})
	if err != nil {
		panic(err)
	}
	err = registry.RegisterAnalyzer(GseAnalyzer, func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(GseAnalyzer)
		if err != nil {
			return nil, err
		}
		lower, err := cache.TokenFilterNamed(lowercase.Name)
		if err != nil {
			return nil, err
		}
		return &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: []analysis.TokenFilter{lower}}, nil
	})
	if err != nil {
		panic(err)
	}
}
