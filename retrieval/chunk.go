package retrieval

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"policybot/policies"
)

// MaxChunkRunes is the length above which an article is split into pieces.
// Articles of district policies run 50–250 characters; a longer one usually
// lists several measures, and one vector or one BM25 length norm for all of
// them blurs each.
const MaxChunkRunes = 400

// Chunk is the unit of retrieval: one article (第N条) or one paragraph of a
// document, or one piece of an article longer than MaxChunkRunes.
type Chunk struct {
	// ID is "wz-mfg-2025#6" for article 6, "wz-mfg-2025#6.2" for its
	// second piece.
	ID       string
	DocID    string
	DocTitle string
	// Article is N of 第N条 (or of the Nth paragraph).
	Article int
	// Label is how the article is cited: "第6条" or "第3段".
	Label string
	// Part is the 1-based piece number; 1 for an article that is not split.
	Part       int
	Chapter    string
	Category   policies.Category
	Department string
	// Region and Year are the document's scope (policies.Document).
	Region string
	Year   int
	// EffectiveFrom and EffectiveTo are the document's; zero means unset.
	EffectiveFrom, EffectiveTo policies.Date
	Sample                     bool
	// Text is the article text (or the piece of it) as written, without
	// the header that IndexText adds.
	Text string
}

// Chunks cuts the documents into chunks, in document and article order.
// Nil documents are skipped.
func Chunks(docs []*policies.Document) []Chunk {
	var out []Chunk
	for _, d := range docs {
		if d == nil {
			continue
		}
		for _, a := range d.Articles {
			for i, piece := range splitArticle(a.Text, MaxChunkRunes) {
				id := d.ID + "#" + strconv.Itoa(a.Number)
				if i > 0 {
					id += "." + strconv.Itoa(i+1)
				}
				out = append(out, Chunk{
					ID:            id,
					DocID:         d.ID,
					DocTitle:      d.Title,
					Article:       a.Number,
					Label:         d.Label(a.Number),
					Part:          i + 1,
					Chapter:       a.Chapter,
					Category:      d.Category,
					Department:    d.Department(a.Number),
					Region:        d.Region,
					Year:          d.Year,
					EffectiveFrom: d.EffectiveFrom,
					EffectiveTo:   d.EffectiveTo,
					Sample:        d.Sample,
					Text:          piece,
				})
			}
		}
	}
	return out
}

// IndexText is the text that is indexed and embedded for the chunk: a header
// line (document title, label, chapter) and the text. Every piece of a split
// article repeats the header, so a piece still says which policy it is from —
// questions name the policy ("制造业政策的有效期") more often than the words
// of the article.
func (c Chunk) IndexText() string {
	var b strings.Builder
	b.Grow(len(c.DocTitle) + len(c.Label) + len(c.Chapter) + len(c.Text) + 3)
	b.WriteString(c.DocTitle)
	b.WriteByte(' ')
	b.WriteString(c.Label)
	if c.Chapter != "" {
		b.WriteByte(' ')
		b.WriteString(c.Chapter)
	}
	b.WriteByte('\n')
	b.WriteString(c.Text)
	return b.String()
}

// splitArticle returns text unchanged when it has at most max runes, else
// pieces of at most max runes cut after sentence ends (。！？；). The pieces
// are balanced — 450 runes become two of about 225, not 400 and 50 — because
// a short tail piece matches little and says little. A single sentence over
// max runes is cut after a comma, or hard at max runes when it has none.
func splitArticle(text string, max int) []string {
	total := utf8.RuneCountInString(text)
	if total <= max {
		return []string{text}
	}
	n := (total + max - 1) / max
	target := (total + n - 1) / n

	var pieces []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			pieces = append(pieces, s)
		}
		cur.Reset()
		curLen = 0
	}
	for _, s := range sentences(text, isSentenceEnd) {
		sl := utf8.RuneCountInString(s)
		if sl > max {
			flush()
			pieces = append(pieces, cutLong(s, max)...)
			continue
		}
		if curLen > 0 && curLen+sl > max {
			flush()
		}
		cur.WriteString(s)
		curLen += sl
		if curLen >= target {
			flush()
		}
	}
	flush()
	return pieces
}

// cutLong cuts one over-long sentence into pieces of at most max runes,
// after commas where it can.
func cutLong(s string, max int) []string {
	var out []string
	var cur strings.Builder
	curLen := 0
	for _, clause := range sentences(s, isClauseEnd) {
		for clause != "" {
			cl := utf8.RuneCountInString(clause)
			if curLen > 0 && curLen+cl > max {
				out = append(out, cur.String())
				cur.Reset()
				curLen = 0
			}
			if cl <= max {
				cur.WriteString(clause)
				curLen += cl
				break
			}
			head, tail := splitAtRune(clause, max)
			out = append(out, head)
			clause = tail
		}
	}
	if curLen > 0 {
		out = append(out, cur.String())
	}
	return out
}

// sentences splits s after each rune for which end is true, keeping closing
// quotes and brackets that follow the end with the sentence they close.
func sentences(s string, end func(rune) bool) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !end(r) {
			continue
		}
		for i < len(s) {
			r2, size2 := utf8.DecodeRuneInString(s[i:])
			if !isCloser(r2) {
				break
			}
			i += size2
		}
		out = append(out, s[start:i])
		start = i
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func isSentenceEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '；', '!', '?', ';':
		return true
	}
	return false
}

func isClauseEnd(r rune) bool {
	return r == '，' || r == ',' || r == '、' || isSentenceEnd(r)
}

func isCloser(r rune) bool {
	switch r {
	case '”', '’', '」', '』', '）', ')', '】', '》':
		return true
	}
	return false
}

// splitAtRune splits s after its nth rune.
func splitAtRune(s string, n int) (string, string) {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i], s[i:]
}
