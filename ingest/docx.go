package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"policybot/policies"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"strconv"
	"strings"
)

// docxParts are the parts of a Word archive that are read. Headers, footers,
// footnotes and comments are left out on purpose: running headers are not
// policy text.
const (
	partDocument  = "word/document.xml"
	partStyles    = "word/styles.xml"
	partNumbering = "word/numbering.xml"
)

// zipEntries returns the entry count the end-of-central-directory record of
// data claims, before archive/zip allocates anything for them, or -1 when
// there is no such record (archive/zip then reports the damage).
func zipEntries(data []byte) int {
	const eocdLen = 22
	start := max(0, len(data)-(eocdLen+0xFFFF))
	i := bytes.LastIndex(data[start:], []byte("PK\x05\x06"))
	if i < 0 || start+i+eocdLen > len(data) {
		return -1
	}
	n := int(binary.LittleEndian.Uint16(data[start+i+10:]))
	if n == 0xFFFF {
		// Zip64: the real count is elsewhere; a Word file never needs it.
		return 1 << 30
	}
	return n
}

// openZip opens a .docx archive within the entry limit.
func (c *conv) openZip(data []byte) (*zip.Reader, error) {
	if n := zipEntries(data); n > c.opts.MaxZipEntries {
		return nil, refuse(fault.TooLarge, nil, lang.T(fmt.Sprintf("the .docx archive has %d entries, over the limit of %d: it is not a normal Word file", n, c.opts.MaxZipEntries),
			fmt.Sprintf(".docx 文件结构异常，条目过多（%d 个，上限 %d 个）", n, c.opts.MaxZipEntries)))
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, refuse(fault.Invalid, err, lang.T("the .docx file is damaged (not a readable zip archive): save it again as .docx", ".docx 文件已损坏，请重新保存"))
	}
	if len(zr.File) > c.opts.MaxZipEntries {
		return nil, refuse(fault.TooLarge, nil, lang.T(fmt.Sprintf("the .docx archive has %d entries, over the limit of %d: it is not a normal Word file", len(zr.File), c.opts.MaxZipEntries),
			fmt.Sprintf(".docx 文件结构异常，条目过多（%d 个，上限 %d 个）", len(zr.File), c.opts.MaxZipEntries)))
	}
	return zr, nil
}

// zipHasDocument reports whether data is a zip archive with a Word document
// part.
func zipHasDocument(data []byte, maxEntries int) bool {
	if n := zipEntries(data); n > maxEntries {
		// Let the docx reader report the size.
		return true
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if f.Name == partDocument {
			return true
		}
	}
	return false
}

// zipBudget reads archive parts within a total uncompressed budget, never
// trusting the sizes the headers claim.
type zipBudget struct {
	zr   *zip.Reader
	left int64
	max  int64
}

// read returns the part name, or nil when the archive has none.
func (z *zipBudget) read(name string) ([]byte, error) {
	for _, f := range z.zr.File {
		if f.Name != name {
			continue
		}
		if f.Flags&0x1 != 0 {
			return nil, refuse(fault.Invalid, nil, lang.T("the .docx file is encrypted: remove the password and upload again", ".docx 文件已加密，请取消密码后上传"))
		}
		rc, err := f.Open()
		if err != nil {
			return nil, refuse(fault.Invalid, err, lang.T(fmt.Sprintf("the .docx file is damaged (%s cannot be read): save it again as .docx", name), ".docx 文件已损坏，请重新保存"))
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, z.left+1))
		if int64(len(b)) > z.left {
			return nil, refuse(fault.TooLarge, nil, lang.T(fmt.Sprintf("the .docx file unpacks to more than %s: it is not a normal Word file (zip bomb?)", humanBytes(z.max)), ".docx 解压后过大，文件异常"))
		}
		if err != nil {
			return nil, refuse(fault.Invalid, err, lang.T(fmt.Sprintf("the .docx file is damaged (%s cannot be read): save it again as .docx", name), ".docx 文件已损坏，请重新保存"))
		}
		z.left -= int64(len(b))
		return b, nil
	}
	return nil, nil
}

