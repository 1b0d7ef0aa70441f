package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"policybot/policies"
	"policybot/policies/amount"
	"policybot/policies/fault"
	"policybot/policies/lang"
)

var testMeta = policies.Meta{ID: "wz-mfg-2025", Category: "manufacturing", Issuer: "苏州市吴中区人民政府", LeadDepartment: "区工业和信息化局"}

// convert runs Convert and fails the test on an error.
func convert(tb testing.TB, name string, data []byte, meta policies.Meta) Result {
	tb.Helper()
	res, err := Convert(context.Background(), name, data, meta, Options{})
	if err != nil {
		tb.Fatalf("Convert(%q) error: %v", name, err)
	}
	return res
}

// parse runs the corpus parser on a converted document and fails the test
// on any Error finding.
func parse(tb testing.TB, res Result) *policies.Document {
	tb.Helper()
	doc, fs := policies.ParseFile("upload.md", res.Markdown)
	if policies.HasErrors(fs) || doc == nil {
		tb.Fatalf("parser findings %v on:\n%s", fs, res.Markdown)
	}
	return doc
}

// wantArticle is what the sample policy's articles must parse to.
type wantArticle struct {
	chapter, prefix, dept string
}

var policyArticles = []wantArticle{
	{"总则", "为加快推进制造业高质量发展", ""},
	{"总则", "本措施适用于在吴中区依法登记注册", ""},
	{"支持项目投资", "新引进或增资扩产的制造业项目，对符合条件的企业", "区工信局、区发改委"},
	{"支持项目投资", "支持企业开展智能化改造和数字化转型", ""},
	{"支持项目投资", "鼓励企业加大研发投入", "区科技局"},
	{"支持项目投资", "支持企业创建国家级、省级专精特新企业", ""},
	{"附则", "同一项目符合本区多项扶持政策的", ""},
	{"附则", "本措施由区工业和信息化局负责解释。", ""},
	{"附则", "本措施自2025年3月1日起施行，有效期至2027年12月31日。", ""},
}

// checkPolicy asserts that doc is the sample policy: nine articles numbered
// 1…9 under the right chapters, with their departments.
func checkPolicy(tb testing.TB, doc *policies.Document, markdown []byte) {
	tb.Helper()
	if doc.CiteBy != policies.ByArticle || len(doc.Articles) != len(policyArticles) {
		tb.Fatalf("got %d parts cited by %s, want %d articles:\n%s", len(doc.Articles), doc.CiteBy, len(policyArticles), markdown)
	}
	for i, w := range policyArticles {
		a := doc.Articles[i]
		if a.Number != i+1 || a.Chapter != w.chapter || !strings.HasPrefix(a.Text, w.prefix) || a.Department != w.dept {
			tb.Errorf("article %d = {%d %q %q… %q}, want {%d %q %q… %q}", i, a.Number, a.Chapter, trunc(a.Text, 20), a.Department, i+1, w.chapter, w.prefix, w.dept)
		}
		if strings.Contains(a.Text, "规范性文件（示例）") || strings.Contains(a.Text, "- 1 -") || strings.Contains(a.Text, "-1-") {
			tb.Errorf("article %d keeps a running header or page number: %q", i+1, a.Text)
		}
	}
	if doc.Title != "关于促进吴中区制造业高质量发展的若干政策措施（示例文本）" {
		tb.Errorf("Title = %q", doc.Title)
	}
	if doc.DocNo != "吴政规〔2025〕1号" {
		tb.Errorf("DocNo = %q", doc.DocNo)
	}
	if doc.ID != testMeta.ID || doc.Category != policies.Manufacturing || doc.LeadDepartment != testMeta.LeadDepartment {
		tb.Errorf("front matter = %q %q %q", doc.ID, doc.Category, doc.LeadDepartment)
	}
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// wantKind fails unless err is a *fault.Error of kind, whose message
// contains msg and has its Chinese.
func wantKind(tb testing.TB, err, kind error, msg string) {
	tb.Helper()
	var e *fault.Error
	if !errors.Is(err, kind) || !errors.As(err, &e) {
		tb.Fatalf("error = %v, want %v", err, kind)
	}
	if !strings.Contains(e.Msg.String(), msg) {
		tb.Errorf("message %q does not contain %q", e.Msg, msg)
	}
	if !strings.ContainsFunc(e.Msg.Zh, func(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }) {
		tb.Errorf("message %q has no Chinese", e.Msg)
	}
}

// joinTexts joins the messages as logs print them.
func joinTexts(ts []lang.Text, sep string) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.String())
	}
	return strings.Join(out, sep)
}

