package ingest

import (
	"bytes"
	"context"
	"io"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// skipTags are elements whose text is never policy text.
var skipTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Nav: true,
	atom.Footer: true, atom.Aside: true, atom.Form: true, atom.Iframe: true, atom.Svg: true,
	atom.Math: true, atom.Canvas: true, atom.Button: true, atom.Select: true, atom.Textarea: true,
	atom.Input: true, atom.Object: true, atom.Embed: true, atom.Head: true, atom.Map: true,
	atom.Audio: true, atom.Video: true, atom.Dialog: true, atom.Menu: true,
}

// blockTags end the current line before and after them.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Blockquote: true, atom.Pre: true, atom.Ul: true, atom.Ol: true,
	atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true, atom.Tbody: true,
	atom.Thead: true, atom.Tfoot: true, atom.Caption: true, atom.Address: true, atom.Figure: true,
	atom.Figcaption: true, atom.Hr: true, atom.Center: true, atom.Fieldset: true, atom.Details: true,
	atom.Summary: true, atom.Body: true, atom.Html: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
}

// boilerRE matches a class or id token of navigation, footers, sharing
// buttons and similar page furniture; tokens are compared part by part
// ("site-footer", "nav_top", "bdshare").
var boilerRE = regexp.MustCompile(`(?i)^(?:.*[-_])?(?:nav|navbar|navigation|menu|menus|breadcrumbs?|crumbs?|footer|foot|share|sharing|bdshare|social|sidebar|side|aside|copyright|toolbar|pager|pagination|related|comments?|login|search|topbar|bottom|banner|ads?|advert|print|dqwz|wzdh|fenxiang|skip)(?:[-_].*)?$`)

// mainRE matches class or id tokens of the main text container on
// government sites ("TRS_Editor", "article-content", "zoom").
var mainRE = regexp.MustCompile(`(?i)^(?:.*[-_])?(?:content|article|main|zoom|trs_editor|detail|zwnr|wznr|text)(?:[-_].*)?$`)

var htmlSpaceRE = regexp.MustCompile(`[ \t\n\r\f]+`)

// maxHTMLDepth bounds the recursive walks of the element tree. The HTML
// parser already refuses pages nested over 512 deep; this keeps the walks
// safe should that change.
const maxHTMLDepth = 1000