// docx converts a Word document: the paragraphs of word/document.xml, with
// the numbers Word generates (第%1条 lists) written out, table rows as one
// line each (cells joined by " | "), and headings by style.
func (c *conv) docx(ctx context.Context, data []byte, meta policies.Meta) ([]byte, error) {
	var blocks []block
	err := guard("Word", func() error {
		zr, err := c.openZip(data)
		if err != nil {
			return err
		}
		z := &zipBudget{zr: zr, left: c.opts.MaxUncompressedBytes, max: c.opts.MaxUncompressedBytes}
		doc, err := z.read(partDocument)
		if err != nil {
			return err
		}
		if doc == nil {
			return refuse(fault.Invalid, nil, lang.T("the .docx file has no word/document.xml: it is damaged or not a Word document, save it again as .docx", ".docx 文件缺少正文，可能已损坏，请重新保存"))
		}
		d := &docxReader{ctx: ctx, styles: map[string]*docxStyle{}, nums: map[string]*docxNum{}, abstract: map[string]*docxAbstract{}, counters: map[string][]int{}}
		// Styles and numbering only refine the output: a damaged one is a
		// warning, not a failure.
		if b, err := z.read(partStyles); err != nil {
			return err
		} else if b != nil {
			if err := d.readStyles(b); err != nil {
				c.warn(lang.T(fmt.Sprintf("the Word styles could not be read, headings may be missed: %v", err), "样式表无法读取，标题可能未识别"))
			}
		}
		if b, err := z.read(partNumbering); err != nil {
			return err
		} else if b != nil {
			if err := d.readNumbering(b); err != nil {
				c.warn(lang.T(fmt.Sprintf("the Word list numbering could not be read, automatic numbers (第X条) may be missing: %v", err), "自动编号无法读取，条号可能缺失"))
			}
		}
		if err := d.readDocument(doc); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return refuse(fault.Invalid, err, lang.T("the .docx file is damaged (its text cannot be read): save it again as .docx", ".docx 文件已损坏，请重新保存"))
		}
		if d.hidden > 0 {
			c.warn(lang.T(fmt.Sprintf("skipped %d runs of hidden text", d.hidden), fmt.Sprintf("已跳过 %d 处隐藏文字", d.hidden)))
		}
		blocks = d.blocks
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(blocks) == 0 {
		return nil, refuse(fault.Invalid, nil, lang.T("the Word document has no text", "Word 文档没有文字"))
	}
	return c.render(meta, blocks), nil
}

type docxStyle struct {
	name, basedOn    string
	outline          int // -1 when unset
	numID, numILevel string
}

type docxLevel struct {
	start        int
	format, text string
	suffix       string // "tab", "space" or "nothing"
}

type docxAbstract struct {
	levels map[int]*docxLevel
}

type docxNum struct {
	abstract  string
	overrides map[int]int // ilvl → start
	used      bool
}

// docxReader holds what document.xml is interpreted with.
type docxReader struct {
	ctx      context.Context
	styles   map[string]*docxStyle
	abstract map[string]*docxAbstract
	nums     map[string]*docxNum
	counters map[string][]int // abstractNumId → current value per level (0 unset)
	blocks   []block
	hidden   int
}

// Namespaces of WordprocessingML (transitional and strict).
func isW(n xml.Name) bool {
	return n.Space == "http://schemas.openxmlformats.org/wordprocessingml/2006/main" ||
		n.Space == "http://purl.oclc.org/ooxml/wordprocessingml/main"
}

func attr(se xml.StartElement, local string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == local && (isW(a.Name) || a.Name.Space == "") {
			return a.Value, true
		}
	}
	return "", false
}

func atoi(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

// tokens walks the XML tokens of b, checking ctx now and then.
func tokens(ctx context.Context, b []byte, f func(xml.Token) error) error {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		t, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := f(t); err != nil {
			return err
		}
	}
}

func (d *docxReader) readStyles(b []byte) error {
	var cur *docxStyle
	return tokens(d.ctx, b, func(t xml.Token) error {
		se, ok := t.(xml.StartElement)
		if !ok || !isW(se.Name) {
			if ee, ok := t.(xml.EndElement); ok && isW(ee.Name) && ee.Name.Local == "style" {
				cur = nil
			}
			return nil
		}
		switch se.Name.Local {
		case "style":
			id, _ := attr(se, "styleId")
			cur = &docxStyle{outline: -1}
			d.styles[id] = cur
		case "name", "basedOn", "outlineLvl", "numId", "ilvl":
			if cur == nil {
				return nil
			}
			v, _ := attr(se, "val")
			switch se.Name.Local {
			case "name":
				cur.name = strings.ToLower(v)
			case "basedOn":
				cur.basedOn = v
			case "outlineLvl":
				cur.outline = atoi(v, -1)
			case "numId":
				cur.numID = v
			case "ilvl":
				cur.numILevel = v
			}
		}
		return nil
	})
}