func TestConvertDocx(t *testing.T) {
	data := buildDocx(t, policyParas())
	res := convert(t, "措施.docx", data, testMeta)
	if res.Type != TypeDocx {
		t.Errorf("Type = %q, want docx", res.Type)
	}
	doc := parse(t, res)
	checkPolicy(t, doc, res.Markdown)
	md := string(res.Markdown)
	for _, want := range []string{"# 关于促进吴中区制造业", "## 第一章 总则", "项目类型 | 补助比例 | 最高金额", "\n\n苏州市吴中区人民政府\n\n2025年2月24日\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "规范性文件（示例）") {
		t.Errorf("the Word page header leaked into the text")
	}
}

func TestConvertDocxAutoNumbering(t *testing.T) {
	// Chapters and articles numbered by Word (第%1章, 第%1条 lists), as many
	// official templates do: the numbers are not in the text.
	var ps []para
	for ch := 1; ch <= 2; ch++ {
		ps = append(ps, para{style: "Heading1", num: 2, text: fmt.Sprintf("章%d", ch)})
		for i := 1; i <= 6; i++ {
			ps = append(ps, para{num: 1, text: fmt.Sprintf("条文内容%d。", i)})
		}
	}
	res := convert(t, "x.docx", buildDocx(t, ps), policies.Meta{ID: "x", Title: "测试", Category: "other"})
	doc := parse(t, res)
	if len(doc.Articles) != 12 {
		t.Fatalf("got %d articles, want 12:\n%s", len(doc.Articles), res.Markdown)
	}
	if a := doc.Articles[11]; a.Number != 12 || a.Chapter != "章2" || a.Text != "条文内容6。" {
		t.Errorf("last article = %+v", a)
	}
	if !strings.Contains(string(res.Markdown), "\n## 第二章 章2\n\n第七条 条文内容1。\n") {
		t.Errorf("markdown:\n%s", res.Markdown)
	}
}

func TestConvertDocxMarkup(t *testing.T) {
	ps := []para{
		{text: "第一条 可见", raw: `<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏的博彩广告</w:t></w:r>`},
		{raw: `<w:del><w:r><w:delText>删除的文字</w:delText></w:r></w:del>` +
			`<mc:AlternateContent><mc:Choice Requires="wps"><w:r><w:t>文本框</w:t></w:r></mc:Choice><mc:Fallback><w:r><w:t>文本框</w:t></w:r></mc:Fallback></mc:AlternateContent>` +
			`<w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>第二条 换行后的条文。</w:t></w:r>`},
		{cells: []string{"外表", ""}},
	}
	res := convert(t, "x.docx", buildDocx(t, ps), policies.Meta{ID: "x", Title: "测试", Category: "other"})
	md := string(res.Markdown)
	for _, bad := range []string{"博彩", "删除的文字", "文本框文本框"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown contains %q:\n%s", bad, md)
		}
	}
	for _, want := range []string{"\n\n第一条 可见\n\n文本框甲乙\n\n第二条 换行后的条文。\n\n外表\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if len(res.Warnings) == 0 || !strings.Contains(joinTexts(res.Warnings, "\n"), "hidden") {
		t.Errorf("Warnings = %q, want one about hidden text", res.Warnings)
	}
}

