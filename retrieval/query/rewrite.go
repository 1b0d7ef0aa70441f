package query

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"policybot/policies/norm"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed synonyms.txt
var defaultSynonyms []byte

//go:embed glossary.txt
var defaultGlossary []byte

// Rewriter turns a company's question into the forms retrieval and answer selection use. It is
// immutable once built and safe for concurrent use.
type Rewriter struct {
	m *matcher
	// english maps a folded Chinese canonical term of the glossary to its
	// first English phrase, for writing answers in English.
	english map[string]string
}

// Rewritten is one question, rewritten.
type Rewritten struct {
	Original string
	// Normalized is norm.Fold(Original) with white space trimmed and collapsed.
	Normalized string
	// Expanded is Normalized, then the canonical terms (folded) that the question implies but
	// does not contain, then amounts rewritten the way the corpus writes them. It is the text to
	// retrieve with; terms are separated by spaces.
	Expanded string
	// English reports whether the question is mainly in English.
	English bool
	// Terms are the canonical domain terms recognised, in the tables' spelling (首台（套）重大装备,
	// 5A级旅游景区), in the order the question implies them; compare them with Fold applied.
	Terms []string
	// Amounts are the amounts in the question written as the corpus writes them: 五十万元 →
	// 50万元, 一个亿 → 1亿, 百分之七十 → 70%, $100 million → 1亿美元. Amounts already written
	// that way are included too. For choosing among sentences that differ only in a figure.
	Amounts []string
	// Spans are where the recognised phrases are in Normalized (rune offsets;
	// Normalized and the matching form have the same runes but for hyphens)
	// and the canonical terms each stands for: the answerer uses them to
	// tell an abbreviation the corpus explains from a word it does not know.
	Spans []Span
}

// Span is one recognised phrase of a question: runes [Start, End) of
// Rewritten.Normalized, standing for Terms.
type Span struct {
	Start, End int
	Terms      []string
}

// Load returns a Rewriter with the embedded synonym table and glossary plus the extra tables
// given, read in order after the embedded ones (README.md describes the format). An extra table
// can add lines or more variants for an existing canonical term; it cannot remove any. A table
// is named in errors by its Name method if it has one (as *os.File does), else by its position.
// The error for a malformed line wraps ErrMalformed and reads "source:line: message".
func Load(synonyms, glossary []io.Reader) (*Rewriter, error) {
	syn := []namedReader{{"synonyms.txt (embedded)", bytes.NewReader(defaultSynonyms)}}
	for i, r := range synonyms {
		syn = append(syn, namedReader{sourceName(r, "synonyms", i), r})
	}
	glo := []namedReader{{"glossary.txt (embedded)", bytes.NewReader(defaultGlossary)}}
	for i, r := range glossary {
		glo = append(glo, namedReader{sourceName(r, "glossary", i), r})
	}
	return build(syn, glo)
}

// Default returns the Rewriter for the embedded tables alone. It is built once and shared.
func Default() *Rewriter { return defaultRewriter() }

var defaultRewriter = sync.OnceValue(func() *Rewriter {
	r, err := Load(nil, nil)
	if err != nil {
		// The embedded tables are checked by TestEmbeddedTables; never panic in a server.
		return &Rewriter{m: newMatcherIndexed()}
	}
	return r
})

type namedReader struct {
	name string
	r    io.Reader
}

func sourceName(r io.Reader, kind string, i int) string {
	if n, ok := r.(interface{ Name() string }); ok && n.Name() != "" {
		return n.Name()
	}
	return fmt.Sprintf("extra %s table %d", kind, i+1)
}

func newMatcherIndexed() *matcher {
	m := newMatcher()
	m.index()
	return m
}

