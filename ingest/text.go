package ingest

import (
	"bytes"
	"fmt"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

// blockKind says how a paragraph was marked in the source.
type blockKind int

const (
	body    blockKind = iota // an ordinary paragraph
	heading                  // a heading (Word heading style, <h1>…<h6>)
	titled                   // the document title (Word "Title" style, <title>)
)

// block is one paragraph of the source, before rendering.
type block struct {
	text string
	kind blockKind
}

const numerals = `[零〇○一二两三四五六七八九十百千0-9]+`

var (
	// The same shapes policies.Parser recognises.
	chapterRE = regexp.MustCompile(`^第` + numerals + `章`)
	articleRE = regexp.MustCompile(`^(?:\*\*)?第` + numerals + `条`)
	// labelRE is a leading 第X条/章/节/编 label, after which the parser needs
	// a space before the text.
	labelRE = regexp.MustCompile(`^第` + numerals + `[条章节编]`)
	// listRE starts a numbered item: 一、 （一） 1. 1、 (1)
	listRE = regexp.MustCompile(`^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十0-9]+[）)]|[0-9]+[.、．](?:[^0-9]|$))`)
	// docNoRE is a document number line: 吴政规〔2025〕1号.
	docNoRE = regexp.MustCompile(`^\p{Han}{1,16}[〔［\[【(（]\d{4}[〕］\]】)）]\d{1,4}号$`)
)

// endsSentence reports whether s ends a paragraph by its punctuation.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, "”’」』）)\"' ")
	r, _ := utf8.DecodeLastRuneInString(s)
	switch r {
	case '。', '；', '：', '！', '？', ';', ':', '!', '?', '.':
		return true
	}
	return false
}

// startsBlock reports whether a line starts a new paragraph by its shape: an
// article, a chapter or a numbered item.
func startsBlock(s string) bool {
	return chapterRE.MatchString(s) || articleRE.MatchString(s) || listRE.MatchString(s)
}

// isCJK reports whether r is a Han character or CJK/full-width punctuation,
// between which a space is never meaningful.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF && !(r >= 0xFF10 && r <= 0xFF5A)) ||
		r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—' || r == '·'
}

// width is the display width of s: CJK characters count two.
func width(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x30FF || r >= 0xFF00 && r <= 0xFF60) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// cleaner normalises text and counts what it removed.
type cleaner struct {
	// keepCJKSpaces keeps single spaces between two CJK characters. In PDF
	// text they are real gaps (PDFium adds a space only where the layout
	// has one: between table cells), while in web pages and Word files
	// they are source line breaks or typed alignment.
	keepCJKSpaces bool
	invisible     int // zero-width characters and soft hyphens removed
}

// line normalises one paragraph: whitespace variants (full-width space,
// NBSP, tabs, line breaks) become one space, invisible characters go, Kangxi
// radicals that some PDF producers emit become the ordinary characters,
// single spaces between CJK characters and digits ("2025 年", "1 号") go, and
// so do spaces between two CJK characters (unless keepCJKSpaces; always in a
// chapter title, "第一章 总 则"), except after a leading 第X条 label, where the
// parser needs one.
func (c *cleaner) line(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\u200B', r == '\u200C', r == '\u200D', r == '\u2060', r == '\uFEFF', r == '\u00AD':
			c.invisible++
			continue
		case r == utf8.RuneError, r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7F, r >= 0x80 && r < 0xA0 && r != 0x85:
			continue
		case unicode.IsSpace(r), r == '\u3000', r == '\u00A0', r == '\u202F', r >= 0x2000 && r <= 0x200A:
			space = true
			continue
		case r >= 0x2E80 && r <= 0x2FDF:
			// CJK radicals supplement and Kangxi radicals: "⼀" for "一".
			if n := norm.NFKC.String(string(r)); n != "" {
				r, _ = utf8.DecodeRuneInString(n)
			}
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	s = b.String()
	label := labelRE.FindString(s)
	rest := dropCJKSpaces(strings.TrimSpace(s[len(label):]), c.keepCJKSpaces && !strings.HasSuffix(label, "章"))
	if label == "" {
		return rest
	}
	if rest == "" {
		return label
	}
	if r, _ := utf8.DecodeRuneInString(rest); strings.HasSuffix(label, "条") && (r == '、' || r == '，' || r == ',' || r == '和' || r == '至' || r == '及') {
		// "第三条、第四条规定……" refers to articles; it does not start one.
		return label + rest
	}
	return label + " " + rest
}

