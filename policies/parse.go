package policies

import (
	"bytes"
	"fmt"
	"net/url"
	"policybot/policies/amount"
	"policybot/policies/lang"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"gopkg.in/yaml.v3"
)

// MaxFileBytes is the largest source file the parser accepts.
const MaxFileBytes = 8 << 20

// Parser reads policy documents. The zero value uses DefaultHygiene.
type Parser struct {
	// Hygiene scans the text for injected spam; nil means DefaultHygiene().
	Hygiene *Hygiene
	// Regions is the region table the scope fields are read with; nil
	// means DefaultRegions().
	Regions *Regions
}

// ParseFile parses one document with the default Parser.
func ParseFile(path string, data []byte) (*Document, []Finding) {
	return (&Parser{}).Parse(path, data)
}

var idRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// MaxIDLength is the longest document id: ids appear in URLs, file names
// and every citation.
const MaxIDLength = 64

// httpURL reports whether s is an absolute http(s) URL: a source link must
// not run script (javascript:) or carry a document of its own (data:).
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")) && u.Host != ""
}

// fields are the front-matter keys, in the order the format lists them.
var fields = []string{
	"id", "title", "category", "issuer", "doc_no", "published", "effective_from",
	"effective_to", "lead_department", "sample", "supersedes", "source_url",
	"region", "level", "year", "status",
}

// HasFrontMatter reports whether data starts with a --- line, as Parse
// reads it (after an optional UTF-8 byte-order mark, which Parse removes
// with a warning): a file that has its own front matter.
func HasFrontMatter(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return string(bytes.TrimSpace(line)) == "---"
}

// Parse reads a document from data. It never panics and returns every
// problem it finds; the Document is nil only when nothing could be read. A
// document with any Error finding must not be indexed.
func (p *Parser) Parse(path string, data []byte) (*Document, []Finding) {
	var fs []Finding
	add := func(line int, sev Severity, code string, msg lang.Text) {
		fs = append(fs, Finding{Path: path, Line: line, Severity: sev, Code: code, Msg: msg})
	}
	switch {
	case len(data) == 0:
		add(0, Error, CodeSize, lang.T("empty file", "文件为空"))
		return nil, fs
	case len(data) > MaxFileBytes:
		add(0, Error, CodeSize, lang.T(fmt.Sprintf("file is %d bytes, over the %d-byte limit: split it", len(data), MaxFileBytes), fmt.Sprintf("文件过大（%d 字节，上限 %d 字节），请拆分", len(data), MaxFileBytes)))
		return nil, fs
	}
	text, encFindings := decode(path, data)
	fs = append(fs, encFindings...)
	if text == "" {
		return nil, fs
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")

	h := p.Hygiene
	if h == nil {
		h = DefaultHygiene()
	}
	fs = append(fs, h.Scan(path, lines, 1)...)

	doc := &Document{Path: path}
	bodyStart := 0
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "---" {
		end := -1
		for i := 1; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) == "---" {
				end = i
				break
			}
		}
		if end < 0 {
			add(1, Error, CodeFrontMatter, lang.T("front matter opened with --- is never closed: add a closing --- line", "前置元数据缺少结束的 --- 行"))
			return doc, fs
		}
		fs = append(fs, parseFrontMatter(path, doc, strings.Join(lines[1:end], "\n"), 2)...)
		fs = append(fs, p.scope(path, doc)...)
		bodyStart = end + 1
	} else {
		add(1, Error, CodeFrontMatter, lang.T("no front matter: start the file with --- and the fields id, title, category", "缺少前置元数据：文件开头应为 --- 及 id、title、category 字段"))
	}
	fs = append(fs, parseBody(path, doc, lines, bodyStart)...)
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Line != fs[j].Line {
			return fs[i].Line < fs[j].Line
		}
		return fs[i].Col < fs[j].Col
	})
	return doc, fs
}

