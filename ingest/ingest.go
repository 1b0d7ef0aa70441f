// Package ingest converts uploaded policy files (Word .docx, PDF, web pages,
// plain text and Markdown) into the Markdown corpus format that
// policies.Parser reads: YAML front matter, then one line per paragraph with
// a blank line between paragraphs, so that 第X章 and 第X条 lines become
// chapters and articles.
//
// Convert does not validate the result: the caller runs policies.Parser.Parse
// on Result.Markdown, as for any other corpus file, and shows its findings.
package ingest

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
)

// Every error Convert returns for a file it refuses is a *fault.Error whose
// Msg can be shown to the uploader, of one of three kinds:
//   - fault.Unsupported: the file type cannot be converted (a spreadsheet,
//     an image, a legacy .doc, a scanned PDF without a text layer);
//   - fault.Invalid: the file claims a supported type but is empty,
//     damaged, encrypted or cannot be read;
//   - fault.TooLarge: the file, its uncompressed content, its page count or
//     the time it takes to read exceeds a limit in Options.
//
// Any other error is the caller's context's.

// refuse is the error for a file Convert refuses; cause, when not nil, is
// for the logs.
func refuse(kind fault.Kind, cause error, msg lang.Text) *fault.Error {
	return fault.Wrap(kind, "", msg, cause)
}

// Options bound the work of one conversion. The zero value uses the defaults.
type Options struct {
	// MaxBytes caps the size of the uploaded file (default 20 MB).
	MaxBytes int64
	// MaxUncompressedBytes caps what is decompressed from a .docx archive
	// (default 50 MB), whatever its headers claim.
	MaxUncompressedBytes int64
	// MaxZipEntries caps the number of entries of a .docx archive (default 2000).
	MaxZipEntries int
	// MaxPages caps the pages of a PDF (default 1000).
	MaxPages int
	// PDFTimeout bounds reading a PDF, on top of the caller's context
	// (default 2 minutes; the first PDF of a process also pays the start-up
	// of the PDF engine).
	PDFTimeout time.Duration
	// PDFCacheDir is a directory where the PDF engine keeps its compiled
	// code between runs, so that it starts in ~0.1 s instead of ~4 s (and
	// without a transient ~300 MB of compiler memory). It is read once per
	// process, when the engine starts (first PDF, or WarmUp); empty, or a
	// directory that cannot be created, means compiling in memory.
	PDFCacheDir string
}

// Default limits.
const (
	DefaultMaxBytes             = 20 << 20
	DefaultMaxUncompressedBytes = 50 << 20
	DefaultMaxZipEntries        = 2000
	DefaultMaxPages             = 1000
	DefaultPDFTimeout           = 2 * time.Minute
)

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxUncompressedBytes <= 0 {
		o.MaxUncompressedBytes = DefaultMaxUncompressedBytes
	}
	if o.MaxZipEntries <= 0 {
		o.MaxZipEntries = DefaultMaxZipEntries
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.PDFTimeout <= 0 {
		o.PDFTimeout = DefaultPDFTimeout
	}
	return o
}

// The values of Result.Type.
const (
	TypeMarkdown = "markdown"
	TypeText     = "text"
	TypeDocx     = "docx"
	TypePDF      = "pdf"
	TypeHTML     = "html"
)

// Result is a converted document.
type Result struct {
	// Markdown is the document in the corpus format, ready for
	// policies.Parser.Parse.
	Markdown []byte
	// Type is the detected input type: TypeMarkdown, TypeText, TypeDocx,
	// TypePDF or TypeHTML.
	Type string
	// OwnFrontMatter reports that the file (Markdown or text) had its own
	// front matter, which was kept as it is: meta was not used.
	OwnFrontMatter bool
	// Warnings are things the uploader should check (a renamed file, text
	// dropped as a running header, pages without text).
	Warnings []lang.Text
}

