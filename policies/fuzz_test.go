package policies

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no input panics the parser and that what it returns
// is consistent: articles numbered, line ranges inside the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(header + "第一条 甲。\n第二条 乙。\n"))
	f.Add([]byte("---\nid: [\n---\n"))
	f.Add([]byte("\ufeff---\n---\n第十条\n"))
	f.Add([]byte("第一百零三条 x\n## 第二章 y\n三、z\n"))
	f.Add([]byte{0xb2, 0xe2, 0xca, 0xd4, 0x0a})
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, fs := ParseFile("f.md", data)
		for _, x := range fs {
			if x.Msg.En == "" || x.Msg.Zh == "" {
				t.Fatalf("finding without message: %+v", x)
			}
		}
		if doc == nil {
			return
		}
		lines := 1
		for _, b := range data {
			if b == '\n' || b == '\r' {
				lines++
			}
		}
		for _, a := range doc.Articles {
			if a.StartLine < 1 || a.EndLine < a.StartLine || a.EndLine > lines {
				t.Fatalf("article %d lines %d-%d outside 1-%d", a.Number, a.StartLine, a.EndLine, lines)
			}
			if !utf8.ValidString(a.Text) {
				t.Fatalf("article text not UTF-8: %q", a.Text)
			}
		}
	})
}

// FuzzFrontMatter fuzzes the YAML front matter alone.
func FuzzFrontMatter(f *testing.F) {
	f.Add("id: a\ntitle: t\ncategory: news\n")
	f.Add("effective_from: 2025-03-01\neffective_to: 2024-01-01\n")
	f.Add("? [a]\n: b\n")
	f.Add("id: &a x\nx: *a\n")
	f.Fuzz(func(t *testing.T, fm string) {
		doc := &Document{}
		for _, x := range parseFrontMatter("f.md", doc, fm, 2) {
			if x.Line < 0 {
				t.Fatalf("negative line: %+v", x)
			}
		}
	})
}