// decode returns data as UTF-8 text. A UTF-8 byte-order mark is removed
// with a warning;
// GB18030 (which covers GBK and GB2312) is converted with a warning;
// anything else is an error.
func decode(path string, data []byte) (string, []Finding) {
	var fs []Finding
	if bytes.IndexByte(data, 0) >= 0 {
		return "", []Finding{{Path: path, Severity: Error, Code: CodeEncoding,
			Msg: lang.T("binary file (contains NUL bytes): save the document as UTF-8 text or Markdown", "二进制文件，请另存为 UTF-8 文本")}}
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		// Word and Notepad write one; it carries no text.
		fs = append(fs, Finding{Path: path, Line: 1, Col: 1, Severity: Warning, Code: CodeBOM,
			Msg: lang.T("byte-order mark at the start of the file was removed", "文件开头的 BOM 已去除")})
		data = data[3:]
	}
	if utf8.Valid(data) {
		return string(data), fs
	}
	if mostlyUTF8(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		fs = append(fs, Finding{Path: path, Line: line, Severity: Error, Code: CodeEncoding,
			Msg: lang.T("not UTF-8 text: the file is UTF-8 with damaged bytes here, re-save it as UTF-8", "文件含有损坏的 UTF-8 字节，请重新保存为 UTF-8")})
		return "", fs
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err == nil && utf8.Valid(out) && looksChinese(out) {
		fs = append(fs, Finding{Path: path, Severity: Warning, Code: CodeEncoding,
			Msg: lang.T("file is GB18030/GBK, converted to UTF-8: save it as UTF-8 to silence this", "文件为 GB18030/GBK 编码，已转换为 UTF-8")})
		return string(out), fs
	}
	line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
	fs = append(fs, Finding{Path: path, Line: line, Severity: Error, Code: CodeEncoding,
		Msg: lang.T("not UTF-8 or GB18030 text: save the document as UTF-8", "无法识别的文本编码，请另存为 UTF-8")})
	return "", fs
}

// mostlyUTF8 reports whether most non-ASCII bytes of b form valid UTF-8
// sequences: GB18030 text rarely does, so such a file is damaged UTF-8, not
// another encoding.
func mostlyUTF8(b []byte) bool {
	var valid, high int
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			high++
		case size > 1:
			valid += size
			high += size
		}
		i += size
	}
	return valid*2 > high
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// looksChinese reports whether decoded text is mostly common CJK and ASCII:
// random bytes decode as GB18030 too, but into rare characters.
func looksChinese(b []byte) bool {
	var good, all int
	for _, r := range string(b) {
		all++
		switch {
		case r < 0x80, r >= 0x4E00 && r <= 0x9FFF, r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF, r == '“', r == '”', r == '…', r == '—':
			good++
		}
	}
	return all > 0 && good*100 >= all*95
}