// Convert converts the uploaded file name (only its extension is used) with
// content data into the corpus format. The type is detected from both the
// extension and the content; when they disagree on a binary format the
// content wins, with a warning.
//
// Errors are *fault.Error of kind fault.Unsupported, fault.Invalid or
// fault.TooLarge, or the context's error when ctx ends first. Convert never
// panics.
func Convert(ctx context.Context, name string, data []byte, meta policies.Meta, opts Options) (res Result, err error) {
	defer func() {
		// The parsers are guarded one by one; this is the last line.
		if p := recover(); p != nil {
			res, err = Result{}, refuse(fault.Invalid, fmt.Errorf("panic: %v", p), lang.T("the file could not be converted: re-save it and upload again", "文件无法转换，请重新保存后上传"))
		}
	}()
	opts = opts.withDefaults()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return Result{}, refuse(fault.Invalid, nil, lang.T("the file is empty", "文件为空"))
	case int64(len(data)) > opts.MaxBytes:
		return Result{}, refuse(fault.TooLarge, nil, lang.T(fmt.Sprintf("the file is %s, over the %s limit: split it or compress its images", humanBytes(int64(len(data))), humanBytes(opts.MaxBytes)),
			fmt.Sprintf("文件过大（%s，上限 %s），请拆分或压缩图片后上传", humanBytes(int64(len(data))), humanBytes(opts.MaxBytes))))
	}
	typ, warn, err := detect(name, data, opts.MaxZipEntries)
	if err != nil {
		return Result{}, err
	}
	c := &conv{opts: opts, md: typ == TypeMarkdown, clean: cleaner{keepCJKSpaces: typ == TypePDF}}
	if !warn.IsZero() {
		c.warn(warn)
	}
	var out []byte
	switch typ {
	case TypeMarkdown, TypeText:
		out, err = c.text(data, meta)
	case TypeDocx:
		out, err = c.docx(ctx, data, meta)
	case TypeHTML:
		out, err = c.html(ctx, data, meta)
	case TypePDF:
		out, err = c.pdf(ctx, data, meta)
	}
	if err != nil {
		return Result{}, err
	}
	if n := c.clean.invisible; n > 0 {
		c.warn(lang.T(fmt.Sprintf("removed %d invisible characters (zero-width spaces, soft hyphens)", n), fmt.Sprintf("已删除 %d 个不可见字符", n)))
	}
	if len(out) > policies.MaxFileBytes {
		return Result{}, refuse(fault.TooLarge, nil, lang.T(fmt.Sprintf("the converted text is %s, over the corpus limit of %s: split the document", humanBytes(int64(len(out))), humanBytes(policies.MaxFileBytes)),
			fmt.Sprintf("转换后的文本过大（%s，上限 %s），请拆分文件", humanBytes(int64(len(out))), humanBytes(policies.MaxFileBytes))))
	}
	return Result{Markdown: out, Type: typ, OwnFrontMatter: c.ownFront, Warnings: c.warnings}, nil
}

// conv carries the state of one conversion.
type conv struct {
	opts     Options
	md       bool    // the text is Markdown, kept as written
	clean    cleaner // shared by the steps, so that its counts add up
	warnings []lang.Text
	ownFront bool // the file's own front matter was kept
}

func (c *conv) warn(t lang.Text) { c.warnings = append(c.warnings, t) }

// guard runs a third-party parser and turns its panic into a fault.Invalid.
func guard(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = refuse(fault.Invalid, fmt.Errorf("panic: %v", p), lang.T(fmt.Sprintf("the %s file could not be read: it may be damaged, re-save it and upload again", what), fmt.Sprintf("%s 文件无法读取，可能已损坏，请重新保存后上传", what)))
		}
	}()
	return f()
}

// The magic bytes of the formats Convert knows.
var (
	magicPDF = []byte("%PDF-")
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") // .doc, .xls, .ppt
)

