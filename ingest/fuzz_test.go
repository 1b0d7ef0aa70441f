package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"policybot/policies"
	"policybot/policies/fault"
)

// checkConvert converts data as the file name and fails on a panic (the
// fuzzer reports those itself), on an error that is not a *fault.Error of one of
// the three kinds, or on output the parser cannot take.
func checkConvert(t *testing.T, name string, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Convert(ctx, name, data, policies.Meta{ID: "fuzz", Title: "模糊测试", Category: "other"}, Options{PDFTimeout: 30 * time.Second})
	if err != nil {
		var e *fault.Error
		if !errors.As(err, &e) || e.Msg.En == "" || e.Msg.Zh == "" ||
			!(errors.Is(err, fault.Unsupported) || errors.Is(err, fault.Invalid) || errors.Is(err, fault.TooLarge)) {
			t.Fatalf("Convert(%q) returned an untyped error: %v", name, err)
		}
		return
	}
	switch res.Type {
	case TypeDocx, TypeHTML, TypePDF:
		if !utf8.Valid(res.Markdown) || !bytes.HasPrefix(res.Markdown, []byte("---\nid: fuzz\n")) {
			t.Fatalf("Convert(%q) = %q: want UTF-8 with the front matter", name, res.Markdown)
		}
	}
	if doc, _ := policies.ParseFile("fuzz.md", res.Markdown); doc == nil && res.Type != TypeMarkdown && res.Type != TypeText {
		t.Fatalf("the parser read nothing from %q", res.Markdown)
	}
}

// fuzzSeeds are small inputs of each kind, also committed under
// testdata/fuzz by TestWriteFixture -update.
func fuzzSeeds(tb testing.TB) map[string][][]byte {
	tb.Helper()
	small := buildDocx(tb, []para{
		{style: "Title", text: "标题"},
		{style: "Heading1", num: 2, text: "总则"},
		{num: 1, text: "自动编号的条文。", raw: `<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>`},
		{cells: []string{"甲", "乙"}},
	})
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(`<meta charset="gbk"><p>第一条 编码。</p>`)
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("　　第一条　甲，\n乙。\n第二条 丙。\n")
	return map[string][][]byte{
		"FuzzDocx": {
			small,
			small[:len(small)/2],
			append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0}, 64)...),
		},
		"FuzzHTML": {
			[]byte(`<nav>导航</nav><div class="content"><h1>标题</h1><p>第一条&nbsp;甲<br>第二条 乙</p><table><tr><td>a<td><table><tr><td>b</table></table><span hidden>隐</span></div><footer>页脚</footer>`),
			[]byte(gbk),
			[]byte(`<!DOCTYPE html><html><body><pre>第一章 总则
第一条 预排版。</pre><script>x</script></body></html>`),
		},
		"FuzzPDF": {
			handPDF(textPage("Article 1. Text.", "- 1 -"), scanPage),
			bytes.Replace(handPDF(textPage("Broken xref")), []byte("xref"), []byte("xxxx"), 1),
			[]byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
		},
		"FuzzText": {
			[]byte(gb),
			[]byte("---\nid: x\n---\n第一条 甲。\n"),
			[]byte("# 标题\n\n第一段。\n"),
		},
	}
}

// writeFuzzSeeds writes the seeds in the corpus file format of go test.
func writeFuzzSeeds(tb testing.TB) {
	tb.Helper()
	for name, seeds := range fuzzSeeds(tb) {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		for i, s := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(s)))
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte(body), 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

func FuzzDocx(f *testing.F) {
	f.Add(buildDocx(f, policyParas()))
	f.Fuzz(func(t *testing.T, data []byte) { checkConvert(t, "f.docx", data) })
}

// FuzzDocxXML fuzzes the XML parts inside a well-formed archive, which
// FuzzDocx rarely reaches (a mutated archive mostly fails its checksums).
func FuzzDocxXML(f *testing.F) {
	for _, ps := range [][]para{policyParas(), {{num: 1, text: "甲"}, {num: 2, text: "乙"}, {cells: []string{"丙"}}}} {
		parts := docxParts(ps)
		f.Add(parts["word/document.xml"], parts["word/styles.xml"], parts["word/numbering.xml"])
	}
	f.Fuzz(func(t *testing.T, document, styles, numbering string) {
		data := zipFiles(t, []string{"word/document.xml", "word/styles.xml", "word/numbering.xml"},
			map[string]string{"word/document.xml": document, "word/styles.xml": styles, "word/numbering.xml": numbering})
		checkConvert(t, "f.docx", data)
	})
}

func FuzzHTML(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) { checkConvert(t, "f.html", data) })
}

// FuzzPDF is slow (PDFium runs in WebAssembly): run it with -fuzztime.
func FuzzPDF(f *testing.F) {
	f.Add(readTestdata(f, "policy.pdf"))
	f.Add(readTestdata(f, "policy-encrypted.pdf"))
	// Start the engine outside the fuzzer's 10-second limit per input: with
	// coverage instrumentation it takes longer than that.
	if err := WarmUp(context.Background(), Options{}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkConvert(t, "f.pdf", data) })
}

func FuzzText(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkConvert(t, "f.txt", data)
		checkConvert(t, "f.md", data)
		checkConvert(t, "f", data) // sniffed
	})
}