func parseFrontMatter(path string, doc *Document, src string, firstLine int) []Finding {
	var fs []Finding
	add := func(line int, msg lang.Text) {
		fs = append(fs, Finding{Path: path, Line: line, Severity: Error, Code: CodeField, Msg: msg})
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		fs = append(fs, Finding{Path: path, Line: firstLine + yamlErrLine(err), Severity: Error, Code: CodeFrontMatter,
			Msg: lang.T(fmt.Sprintf("front matter is not valid YAML: %v", err), "前置元数据格式错误")})
		return fs
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		fs = append(fs, Finding{Path: path, Line: firstLine - 1, Severity: Error, Code: CodeFrontMatter,
			Msg: lang.T("front matter must be key: value lines", "前置元数据应为 键: 值 格式")})
		return fs
	}
	m := root.Content[0]
	seen := map[string]int{}
	var fromLine, toLine int
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		line := firstLine + k.Line - 1
		if prev, dup := seen[k.Value]; dup {
			add(line, lang.T(fmt.Sprintf("field %q repeats line %d: keep one", k.Value, prev), fmt.Sprintf("字段重复：“%v”", k.Value)))
			continue
		}
		seen[k.Value] = line
		if v.Kind != yaml.ScalarNode {
			add(line, lang.T(fmt.Sprintf("field %q must be a single value", k.Value), fmt.Sprintf("字段 %s 应为单个值", k.Value)))
			continue
		}
		val := strings.TrimSpace(v.Value)
		if v.Tag == "!!null" {
			val = ""
		}
		switch k.Value {
		case "id":
			doc.ID, doc.idLine = val, line
			switch {
			case len(val) > MaxIDLength:
				add(line, lang.T(fmt.Sprintf("id is %d characters long, the limit is %d: use a short id such as wz-mfg-2025", len(val), MaxIDLength), fmt.Sprintf("id 过长，最多 %d 个字符", MaxIDLength)))
			case !idRE.MatchString(val):
				add(line, lang.T(fmt.Sprintf("bad id %q: use lower-case letters, digits and single hyphens, e.g. wz-mfg-2025", val), fmt.Sprintf("id 只能包含小写字母、数字和连字符：“%v”", val)))
			}
		case "title":
			doc.Title = val
		case "category":
			doc.Category = Category(val)
			if !doc.Category.Valid() {
				add(line, lang.T(fmt.Sprintf("unknown category %q: use one of %s", val, categoryList()), fmt.Sprintf("类别无效：“%v”", val)))
			}
		case "issuer":
			doc.Issuer = val
		case "doc_no":
			doc.DocNo = val
		case "published", "effective_from", "effective_to":
			if val == "" {
				continue
			}
			d, err := ParseDate(val)
			if err != nil {
				add(line, lang.T(fmt.Sprintf("bad date %s: %q: write YYYY-MM-DD, e.g. 2025-03-01", k.Value, val), fmt.Sprintf("日期格式应为 YYYY-MM-DD：“%v”", val)))
				continue
			}
			switch k.Value {
			case "published":
				doc.Published = d
			case "effective_from":
				doc.EffectiveFrom, fromLine = d, line
			default:
				doc.EffectiveTo, toLine = d, line
			}
		case "lead_department":
			doc.LeadDepartment = val
		case "sample":
			switch val {
			case "true":
				doc.Sample = true
			case "false", "":
			default:
				add(line, lang.T(fmt.Sprintf("sample must be true or false, not %q", val), fmt.Sprintf("sample 只能为 true 或 false：“%v”", val)))
			}
		case "supersedes":
			doc.Supersedes = val
			if val != "" && !idRE.MatchString(val) {
				add(line, lang.T(fmt.Sprintf("supersedes %q is not a document id", val), fmt.Sprintf("supersedes 应为文档 id：“%v”", val)))
			}
		case "source_url":
			doc.SourceURL = val
			if val != "" && !httpURL(val) {
				add(line, lang.T(fmt.Sprintf("source_url %q must be an http:// or https:// address of the original text", val), fmt.Sprintf("原文链接只能是 http:// 或 https:// 网址：“%v”", val)))
			}
		case "region":
			doc.Region, doc.scopeLines.region = val, line
		case "level":
			if val == "" {
				continue
			}
			lv, ok := ParseLevel(val)
			if !ok {
				add(line, lang.T(fmt.Sprintf("unknown level %q: use district (区/县级市), city (市), province (省) or national (国家)", val), fmt.Sprintf("层级无效：“%v”", val)))
				continue
			}
			doc.Level, doc.scopeLines.level = lv, line
		case "year":
			if val == "" {
				continue
			}
			y, err := strconv.Atoi(val)
			if err != nil || y < minYear || y > maxYear {
				add(line, lang.T(fmt.Sprintf("bad year %q: write the year of the measure with four digits, e.g. 2025", val), fmt.Sprintf("年份应为四位数字，如 2025：“%v”", val)))
				continue
			}
			doc.Year = y
		case "status":
			if val == "" {
				continue
			}
			st, ok := ParseStatus(val)
			if !ok {
				add(line, lang.T(fmt.Sprintf("unknown status %q: use in-force (现行有效), expired (已失效) or repealed (已废止)", val), fmt.Sprintf("状态无效：“%v”", val)))
				continue
			}
			doc.Status = st
		default:
			add(line, lang.T(fmt.Sprintf("unknown field %q: the fields are %s", k.Value, strings.Join(fields, ", ")), fmt.Sprintf("未知字段：“%v”", k.Value)))
		}
	}
	for _, req := range []string{"id", "title", "category"} {
		if _, ok := seen[req]; !ok {
			fs = append(fs, Finding{Path: path, Line: firstLine - 1, Severity: Error, Code: CodeField, Missing: req,
				Msg: lang.T(fmt.Sprintf("missing required field %q: add a line \"%s: …\" to the front matter", req, req), fmt.Sprintf("缺少必填字段 %s", req))})
		} else if req == "title" && doc.Title == "" {
			add(seen[req], lang.T("title is empty", "标题为空"))
		}
	}
	if !doc.EffectiveFrom.IsZero() && !doc.EffectiveTo.IsZero() && doc.EffectiveTo.Before(doc.EffectiveFrom.Time) {
		add(toLine, lang.T(fmt.Sprintf("effective_to %s is before effective_from %s (line %d): swap or correct them", doc.EffectiveTo, doc.EffectiveFrom, fromLine), fmt.Sprintf("失效日期 %s 早于生效日期 %s（第 %d 行），请更正", doc.EffectiveTo, doc.EffectiveFrom, fromLine)))
	}
	return fs
}

