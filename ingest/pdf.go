package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// pdfWorkers is how many PDFs are read at once: one per core of the 2-core
// machine, further uploads wait for a worker.
const pdfWorkers = 2

// pdfMemoryPages caps the memory of one PDFium instance (64 KiB pages: 1 GiB).
const pdfMemoryPages = 16384

// pdfStart is one attempt to start the PDF engine.
type pdfStart struct {
	done chan struct{}
	pool pdfium.Pool
	err  error
	took time.Duration
}

// pdfEngine is the process's PDFium WebAssembly runtime. Compiling the
// module takes seconds and holds tens of MB, so it is done once per process,
// on the first PDF or by WarmUp (which `policybot serve` calls in the
// background at start when /admin is on), and shared by every conversion;
// a failed start is retried by the next call.
var pdfEngine struct {
	mu  sync.Mutex
	cur *pdfStart
}

// WarmUp starts the PDF engine, if it is not running yet, and waits until it
// is ready or ctx ends; only opts.PDFCacheDir is used. Convert starts the
// engine on the first PDF anyway; a server may call WarmUp in a goroutine
// after it starts serving so that the first upload does not wait. It
// returns the engine's start-up error, if any.
func WarmUp(ctx context.Context, opts Options) error {
	_, err := pdfPool(ctx, opts.PDFCacheDir)
	return err
}

