// Package lookalike generates look-alike policy corpora for tests and
// benchmarks: the measures other districts, cities and provinces issue
// every year, in the same shape as the bundled ones with other figures, and
// questions with known answers about them.
//
// Each generated document is a copy of a bundled measure (manufacturing,
// commerce, culture-sports-tourism) with its region, year, departments and
// every money amount and percentage changed: same title shape, same
// articles, other figures — what retrieval must tell apart by region and
// year. The same seed gives the same corpus.
//
// The corpus never holds a measure in force today for the home region or a
// region containing it (苏州市, 江苏省): their look-alikes are of past years
// (expired, reachable only by a question naming the year), so the bundled
// measures stay the one right answer to the shared questions in the home
// region's default scope. Generated measures apply for one calendar year
// and say so (自Y年1月1日起施行，有效期至Y年12月31日).
package lookalike

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"policybot/policies"
)

// Config says what to generate.
type Config struct {
	// Seed makes the corpus: the same seed, the same corpus.
	Seed uint64
	// Docs is how many documents to generate. They are taken newest year
	// first, every region and topic of a year before the year before it.
	Docs int
	// LastYear is the newest year generated; 0 means 2026.
	LastYear int
	// Home is the home region; "" means 吴中区. Its measures and those of
	// the regions containing it are generated for years before the bundled
	// measures' year only.
	Home string
	// QuestionsPerDoc is how many questions are made of each document (from
	// the base questions about its template); 0 means 3.
	QuestionsPerDoc int
}

// Doc is one generated document.
type Doc struct {
	ID     string
	Region string
	Year   int
	// Base is the id of the bundled document it was made from.
	Base     string
	Markdown []byte
}

// Question is one question with a known answer, in the format of
// testdata/eval/README.md plus the scope it names.
type Question struct {
	ID       string   `json:"id"`
	Q        string   `json:"q"`
	Doc      string   `json:"doc"`
	Article  *int     `json:"article"`
	Contains []string `json:"contains"`
	// Region and Year are the scope the question names ("" and 0 when it
	// names none); the home region is the scope of one that names no region.
	Region string `json:"region,omitempty"`
	Year   int    `json:"year,omitempty"`
	// Kind is region-year, region (the current measure of a region) or
	// year (a past year of the home region).
	Kind string `json:"kind,omitempty"`
}

// Corpus is a generated corpus.
type Corpus struct {
	Docs      []Doc
	Questions []Question
}

// region is a region the generator writes measures for.
type region struct {
	name  string // canonical
	short string
	code  string // for ids
}

// regions are generated in this order each year: Suzhou's other districts
// and county-level cities, then Jiangsu's other cities, then a few other
// provinces; the home region and its ancestors (past years only) last.
var regions = []region{
	{"姑苏区", "姑苏", "gs"}, {"相城区", "相城", "xc"}, {"吴江区", "吴江", "wj"}, {"虎丘区", "苏州高新区", "hq"},
	{"苏州工业园区", "园区", "sip"}, {"张家港市", "张家港", "zjg"}, {"常熟市", "常熟", "cs"}, {"太仓市", "太仓", "tc"},
	{"昆山市", "昆山", "ks"},
	{"南京市", "南京", "nj"}, {"无锡市", "无锡", "wx"}, {"徐州市", "徐州", "xz"}, {"常州市", "常州", "cz"},
	{"南通市", "南通", "nt"}, {"连云港市", "连云港", "lyg"}, {"淮安市", "淮安", "ha"}, {"盐城市", "盐城", "yc"},
	{"扬州市", "扬州", "yz"}, {"镇江市", "镇江", "zj"}, {"泰州市", "泰州", "taz"}, {"宿迁市", "宿迁", "sq"},
	{"浙江省", "浙江", "zhe"}, {"上海市", "上海", "sh"}, {"安徽省", "安徽", "ah"},
}

// homeRegions are the home region and its ancestors, with their codes.
var homeRegions = map[string]region{
	"吴中区": {"吴中区", "吴中", "wz"}, "苏州市": {"苏州市", "苏州", "sz"}, "江苏省": {"江苏省", "江苏", "js"},
}