// unsupportedExt explains the common types officials may try to upload.
var unsupportedExt = map[string]lang.Text{
	".doc":  lang.T("legacy Word .doc is not supported: open it in Word or WPS and save it as .docx", "不支持旧版 .doc，请另存为 .docx 后上传"),
	".wps":  lang.T("WPS .wps is not supported: save it as .docx", "不支持 .wps，请另存为 .docx 后上传"),
	".xls":  spreadsheet,
	".xlsx": spreadsheet,
	".et":   spreadsheet,
	".ppt":  presentation,
	".pptx": presentation,
	".ofd":  lang.T("OFD files are not supported: export the document as PDF", "不支持 OFD，请导出为 PDF 后上传"),
	".rtf":  lang.T("RTF is not supported: save it as .docx", "不支持 RTF，请另存为 .docx 后上传"),
}

var (
	spreadsheet  = lang.T("spreadsheets are not supported: upload the policy text as .docx, PDF or text", "不支持电子表格，请上传政策正文")
	presentation = lang.T("presentations are not supported: upload the policy text as .docx, PDF or text", "不支持演示文稿，请上传政策正文")
)

// unsupported says that a file's type is not supported (what it is, when
// known, as "the file is binary" / "二进制文件"), and what is.
func unsupported(what lang.Text) lang.Text {
	t := lang.T("this file type is not supported", "不支持该文件类型")
	if !what.IsZero() {
		t = lang.T(t.En+": "+what.En, t.Zh+"（"+what.Zh+"）")
	}
	return lang.T(t.En+": upload Word (.docx), PDF, a web page (.html), text (.txt) or Markdown (.md)", t.Zh+"，请上传 .docx、PDF、网页、.txt 或 .md 文件")
}

// detect returns the input type from the name's extension and the content's
// magic bytes, and a warning when they disagree.
func detect(name string, data []byte, maxZipEntries int) (typ string, warning lang.Text, err error) {
	ext := strings.ToLower(filepath.Ext(name))
	var byExt string
	switch ext {
	case ".md", ".markdown":
		byExt = TypeMarkdown
	case ".txt", ".text":
		byExt = TypeText
	case ".docx":
		byExt = TypeDocx
	case ".pdf":
		byExt = TypePDF
	case ".html", ".htm", ".shtml", ".xhtml":
		byExt = TypeHTML
	case "":
	default:
		if msg, ok := unsupportedExt[ext]; ok {
			return "", lang.Text{}, refuse(fault.Unsupported, nil, msg)
		}
		return "", lang.Text{}, refuse(fault.Unsupported, nil, unsupported(lang.T(strconv.Quote(ext), ext+" 文件")))
	}

	byMagic := sniff(data)
	if byMagic == "binary" || byMagic == "image" {
		// A file named .pdf or .docx that is not one was damaged on the way
		// (a broken download, a truncated copy): say so, not that the type
		// is unsupported.
		switch byExt {
		case TypePDF:
			return "", lang.Text{}, refuse(fault.Invalid, nil, lang.T("the file is named .pdf but is not a valid PDF (no %PDF header): it is damaged, export or download it again", "文件不是有效的 PDF，可能已损坏，请重新导出或下载"))
		case TypeDocx:
			return "", lang.Text{}, refuse(fault.Invalid, nil, lang.T("the file is named .docx but is not a valid Word document: it is damaged, save it again as .docx", "文件不是有效的 .docx，可能已损坏，请重新另存为 .docx"))
		}
	}
	switch byMagic {
	case "zip":
		if !zipHasDocument(data, maxZipEntries) {
			if byExt == TypeDocx {
				return "", lang.Text{}, refuse(fault.Invalid, nil, lang.T("the .docx file has no word/document.xml: it is damaged or not a Word document, re-save it as .docx", ".docx 文件缺少正文，可能已损坏，请重新另存为 .docx"))
			}
			return "", lang.Text{}, refuse(fault.Unsupported, nil, unsupported(lang.T("the file is a zip archive", "压缩包")))
		}
		byMagic = TypeDocx
	case "ole":
		if byExt == TypeDocx {
			// Word saves a password-protected .docx as an OLE container.
			return "", lang.Text{}, refuse(fault.Invalid, nil, lang.T("the .docx file is encrypted (password-protected): remove the password and upload again", ".docx 文件已加密，请取消密码后上传"))
		}
		return "", lang.Text{}, refuse(fault.Unsupported, nil, unsupportedExt[".doc"])
	case "image":
		return "", lang.Text{}, refuse(fault.Unsupported, nil, lang.T("images are not supported and OCR is not available: upload the policy text as .docx, PDF with text, or text", "不支持图片，无法识别文字，请上传文字版"))
	case "binary":
		return "", lang.Text{}, refuse(fault.Unsupported, nil, unsupported(lang.T("the file is binary", "二进制文件")))
	}

	switch {
	case byMagic == TypePDF || byMagic == TypeDocx:
		if byExt != "" && byExt != byMagic {
			return byMagic, lang.T(fmt.Sprintf("the file is named %s but is a %s file: read as %s", ext, byMagic, byMagic),
				fmt.Sprintf("文件扩展名（%s）与内容不符，已按 %s 读取", ext, byMagic)), nil
		}
		return byMagic, lang.Text{}, nil
	case byExt == TypePDF:
		return "", lang.Text{}, refuse(fault.Invalid, nil, lang.T("the file is named .pdf but is not a PDF (no %PDF header): it is damaged, export it again", "文件不是有效的 PDF，请重新导出"))
	case byExt == TypeDocx:
		return "", lang.Text{}, refuse(fault.Invalid, nil, lang.T("the file is named .docx but is not a Word document (not a zip archive): it is damaged, save it again as .docx", "文件不是有效的 .docx，请重新另存为 .docx"))
	case byExt != "":
		return byExt, lang.Text{}, nil
	case byMagic == TypeHTML:
		return TypeHTML, lang.Text{}, nil
	default:
		return TypeText, lang.Text{}, nil
	}
}

