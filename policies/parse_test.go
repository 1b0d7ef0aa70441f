package policies

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "rewrite golden files")

const header = "---\nid: t-doc\ntitle: 测试文件\ncategory: manufacturing\n---\n"

func mustParse(tb testing.TB, src string) (*Document, []Finding) {
	tb.Helper()
	return ParseFile("t.md", []byte(src))
}

func TestParseSplitsChaptersAndArticles(t *testing.T) {
	src := header + `
# 测试文件

> 本文件为示例文本。

## 第一章 总则

第一条 为了测试，
制定本措施。

**第二条** 适用于企业。（责任单位：区工信局、区发改委）

一、支持项目

第三条 奖励50万元。本措施第六条、第七条另有规定。
第四条：按投入额的12%给予补助。
`
	doc, fs := mustParse(t, src)
	if HasErrors(fs) {
		t.Fatalf("unexpected findings: %v", fs)
	}
	want := []Article{
		{Number: 1, Chapter: "总则", ChapterHeading: "第一章 总则", Heading: "第一条", Text: "为了测试，制定本措施。", StartLine: 13, EndLine: 14},
		{Number: 2, Chapter: "总则", ChapterHeading: "第一章 总则", Heading: "第二条", Text: "适用于企业。", Department: "区工信局、区发改委", StartLine: 16, EndLine: 16},
		{Number: 3, Chapter: "支持项目", ChapterHeading: "一、支持项目", Heading: "第三条", Text: "奖励50万元。本措施第六条、第七条另有规定。", StartLine: 20, EndLine: 20},
		{Number: 4, Chapter: "支持项目", ChapterHeading: "一、支持项目", Heading: "第四条", Text: "按投入额的12%给予补助。", StartLine: 21, EndLine: 21},
	}
	if len(doc.Articles) != len(want) {
		t.Fatalf("got %d articles, want %d: %+v", len(doc.Articles), len(want), doc.Articles)
	}
	for i, w := range want {
		if doc.Articles[i] != w {
			t.Errorf("article %d = %+v, want %+v", i, doc.Articles[i], w)
		}
	}
	if doc.CiteBy != ByArticle {
		t.Errorf("CiteBy = %q, want article", doc.CiteBy)
	}
	if !strings.Contains(doc.Preamble, "本文件为示例文本") {
		t.Errorf("Preamble = %q, want the notice", doc.Preamble)
	}
	if got := doc.Department(2); got != "区工信局、区发改委" {
		t.Errorf("Department(2) = %q", got)
	}
}

