package ingest

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/policy.docx and the fuzz seeds (then run testdata/mkpdf.sh)")

// para is one paragraph of a test .docx.
type para struct {
	style string // paragraph style id ("Title", "Heading1"), or ""
	text  string
	num   int      // numbering instance (numbering.xml numId), 0 for none
	cells []string // when set, a one-row table instead of a paragraph
	raw   string   // when set, extra XML inside the paragraph
}

// policyParas is the sample policy of the fixtures: a title, a document
// number, three chapters, nine articles (some long enough to wrap and to run
// over a page), a table and a signature.
func policyParas() []para {
	long := "对符合条件的企业，按照其上一年度实际完成的设备、软件投资额给予一定比例的补助，单个项目补助金额最高不超过人民币五百万元；对同一企业同一年度内的多个项目，累计补助不超过一千万元，具体申报条件、审核流程和资金拨付方式由区工业和信息化局会同区财政局另行制定并向社会公布。"
	return []para{
		{style: "Title", text: "关于促进吴中区制造业高质量发展的若干政策措施（示例文本）"},
		{text: "吴政规〔2025〕1号"},
		{text: "本文件为示例文本，正式条款以区政府正式印发文件为准。"},
		{style: "Heading1", text: "第一章　总则"},
		{text: "第一条　为加快推进制造业高质量发展，结合本区实际，制定本措施。"},
		{text: "第二条　本措施适用于在吴中区依法登记注册、具有独立法人资格的制造业企业。"},
		{style: "Heading1", text: "第二章　支持项目投资"},
		{text: "第三条　新引进或增资扩产的制造业项目，" + long + "（责任单位：区工信局、区发改委）"},
		{text: "第四条　支持企业开展智能化改造和数字化转型，" + long},
		{cells: []string{"项目类型", "补助比例", "最高金额"}},
		{cells: []string{"智能化改造", "10%", "500万元"}},
		{text: "第五条　鼓励企业加大研发投入，" + long + "（责任单位：区科技局）"},
		{text: "第六条　支持企业创建国家级、省级专精特新企业，" + long},
		{style: "Heading1", text: "第三章　附则"},
		{text: "第七条　同一项目符合本区多项扶持政策的，按照从优、不重复的原则执行。" + long},
		{text: "第八条　本措施由区工业和信息化局负责解释。"},
		{text: "第九条　本措施自2025年3月1日起施行，有效期至2027年12月31日。"},
		{text: "苏州市吴中区人民政府"},
		{text: "2025年2月24日"},
	}
}

const wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`

// buildDocx writes a minimal but complete Word document: the parts Word and
// LibreOffice need, heading styles, a 第%1条 numbering definition (numId 1,
// chineseCounting) and a running header and page-number footer.
func buildDocx(tb testing.TB, paras []para) []byte {
	tb.Helper()
	return zipFiles(tb, docxOrder, docxParts(paras))
}

// docxOrder is the order of the parts in the archive; a fixed order and no
// timestamps keep the archive byte-identical.
var docxOrder = []string{"[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels", "word/document.xml", "word/styles.xml", "word/numbering.xml", "word/header1.xml", "word/footer1.xml"}

// docxParts returns the parts of a .docx holding paras.
func docxParts(paras []para) map[string]string {
	var body strings.Builder
	for _, p := range paras {
		if p.cells != nil {
			body.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tr>`)
			for _, c := range p.cells {
				fmt.Fprintf(&body, `<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>`, html.EscapeString(c))
			}
			body.WriteString(`</w:tr></w:tbl>`)
			continue
		}
		body.WriteString(`<w:p><w:pPr>`)
		if p.style != "" {
			fmt.Fprintf(&body, `<w:pStyle w:val="%s"/>`, p.style)
		}
		if p.num != 0 {
			fmt.Fprintf(&body, `<w:numPr><w:ilvl w:val="0"/><w:numId w:val="%d"/></w:numPr>`, p.num)
		}
		fmt.Fprintf(&body, `</w:pPr>%s<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, p.raw, html.EscapeString(p.text))
	}
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/_rels/document.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>`,
		"word/styles.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles ` + wNS + `><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="WenQuanYi Micro Hei" w:eastAsia="WenQuanYi Micro Hei" w:hAnsi="WenQuanYi Micro Hei"/><w:sz w:val="32"/><w:lang w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:pPr><w:spacing w:after="120" w:line="360" w:lineRule="auto"/><w:jc w:val="both"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:sz w:val="40"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/></w:rPr></w:style></w:styles>`,
		"word/numbering.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering ` + wNS + `><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%1章"/><w:suff w:val="space"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>`,
		"word/header1.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr ` + wNS + `><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t>吴中区人民政府规范性文件（示例）</w:t></w:r></w:p></w:hdr>`,
		"word/footer1.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr ` + wNS + `><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t xml:space="preserve">- </w:t></w:r><w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple><w:r><w:t xml:space="preserve"> -</w:t></w:r></w:p></w:ftr>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + wNS + `><w:body>` + body.String() + `<w:sectPr><w:headerReference w:type="default" r:id="rId3"/><w:footerReference w:type="default" r:id="rId4"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>`,
	}
	return parts
}

// zipFiles writes the named parts, in order, into a zip archive.
func zipFiles(tb testing.TB, order []string, parts map[string]string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[name])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriteFixture rewrites testdata/policy.docx with -update; the PDF
// fixtures are made from it by testdata/mkpdf.sh (LibreOffice, qpdf).
func TestWriteFixture(t *testing.T) {
	path := filepath.Join("testdata", "policy.docx")
	data := buildDocx(t, policyParas())
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		writeFuzzSeeds(t)
		return
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, data) {
		t.Errorf("testdata/policy.docx is stale: run go test ./ingest -run TestWriteFixture -update, then testdata/mkpdf.sh")
	}
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