func build(synonyms, glossary []namedReader) (*Rewriter, error) {
	m := newMatcher()
	var synEntries, gloEntries []entry
	for _, t := range synonyms {
		es, err := parseTable(t.name, t.r, synonymTable)
		if err != nil {
			return nil, err
		}
		synEntries = append(synEntries, es...)
	}
	for _, t := range glossary {
		es, err := parseTable(t.name, t.r, glossaryTable)
		if err != nil {
			return nil, err
		}
		gloEntries = append(gloEntries, es...)
	}
	// Canonical terms first, so that every canonical term stands for itself before any
	// variant is attached to it.
	for _, e := range synEntries {
		for _, c := range e.canonical {
			m.add(c, m.term(c))
		}
	}
	for _, e := range synEntries {
		var ids []int
		for _, c := range e.canonical {
			ids = append(ids, m.term(c))
		}
		for _, v := range e.variants {
			m.add(v, ids...)
		}
	}
	// A glossary line's Chinese terms bring along what the synonym table says they stand for,
	// so "5-star hotel" → 五星级酒店 → 五星级旅游饭店 works with either spelling in the glossary.
	for _, e := range gloEntries {
		var ids []int
		for _, c := range e.canonical {
			if t := m.targetsOf(c); len(t) > 0 {
				ids = append(ids, t...)
			} else {
				id := m.term(c)
				m.add(c, id)
				ids = append(ids, id)
			}
		}
		for _, v := range e.variants {
			m.add(v, ids...)
		}
	}
	addPinyin(m)
	m.index()
	english := map[string]string{}
	for _, e := range gloEntries {
		if e.blocker || len(e.variants) == 0 {
			continue
		}
		// A line's first corpus term is what its English names; the others
		// come along for retrieval (境外展会 展位费 | overseas trade show).
		if c := norm.Fold(e.canonical[0]); english[c] == "" {
			english[c] = e.variants[0]
		}
	}
	return &Rewriter{m: m, english: english}, nil
}

// English returns the glossary's English for a Chinese term (the first
// English phrase of the first glossary line whose corpus terms include it),
// or "" when the glossary has none.
func (r *Rewriter) English(term string) string {
	return r.english[norm.Fold(strings.TrimSpace(term))]
}

// Rewrite normalizes q, recognises the domain terms in it and expands it for retrieval.
func (r *Rewriter) Rewrite(q string) Rewritten {
	normalized := strings.Join(strings.Fields(norm.Fold(q)), " ")
	out := Rewritten{Original: q, Normalized: normalized}
	mf := matchForm(normalized)

	var ids []int
	r.m.scan(mf, func(k *key, start, end int) {
		sp := Span{Start: utf8.RuneCountInString(mf[:start]), End: utf8.RuneCountInString(mf[:end])}
		for _, t := range k.targets {
			sp.Terms = append(sp.Terms, r.m.terms[t])
		}
		out.Spans = append(out.Spans, sp)
		for _, t := range k.targets {
			if !slices.Contains(ids, t) {
				ids = append(ids, t)
			}
		}
	})
	var b strings.Builder
	b.WriteString(normalized)
	for _, id := range ids {
		out.Terms = append(out.Terms, r.m.terms[id])
		if f := r.m.folded[id]; !strings.Contains(mf, f) {
			b.WriteByte(' ')
			b.WriteString(f)
		}
	}
	out.Amounts = amounts(normalized)
	for _, a := range out.Amounts {
		if !strings.Contains(normalized, a) {
			b.WriteByte(' ')
			b.WriteString(a)
		}
	}
	out.Expanded = b.String()
	out.English = isEnglish(normalized)
	return out
}

// isEnglish reports whether s is mainly English: at least two English words, and at least half
// as many words as Chinese characters ("What is the 小巨人 award?" is English; "tiktok shop
// 直播带货有补贴吗" is not).
func isEnglish(s string) bool {
	words, han, run := 0, 0, 0
	for _, r := range s {
		if r < 0x80 && isLetter(byte(r)) {
			run++
			continue
		}
		if run >= 2 {
			words++
		}
		run = 0
		if norm.IsHan(r) {
			han++
		}
	}
	if run >= 2 {
		words++
	}
	return words >= 2 && 2*words >= han
}