// The years a document may give (year:).
const (
	minYear = 1949
	maxYear = 2100
)

var (
	// docNoYearRE finds the year of a document number: 吴政规〔2025〕1号,
	// 苏府[2024]12号, 苏政发(2023)5号.
	docNoYearRE = regexp.MustCompile(`[〔\[［(（]((?:19|20)\d\d)[〕\]］)）]`)
	// titleYearRE finds a year in a title: 2025年, 2024—2026年 (the first).
	titleYearRE = regexp.MustCompile(`((?:19|20)\d\d)\s*(?:年|—|-|–|~|至)`)
)

// scope completes the document's scope fields (region, level, year) that
// the front matter left out, from its issuer, title, number and dates, and
// checks those it gave against the region table.
func (p *Parser) scope(path string, doc *Document) []Finding {
	g := p.Regions
	if g == nil {
		g = DefaultRegions()
	}
	var fs []Finding
	add := func(line int, sev Severity, msg lang.Text) {
		fs = append(fs, Finding{Path: path, Line: line, Severity: sev, Code: CodeField, Msg: msg})
	}
	if doc.Region != "" {
		r, ok := g.Lookup(doc.Region)
		switch {
		case !ok:
			add(doc.scopeLines.region, Warning, lang.T(fmt.Sprintf("region %q is not in the region table (policies/regions.txt): it is matched only by this exact name and contains no other region; check the spelling, e.g. 吴中区, 苏州市, 江苏省, 全国", doc.Region), fmt.Sprintf("地区不在地区表中，请核对名称：“%v”", doc.Region)))
			if doc.Level == "" {
				add(doc.scopeLines.region, Warning, lang.T(fmt.Sprintf("give the level of region %q: level: district, city, province or national", doc.Region), fmt.Sprintf("请填写层级 level：“%v”", doc.Region)))
			}
		default:
			doc.Region = r.Name
			if doc.Level != "" && doc.Level != r.Level {
				add(doc.scopeLines.level, Error, lang.T(fmt.Sprintf("level %s does not match region %s, which is %s (%s) in the region table: correct one of them", doc.Level, r.Name, r.Level, r.Level.Label()), fmt.Sprintf("层级 %s 与地区 %s 不符（地区表中为%s），请更正其一", doc.Level.Label(), r.Name, r.Level.Label())))
			}
		}
	} else if doc.Region = g.InferRegion(doc.Issuer, doc.Title); doc.Region != "" {
		doc.Inferred = append(doc.Inferred, "region")
	}
	if doc.Level == "" && doc.Region != "" {
		if r, ok := g.Lookup(doc.Region); ok {
			doc.Level = r.Level
			doc.Inferred = append(doc.Inferred, "level")
		}
	}
	if doc.Year == 0 {
		if doc.Year = inferYear(doc); doc.Year != 0 {
			doc.Inferred = append(doc.Inferred, "year")
		}
	}
	return fs
}

