// Package policies holds the document model of the policy corpus: documents
// made of chapters and numbered articles, their metadata, the parser that reads
// them from Markdown with YAML front matter, the validator and the hygiene
// (injected-spam) scanner, and the bundled sample corpus.
package policies

import (
	"strconv"
	"strings"
	"time"
)

// Category is the policy area a document belongs to.
type Category string

// The categories a document may declare.
const (
	Manufacturing        Category = "manufacturing"
	Commerce             Category = "commerce"
	CultureSportsTourism Category = "culture-sports-tourism"
	News                 Category = "news"
	Other                Category = "other"
)

// Categories lists every valid category, in display order.
var Categories = []Category{Manufacturing, Commerce, CultureSportsTourism, News, Other}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// Date is a calendar date (YYYY-MM-DD) in China Standard Time. The zero Date
// means "not set".
type Date struct{ time.Time }

// DateLayout is the only date format the front matter accepts.
const DateLayout = "2006-01-02"

// ParseDate parses s as YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(DateLayout, s, CST)
	if err != nil {
		return Date{}, err
	}
	return Date{t}, nil
}

// String formats d as YYYY-MM-DD, or "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(DateLayout)
}

// CST is China Standard Time, in which every policy date is given and
// every time is shown (the admin page, its API, the audit log). A fixed
// zone keeps the binary independent of the machine's tz database.
var CST = time.FixedZone("CST", 8*60*60)

// CitationUnit says how the parts of a document are numbered when cited.
type CitationUnit string

const (
	// ByArticle cites 第N条.
	ByArticle CitationUnit = "article"
	// ByParagraph cites the Nth paragraph (documents with no 第N条, such as news).
	ByParagraph CitationUnit = "paragraph"
	// ByItem cites the items of a document made of sections 一、二、 with
	// items （一）（二）… and no 第N条 (many 实施意见 and 扶持政策): "二（一）".
	ByItem CitationUnit = "item"
)

// Document is one policy document: its metadata and its numbered parts.
type Document struct {
	ID             string
	Title          string
	Category       Category
	Issuer         string
	DocNo          string
	Published      Date
	EffectiveFrom  Date
	EffectiveTo    Date
	LeadDepartment string
	Sample         bool
	Supersedes     string
	SourceURL      string

	// Scope is where and when the document applies (FORMAT.md): Region is
	// a canonical name of the region table (吴中区, 苏州市, 江苏省, 全国), ""
	// when unknown; Level is its tier; Year is the year of the measure
	// (2025), 0 when unknown; Status is what the document declares of
	// itself, "" when it declares nothing (its dates decide, see StatusAt).
	// The parser reads them from the front matter or, when absent, infers
	// region and level from the issuer or title and the year from the
	// document number, title or dates; Inferred names the fields it
	// inferred ("region", "level", "year").
	Region   string
	Level    Level
	Year     int
	Status   Status
	Inferred []string

	// Path is where the document was read from ("bundled:wz-mfg-2025.md"
	// for the embedded corpus).
	Path string
	// Preamble is the text between the front matter and the first article
	// (the sample notice lives there).
	Preamble string
	// CiteBy says whether Articles are 第N条 or paragraphs.
	CiteBy CitationUnit
	// Articles are the citable parts in source order, numbered from 1.
	Articles []Article

	idLine int // source line of the id field, for duplicate-id findings
	// scopeLines are the source lines of the region and level fields.
	scopeLines struct{ region, level int }
}

// Article is one citable part of a document: a 第N条 article, or a paragraph
// of a document that has none.
type Article struct {
	// Number is N of 第N条 (or of the Nth paragraph).
	Number int
	// Chapter is the title of the enclosing chapter ("总则"), or "".
	Chapter string
	// ChapterHeading is the enclosing chapter's heading as the document
	// writes it ("第一章 总则", "一、总则"), or "".
	ChapterHeading string
	// Heading is the article's label as the document writes it ("第六条",
	// "第6条"); "" for a paragraph. Citations use Document.Label.
	Heading string
	// Text is the article body without its "第N条" label.
	Text string
	// Department is the responsible department named in the article
	// ("责任单位：区工信局、区发改委"), or "" when the article names none.
	Department string
	// StartLine and EndLine are the 1-based, inclusive source lines.
	StartLine, EndLine int
}