// templates are the bundled measures the look-alikes copy, with the topic
// code used in ids.
var templates = []struct{ id, code string }{
	{"wz-mfg-2025", "mfg"}, {"wz-com-2025", "com"}, {"wz-cst-2025", "cst"},
}

// templateYear is the year of the bundled measures.
const templateYear = 2025

// Generate makes a corpus from the bundled measures (base, as parsed) and
// the questions about them (base questions whose doc is one of the
// templates; others are ignored).
func Generate(cfg Config, base []*policies.Document, baseQs []Question) (*Corpus, error) {
	if cfg.LastYear == 0 {
		cfg.LastYear = 2026
	}
	if cfg.Home == "" {
		cfg.Home = "吴中区"
	}
	if cfg.QuestionsPerDoc == 0 {
		cfg.QuestionsPerDoc = 3
	}
	g := policies.DefaultRegions()
	home, ok := g.Lookup(cfg.Home)
	if !ok {
		return nil, fmt.Errorf("lookalike: home region %q is not in the region table", cfg.Home)
	}
	homeSet := map[string]bool{home.Name: true}
	for _, a := range g.Ancestors(home.Name) {
		homeSet[a] = true
	}
	var past []region
	for _, name := range append([]string{home.Name}, g.Ancestors(home.Name)...) {
		if r, ok := homeRegions[name]; ok {
			past = append(past, r)
		}
	}
	docs := map[string]*policies.Document{}
	for _, d := range base {
		docs[d.ID] = d
	}
	for _, t := range templates {
		if docs[t.id] == nil {
			return nil, fmt.Errorf("lookalike: the base corpus has no %s", t.id)
		}
	}
	qsByDoc := map[string][]Question{}
	for _, q := range baseQs {
		if q.Q != "" && q.Article != nil && len(q.Contains) > 0 {
			qsByDoc[q.Doc] = append(qsByDoc[q.Doc], q)
		}
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5bd1e995))
	c := &Corpus{}
	for year := cfg.LastYear; len(c.Docs) < cfg.Docs; year-- {
		if year < 1990 {
			return nil, fmt.Errorf("lookalike: %d documents is more than the generator makes", cfg.Docs)
		}
		rs := []region{}
		for _, r := range regions {
			if !homeSet[r.name] {
				rs = append(rs, r)
			}
		}
		if year < templateYear {
			rs = append(rs, past...)
		}
		for _, r := range rs {
			for _, t := range templates {
				if len(c.Docs) == cfg.Docs {
					break
				}
				lv, _ := g.Lookup(r.name)
				gd := makeDoc(rng, docs[t.id], r, lv.Level, year, t.code)
				c.Docs = append(c.Docs, gd.Doc)
				c.Questions = append(c.Questions, gd.questions(rng, qsByDoc[t.id], cfg.QuestionsPerDoc, r, year, cfg, home.Name)...)
			}
		}
	}
	return c, nil
}

// genDoc is a document being generated, with the rewriting that made it
// (applied to the base questions' expected strings too).
type genDoc struct {
	Doc
	level  policies.Level
	base   *policies.Document
	text   func(string) string
	render map[int]string // article number → its generated text
	// figures maps each figure of the base document to the document's.
	figures map[string]string
}

var (
	moneyRE = regexp.MustCompile(`(\d+(?:\.\d+)?)(万美元|亿美元|万元|亿元|元|%)`)
	deptRE  = regexp.MustCompile(`区(工业和信息化局|工信局|商务局|文化体育和旅游局|文体旅局|发改委|市场监管局|统计局|财政局|政府|级|内)`)
)