// units are the characters that follow a number in Chinese text.
const units = "年月日号元万亿千百个项条款章节页次家人名户天周倍亩米吨度时分秒届期批类级"

// dropCJKSpaces removes single spaces between two CJK characters, and
// between a CJK character and a number. With keepCJK (PDF text, where a
// space may separate table cells) it keeps the former, and drops the latter
// only around a number with a unit: "自 2025 年 3 月" becomes "自2025年3月"
// but "智能化改造 10%" stays.
func dropCJKSpaces(s string, keepCJK bool) string {
	if !strings.Contains(s, " ") {
		return s
	}
	digit := func(r rune) bool { return r >= '0' && r <= '9' }
	rs := []rune(s)
	// unitAfter reports whether the number starting at i is followed by a
	// unit, with or without a space.
	unitAfter := func(i int) bool {
		for i < len(rs) && (digit(rs[i]) || rs[i] == '.' || rs[i] == ',') {
			i++
		}
		if i < len(rs) && rs[i] == ' ' {
			i++
		}
		return i < len(rs) && strings.ContainsRune(units, rs[i])
	}
	out := make([]rune, 0, len(rs))
	for i, r := range rs {
		if r == ' ' && i > 0 && i+1 < len(rs) {
			a, b := rs[i-1], rs[i+1]
			switch {
			case isCJK(a) && isCJK(b) && !keepCJK,
				isCJK(a) && digit(b) && (!keepCJK || unitAfter(i+1)),
				digit(a) && isCJK(b) && (!keepCJK || strings.ContainsRune(units, b)):
				continue
			}
		}
		out = append(out, r)
	}
	return string(out)
}

// joinWrapped rebuilds paragraphs from hard-wrapped lines (PDF text, text
// files copied from PDFs). An empty line always ends a paragraph. A line is
// continued by the next one when it does not end a sentence (。；：！？), is
// about as wide as the full text width (a shorter line is the last line of
// its paragraph: a title, a date, a signature), and the next line does not
// start an article, chapter or numbered item.
func joinWrapped(lines []string) []string {
	var widths []int
	for _, l := range lines {
		if l != "" {
			widths = append(widths, width(l))
		}
	}
	if len(widths) == 0 {
		return nil
	}
	slices.Sort(widths)
	full := widths[len(widths)*9/10]
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	prev := ""
	for _, l := range lines {
		switch {
		case l == "":
			flush()
		case cur.Len() > 0 && !endsSentence(prev) && width(prev)*4 >= full*3 && !startsBlock(l):
			p, _ := utf8.DecodeLastRuneInString(prev)
			n, _ := utf8.DecodeRuneInString(l)
			if p < 0x80 && n < 0x80 && p != '-' {
				cur.WriteByte(' ')
			}
			cur.WriteString(l)
		default:
			flush()
			cur.WriteString(l)
		}
		prev = l
	}
	flush()
	return out
}

// render writes the blocks as a corpus document: the front matter from meta
// (the title and document number are taken from the text when meta lacks
// them), then one paragraph a line with blank lines between. The document
// title becomes "# …", 第X章 lines "## …", and other headings "## …" only
// before the first article, since after it they would be read as part of an
// article's text anyway.
func (c *conv) render(meta policies.Meta, blocks []block) []byte {
	var bs []block
	for _, b := range blocks {
		for _, part := range strings.Split(b.text, "\n") {
			if t := c.clean.line(part); t != "" {
				bs = append(bs, block{t, b.kind})
			}
		}
	}
	firstArticle := len(bs)
	for i, b := range bs {
		if articleRE.MatchString(b.text) || chapterRE.MatchString(b.text) {
			firstArticle = i
			break
		}
	}
	titleAt := -1
	for i, b := range bs[:firstArticle] {
		if b.kind == titled {
			titleAt = i
			break
		}
	}
	if titleAt < 0 {
		for i, b := range bs[:firstArticle] {
			if b.kind == heading || (b.kind == body && looksLikeTitle(b.text)) {
				titleAt = i
				break
			}
		}
	}
	if meta.Title == "" && titleAt >= 0 {
		meta.Title = bs[titleAt].text
		c.warn(lang.T(fmt.Sprintf("title taken from the document: %q; check it", meta.Title), fmt.Sprintf("标题取自正文，请核对：“%v”", meta.Title)))
	}
	if meta.DocNo == "" {
		for _, b := range bs[:firstArticle] {
			if docNoRE.MatchString(b.text) {
				meta.DocNo = b.text
				c.warn(lang.T(fmt.Sprintf("document number taken from the document: %q; check it", meta.DocNo), fmt.Sprintf("文号取自正文，请核对：“%v”", meta.DocNo)))
				break
			}
		}
	}
	lines := make([]string, len(bs))
	for i, b := range bs {
		prefix := ""
		switch {
		case i == titleAt:
			prefix = "# "
		case chapterRE.MatchString(b.text) && !articleRE.MatchString(b.text):
			prefix = "## "
		case b.kind != body && i < firstArticle:
			prefix = "## "
		}
		lines[i] = prefix + b.text
	}
	out := frontMatter(meta)
	out = append(out, strings.Join(lines, "\n\n")...)
	return append(out, '\n')
}