// inferYear reads the year of a measure from its document number, else its
// title, else the year it takes effect or was published; 0 when none says.
func inferYear(doc *Document) int {
	for _, re := range []struct {
		re *regexp.Regexp
		s  string
	}{{docNoYearRE, doc.DocNo}, {titleYearRE, doc.Title}} {
		if m := re.re.FindStringSubmatch(re.s); m != nil {
			y, _ := strconv.Atoi(m[1])
			return y
		}
	}
	for _, d := range []Date{doc.EffectiveFrom, doc.Published} {
		if !d.IsZero() {
			return d.Year()
		}
	}
	return 0
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n := 0
	fmt.Sscan(m[1], &n)
	if n > 0 {
		n--
	}
	return n
}

func categoryList() string {
	s := make([]string, len(Categories))
	for i, c := range Categories {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

const numerals = `[零〇○一二两三四五六七八九十百千0-9]+`

var (
	chapterRE    = regexp.MustCompile(`^#{0,6}\s*(?:\*\*)?(?:第(` + numerals + `)章|([一二三四五六七八九十]+)、)[\s　]*(.*?)(?:\*\*)?\s*$`)
	articleRE    = regexp.MustCompile(`^\s*(?:\*\*)?第(` + numerals + `)条(?:\*\*)?(?:[\s　:：]+|$)`)
	departmentRE = regexp.MustCompile(`[（(]\s*责任单位\s*[:：]\s*([^（()）]+?)\s*[）)]\s*$`)
)

// parseBody splits the body (lines[start:]) into chapters and articles, or
// into paragraphs when it has no 第N条.
func parseBody(path string, doc *Document, lines []string, start int) []Finding {
	var fs []Finding
	type span struct {
		num                     int
		chapter, chapterHeading string
		heading                 string
		first, end              int // line indexes, end exclusive
	}
	var arts []span
	chapter, chapterHeading := "", ""
	var preamble []string
	for i := start; i < len(lines); i++ {
		line := lines[i]
		if m := chapterRE.FindStringSubmatch(line); m != nil && !articleRE.MatchString(line) {
			if len(arts) > 0 && arts[len(arts)-1].end < 0 {
				arts[len(arts)-1].end = i
			}
			chapter = strings.TrimSpace(m[3])
			chapterHeading = headingText(line)
			continue
		}
		if m := articleRE.FindStringSubmatch(line); m != nil {
			n, err := amount.ParseNumeral(m[1])
			if err != nil {
				fs = append(fs, Finding{Path: path, Line: i + 1, Severity: Error, Code: CodeArticle,
					Msg: lang.T(fmt.Sprintf("cannot read the article number %q: write 第一条, 第十五条 or 第15条", m[1]), fmt.Sprintf("条号无法识别：“%v”", m[1]))})
				continue
			}
			if len(arts) > 0 && arts[len(arts)-1].end < 0 {
				arts[len(arts)-1].end = i
			}
			arts = append(arts, span{num: n, chapter: chapter, chapterHeading: chapterHeading,
				heading: "第" + m[1] + "条", first: i, end: -1})
			continue
		}
		if len(arts) == 0 {
			preamble = append(preamble, line)
		}
	}
	if len(arts) > 0 && arts[len(arts)-1].end < 0 {
		arts[len(arts)-1].end = len(lines)
	}
	doc.Preamble = strings.TrimSpace(strings.Join(preamble, "\n"))

	if len(arts) == 0 {
		if items := sectionItems(lines, start); len(items) > 0 {
			doc.CiteBy = ByItem
			doc.Articles = items
			return fs
		}
		doc.CiteBy = ByParagraph
		doc.Articles = paragraphs(lines, start)
		if len(doc.Articles) == 0 {
			fs = append(fs, Finding{Path: path, Line: start + 1, Severity: Error, Code: CodeArticle,
				Msg: lang.T("the document has no text: add its articles (第一条 …) or paragraphs", "文档没有正文")})
		}
		return fs
	}
	doc.CiteBy = ByArticle
	seen := map[int]int{}
	for k, a := range arts {
		first := articleRE.ReplaceAllString(lines[a.first], "")
		body := append([]string{first}, lines[a.first+1:a.end]...)
		text, lastLine := joinBlocks(body)
		art := Article{Number: a.num, Chapter: a.chapter, ChapterHeading: a.chapterHeading, Heading: a.heading,
			StartLine: a.first + 1, EndLine: a.first + 1 + lastLine}
		if m := departmentRE.FindStringSubmatchIndex(text); m != nil {
			art.Department = strings.TrimSpace(text[m[2]:m[3]])
			text = strings.TrimSpace(text[:m[0]])
		}
		art.Text = text
		lineNo := a.first + 1
		switch prev, dup := seen[a.num]; {
		case dup:
			fs = append(fs, Finding{Path: path, Line: lineNo, Severity: Error, Code: CodeArticle,
				Msg: lang.T(fmt.Sprintf("第%d条 appears twice (also line %d): renumber the articles", a.num, prev), fmt.Sprintf("第%d条重复出现（另见第 %d 行），请重新编号", a.num, prev))})
		case k == 0 && a.num != 1:
			fs = append(fs, Finding{Path: path, Line: lineNo, Severity: Error, Code: CodeArticle,
				Msg: lang.T(fmt.Sprintf("the first article is 第%d条: articles must start at 第一条", a.num), fmt.Sprintf("首条为第%d条，条号应从第一条开始", a.num))})
		case k > 0 && a.num != arts[k-1].num+1:
			fs = append(fs, Finding{Path: path, Line: lineNo, Severity: Error, Code: CodeArticle,
				Msg: lang.T(fmt.Sprintf("第%d条 follows 第%d条: an article is skipped or out of order, renumber them", a.num, arts[k-1].num), fmt.Sprintf("第%d条排在第%d条之后，条号不连续，请重新编号", a.num, arts[k-1].num))})
		}
		seen[a.num] = lineNo
		if text == "" {
			fs = append(fs, Finding{Path: path, Line: lineNo, Severity: Error, Code: CodeArticle,
				Msg: lang.T(fmt.Sprintf("第%d条 is empty: add its text or remove it", a.num), fmt.Sprintf("第%d条没有内容，请补充或删除", a.num))})
		}
		doc.Articles = append(doc.Articles, art)
	}
	return fs
}

// headingText is a chapter heading line as a reader sees it: without the
// Markdown heading marks and bold, spaces collapsed.
func headingText(line string) string {
	s := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#"))
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "**"), "**"))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' }), " ")
}