func TestConvertDocxNestedTable(t *testing.T) {
	doc := `<w:tbl><w:tr><w:tc><w:p><w:r><w:t>外</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>内1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>内2</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc><w:tc><w:p><w:r><w:t>右</w:t></w:r></w:p></w:tc></w:tr></w:tbl>`
	data := zipFiles(t, []string{"word/document.xml"}, map[string]string{
		"word/document.xml": `<w:document ` + wNS + `><w:body>` + doc + `</w:body></w:document>`,
	})
	res := convert(t, "t.docx", data, policies.Meta{})
	if !strings.HasSuffix(string(res.Markdown), "---\n\n外内1 | 内2 | 右\n") {
		t.Errorf("markdown:\n%s", res.Markdown)
	}
}

func TestDocxLimits(t *testing.T) {
	bomb := func(size int) []byte {
		var buf bytes.Buffer
		buf.WriteString(`<w:document ` + wNS + `><w:body><w:p><w:r><w:t>`)
		buf.Write(bytes.Repeat([]byte("啊"), size/3))
		buf.WriteString(`</w:t></w:r></w:p></w:body></w:document>`)
		return zipFiles(t, []string{"word/document.xml"}, map[string]string{"word/document.xml": buf.String()})
	}
	many := map[string]string{"word/document.xml": `<w:document ` + wNS + `><w:body/></w:document>`}
	order := []string{"word/document.xml"}
	for i := range 3000 {
		n := fmt.Sprintf("word/media/x%d.xml", i)
		many[n], order = "", append(order, n)
	}
	tests := []struct {
		name string
		data []byte
		opts Options
		kind error
		msg  string
	}{
		{"zip bomb", bomb(60 << 20), Options{}, fault.TooLarge, "unpacks to more than 50.0 MB"},
		{"small budget", bomb(2 << 20), Options{MaxUncompressedBytes: 1 << 20}, fault.TooLarge, "zip bomb"},
		{"too many entries", zipFiles(t, order, many), Options{}, fault.TooLarge, "3001 entries"},
		{"corrupt zip", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0xA5}, 300)...), Options{}, fault.Invalid, "damaged"},
		{"truncated docx", buildDocx(t, policyParas())[:1500], Options{}, fault.Invalid, "damaged"},
		{"zip without document", zipFiles(t, []string{"a.txt"}, map[string]string{"a.txt": "x"}), Options{}, fault.Invalid, "no word/document.xml"},
		{"bad xml", zipFiles(t, order[:1], map[string]string{"word/document.xml": "<w:document><w:body><w:p>"}), Options{}, fault.Invalid, "damaged"},
		{"encrypted zip entry", encryptedEntry(t), Options{}, fault.Invalid, "encrypted"},
		{"encrypted docx", append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 600)...), Options{}, fault.Invalid, "encrypted"},
	}
	if len(tests[0].data) > 100<<10 {
		t.Fatalf("the bomb is %d bytes compressed: not a bomb", len(tests[0].data))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert(context.Background(), "policy.docx", tc.data, policies.Meta{}, tc.opts)
			wantKind(t, err, tc.kind, tc.msg)
		})
	}
}