// sniff classifies data by its first bytes: TypePDF, "zip", "ole", "image",
// "binary", TypeHTML or "" (text).
func sniff(data []byte) string {
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	switch {
	case bytes.HasPrefix(data, magicZip):
		return "zip"
	case bytes.Contains(head, magicPDF):
		// PDF readers accept the header anywhere in the first KiB.
		return TypePDF
	case bytes.HasPrefix(data, magicOLE):
		return "ole"
	case bytes.HasPrefix(data, []byte("\x89PNG")), bytes.HasPrefix(data, []byte("\xFF\xD8\xFF")),
		bytes.HasPrefix(data, []byte("GIF8")), bytes.HasPrefix(data, []byte("II*\x00")),
		bytes.HasPrefix(data, []byte("MM\x00*")), bytes.HasPrefix(data, []byte("BM")) && len(data) > 14 && bytes.IndexByte(head, 0) >= 0,
		len(data) > 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image"
	case bytes.IndexByte(head, 0) >= 0 && !isUTF16(head):
		// Executables, archives and other binary formats; text never holds NUL.
		return "binary"
	}
	lower := bytes.ToLower(bytes.TrimLeft(head, " \t\r\n\ufeff"))
	lower = bytes.TrimPrefix(lower, []byte("\xef\xbb\xbf"))
	lower = bytes.TrimLeft(lower, " \t\r\n")
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<meta", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!doctype html"} {
		if bytes.HasPrefix(lower, []byte(p)) {
			return TypeHTML
		}
	}
	return ""
}

// isUTF16 reports whether b starts with a UTF-16 byte-order mark (Notepad's
// "Unicode"): NUL bytes are expected there.
func isUTF16(b []byte) bool {
	return bytes.HasPrefix(b, []byte("\xff\xfe")) || bytes.HasPrefix(b, []byte("\xfe\xff"))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