var (
	itemLineRE  = regexp.MustCompile(`^[\s　]*[（(]([一二三四五六七八九十]+)[）)]`)
	signatureRE = regexp.MustCompile(`^(.{2,30}(人民政府|办公室|委员会|局|管委会)|\d{4}年\d{1,2}月\d{1,2}日|[〇零一二三四五六七八九十]{4}年.{1,3}月.{1,3}日)$`)
)

// sectionItems reads a body of sections (一、适用范围) with items ((一)…,
// their sub-items 1. 2. and paragraphs) and no 第N条: each item is a
// citable part labelled by its section and number (二（一）); a section with
// text but no items is one part. The text before the first section is the
// preamble, a closing signature (issuer, date) is left out. It returns nil
// when the body is not laid out that way (fewer than two items).
func sectionItems(lines []string, start int) []Article {
	type part struct {
		heading, chapter, chapterHeading string
		first, end                       int
	}
	var parts []part
	chapter, chapterHeading, section := "", "", ""
	inSection := false
	items := 0
	open := func(i int, heading string) {
		if n := len(parts); n > 0 && parts[n-1].end < 0 {
			parts[n-1].end = i
		}
		parts = append(parts, part{heading: heading, chapter: chapter, chapterHeading: chapterHeading, first: i, end: -1})
	}
	for i := start; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if m := chapterRE.FindStringSubmatch(lines[i]); m != nil && m[2] != "" {
			if n := len(parts); n > 0 && parts[n-1].end < 0 {
				parts[n-1].end = i
			}
			section, chapter, chapterHeading, inSection = m[2], strings.TrimSpace(m[3]), headingText(lines[i]), true
			continue
		}
		if !inSection || t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ">") {
			continue
		}
		if m := itemLineRE.FindStringSubmatch(t); m != nil {
			open(i, section+"（"+m[1]+"）")
			items++
			continue
		}
		if n := len(parts); n == 0 || parts[n-1].end >= 0 || parts[n-1].chapter != chapter {
			open(i, section) // text of a section before (or without) its items
		}
	}
	if n := len(parts); n > 0 && parts[n-1].end < 0 {
		parts[n-1].end = len(lines)
	}
	if items < 2 {
		return nil
	}
	var out []Article
	for _, p := range parts {
		end := p.end
		// A closing signature is not part of the last item.
		for end > p.first && (strings.TrimSpace(lines[end-1]) == "" || signatureRE.MatchString(strings.TrimSpace(lines[end-1]))) {
			end--
		}
		first := itemLineRE.ReplaceAllString(strings.TrimSpace(lines[p.first]), "")
		text, last := joinParagraphs(append([]string{first}, lines[p.first+1:end]...))
		if text == "" {
			continue
		}
		art := Article{Number: len(out) + 1, Chapter: p.chapter, ChapterHeading: p.chapterHeading, Heading: p.heading,
			StartLine: p.first + 1, EndLine: p.first + 1 + last}
		if m := departmentRE.FindStringSubmatchIndex(text); m != nil {
			art.Department = strings.TrimSpace(text[m[2]:m[3]])
			text = strings.TrimSpace(text[:m[0]])
		}
		art.Text = text
		out = append(out, art)
	}
	return out
}