// encryptedEntry is a zip whose document part is flagged as encrypted.
func encryptedEntry(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "word/document.xml", Method: zip.Store, Flags: 0x1})
	if err != nil {
		tb.Fatal(err)
	}
	w.Write([]byte("\x01\x02 encrypted bytes"))
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestConvertRefuses(t *testing.T) {
	tests := []struct {
		name string
		file string
		data []byte
		opts Options
		kind error
		msg  string
	}{
		{"empty", "a.docx", nil, Options{}, fault.Invalid, "empty"},
		{"blank", "a.txt", []byte(" \n\t\n"), Options{}, fault.Invalid, "empty"},
		{"over the cap", "a.txt", []byte("第一条 甲。"), Options{MaxBytes: 8}, fault.TooLarge, "over the 8 bytes limit"},
		{"exe", "setup.exe", []byte("MZ\x90\x00\x03\x00\x00\x00"), Options{}, fault.Unsupported, "not supported"},
		{"xlsx", "data.xlsx", []byte("PK\x03\x04rest"), Options{}, fault.Unsupported, "spreadsheets"},
		{"doc", "old.doc", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), Options{}, fault.Unsupported, ".docx"},
		{"png", "scan.png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), Options{}, fault.Unsupported, "not supported"},
		{"jpeg without extension", "scan", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF"), Options{}, fault.Unsupported, "OCR"},
		{"binary named txt", "a.txt", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), Options{}, fault.Unsupported, "binary"},
		{"zip named md", "a.md", zipFiles(t, []string{"x"}, map[string]string{"x": "y"}), Options{}, fault.Unsupported, "zip"},
		{"text named pdf", "a.pdf", []byte("第一条 甲。"), Options{}, fault.Invalid, "not a PDF"},
		{"corrupt pdf", "a.pdf", append([]byte{0x1f, 0x8b, 0x08, 0x00}, bytes.Repeat([]byte{0x00, 0xA5}, 200)...), Options{}, fault.Invalid, "not a valid PDF"},
		{"image named pdf", "a.pdf", []byte("\x89PNG\r\n\x1a\n\x00\x00"), Options{}, fault.Invalid, "damaged"},
		{"corrupt docx", "a.docx", bytes.Repeat([]byte{0x00, 0xA5}, 200), Options{}, fault.Invalid, "not a valid Word document"},
		{"text named docx", "a.docx", []byte("第一条 甲。"), Options{}, fault.Invalid, "not a Word document"},
		{"not text", "a.txt", []byte{0x81, 0x30, 0xFF, 0xFF, 0x81}, Options{}, fault.Invalid, "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Convert(context.Background(), tc.file, tc.data, policies.Meta{}, tc.opts)
			if err == nil {
				t.Fatalf("Convert(%q) = %s, want an error", tc.file, res.Markdown)
			}
			wantKind(t, err, tc.kind, tc.msg)
		})
	}
}

func TestConvertContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Convert(ctx, "a.docx", buildDocx(t, policyParas()), policies.Meta{}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Convert(cancelled) error = %v, want context.Canceled", err)
	}
}

func TestDetectMismatch(t *testing.T) {
	res := convert(t, "policy.pdf", buildDocx(t, policyParas()), testMeta)
	if res.Type != TypeDocx || len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0].String(), "named .pdf but is a docx") {
		t.Errorf("Type %q, Warnings %q", res.Type, res.Warnings)
	}
	checkPolicy(t, parse(t, res), res.Markdown)
}

// samplePage is a government web page: the policy inside navigation, a
// sidebar, share buttons, a search form, a footer, a script and hidden spam.
const samplePage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>关于促进制造业发展的若干政策措施_吴中区人民政府</title>
<style>.x{color:red}</style><script>var spam = "第九十九条 脚本";</script></head>
<body>
<header class="site-header"><a href="/">首页</a> 吴中区人民政府门户网站</header>
<nav><ul><li>首页</li><li>政务公开</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政策文件</div>
<div class="container">
 <div class="left-side"><ul><li>相关文件一</li><li>相关文件二</li></ul></div>
 <div class="article-content" id="zoom">
  <h1>关于促进吴中区制造业高质量发展的若干政策措施（示例文本）</h1>
  <p>吴政规〔2025〕1号</p>
  <p>本文件为示例文本，正式条款以区政府正式印发文件为准。</p>
  <p style="text-align:center"><strong>第一章&nbsp;&nbsp;总则</strong></p>
  <p>&nbsp;&nbsp;&nbsp;&nbsp;第一条&nbsp;为加快推进制造业高质量发展，
     结合本区实际，制定本措施。</p>
  <p>　　第二条　本措施适用于在吴中区依法登记注册、具有独立法人资格的制造业企业。</p>
  <p style="text-align:center">第二章 支持项目投资</p>
  <div>第三条 新引进或增资扩产的制造业项目，对符合条件的企业给予补助。（责任单位：区工信局、区发改委）<br>第四条 支持企业开展智能化改造和数字化转型，对符合条件的企业给予补助。</div>
  <table><tr><th>项目类型</th><th>补助比例</th></tr><tr><td>智能化改造</td><td><p>10%</p></td></tr></table>
  <p>第五条 鼓励企业加大研发投入，对符合条件的企业给予补助。（责任单位：区科技局）</p>
  <p>第六条 支持企业创建国家级、省级专精特新企业<span style="display:none">澳门博彩</span>，对符合条件的企业给予补助。</p>
  <h3>第三章 附则</h3>
  <ol><li>第七条 同一项目符合本区多项扶持政策的，按照从优、不重复的原则执行。</li>
  <li>第八条 本措施由区工业和信息化局负责解释。</li></ol>
  <p>第九条 本措施自2025年3月1日起施行，有效期至2027年12月31日。</p>
  <div class="bdshare_t">分享到：微信 微博</div>
 </div>