// style resolves a paragraph style through basedOn: its kind, and the
// numbering it carries.
func (d *docxReader) style(id string) (kind blockKind, numID string, ilvl int) {
	kind, ilvl = body, 0
	seen := map[string]bool{}
	outline := -1
	for id != "" && !seen[id] {
		seen[id] = true
		s := d.styles[id]
		if s == nil {
			break
		}
		if kind == body {
			switch {
			case s.name == "title" || s.name == "标题":
				kind = titled
			case strings.HasPrefix(s.name, "heading") || strings.HasPrefix(s.name, "标题"):
				kind = heading
			}
		}
		if outline < 0 {
			outline = s.outline
		}
		if numID == "" && s.numID != "" {
			numID, ilvl = s.numID, atoi(s.numILevel, 0)
		}
		id = s.basedOn
	}
	if kind == body && outline >= 0 && outline < 9 {
		kind = heading
	}
	return kind, numID, ilvl
}

func (d *docxReader) readNumbering(b []byte) error {
	var abs *docxAbstract
	var lvl *docxLevel
	var num *docxNum
	overrideLevel := -1
	return tokens(d.ctx, b, func(t xml.Token) error {
		switch t := t.(type) {
		case xml.EndElement:
			if !isW(t.Name) {
				return nil
			}
			switch t.Name.Local {
			case "abstractNum":
				abs = nil
			case "lvl":
				lvl = nil
			case "num":
				num = nil
			case "lvlOverride":
				overrideLevel = -1
			}
		case xml.StartElement:
			if !isW(t.Name) {
				return nil
			}
			v, _ := attr(t, "val")
			switch t.Name.Local {
			case "abstractNum":
				id, _ := attr(t, "abstractNumId")
				abs = &docxAbstract{levels: map[int]*docxLevel{}}
				d.abstract[id] = abs
			case "lvl":
				il, _ := attr(t, "ilvl")
				lvl = &docxLevel{start: 1, format: "decimal", suffix: "tab"}
				if abs != nil && overrideLevel < 0 {
					abs.levels[atoi(il, 0)] = lvl
				}
			case "start":
				if lvl != nil {
					lvl.start = atoi(v, 1)
				}
			case "numFmt":
				if lvl != nil {
					lvl.format = v
				}
			case "lvlText":
				if lvl != nil {
					lvl.text = v
				}
			case "suff":
				if lvl != nil {
					lvl.suffix = v
				}
			case "num":
				id, _ := attr(t, "numId")
				num = &docxNum{overrides: map[int]int{}}
				d.nums[id] = num
			case "abstractNumId":
				if num != nil {
					num.abstract = v
				}
			case "lvlOverride":
				il, _ := attr(t, "ilvl")
				overrideLevel = atoi(il, 0)
			case "startOverride":
				if num != nil && overrideLevel >= 0 {
					num.overrides[overrideLevel] = atoi(v, 1)
				}
			}
		}
		return nil
	})
}

// number advances the list counter of (numID, ilvl) and returns the label
// Word would show ("第三条 "), or "" for bullets and unknown lists.
func (d *docxReader) number(numID string, ilvl int) string {
	num := d.nums[numID]
	if num == nil || ilvl < 0 || ilvl > 8 {
		return ""
	}
	abs := d.abstract[num.abstract]
	if abs == nil || abs.levels[ilvl] == nil {
		return ""
	}
	cs := d.counters[num.abstract]
	if cs == nil {
		cs = make([]int, 9)
		d.counters[num.abstract] = cs
	}
	if !num.used {
		// A list instance with a start override restarts the shared counters.
		num.used = true
		for l, v := range num.overrides {
			if l >= 0 && l < 9 {
				cs[l] = v - 1
				if abs.levels[l] == nil {
					continue
				}
				for k := l + 1; k < 9; k++ {
					cs[k] = 0
				}
			}
		}
	}
	lv := abs.levels[ilvl]
	if cs[ilvl] == 0 && lv.start != 1 {
		cs[ilvl] = lv.start - 1
	}
	cs[ilvl]++
	for k := ilvl + 1; k < 9; k++ {
		cs[k] = 0
	}
	if lv.format == "bullet" || lv.format == "none" && !strings.Contains(lv.text, "%") {
		return ""
	}
	var b strings.Builder
	text := lv.text
	for i := 0; i < len(text); i++ {
		if text[i] == '%' && i+1 < len(text) && text[i+1] >= '1' && text[i+1] <= '9' {
			k := int(text[i+1] - '1')
			v, f := cs[k], "decimal"
			if v == 0 {
				v = 1
				if l := abs.levels[k]; l != nil {
					v = l.start
				}
			}
			if l := abs.levels[k]; l != nil {
				f = l.format
			}
			b.WriteString(formatNumber(v, f))
			i++
			continue
		}
		b.WriteByte(text[i])
	}
	if b.Len() == 0 {
		return ""
	}
	if lv.suffix != "nothing" {
		b.WriteByte(' ')
	}
	return b.String()
}

