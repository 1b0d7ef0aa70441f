package ingest

import (
	"context"
	"errors"
	"fmt"
	"policybot/policies"
	"policybot/policies/fault"
	"strings"
	"sync"
	"testing"
	"time"
)

// handPDF writes a PDF of one A4 page per content stream, with the
// standard Helvetica font and a 1×1 grey image available to the page, and
// a correct cross-reference table.
func handPDF(contents ...string) []byte {
	n := len(contents)
	// Objects: 1 catalog, 2 pages, 3 font, 4 image, then page+content pairs.
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"", // pages, filled below
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
	}
	var kids []string
	for i, c := range contents {
		page, content := 5+2*i, 6+2*i
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> /Contents %d 0 R >>", content),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(c), c))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}

// scanPage draws only an image, as a scanner's PDF does.
const scanPage = "q 595 0 0 842 0 0 cm /Im1 Do Q"

func textPage(lines ...string) string {
	var b strings.Builder
	b.WriteString("BT /F1 12 Tf 72 770 Td 14 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "(%s) Tj T*\n", l)
	}
	b.WriteString("ET")
	return b.String()
}

func TestConvertPDF(t *testing.T) {
	start := time.Now()
	res := convert(t, "措施.pdf", readTestdata(t, "policy.pdf"), testMeta)
	t.Logf("first PDF (engine start %v) converted in %v", pdfStartTime(), time.Since(start))
	if res.Type != TypePDF {
		t.Errorf("Type = %q", res.Type)
	}
	doc := parse(t, res)
	checkPolicy(t, doc, res.Markdown)
	md := string(res.Markdown)
	for _, bad := range []string{"-1-", "-2-", "- 3 -", "规范性文件（示例）"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown keeps page furniture %q:\n%s", bad, md)
		}
	}
	for _, want := range []string{"\n# 关于促进吴中区制造业高质量发展的若干政策措施（示例文本）\n", "\n## 第二章 支持项目投资\n", "\n智能化改造 10% 500万元\n", "\n苏州市吴中区人民政府\n\n2025年2月24日\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if !strings.Contains(joinTexts(res.Warnings, "\n"), "dropped running headers") {
		t.Errorf("Warnings = %q, want the dropped header", res.Warnings)
	}
}

func TestConvertPDFRefuses(t *testing.T) {
	good := readTestdata(t, "policy.pdf")
	tests := []struct {
		name string
		data []byte
		opts Options
		kind error
		msg  string
	}{
		{"encrypted", readTestdata(t, "policy-encrypted.pdf"), Options{}, fault.Invalid, "PDF is encrypted (PDF 文件已加密，请上传未加密的版本)"},
		{"scanned", handPDF(scanPage, scanPage), Options{}, fault.Unsupported, "no text layer; OCR is not supported"},
		{"blank", handPDF(""), Options{}, fault.Unsupported, "no text layer"},
		{"garbage", []byte("%PDF-1.7\n\x00\x01garbage garbage garbage"), Options{}, fault.Invalid, "damaged"},
		{"header only", []byte("%PDF-"), Options{}, fault.Invalid, "damaged"},
		{"too many pages", handPDF(textPage("one"), textPage("two"), textPage("three")), Options{MaxPages: 2}, fault.TooLarge, "3 pages"},
		{"timeout", good, Options{PDFTimeout: time.Nanosecond}, fault.TooLarge, "took longer than 1ns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Convert(context.Background(), "a.pdf", tc.data, policies.Meta{}, tc.opts)
			if err == nil {
				t.Fatalf("Convert = %s, want an error", res.Markdown)
			}
			wantKind(t, err, tc.kind, tc.msg)
		})
	}
	t.Run("truncated", func(t *testing.T) {
		// PDFium repairs what it can; whatever it decides, the error is typed.
		for _, n := range []int{100, len(good) / 2, len(good) - 200} {
			_, err := Convert(context.Background(), "a.pdf", good[:n], policies.Meta{}, Options{})
			if err != nil && !errors.Is(err, fault.Invalid) && !errors.Is(err, fault.Unsupported) {
				t.Errorf("truncated at %d: untyped error %v", n, err)
			}
		}
	})
}

func TestConvertPDFPartlyScanned(t *testing.T) {
	data := handPDF(textPage("Article 1. The policy applies to all firms."), scanPage, textPage("Article 2. It takes effect on 1 March 2025."))
	res := convert(t, "a.pdf", data, policies.Meta{ID: "x", Title: "t", Category: "other"})
	if !strings.Contains(joinTexts(res.Warnings, "\n"), "pages without text: 2") {
		t.Errorf("Warnings = %q", res.Warnings)
	}
	if doc := parse(t, res); len(doc.Articles) != 2 {
		t.Errorf("paragraphs = %+v", doc.Articles)
	}
}

func TestConvertPDFCancel(t *testing.T) {
	if err := WarmUp(context.Background(), Options{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Convert(ctx, "a.pdf", readTestdata(t, "policy.pdf"), policies.Meta{}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	// A worker killed mid-document is replaced: the pool still works.
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
		Convert(ctx, "a.pdf", readTestdata(t, "policy.pdf"), policies.Meta{}, Options{})
		cancel()
	}
	res := convert(t, "a.pdf", readTestdata(t, "policy.pdf"), testMeta)
	checkPolicy(t, parse(t, res), res.Markdown)
}

func TestConvertPDFConcurrent(t *testing.T) {
	data := readTestdata(t, "policy.pdf")
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Convert(context.Background(), "a.pdf", data, testMeta, Options{})
			if err == nil && !strings.Contains(string(res.Markdown), "第九条 本措施自2025年3月1日起施行") {
				err = fmt.Errorf("wrong text:\n%s", res.Markdown)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