</div>
<form><input name="q"> 搜索</form>
<aside>热点推荐</aside>
<div id="footer">主办单位：苏州市吴中区人民政府 网站标识码 3205060000 苏ICP备12345678号</div>
<footer>版权所有</footer>
</body></html>`

func TestConvertHTML(t *testing.T) {

	res := convert(t, "page.html", []byte(samplePage), testMeta)
	if res.Type != TypeHTML {
		t.Errorf("Type = %q", res.Type)
	}
	doc := parse(t, res)
	md := string(res.Markdown)
	for _, bad := range []string{"首页", "当前位置", "相关文件", "脚本", "color", "分享", "搜索", "热点", "主办单位", "版权", "博彩", "门户网站"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown contains %q:\n%s", bad, md)
		}
	}
	if len(doc.Articles) != 9 {
		t.Fatalf("got %d articles, want 9:\n%s", len(doc.Articles), md)
	}
	for i, a := range doc.Articles {
		if a.Number != i+1 || a.Chapter != policyArticles[i].chapter || a.Department != policyArticles[i].dept || !strings.HasPrefix(a.Text, policyArticles[i].prefix[:min(len(policyArticles[i].prefix), 9)]) {
			t.Errorf("article %d = %+v", i+1, a)
		}
	}
	if a := doc.Articles[0]; a.Text != "为加快推进制造业高质量发展，结合本区实际，制定本措施。" {
		t.Errorf("article 1 = %q: the source line break must not leave a space", a.Text)
	}
	if a := doc.Articles[3]; !strings.HasSuffix(a.Text, "给予补助。\n项目类型 | 补助比例\n智能化改造 | 10%") {
		t.Errorf("article 4 = %q, want the table rows, each on its own line", a.Text)
	}
	if !strings.Contains(md, "\n\n项目类型 | 补助比例\n\n智能化改造 | 10%\n\n") {
		t.Errorf("table rows are not lines:\n%s", md)
	}
	if doc.Title != "关于促进吴中区制造业高质量发展的若干政策措施（示例文本）" || doc.DocNo != "吴政规〔2025〕1号" {
		t.Errorf("Title %q DocNo %q", doc.Title, doc.DocNo)
	}
}

func TestConvertHTMLCharset(t *testing.T) {
	body := "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body><p>第一条 为了测试编码。</p></body></html>"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(body)
	if err != nil {
		t.Fatal(err)
	}
	res := convert(t, "p.htm", []byte(gbk), policies.Meta{ID: "x", Title: "测试", Category: "other"})
	if a := parse(t, res).Articles; len(a) != 1 || a[0].Text != "为了测试编码。" {
		t.Errorf("articles %+v:\n%s", a, res.Markdown)
	}
	// No declaration at all: GBK bytes are detected.
	body = "<p>第一条 没有声明编码的网页。</p>"
	gbk, _ = simplifiedchinese.GBK.NewEncoder().String(body)
	res = convert(t, "p.html", []byte(gbk), policies.Meta{ID: "x", Title: "测试", Category: "other"})
	if a := parse(t, res).Articles; len(a) != 1 || a[0].Text != "没有声明编码的网页。" {
		t.Errorf("articles %+v:\n%s", a, res.Markdown)
	}
}

func TestConvertHTMLDeep(t *testing.T) {
	page := strings.Repeat("<div>", 5000) + "深处" + strings.Repeat("</div>", 5000) + "<p>第一条 浅处。</p>"
	_, err := Convert(context.Background(), "deep.html", []byte(page), policies.Meta{}, Options{})
	wantKind(t, err, fault.Invalid, "cannot be read")
	page = strings.Repeat("<div>", 500) + "深处" + strings.Repeat("</div>", 500) + "<p>第一条 浅处。</p>"
	res := convert(t, "deep.html", []byte(page), policies.Meta{})
	if !strings.HasSuffix(string(res.Markdown), "\n深处\n\n第一条 浅处。\n") {
		t.Errorf("markdown %s", res.Markdown)
	}
}

func TestConvertText(t *testing.T) {
	src := "关于促进制造业发展的若干政策措施\r\n\r\n第一章　总则\r\n\r\n　　第一条　为加快推进制造业高质量发展，结合本区实际，制定\r\n本措施。\r\n　　第二条　本措施适用于\r\n全区企业。\r\n第二章　附则\r\n第三条　本措施自发布之日起施行。\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		warn string
	}{
		{"utf-8", []byte(src), ""},
		{"gb18030", []byte(gb), "GB18030"},
		{"utf-16", utf16(t, src), "UTF-16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := convert(t, "措施.txt", tc.data, policies.Meta{ID: "x", Category: "other"})
			if res.OwnFrontMatter {
				t.Error("OwnFrontMatter = true for a text without front matter")
			}
			doc := parse(t, res)
			if doc.Title != "关于促进制造业发展的若干政策措施" || len(doc.Articles) != 3 {
				t.Fatalf("Title %q, %d articles:\n%s", doc.Title, len(doc.Articles), res.Markdown)
			}
			if a := doc.Articles[0]; a.Chapter != "总则" || a.Text != "为加快推进制造业高质量发展，结合本区实际，制定本措施。" {
				t.Errorf("article 1 = %+v", a)
			}
			if a := doc.Articles[2]; a.Chapter != "附则" {
				t.Errorf("article 3 = %+v", a)
			}
			if tc.warn != "" && !strings.Contains(joinTexts(res.Warnings, " "), tc.warn) {
				t.Errorf("Warnings = %q, want %q", res.Warnings, tc.warn)
			}
		})
	}
}

func utf16(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestConvertPassThrough(t *testing.T) {
	own := "---\nid: own\ntitle: 自带\ncategory: other\n---\n\n第一条 甲。\n"
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String(own)
	for _, tc := range []struct{ name, file, data string }{
		{"markdown", "a.md", own},
		{"markdown extension", "a.markdown", own},
		{"gb18030 text", "a.txt", gb},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := convert(t, tc.file, []byte(tc.data), testMeta)
			if string(res.Markdown) != tc.data || !res.OwnFrontMatter {
				t.Errorf("Markdown = %q, OwnFrontMatter %v; want the file unchanged, its own front matter", res.Markdown, res.OwnFrontMatter)
			}
			if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), "form fields are ignored") {
				t.Errorf("Warnings = %q", res.Warnings)
			}
			if doc := parse(t, res); doc.ID != "own" {
				t.Errorf("ID = %q", doc.ID)
			}
		})
	}
	res := convert(t, "b.md", []byte("# 会议报道\n\n2025年3月1日，区里召开会议。\n\n会议强调，要抓好落实。\n"), policies.Meta{ID: "news-1", Category: "news"})
	want := "---\nid: news-1\ntitle: 会议报道\ncategory: news\n---\n\n# 会议报道\n\n2025年3月1日，区里召开会议。\n\n会议强调，要抓好落实。\n"
	if string(res.Markdown) != want {
		t.Errorf("Markdown = %q, want %q", res.Markdown, want)
	}
	if doc := parse(t, res); doc.CiteBy != policies.ByParagraph || len(doc.Articles) != 2 {
		t.Errorf("doc = %+v", doc)
	}
}

func TestFrontMatterEscaping(t *testing.T) {
	meta := policies.Meta{
		ID: "wz-x-2025", Title: `"引号": #井号 'single' - 列表 *星号 & 锚 | 管道 {花括号}`, Category: "other",
		Issuer: "yes", DocNo: "吴政规〔2025〕1号", Published: "2025-02-24", EffectiveFrom: "2025-03-01",
		EffectiveTo: "2027-12-31", LeadDepartment: "区工信局\n（第二行）", SourceURL: "https://www.szwz.gov.cn/a?b=1&c=2#x", Sample: true,
	}
	res := convert(t, "a.txt", []byte("第一条 甲。"), meta)
	doc := parse(t, res)
	got := policies.Meta{ID: doc.ID, Title: doc.Title, Category: string(doc.Category), Issuer: doc.Issuer, DocNo: doc.DocNo,
		Published: doc.Published.String(), EffectiveFrom: doc.EffectiveFrom.String(), EffectiveTo: doc.EffectiveTo.String(),
		LeadDepartment: doc.LeadDepartment, SourceURL: doc.SourceURL, Sample: doc.Sample}
	want := meta
	want.LeadDepartment = "区工信局 （第二行）"
	if got != want {
		t.Errorf("parsed front matter = %+v\nwant %+v\n%s", got, want, res.Markdown)
	}
	res = convert(t, "a.txt", []byte("第一条 甲。"), policies.Meta{ID: "x"})
	if !strings.HasPrefix(string(res.Markdown), "---\nid: x\n---\n\n") {
		t.Errorf("only the non-empty fields: %q", res.Markdown)
	}
}