// docxPara is a paragraph being read.
type docxPara struct {
	text    strings.Builder
	style   string
	numID   string
	ilvl    int
	hasNum  bool
	outline int
	inRun   bool
	hidden  bool
}

// docxTable is a table being read: its rows become lines.
type docxTable struct {
	cells  []string
	cell   strings.Builder
	inCell bool
}

func (d *docxReader) readDocument(b []byte) error {
	var paras []*docxPara
	var tables []*docxTable
	var path []string // local names of the open elements
	skip := 0         // depth inside a skipped subtree, 0 when not skipping
	emit := func(s string, kind blockKind) {
		if len(tables) > 0 && tables[len(tables)-1].inCell {
			t := tables[len(tables)-1]
			if t.cell.Len() > 0 {
				t.cell.WriteByte(' ')
			}
			t.cell.WriteString(strings.ReplaceAll(s, "\n", " "))
			return
		}
		d.blocks = append(d.blocks, block{text: s, kind: kind})
	}
	parent := func(n int) string {
		if len(path) > n {
			return path[len(path)-1-n]
		}
		return ""
	}
	return tokens(d.ctx, b, func(t xml.Token) error {
		switch t := t.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				return nil
			}
			local := t.Name.Local
			if t.Name.Local == "Fallback" || isW(t.Name) && (local == "del" || local == "moveFrom" || local == "pPrChange" || local == "rPrChange" || local == "instrText" || local == "delText") {
				// Fallback repeats the Choice content of mc:AlternateContent
				// (text boxes); deletions and old formatting are not the text.
				skip = 1
				return nil
			}
			if !isW(t.Name) {
				path = append(path, "")
				return nil
			}
			path = append(path, local)
			var p *docxPara
			if len(paras) > 0 {
				p = paras[len(paras)-1]
			}
			v, _ := attr(t, "val")
			switch local {
			case "p":
				paras = append(paras, &docxPara{outline: -1})
			case "tbl":
				tables = append(tables, &docxTable{})
			case "tr":
				if len(tables) > 0 {
					tables[len(tables)-1].cells = nil
				}
			case "tc":
				if len(tables) > 0 {
					tb := tables[len(tables)-1]
					tb.inCell = true
					tb.cell.Reset()
				}
			case "r":
				if p != nil {
					p.inRun, p.hidden = true, false
				}
			case "vanish":
				if p != nil && p.inRun && parent(1) == "rPr" && v != "0" && v != "false" && v != "off" {
					p.hidden = true
				}
			case "pStyle":
				if p != nil && parent(1) == "pPr" {
					p.style = v
				}
			case "outlineLvl":
				if p != nil && parent(1) == "pPr" {
					p.outline = atoi(v, -1)
				}
			case "numId":
				if p != nil && parent(1) == "numPr" {
					p.numID, p.hasNum = v, true
				}
			case "ilvl":
				if p != nil && parent(1) == "numPr" {
					p.ilvl = atoi(v, 0)
				}
			case "tab", "ptab":
				if p != nil && p.inRun && !p.hidden {
					p.text.WriteByte(' ')
				}
			case "br", "cr":
				if typ, _ := attr(t, "type"); p != nil && p.inRun && !p.hidden && typ != "page" && typ != "column" {
					p.text.WriteByte('\n')
				}
			case "noBreakHyphen":
				if p != nil && p.inRun && !p.hidden {
					p.text.WriteByte('-')
				}
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				return nil
			}
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
			if !isW(t.Name) {
				return nil
			}
			switch t.Name.Local {
			case "r":
				if len(paras) > 0 {
					p := paras[len(paras)-1]
					if p.hidden {
						d.hidden++
					}
					p.inRun, p.hidden = false, false
				}
			case "p":
				if len(paras) == 0 {
					return nil
				}
				p := paras[len(paras)-1]
				paras = paras[:len(paras)-1]
				kind, numID, ilvl := d.style(p.style)
				if p.hasNum {
					numID, ilvl = p.numID, p.ilvl
				}
				if kind == body && p.outline >= 0 && p.outline < 9 {
					kind = heading
				}
				text := p.text.String()
				if strings.TrimSpace(text) == "" {
					// Word numbers empty paragraphs too, but shows no label.
					return nil
				}
				if numID != "" && numID != "0" {
					text = d.number(numID, ilvl) + text
				}
				emit(text, kind)
			case "tc":
				if len(tables) > 0 {
					tb := tables[len(tables)-1]
					if s := strings.TrimSpace(tb.cell.String()); s != "" {
						tb.cells = append(tb.cells, s)
					}
					tb.inCell = false
				}
			case "tr":
				if len(tables) > 0 {
					tb := tables[len(tables)-1]
					if row := strings.Join(tb.cells, " | "); row != "" {
						tables = tables[:len(tables)-1]
						emit(row, body)
						tables = append(tables, tb)
					}
					tb.cells = nil
				}
			case "tbl":
				if len(tables) > 0 {
					tables = tables[:len(tables)-1]
				}
			}
		case xml.CharData:
			if skip > 0 || len(path) == 0 || path[len(path)-1] != "t" || len(paras) == 0 {
				return nil
			}
			p := paras[len(paras)-1]
			if p.hidden {
				return nil
			}
			p.text.Write(t)
		}
		return nil
	})
}