// Label is how the part is cited in Chinese: "第6条" or "第3段".
func (d *Document) Label(n int) string {
	if d.CiteBy == ByItem {
		for _, a := range d.Articles {
			if a.Number == n && a.Heading != "" {
				return a.Heading
			}
		}
	}
	if d.CiteBy == ByParagraph || d.CiteBy == ByItem {
		return "第" + strconv.Itoa(n) + "段"
	}
	return "第" + strconv.Itoa(n) + "条"
}

// Department is the department responsible for article n: the article's own
// 责任单位 when it names one, else the document's lead department, else its
// issuer (a news report has no lead department).
func (d *Document) Department(n int) string {
	for _, a := range d.Articles {
		if a.Number == n && a.Department != "" {
			return a.Department
		}
	}
	if d.LeadDepartment != "" {
		return d.LeadDepartment
	}
	return d.Issuer
}

// Status is what a document says of its own validity.
type Status string

// The statuses. A document declares StatusInForce, StatusExpired or
// StatusRepealed in its front matter, or nothing; StatusAt also returns
// StatusNotYet.
const (
	StatusInForce  Status = "in-force"          // 现行有效
	StatusNotYet   Status = "not-yet-effective" // 尚未生效
	StatusExpired  Status = "expired"           // 已失效
	StatusRepealed Status = "repealed"          // 已废止
)

// ParseStatus reads a status a document may declare, in English or Chinese
// (现行有效, 已失效, 已废止).
func ParseStatus(s string) (Status, bool) {
	switch strings.TrimSpace(s) {
	case "in-force", "有效", "现行有效", "现行":
		return StatusInForce, true
	case "expired", "失效", "已失效", "已过期":
		return StatusExpired, true
	case "repealed", "废止", "已废止", "已废除":
		return StatusRepealed, true
	}
	return "", false
}

// Label is the status in Chinese: 现行有效, 尚未生效, 已失效, 已废止.
func (s Status) Label() string {
	switch s {
	case StatusInForce:
		return "现行有效"
	case StatusNotYet:
		return "尚未生效"
	case StatusExpired:
		return "已失效"
	case StatusRepealed:
		return "已废止"
	}
	return string(s)
}

// StatusAt is the document's status on day t: repealed or expired when it
// declares so, else by its dates — not yet effective before
// EffectiveFrom, expired after EffectiveTo, in force otherwise.
func (d *Document) StatusAt(t time.Time) Status {
	switch d.Status {
	case StatusRepealed, StatusExpired:
		return d.Status
	}
	day := t.In(CST)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, CST)
	if !d.EffectiveFrom.IsZero() && day.Before(d.EffectiveFrom.Time) {
		return StatusNotYet
	}
	if !d.EffectiveTo.IsZero() && day.After(d.EffectiveTo.Time) {
		return StatusExpired
	}
	return StatusInForce
}

// InForce reports whether the document applies on day t: it does not
// declare itself expired or repealed, and t is on or after EffectiveFrom
// (when set) and on or before EffectiveTo (when set).
func (d *Document) InForce(t time.Time) bool {
	return d.StatusAt(t) == StatusInForce
}

// Meta is a document's metadata as an official types it in the upload
// form (or the docs command's flags): the front matter fields of
// FORMAT.md, unchecked. A converter writes it as the front matter of a
// file that has none; empty fields are left out. The parser checks it
// like any front matter.
type Meta struct {
	ID             string
	Title          string
	Category       string
	Issuer         string
	DocNo          string
	Published      string // YYYY-MM-DD
	EffectiveFrom  string // YYYY-MM-DD
	EffectiveTo    string // YYYY-MM-DD
	LeadDepartment string
	SourceURL      string
	Sample         bool
}