func makeDoc(rng *rand.Rand, base *policies.Document, r region, level policies.Level, year int, topic string) *genDoc {
	gd := &genDoc{Doc: Doc{ID: fmt.Sprintf("la-%s-%s-%d", r.code, topic, year), Region: r.name, Year: year, Base: base.ID},
		level: level, base: base, render: map[int]string{}}
	unit := "区"
	switch level {
	case policies.LevelCity:
		unit = "市"
	case policies.LevelProvince:
		unit = "省"
	}
	if level == policies.LevelDistrict && strings.HasSuffix(r.name, "市") {
		unit = "市" // a county-level city's departments are 市…局
	}
	figures := map[string]string{}
	sc := newScale(rng)
	gd.figures = figures
	gd.text = func(s string) string {
		s = strings.ReplaceAll(s, "2025年3月1日", strconv.Itoa(year)+"年1月1日")
		s = strings.ReplaceAll(s, "2027年12月31日", strconv.Itoa(year)+"年12月31日")
		s = strings.ReplaceAll(s, "2025年", strconv.Itoa(year)+"年")
		s = strings.ReplaceAll(s, "吴中区", r.name)
		s = strings.ReplaceAll(s, "吴中", r.short)
		s = deptRE.ReplaceAllString(s, unit+"$1")
		return moneyRE.ReplaceAllStringFunc(s, func(m string) string {
			if v, ok := figures[m]; ok {
				return v
			}
			sub := moneyRE.FindStringSubmatch(m)
			v := sc.vary(sub[1], sub[2])
			figures[m] = v
			return v
		})
	}

	var b bytes.Buffer
	title := gd.text(base.Title)
	title = strings.ReplaceAll(title, "（示例文本）", "")
	if year%2 == 1 {
		title += fmt.Sprintf("（%d年版）", year)
	}
	issuer := r.name + "人民政府"
	if level == policies.LevelDistrict && !strings.HasSuffix(r.name, "市") && r.name != "苏州工业园区" {
		issuer = "苏州市" + r.name + "人民政府"
	}
	if r.name == "苏州工业园区" {
		issuer = "苏州工业园区管理委员会"
	}
	first, _ := utf8.DecodeRuneInString(r.name)
	fmt.Fprintf(&b, "---\nid: %s\ntitle: %s\ncategory: %s\nissuer: %s\ndoc_no: %c政规〔%d〕%d号\n", gd.ID, title, base.Category, issuer,
		first, year, 1+rng.IntN(9))
	fmt.Fprintf(&b, "published: %d-12-%02d\neffective_from: %d-01-01\neffective_to: %d-12-31\n", year-1, 10+rng.IntN(18), year, year)
	fmt.Fprintf(&b, "lead_department: %s\nsample: true\n", gd.text(base.LeadDepartment))
	// Each year's measure replaces the year before's (which may not be
	// generated: publishing then warns that it names an unknown document).
	fmt.Fprintf(&b, "supersedes: la-%s-%s-%d\n", r.code, topic, year-1)
	if rng.IntN(4) == 0 {
		// Some documents declare their scope; the others leave it to the
		// parser to infer from the issuer and the document number.
		fmt.Fprintf(&b, "region: %s\nlevel: %s\nyear: %d\n", r.name, level, year)
	}
	fmt.Fprintf(&b, "---\n\n# %s\n\n> 本文件为测试生成的示例文本（lookalike），条款与金额均为虚构，仅供检索测试使用。\n", title)
	chapter := ""
	nch := 0
	for _, a := range base.Articles {
		if a.Chapter != chapter {
			chapter = a.Chapter
			nch++
			fmt.Fprintf(&b, "\n## 第%d章 %s\n", nch, gd.text(chapter))
		}
		t := gd.text(a.Text)
		gd.render[a.Number] = t
		fmt.Fprintf(&b, "\n第%d条 %s", a.Number, t)
		if a.Department != "" {
			fmt.Fprintf(&b, "（责任单位：%s）", gd.text(a.Department))
		}
		b.WriteByte('\n')
	}
	gd.Markdown = b.Bytes()
	return gd
}

// scale is how a document's figures differ from its base's: amounts by
// one factor, percentages by a few points — the same for every figure of
// the document, so tiers keep their order (首次突破10亿元、50亿元、100亿元
// stay increasing).
type scale struct {
	factor float64
	points float64
}

func newScale(rng *rand.Rand) scale {
	pts := float64(1 + rng.IntN(4))
	if rng.IntN(2) == 0 {
		pts = -pts
	}
	return scale{factor: []float64{0.6, 0.75, 0.8, 1.2, 1.25, 1.5, 2}[rng.IntN(7)], points: pts}
}

// vary returns the document's value for the figure num (in unit).
func (sc scale) vary(num, unit string) string {
	v, _ := strconv.ParseFloat(num, 64)
	out := nice(v * sc.factor)
	if unit == "%" {
		out = math.Max(1, math.Min(100, v+sc.points))
		if out == v {
			// 1% less a point, 100% plus one: the other way, so the
			// figure still tells the documents apart.
			out = math.Max(1, math.Min(100, v-sc.points))
		}
	}
	return strconv.FormatFloat(out, 'f', -1, 64) + unit
}