var (
	cnDigits = []string{"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	cnLegal  = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	cnStems  = []string{"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"}
)

// formatNumber writes n in a Word list number format.
func formatNumber(n int, format string) string {
	switch format {
	case "chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting", "taiwaneseCountingThousand", "ideographLegalTraditional":
		return chineseNumber(n, cnDigits, []string{"", "十", "百", "千"}, "零")
	case "chineseLegalSimplified":
		return chineseNumber(n, cnLegal, []string{"", "拾", "佰", "仟"}, "零")
	case "ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand":
		if n < 0 {
			break
		}
		var b strings.Builder
		for _, r := range strconv.Itoa(n) {
			b.WriteString(cnDigits[r-'0'])
		}
		return b.String()
	case "ideographTraditional":
		if n >= 1 && n <= 10 {
			return cnStems[n-1]
		}
	case "upperLetter", "lowerLetter":
		if n >= 1 && n <= 26*10 {
			s := strings.Repeat(string(rune('A'+(n-1)%26)), (n-1)/26+1)
			if format == "lowerLetter" {
				s = strings.ToLower(s)
			}
			return s
		}
	case "upperRoman", "lowerRoman":
		if n >= 1 && n < 4000 {
			s := roman(n)
			if format == "lowerRoman" {
				s = strings.ToLower(s)
			}
			return s
		}
	case "decimalEnclosedCircle", "decimalEnclosedCircleChinese":
		if n >= 1 && n <= 20 {
			return string(rune('①' + n - 1))
		}
	case "decimalZero":
		return fmt.Sprintf("%02d", n)
	}
	return strconv.Itoa(n)
}

// chineseNumber writes 0 ≤ n < 10000 in Chinese numerals: 10 → 十, 15 → 十五,
// 21 → 二十一, 103 → 一百零三.
func chineseNumber(n int, digits, units []string, zero string) string {
	if n <= 0 || n >= 10000 {
		return strconv.Itoa(n)
	}
	if n < 10 {
		return digits[n]
	}
	if n < 20 && digits[1] == "一" {
		return units[1] + map[bool]string{true: "", false: digits[n%10]}[n%10 == 0]
	}
	var b strings.Builder
	pendingZero := false
	for p := 3; p >= 0; p-- {
		d := n / pow10(p) % 10
		switch {
		case d == 0:
			if b.Len() > 0 {
				pendingZero = true
			}
		default:
			if pendingZero {
				b.WriteString(zero)
				pendingZero = false
			}
			b.WriteString(digits[d])
			b.WriteString(units[p])
		}
	}
	return b.String()
}

func pow10(p int) int {
	n := 1
	for range p {
		n *= 10
	}
	return n
}

func roman(n int) string {
	vals := []int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b strings.Builder
	for i, v := range vals {
		for n >= v {
			b.WriteString(syms[i])
			n -= v
		}
	}
	return b.String()
}