// looksLikeTitle guesses that a leading paragraph is the document title: a
// short line that is not a sentence, a document number, a salutation, a
// table row or the issuer's banner ("××人民政府文件").
func looksLikeTitle(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 4 && n <= 80 && !endsSentence(s) && !docNoRE.MatchString(s) &&
		!strings.HasSuffix(s, "：") && !strings.Contains(s, " | ") && !strings.HasSuffix(s, "文件") && strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// text converts Markdown and plain text. A file that has its own front
// matter is passed through byte for byte (the parser decodes GB18030 itself);
// otherwise it is decoded to UTF-8 and front matter is synthesised from meta.
// A Markdown body is kept as written; a text body has its hard-wrapped lines
// joined into paragraphs.
func (c *conv) text(data []byte, meta policies.Meta) ([]byte, error) {
	if policies.HasFrontMatter(data) {
		c.ownFront = true
		if meta != (policies.Meta{}) {
			c.warn(lang.T("the file has its own front matter, which is kept: the form fields are ignored", "文件自带元数据，表单填写的字段未使用"))
		}
		return bytes.Clone(data), nil
	}
	s, err := c.decodeText(data)
	if err != nil {
		return nil, err
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if c.md {
		return c.markdown(s, meta), nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = c.clean.line(l)
	}
	var blocks []block
	for _, p := range joinWrapped(lines) {
		blocks = append(blocks, block{text: p})
	}
	return c.render(meta, blocks), nil
}

// markdown prepends front matter to a Markdown body, taking the title from
// its first "# " heading when meta has none.
func (c *conv) markdown(s string, meta policies.Meta) []byte {
	if meta.Title == "" {
		for _, l := range strings.Split(s, "\n") {
			if t, ok := strings.CutPrefix(strings.TrimSpace(l), "# "); ok && strings.TrimSpace(t) != "" {
				meta.Title = strings.TrimSpace(t)
				c.warn(lang.T(fmt.Sprintf("title taken from the document: %q; check it", meta.Title), fmt.Sprintf("标题取自正文，请核对：“%v”", meta.Title)))
				break
			}
		}
	}
	var out bytes.Buffer
	out.Write(frontMatter(meta))
	out.WriteString(strings.TrimLeft(s, "\n"))
	if !strings.HasSuffix(s, "\n") {
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// decodeText returns data as UTF-8: UTF-16 with a byte-order mark (Notepad's
// "Unicode"), UTF-8, or GB18030 (GBK) with a warning.
func (c *conv) decodeText(data []byte) (string, error) {
	switch {
	case isUTF16(data):
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(data)
		if err == nil && utf8.Valid(out) {
			c.warn(lang.T("the file is UTF-16, converted to UTF-8", "文件为 UTF-16 编码，已转换为 UTF-8"))
			return string(out), nil
		}
	case utf8.Valid(data):
		return string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), nil
	default:
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err == nil && utf8.Valid(out) && !bytes.ContainsRune(out, utf8.RuneError) {
			c.warn(lang.T("the file is GB18030/GBK, converted to UTF-8", "文件为 GB18030/GBK 编码，已转换为 UTF-8"))
			return string(out), nil
		}
	}
	return "", refuse(fault.Invalid, nil, lang.T("the text is not UTF-8, UTF-16 or GB18030: save it as UTF-8", "无法识别的文本编码，请另存为 UTF-8"))
}