// pdfPool returns the running engine, starting it when needed.
func pdfPool(ctx context.Context, cacheDir string) (pdfium.Pool, error) {
	pdfEngine.mu.Lock()
	s := pdfEngine.cur
	if s == nil {
		s = &pdfStart{done: make(chan struct{})}
		pdfEngine.cur = s
		go func() {
			start := time.Now()
			s.pool, s.err = startPDFium(cacheDir)
			s.took = time.Since(start)
			if s.err != nil {
				pdfEngine.mu.Lock()
				pdfEngine.cur = nil
				pdfEngine.mu.Unlock()
			}
			close(s.done)
		}()
	}
	pdfEngine.mu.Unlock()
	select {
	case <-s.done:
		if s.err != nil {
			return nil, fmt.Errorf("start PDF engine: %w", s.err)
		}
		return s.pool, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// pdfStartTime is how long the engine took to start, or 0 before it has.
func pdfStartTime() time.Duration {
	pdfEngine.mu.Lock()
	s := pdfEngine.cur
	pdfEngine.mu.Unlock()
	if s == nil {
		return 0
	}
	select {
	case <-s.done:
		return s.took
	default:
		return 0
	}
}

func startPDFium(cacheDir string) (pool pdfium.Pool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		// A timed-out extraction is stopped by cancelling its worker.
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(pdfMemoryPages)
	if cacheDir != "" {
		if cache, err := wazero.NewCompilationCacheWithDir(cacheDir); err == nil {
			rc = rc.WithCompilationCache(cache)
		}
	}
	return webassembly.Init(webassembly.Config{
		Context:  context.Background(), // the pool lives as long as the process
		MinIdle:  1,
		MaxIdle:  pdfWorkers,
		MaxTotal: pdfWorkers,
		// PDFium reads the document from memory: no file system at all.
		FSConfig:      wazero.NewFSConfig(),
		RuntimeConfig: rc,
		Stdout:        io.Discard,
		Stderr:        io.Discard,
		ReuseWorkers:  true,
	})
}

// errPDFTimeout is the cause of the context that bounds one PDF.
var errPDFTimeout = errors.New("PDF extraction timed out")

// pdf converts a PDF with a text layer: the text of each page, without page
// numbers and running headers and footers, hard-wrapped lines joined into
// paragraphs.
func (c *conv) pdf(ctx context.Context, data []byte, meta policies.Meta) ([]byte, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.opts.PDFTimeout, errPDFTimeout)
	defer cancel()
	pages, err := c.pdfPages(ctx, data)
	if err != nil {
		if context.Cause(ctx) == errPDFTimeout {
			return nil, refuse(fault.TooLarge, err, lang.T(fmt.Sprintf("reading the PDF took longer than %s: it is too large or too complex, split it", c.opts.PDFTimeout), "PDF 解析超时，文件过大或过于复杂，请拆分"))
		}
		return nil, err
	}
	var empty []string
	chars := 0
	for i, p := range pages {
		n := len(strings.Join(strings.Fields(p), ""))
		if n == 0 {
			empty = append(empty, fmt.Sprint(i+1))
		}
		chars += n
	}
	if chars == 0 {
		return nil, refuse(fault.Unsupported, nil, lang.T("no text layer; OCR is not supported: the PDF is a scan or an image, upload the Word or text version", "扫描件无文字层，不支持文字识别，请上传 Word 或文字版"))
	}
	if len(empty) > 0 {
		if len(empty) > 10 {
			empty = append(empty[:10], "…")
		}
		c.warn(lang.T(fmt.Sprintf("pages without text: %s (scanned?); their content is missing", strings.Join(empty, ", ")), fmt.Sprintf("第 %s 页无文字层，可能为扫描页，内容缺失", strings.Join(empty, "、"))))
	}
	lines := make([][]string, len(pages))
	for i, p := range pages {
		p = strings.ReplaceAll(p, "\r\n", "\n")
		for _, l := range strings.Split(strings.ReplaceAll(p, "\r", "\n"), "\n") {
			if l = c.clean.line(l); l != "" {
				lines[i] = append(lines[i], l)
			}
		}
	}
	kept, dropped := stripFurniture(lines)
	if len(dropped) > 0 {
		c.warn(lang.T(fmt.Sprintf("dropped running headers or footers repeated on the pages: %q", dropped), fmt.Sprintf("已删除各页重复的页眉页脚：%s", strings.Join(dropped, "；"))))
	}
	var all []string
	for _, p := range kept {
		all = append(all, p...)
	}
	var blocks []block
	for _, p := range joinWrapped(all) {
		blocks = append(blocks, block{text: p})
	}
	return c.render(meta, blocks), nil
}

// pdfPages returns the text of every page, as PDFium lays it out (lines
// separated by "\r\n").
func (c *conv) pdfPages(ctx context.Context, data []byte) ([]string, error) {
	pool, err := pdfPool(ctx, c.opts.PDFCacheDir)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, refuse(fault.Invalid, err, lang.T("the PDF reader could not start; try again later", "PDF 解析组件无法启动，请稍后再试"))
	}
	inst, err := pool.GetInstanceWithContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, refuse(fault.Invalid, err, lang.T("the PDF reader is not available; try again later", "PDF 解析组件不可用，请稍后再试"))
	}
	type result struct {
		pages    []string
		err      error
		panicked bool
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{panicked: true, err: refuse(fault.Invalid, fmt.Errorf("panic: %v", p), lang.T("the PDF file could not be read: it may be damaged, export it again", "PDF 文件无法读取，可能已损坏，请重新导出"))}
			}
			done <- r
		}()
		r.pages, r.err = c.readPDF(ctx, inst, data)
	}()
	select {
	case r := <-done:
		if r.panicked {
			// A panic may leave PDFium in any state: do not reuse the worker.
			inst.Kill()
		} else {
			inst.Close()
		}
		return r.pages, r.err
	case <-ctx.Done():
		// Kill cancels the worker's context, which stops the WebAssembly
		// code mid-call; the goroutine then returns with an error.
		inst.Kill()
		return nil, ctx.Err()
	}
}