// nice rounds v to two significant digits.
func nice(v float64) float64 {
	if v <= 0 {
		return v
	}
	p := math.Pow(10, math.Floor(math.Log10(v))-1)
	if p < 1 {
		d := math.Round(1 / p) // 7.2, not 7.199999999999999
		return math.Round(v*d) / d
	}
	return math.Round(v/p) * p
}

// questions makes up to n questions of the document from the base
// questions about its template: each names the document's region and
// year, the region only (a measure in force now), or the year only (a home
// region's past measure).
func (gd *genDoc) questions(rng *rand.Rand, base []Question, n int, r region, year int, cfg Config, home string) []Question {
	perm := rng.Perm(len(base))
	var out []Question
	for _, i := range perm {
		if len(out) == n {
			break
		}
		bq := base[i]
		art := *bq.Article
		text, ok := gd.render[art]
		if !ok {
			continue
		}
		var contains []string
		for _, c := range bq.Contains {
			c = gd.text(c)
			if !strings.Contains(text, c) {
				contains = nil
				break
			}
			contains = append(contains, c)
		}
		if contains == nil {
			continue
		}
		q := strings.ReplaceAll(bq.Q, "区里", "")
		// A figure the question shares with the base document (首次突破50亿元)
		// is the document's own in the look-alike (63亿元); the company's
		// other figures stay as asked.
		q = moneyRE.ReplaceAllStringFunc(q, func(m string) string {
			if v, ok := gd.figures[m]; ok {
				return v
			}
			return m
		})
		name := r.name
		if rng.IntN(2) == 0 {
			name = r.short
		}
		kind := "region-year"
		var text2 string
		switch {
		case r.name == home && rng.IntN(2) == 0:
			kind, text2 = "year", []string{"%[2]d年的政策里，%[3]s", "按%[2]d年那一版的规定，%[3]s"}[rng.IntN(2)]
		case year == cfg.LastYear && rng.IntN(3) == 0:
			kind, text2 = "region", []string{"%[1]s现在的政策，%[3]s", "我们公司在%[1]s，%[3]s"}[rng.IntN(2)]
		default:
			text2 = []string{"%[2]d年%[1]s的政策，%[3]s", "%[1]s%[2]d年：%[3]s", "请问%[1]s%[2]d年出台的措施里，%[3]s"}[rng.IntN(3)]
		}
		qq := Question{
			ID: fmt.Sprintf("%s-%s", gd.ID, bq.ID), Q: fmt.Sprintf(text2, name, year, q), Doc: gd.ID,
			Article: &art, Contains: contains, Region: r.name, Year: year, Kind: kind,
		}
		switch kind {
		case "year":
			qq.Region = ""
		case "region":
			qq.Year = 0
		}
		out = append(out, qq)
	}
	return out
}

// ReadQuestions reads questions in the eval format (one JSON object a
// line), such as testdata/eval/questions.jsonl.
func ReadQuestions(r io.Reader) ([]Question, error) {
	var out []Question
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var q Question
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, q)
	}
	return out, sc.Err()
}

// WriteQuestions writes qs in the eval format, one JSON object a line.
func WriteQuestions(w io.Writer, qs []Question) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, q := range qs {
		if err := enc.Encode(q); err != nil {
			return err
		}
	}
	return nil
}

// WriteDir writes every document as DIR/ID.md.
func (c *Corpus) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range c.Docs {
		if err := os.WriteFile(filepath.Join(dir, d.ID+".md"), d.Markdown, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Parse parses the generated documents; it fails on any finding that is an
// error, which would be a defect of the generator.
func (c *Corpus) Parse() ([]*policies.Document, error) {
	p := &policies.Parser{}
	out := make([]*policies.Document, 0, len(c.Docs))
	for _, d := range c.Docs {
		doc, fs := p.Parse(d.ID+".md", d.Markdown)
		if policies.HasErrors(fs) {
			return nil, fmt.Errorf("lookalike: %s does not parse: %v", d.ID, fs)
		}
		out = append(out, doc)
	}
	return out, nil
}