func TestCleanerLine(t *testing.T) {
	tests := []struct {
		in, want string
		keepCJK  bool
	}{
		{"　　第一条　为了　测试", "第一条 为了测试", false},
		{"第一条为了测试", "第一条 为了测试", false},
		{"第三条、第四条规定的事项", "第三条、第四条规定的事项", false},
		{"第一章  总  则", "第一章 总则", true},
		{"自 2025 年 3 月 1 日起，最高 500 万元", "自2025年3月1日起，最高500万元", true},
		{"智能化改造 10% 500 万元", "智能化改造 10% 500万元", true},
		{"项目类型 补助比例", "项目类型 补助比例", true},
		{"项目类型 补助比例", "项目类型补助比例", false},
		{"a\u00a0\u00a0b\tc\u200bd\u00ade", "a b cde", false},
		{"第⼀条 ⼈民政府", "第一条 人民政府", true},
		{"GDP 增长 Policy text", "GDP 增长 Policy text", false},
		{"\x01控制\x7f字符", "控制字符", false},
	}
	for _, tc := range tests {
		c := cleaner{keepCJKSpaces: tc.keepCJK}
		if got := c.line(tc.in); got != tc.want {
			t.Errorf("line(%q, keep=%v) = %q, want %q", tc.in, tc.keepCJK, got, tc.want)
		}
	}
}