// readPDF extracts the page texts with one PDFium instance.
func (c *conv) readPDF(ctx context.Context, inst pdfium.Pdfium, data []byte) ([]string, error) {
	doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	switch {
	case errors.Is(err, pdfiumerrors.ErrPassword):
		return nil, refuse(fault.Invalid, err, lang.T("PDF is encrypted", "PDF 文件已加密，请上传未加密的版本"))
	case errors.Is(err, pdfiumerrors.ErrSecurity):
		return nil, refuse(fault.Invalid, err, lang.T("PDF is encrypted with an unsupported method", "PDF 文件加密方式不受支持，请上传未加密的版本"))
	case err != nil:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, refuse(fault.Invalid, err, lang.T("the PDF is damaged and cannot be read: export it again", "PDF 文件已损坏，无法读取，请重新导出"))
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return nil, refuse(fault.Invalid, err, lang.T("the PDF is damaged (its pages cannot be counted): export it again", "PDF 文件已损坏，请重新导出"))
	}
	if count.PageCount > c.opts.MaxPages {
		return nil, refuse(fault.TooLarge, nil, lang.T(fmt.Sprintf("the PDF has %d pages, over the limit of %d: split it", count.PageCount, c.opts.MaxPages), fmt.Sprintf("PDF 页数过多（%d 页，上限 %d 页），请拆分", count.PageCount, c.opts.MaxPages)))
	}
	pages := make([]string, count.PageCount)
	for i := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		text, err := pageText(inst, doc.Document, i)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, refuse(fault.Invalid, err, lang.T(fmt.Sprintf("page %d of the PDF cannot be read: export the PDF again", i+1), fmt.Sprintf("PDF 第 %d 页无法读取，请重新导出", i+1)))
		}
		pages[i] = text
	}
	return pages, nil
}

func pageText(inst pdfium.Pdfium, doc references.FPDF_DOCUMENT, i int) (string, error) {
	page, err := inst.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: doc, Index: i})
	if err != nil {
		return "", err
	}
	defer inst.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: page.Page})
	tp, err := inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: requests.Page{ByReference: &page.Page}})
	if err != nil {
		return "", err
	}
	defer inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage})
	n, err := inst.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
	if err != nil || n.Count <= 0 {
		return "", err
	}
	t, err := inst.FPDFText_GetText(&requests.FPDFText_GetText{TextPage: tp.TextPage, StartIndex: 0, Count: n.Count})
	if err != nil {
		return "", err
	}
	return t.Text, nil
}

// pageNumRE matches a page number line: "3", "- 3 -", "— 3 —", "第 3 页",
// "第3页 共10页", "3/10", "Page 3 of 10", "－ 三 －".
var pageNumRE = regexp.MustCompile(`^(?:[-—–－~·•\s]*\d{1,4}[-—–－~·•\s]*|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}|(?i:page)\s*\d{1,4}(?:\s*(?i:of)\s*\d{1,4})?|[-—–－]\s*[一二三四五六七八九十]+\s*[-—–－])$`)

var digitsRE = regexp.MustCompile(`\d+`)

// edge is how many lines at the top and at the bottom of a page may be
// running headers, footers or page numbers.
const edge = 2

// stripFurniture drops page numbers and running headers and footers: page
// numbers at the top or bottom of a page, and lines that recur (digits aside)
// at the top or bottom of at least half the pages, two at least. It returns
// the remaining lines and the distinct header and footer texts dropped.
func stripFurniture(pages [][]string) ([][]string, []string) {
	key := func(s string) string { return digitsRE.ReplaceAllString(s, "#") }
	isEdge := func(p []string, j int) bool { return j < edge || j >= len(p)-edge }
	seen := map[string]int{}
	for _, p := range pages {
		once := map[string]bool{}
		for j, l := range p {
			if isEdge(p, j) && !once[key(l)] {
				once[key(l)] = true
				seen[key(l)]++
			}
		}
	}
	need := max(2, (len(pages)+1)/2)
	var dropped []string
	reported := map[string]bool{}
	out := make([][]string, len(pages))
	for i, p := range pages {
		for j, l := range p {
			if isEdge(p, j) {
				if pageNumRE.MatchString(l) {
					continue
				}
				if k := key(l); seen[k] >= need {
					if !reported[k] {
						reported[k] = true
						dropped = append(dropped, l)
					}
					continue
				}
			}
			out[i] = append(out[i], l)
		}
	}
	return out, dropped
}