// html converts a web page: the main text (the largest <main>, <article>
// or content container, else <body>), without scripts, navigation, headers
// and footers, forms, hidden elements and page furniture named by class or
// id; block elements become lines and table rows one line each.
func (c *conv) html(ctx context.Context, data []byte, meta policies.Meta) ([]byte, error) {
	var blocks []block
	err := guard("HTML", func() error {
		r := io.Reader(bytes.NewReader(data))
		switch enc, name, certain := charset.DetermineEncoding(data, ""); {
		case certain && name != "utf-8":
			r = enc.NewDecoder().Reader(r)
		case !certain && !utf8.Valid(data):
			// Chinese sites that declare no charset are GBK.
			r = simplifiedchinese.GB18030.NewDecoder().Reader(r)
			c.warn(lang.T("the page declares no character set and is not UTF-8: read as GB18030/GBK", "网页未声明编码，已按 GBK 读取"))
		}
		doc, err := html.Parse(r)
		if err != nil {
			return refuse(fault.Invalid, err, lang.T("the web page cannot be read: save it again as HTML", "网页无法读取，请重新保存"))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		w := &htmlWalker{ctx: ctx}
		root := mainContent(doc, w)
		w.walk(root, 0, false)
		if w.err != nil {
			return w.err
		}
		w.flush()
		blocks = w.blocks
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(blocks) == 0 {
		return nil, refuse(fault.Invalid, nil, lang.T("the web page has no main text", "网页没有正文"))
	}
	return c.render(meta, blocks), nil
}

func attrOf(n *html.Node, key string) string {
	v, _ := attrKey(n, key)
	return v
}

// boilerplate reports whether element n is page furniture or hidden.
func boilerplate(n *html.Node) bool {
	if skipTags[n.DataAtom] {
		return true
	}
	if n.DataAtom == atom.Header {
		// A page header is furniture; an article's header holds its title.
		for p := n.Parent; p != nil; p = p.Parent {
			if p.DataAtom == atom.Article || p.DataAtom == atom.Main {
				return false
			}
		}
		return true
	}
	if _, hidden := attrKey(n, "hidden"); hidden || strings.EqualFold(attrOf(n, "aria-hidden"), "true") {
		return true
	}
	style := strings.ToLower(strings.ReplaceAll(attrOf(n, "style"), " ", ""))
	if strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden") {
		return true
	}
	switch strings.ToLower(attrOf(n, "role")) {
	case "navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar":
		return true
	}
	for _, tok := range strings.Fields(attrOf(n, "class") + " " + attrOf(n, "id")) {
		if boilerRE.MatchString(tok) {
			return true
		}
	}
	return false
}

func attrKey(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// mainContent picks the element holding the page's text: the <main>,
// <article>, role=main or content-classed element with the most text, when
// it holds at least a quarter of the body's text; else <body>.
func mainContent(doc *html.Node, w *htmlWalker) *html.Node {
	var bodyNode *html.Node
	var cands []*html.Node
	var find func(n *html.Node, depth int)
	find = func(n *html.Node, depth int) {
		if depth > maxHTMLDepth {
			return
		}
		if n.Type == html.ElementNode {
			if boilerplate(n) {
				return
			}
			switch {
			case n.DataAtom == atom.Body:
				bodyNode = n
			case n.DataAtom == atom.Main, n.DataAtom == atom.Article, strings.EqualFold(attrOf(n, "role"), "main"):
				cands = append(cands, n)
			default:
				for _, tok := range strings.Fields(attrOf(n, "class") + " " + attrOf(n, "id")) {
					if mainRE.MatchString(tok) {
						cands = append(cands, n)
						break
					}
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			find(ch, depth+1)
		}
	}
	find(doc, 0)
	if bodyNode == nil {
		bodyNode = doc
	}
	total := textLen(bodyNode, 0)
	var best *html.Node
	bestLen := 0
	for _, n := range cands {
		if l := textLen(n, 0); l > bestLen {
			best, bestLen = n, l
		}
	}
	if best != nil && bestLen*4 >= total {
		return best
	}
	return bodyNode
}

// textLen counts the non-space bytes of text under n, outside boilerplate.
func textLen(n *html.Node, depth int) int {
	if depth > maxHTMLDepth {
		return 0
	}
	switch n.Type {
	case html.TextNode:
		return len(n.Data) - strings.Count(n.Data, " ") - strings.Count(n.Data, "\n")
	case html.ElementNode:
		if boilerplate(n) {
			return 0
		}
	}
	l := 0
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		l += textLen(ch, depth+1)
	}
	return l
}

// htmlWalker turns an element tree into lines.
type htmlWalker struct {
	ctx    context.Context
	blocks []block
	cur    strings.Builder
	kind   blockKind
	steps  int
	err    error
	cells  *[]string // when set, lines go to the current table cell
}

func (w *htmlWalker) flush() {
	s := strings.TrimSpace(w.cur.String())
	w.cur.Reset()
	kind := w.kind
	w.kind = body
	if s == "" {
		return
	}
	if w.cells != nil {
		*w.cells = append(*w.cells, strings.ReplaceAll(s, "\n", " "))
		return
	}
	w.blocks = append(w.blocks, block{text: s, kind: kind})
}

func (w *htmlWalker) walk(n *html.Node, depth int, pre bool) {
	if w.err != nil {
		return
	}
	if w.steps++; w.steps%4096 == 0 {
		if err := w.ctx.Err(); err != nil {
			w.err = err
			return
		}
	}
	if depth > maxHTMLDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		s := n.Data
		if !pre {
			// HTML collapses a run of white space, source line breaks
			// included, into one space.
			s = htmlSpaceRE.ReplaceAllString(s, " ")
		}
		w.cur.WriteString(s)
		return
	case html.ElementNode:
		if boilerplate(n) && n.DataAtom != atom.Body && n.DataAtom != atom.Html {
			return
		}
	case html.DocumentNode:
	default:
		return
	}
	switch n.DataAtom {
	case atom.Br:
		w.flush()
		return
	case atom.Tr:
		w.flush()
		w.row(n, depth)
		return
	case atom.Td, atom.Th:
		w.cur.WriteByte(' ')
	case atom.Img:
		return
	}
	block := blockTags[n.DataAtom]
	if block {
		w.flush()
	}
	switch n.DataAtom {
	case atom.H1:
		w.kind = heading
		if len(w.blocks) == 0 {
			w.kind = titled
		}
	case atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.kind = heading
	case atom.Pre:
		pre = true
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		w.walk(ch, depth+1, pre)
	}
	if block {
		w.flush()
	}
}

// row writes a table row as one line, its cells joined by " | ".
func (w *htmlWalker) row(tr *html.Node, depth int) {
	outer := w.cells
	var cells []string
	for td := tr.FirstChild; td != nil; td = td.NextSibling {
		if td.Type != html.ElementNode || boilerplate(td) {
			continue
		}
		var parts []string
		w.cells = &parts
		w.walk(td, depth+1, false)
		w.flush()
		if s := strings.TrimSpace(strings.Join(parts, " ")); s != "" {
			cells = append(cells, s)
		}
	}
	w.cells = outer
	if len(cells) > 0 {
		w.cur.WriteString(strings.Join(cells, " | "))
		w.flush()
	}
}