func TestParseParagraphs(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"blank-line blocks", "# 标题\n\n第一段，\n续行。\n\n> 引用\n\n第二段。\n", []string{"第一段，续行。", "第二段。"}},
		{"one paragraph a line", "第一行。\n第二行。\n\n", []string{"第一行。", "第二行。"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, fs := mustParse(t, strings.Replace(header, "manufacturing", "news", 1)+tc.body)
			if HasErrors(fs) {
				t.Fatalf("findings: %v", fs)
			}
			if doc.CiteBy != ByParagraph {
				t.Fatalf("CiteBy = %q, want paragraph", doc.CiteBy)
			}
			var got []string
			for i, a := range doc.Articles {
				if a.Number != i+1 {
					t.Errorf("paragraph %d numbered %d", i+1, a.Number)
				}
				got = append(got, a.Text)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("paragraphs = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestValidation covers every validation error: each case must produce a
// finding with the code, on the line, and not pass.
func TestValidation(t *testing.T) {
	body := "\n第一条 内容。\n"
	tests := []struct {
		name     string
		src      string
		code     string
		line     int
		severity Severity
		msg      string
	}{
		{"missing id", "---\ntitle: 标题\ncategory: news\n---\n" + body, CodeField, 1, Error, `"id"`},
		{"missing title", "---\nid: a\ncategory: news\n---\n" + body, CodeField, 1, Error, `"title"`},
		{"missing category", "---\nid: a\ntitle: 标题\n---\n" + body, CodeField, 1, Error, `"category"`},
		{"unknown field", header[:len(header)-4] + "colour: red\n---\n" + body, CodeField, 5, Error, `unknown field "colour"`},
		{"unknown category", "---\nid: a\ntitle: t\ncategory: tax\n---\n" + body, CodeField, 4, Error, "unknown category"},
		{"bad id", "---\nid: WZ_mfg\ntitle: t\ncategory: news\n---\n" + body, CodeField, 2, Error, "bad id"},
		{"bad date", header[:len(header)-4] + "published: 2025/02/24\n---\n" + body, CodeField, 5, Error, "bad date"},
		{"impossible date", header[:len(header)-4] + "effective_from: 2025-02-30\n---\n" + body, CodeField, 5, Error, "bad date"},
		{"effective_to before from", header[:len(header)-4] + "effective_from: 2025-03-01\neffective_to: 2024-12-31\n---\n" + body, CodeField, 6, Error, "before effective_from"},
		{"bad sample", header[:len(header)-4] + "sample: maybe\n---\n" + body, CodeField, 5, Error, "sample"},
		{"no front matter", "第一条 内容。\n", CodeFrontMatter, 1, Error, "no front matter"},
		{"unclosed front matter", "---\nid: a\n", CodeFrontMatter, 1, Error, "never closed"},
		{"bad yaml", "---\nid: [a\n---\n" + body, CodeFrontMatter, 0, Error, "not valid YAML"},
		{"duplicate article", header + "第一条 甲。\n第二条 乙。\n第二条 丙。\n", CodeArticle, 8, Error, "appears twice"},
		{"skipped article", header + "第一条 甲。\n第三条 丙。\n", CodeArticle, 7, Error, "follows 第1条"},
		{"first article not one", header + "第二条 乙。\n", CodeArticle, 6, Error, "start at 第一条"},
		{"empty article", header + "第一条 甲。\n第二条\n第三条 丙。\n", CodeArticle, 7, Error, "is empty"},
		{"empty body", header, CodeArticle, 0, Error, "no text"},
		{"byte-order mark", "\ufeff" + header + body, CodeBOM, 1, Warning, "removed"},
		{"javascript source_url", header[:len(header)-4] + "source_url: javascript:alert(1)\n---\n" + body, CodeField, 5, Error, "http:// or https://"},
		{"data source_url", header[:len(header)-4] + "source_url: data:text/html,hi\n---\n" + body, CodeField, 5, Error, "http:// or https://"},
		{"relative source_url", header[:len(header)-4] + "source_url: /x.html\n---\n" + body, CodeField, 5, Error, "http:// or https://"},
		{"long id", "---\nid: " + strings.Repeat("a", 65) + "\ntitle: t\ncategory: news\n---\n" + body, CodeField, 2, Error, "limit is 64"},
		{"binary", "\x00\x01\x02PK", CodeEncoding, 0, Error, "binary"},
		{"empty file", "", CodeSize, 0, Error, "empty"},
		{"not utf-8", header + "\xff\xfe\xfd\xfc\x80\x81\n", CodeEncoding, 0, Error, "not UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, fs := mustParse(t, tc.src)
			var found bool
			for _, f := range fs {
				if f.Code == tc.code && f.Severity == tc.severity && strings.Contains(f.Msg.String(), tc.msg) && (tc.line == 0 || f.Line == tc.line) {
					found = true
				}
			}
			if !found {
				t.Errorf("Parse(%q) findings = %v, want %s %s at line %d containing %q", tc.src, fs, tc.severity, tc.code, tc.line, tc.msg)
			}
		})
	}
}

func TestValidDocumentHasNoFindings(t *testing.T) {
	src := "---\nid: wz-x-2025\ntitle: 标题\ncategory: commerce\nissuer: 区政府\ndoc_no: 吴政规〔2025〕1号\npublished: 2025-02-24\neffective_from: 2025-03-01\neffective_to: 2027-12-31\nlead_department: 区商务局\nsample: false\nsupersedes: wz-x-2022\nsource_url: https://www.szwz.gov.cn/x.html\n---\n第一条 内容。\n"
	doc, fs := mustParse(t, src)
	if len(fs) != 0 {
		t.Fatalf("findings = %v, want none", fs)
	}
	if doc.DocNo != "吴政规〔2025〕1号" || doc.Supersedes != "wz-x-2022" || doc.EffectiveTo.String() != "2027-12-31" || doc.LeadDepartment != "区商务局" {
		t.Errorf("metadata not read: %+v", doc)
	}
}

func TestGB18030IsConvertedWithWarning(t *testing.T) {
	src := header + "\n第一条 首次认定为国家级专精特新“小巨人”企业的，奖励50万元。\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gb, []byte(src)) {
		t.Fatal("encoding did not change the bytes")
	}
	doc, fs := ParseFile("gbk.txt", gb)
	if HasErrors(fs) {
		t.Fatalf("findings = %v, want only a warning", fs)
	}
	if len(fs) != 1 || fs[0].Code != CodeEncoding || fs[0].Severity != Warning {
		t.Fatalf("findings = %v, want one encoding warning", fs)
	}
	if doc.Title != "测试文件" || doc.Articles[0].Text != "首次认定为国家级专精特新“小巨人”企业的，奖励50万元。" {
		t.Errorf("converted text = %q / %q", doc.Title, doc.Articles[0].Text)
	}
}

func TestDuplicateIDsAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.md", "b.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(header+"第一条 甲。\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := (&Parser{}).LoadPaths([]string{dir})
	if len(c.Docs) != 2 {
		t.Fatalf("got %d docs", len(c.Docs))
	}
	var dup *Finding
	for i, f := range c.Findings {
		if f.Code == CodeDuplicateID {
			dup = &c.Findings[i]
		}
	}
	if dup == nil || !strings.HasSuffix(dup.Path, "b.md") || dup.Line != 2 {
		t.Fatalf("findings = %v, want duplicate-id on b.md:2", c.Findings)
	}
	if got := len(c.Valid()); got != 1 {
		t.Errorf("Valid() has %d docs, want 1", got)
	}
}

func TestMissingPathIsAFinding(t *testing.T) {
	c := (&Parser{}).LoadPaths([]string{filepath.Join(t.TempDir(), "nope.md")})
	if c.OK() {
		t.Fatal("a missing path must be an error finding")
	}
}

// goldenDoc is the stable, reviewable form of a parsed document.
type goldenDoc struct {
	ID, Title, Category, Issuer, EffectiveFrom, EffectiveTo, LeadDepartment, CiteBy string
	Sample                                                                          bool
	Region                                                                          string
	Level                                                                           Level
	Year                                                                            int
	Inferred                                                                        []string
	Articles                                                                        []Article
}

func TestBundledCorpusGolden(t *testing.T) {
	c, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Findings) != 0 {
		t.Fatalf("bundled corpus findings: %v", c.Findings)
	}
	counts := map[string]int{"wz-mfg-2025": 15, "wz-com-2025": 15, "wz-cst-2025": 14}
	var out []goldenDoc
	for _, d := range c.Docs {
		if want, ok := counts[d.ID]; ok && len(d.Articles) != want {
			t.Errorf("%s has %d articles, want %d", d.ID, len(d.Articles), want)
		}
		if d.Sample && !strings.Contains(d.Preamble, "本文件为示例文本") {
			t.Errorf("%s is a sample without the visible sample notice", d.ID)
		}
		out = append(out, goldenDoc{d.ID, d.Title, string(d.Category), d.Issuer, d.EffectiveFrom.String(), d.EffectiveTo.String(), d.LeadDepartment, string(d.CiteBy), d.Sample, d.Region, d.Level, d.Year, d.Inferred, d.Articles})
	}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "bundled.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./policies -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("parsed bundled corpus differs from %s; review and run go test ./policies -update", golden)
	}
}

func TestHasFrontMatter(t *testing.T) {
	for _, tc := range []struct {
		data string
		want bool
	}{
		{"---\nid: a\n---\n", true},
		{"\ufeff---\nid: a\n---\n", true},
		{"  --- \r\nid: a\n", true},
		{"", false},
		{"第一条 …\n---\n", false},
		{"----\n", false},
	} {
		if got := HasFrontMatter([]byte(tc.data)); got != tc.want {
			t.Errorf("HasFrontMatter(%q) = %v, want %v", tc.data, got, tc.want)
		}
	}
}

func TestMissingField(t *testing.T) {
	_, fs := mustParse(t, "---\ntitle: 标题\n---\n第一条 甲。\n")
	var missing []string
	for _, f := range fs {
		if f.Missing != "" {
			missing = append(missing, f.Missing)
			if f.Code != CodeField || f.Severity != Error {
				t.Errorf("finding %v names a missing field but is not a field error", f)
			}
		}
	}
	if strings.Join(missing, ",") != "id,category" {
		t.Errorf("missing fields = %v, want [id category]", missing)
	}
}