func TestJoinWrapped(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"wrapped article", []string{"第一条 为加快推进制造业高质量发展，结合", "本区实际，制定本措施。", "第二条 适用范围。"},
			[]string{"第一条 为加快推进制造业高质量发展，结合本区实际，制定本措施。", "第二条 适用范围。"}},
		{"short lines end paragraphs", []string{"关于促进发展的通知", "各镇人民政府、各街道办事处，区各委办局", "为加快推进制造业高质量发展，结合本区实际情况，制定本措施和", "办法。"},
			[]string{"关于促进发展的通知", "各镇人民政府、各街道办事处，区各委办局", "为加快推进制造业高质量发展，结合本区实际情况，制定本措施和办法。"}},
		{"new article or item", []string{"第一条 本措施所称企业，是指下列企业和单位之一的", "（一）制造业企业", "二、支持项目投资的各项政策措施和办法如下", "第二章 附则"},
			[]string{"第一条 本措施所称企业，是指下列企业和单位之一的", "（一）制造业企业", "二、支持项目投资的各项政策措施和办法如下", "第二章 附则"}},
		{"blank line", []string{"第一段没有句号但是很长很长很长很长很长很长", "", "第二段没有句号但是很长很长很长很长很长很长"},
			[]string{"第一段没有句号但是很长很长很长很长很长很长", "第二段没有句号但是很长很长很长很长很长很长"}},
		{"latin words", []string{"The policy applies to all manufacturing firms in", "the district."}, []string{"The policy applies to all manufacturing firms in the district."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := joinWrapped(tc.in)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("joinWrapped = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStripFurniture(t *testing.T) {
	pages := [][]string{
		{"吴中区人民政府文件", "标题", "第一条 甲。", "- 1 -"},
		{"吴中区规范性文件", "第二条 乙。", "第 2 页 共 3 页"},
		{"吴中区规范性文件", "第三条 丙。", "3"},
		{"吴中区规范性文件", "第四条 丁。", "4/4"},
	}
	got, dropped := stripFurniture(pages)
	want := [][]string{{"吴中区人民政府文件", "标题", "第一条 甲。"}, {"第二条 乙。"}, {"第三条 丙。"}, {"第四条 丁。"}}
	if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(dropped) != "[吴中区规范性文件]" {
		t.Errorf("stripFurniture = %q, %q; want %q", got, dropped, want)
	}
	// One page: nothing repeats, only page numbers go.
	got, _ = stripFurniture([][]string{{"标题", "1", "第一条 甲。", "- 1 -"}})
	if fmt.Sprint(got) != "[[标题 第一条 甲。]]" {
		t.Errorf("single page = %q", got)
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		n      int
		format string
		want   string
	}{
		{1, "chineseCounting", "一"}, {10, "chineseCounting", "十"}, {15, "chineseCounting", "十五"},
		{20, "chineseCountingThousand", "二十"}, {21, "chineseCounting", "二十一"}, {100, "chineseCounting", "一百"},
		{103, "chineseCounting", "一百零三"}, {110, "chineseCounting", "一百一十"}, {1005, "chineseCounting", "一千零五"},
		{15, "chineseLegalSimplified", "壹拾伍"}, {205, "ideographDigital", "二〇五"}, {3, "ideographTraditional", "丙"},
		{3, "decimal", "3"}, {28, "lowerLetter", "bb"}, {14, "upperRoman", "XIV"}, {2, "decimalEnclosedCircle", "②"},
		{7, "decimalZero", "07"}, {4, "unknownFormat", "4"},
	}
	for _, tc := range tests {
		if got := formatNumber(tc.n, tc.format); got != tc.want {
			t.Errorf("formatNumber(%d, %q) = %q, want %q", tc.n, tc.format, got, tc.want)
		}
		if strings.HasPrefix(tc.format, "chineseCounting") {
			if n, err := amount.ParseNumeral(tc.want); err != nil || n != tc.n {
				t.Errorf("ParseNumeral(%q) = %d, %v; want %d", tc.want, n, err, tc.n)
			}
		}
	}
}

func TestConvertInvisible(t *testing.T) {
	res := convert(t, "a.txt", []byte("第一条 甲\u200b乙\u00ad丙。"), policies.Meta{ID: "x", Title: "t", Category: "other"})
	if a := parse(t, res).Articles; len(a) != 1 || a[0].Text != "甲乙丙。" {
		t.Errorf("articles = %+v", a)
	}
	if w := joinTexts(res.Warnings, "\n"); !strings.Contains(w, "removed 2 invisible characters") {
		t.Errorf("Warnings = %q", res.Warnings)
	}
	// Spam split by zero-width spaces is whole again, and the parser's
	// hygiene scan catches it.
	res = convert(t, "a.txt", []byte("第一条 博\u200b彩广告。"), policies.Meta{ID: "x", Title: "t", Category: "other"})
	_, fs := policies.ParseFile("a.md", res.Markdown)
	if len(fs) == 0 || fs[0].Code != policies.CodeSpam {
		t.Errorf("findings = %v, want spam", fs)
	}
}