// joinParagraphs is joinLines that keeps a line break between the lines of
// an item's sub-items (1. 2.) and paragraphs, so they stay apart.
func joinParagraphs(ls []string) (string, int) {
	var parts []string
	last := 0
	for i, l := range ls {
		if l = strings.TrimSpace(strings.TrimLeft(l, "　")); l != "" {
			parts = append(parts, l)
			last = i
		}
	}
	return strings.Join(parts, "\n"), last
}

// joinBlocks joins the lines of an article: lines of one block (hard
// wrapped) as joinLines does, blocks (款, table rows, items on their own
// lines after a blank line) with a line break, so that they stay apart.
func joinBlocks(ls []string) (string, int) {
	var blocks []string
	last, start := 0, 0
	flush := func(end int) {
		if text, l := joinLines(ls[start:end]); text != "" {
			blocks = append(blocks, text)
			last = start + l
		}
	}
	for i, l := range ls {
		if strings.TrimSpace(l) == "" {
			flush(i)
			start = i + 1
		}
	}
	flush(len(ls))
	return strings.Join(blocks, "\n"), last
}

// joinLines joins the lines of one article or paragraph: Chinese lines
// without a separator, Latin words with a space. It returns the index of the
// last non-empty line.
func joinLines(ls []string) (string, int) {
	var b strings.Builder
	last := 0
	for i, l := range ls {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		last = i
		if b.Len() > 0 {
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(l)
			if prev < 0x80 && next < 0x80 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String(), last
}

// paragraphs numbers the blank-line separated blocks of the body, skipping
// headings and quotes. A body with no blank line between its text lines (as
// plain text scraped from web pages usually is) has one paragraph a line.
func paragraphs(lines []string, start int) []Article {
	lineIsParagraph := true
	seenText, blankAfterText := false, false
	for _, l := range lines[start:] {
		t := strings.TrimSpace(l)
		isText := t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, ">")
		if isText && blankAfterText {
			lineIsParagraph = false
			break
		}
		blankAfterText = blankAfterText || (t == "" && seenText)
		seenText = seenText || isText
	}
	var out []Article
	first := -1
	flush := func(end int) {
		if first < 0 {
			return
		}
		text, last := joinLines(lines[first:end])
		if text != "" {
			out = append(out, Article{Number: len(out) + 1, Text: text, StartLine: first + 1, EndLine: first + 1 + last})
		}
		first = -1
	}
	for i := start; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		switch {
		case t == "":
			flush(i)
		case strings.HasPrefix(t, "#"), strings.HasPrefix(t, ">"):
			flush(i)
		default:
			if lineIsParagraph {
				flush(i)
			}
			if first < 0 {
				first = i
			}
		}
	}
	flush(len(lines))
	return out
}
