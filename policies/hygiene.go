package policies

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"

	"policybot/policies/lang"
	"policybot/policies/norm"
)

//go:embed hygiene.txt
var defaultHygiene string

// Hygiene detects injected spam, footer residue, foreign links, invisible
// characters and instructions addressed to a language model, from rules kept
// in a data file (hygiene.txt) that officials can extend.
//
// Rules match folded text, so that the ways spam is disguised do not help
// it: every line is read through norm.Fold (traditional → simplified,
// full-width → ASCII, lower case, circled and other digit forms), look-alike
// letters are read as the Latin letters they imitate (Cyrillic а, Greek ο,
// mathematical 𝐱), and
//
//   - spam and injection rules see the line without spaces, invisible
//     characters and separator symbols (新 万·博, 新\u200b万博 → 新万博), with a
//     digit standing for a letter inside a Latin word read as that letter
//     (xinwanb0 → xinwanbo);
//   - link rules see it without invisible characters and with the dots of a
//     domain joined (xinwanbo 。vip, xinwanbo点vip → xinwanbo.vip);
//   - footer rules see the folded line as it is; invisible-character rules
//     the raw line.
//
// A finding's column and matched text are those of the line as written.
type Hygiene struct {
	rules []hygieneRule
	allow []string // allowed link domains (suffix match)
}

type hygieneRule struct {
	kind string // CodeSpam, CodeFooter, CodeLink, CodeInvisible, CodeInjection
	view view
	re   *regexp.Regexp
	// anyOf are literals one of which every match contains ("官网"; "百家乐",
	// "六合彩" …), lower-cased; a line with none cannot match and the regexp
	// is not run. Empty means always run it.
	anyOf []string
	desc  string
	src   string // file:line the rule came from
}

// ruleKinds maps a kind in the rule file to its finding code and the view
// of the line its patterns match.
var ruleKinds = map[string]struct {
	code string
	view view
}{
	"spam":      {CodeSpam, viewSqueezed},
	"injection": {CodeInjection, viewSqueezed},
	"footer":    {CodeFooter, viewFolded},
	"link":      {CodeLink, viewLink},
	"invisible": {CodeInvisible, viewRaw},
}

// severityOf is the severity of a rule's findings. An instruction to a
// model in a document is shown to the official (a warning) rather than
// blocking it: the words may be quoted legitimately, and the bot never
// takes a figure from a flagged sentence (see Flagged).
func severityOf(code string) Severity {
	if code == CodeInjection {
		return Warning
	}
	return Error
}

var (
	defaultHygieneOnce sync.Once
	defaultHygieneVal  *Hygiene
)

// DefaultHygiene returns the rules of the embedded hygiene.txt.
func DefaultHygiene() *Hygiene {
	defaultHygieneOnce.Do(func() {
		h, err := LoadHygiene(&Hygiene{}, "hygiene.txt", strings.NewReader(defaultHygiene))
		if err != nil {
			// The embedded file is covered by tests; reaching this is a build defect.
			panic(err)
		}
		defaultHygieneVal = h
	})
	return defaultHygieneVal
}

// LoadHygiene returns a copy of base extended with the rules read from r.
// A malformed line is an error naming name:line. Patterns match
// case-insensitively, and their Chinese is folded as the text is (a rule
// written 新萬博 matches 新万博).
func LoadHygiene(base *Hygiene, name string, r io.Reader) (*Hygiene, error) {
	h := &Hygiene{
		rules: append([]hygieneRule(nil), base.rules...),
		allow: append([]string(nil), base.allow...),
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 || strings.TrimSpace(f[1]) == "" {
			return nil, fmt.Errorf("%s:%d: want KIND<TAB>PATTERN[<TAB>DESCRIPTION] (格式应为 类型<TAB>正则[<TAB>说明])", name, n)
		}
		kind := strings.TrimSpace(f[0])
		if kind == "allow-domain" {
			h.allow = append(h.allow, strings.ToLower(strings.Trim(strings.TrimSpace(f[1]), ".")))
			continue
		}
		k, ok := ruleKinds[kind]
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown kind %q: use spam, injection, footer, link, invisible or allow-domain (未知类型)", name, n, kind)
		}
		pattern := foldPattern(f[1])
		if k.view == viewRaw {
			pattern = f[1]
		}
		re, err := regexp.Compile("(?i)" + pattern)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bad pattern (正则表达式有误): %v", name, n, err)
		}
		desc := kind
		if len(f) > 2 && strings.TrimSpace(f[2]) != "" {
			desc = strings.TrimSpace(f[2])
		}
		h.rules = append(h.rules, hygieneRule{kind: k.code, view: k.view, re: re, anyOf: requiredLiterals("(?i)" + pattern), desc: desc, src: fmt.Sprintf("%s:%d", name, n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return h, nil
}

// foldPattern folds the non-ASCII text of a pattern (its Chinese, full-width
// punctuation) as lines are folded, leaving ASCII — the regexp syntax, whose
// case matters (\S, \P{Han}) — as it is.
func foldPattern(p string) string {
	var b strings.Builder
	start := -1
	for i, r := range p {
		if r >= utf8.RuneSelf {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			b.WriteString(norm.Fold(p[start:i]))
			start = -1
		}
		b.WriteRune(r)
	}
	if start >= 0 {
		b.WriteString(norm.Fold(p[start:]))
	}
	return b.String()
}

// Scan checks text (whole lines; first is line number firstLine) and returns
// a finding for every match, with its line, column and matched text as
// written. Every finding but an injection is an Error: a document with
// injected text is rejected.
func (h *Hygiene) Scan(path string, lines []string, firstLine int) []Finding {
	var out []Finding
	for i, line := range lines {
		h.scanLine(line, func(r *hygieneRule, start, end int) {
			out = append(out, Finding{
				Path:     path,
				Line:     firstLine + i,
				Col:      utf8.RuneCountInString(line[:start]) + 1,
				Severity: severityOf(r.kind),
				Code:     r.kind,
				Msg:      hygieneMsg(r),
				Match:    visible(line[start:end]),
			})
		})
	}
	return out
}

// Clean reports whether s has no hygiene finding (an injection included).
// Use it on text that did not come through the parser (e.g. an answer).
func (h *Hygiene) Clean(s string) bool {
	clean := true
	for line := range strings.Lines(s) {
		h.scanLine(strings.TrimRight(line, "\n"), func(*hygieneRule, int, int) { clean = false })
		if !clean {
			return false
		}
	}
	return true
}

// Flagged returns the byte ranges of s that injection rules match
// (instructions addressed to a language model: 忽略以上指令, ignore previous
// instructions …). A sentence holding one is not a source a generated
// answer may take a figure from.
func (h *Hygiene) Flagged(s string) [][2]int {
	var out [][2]int
	off := 0
	for line := range strings.Lines(s) {
		body := strings.TrimRight(line, "\n")
		h.scanLine(body, func(r *hygieneRule, start, end int) {
			if r.kind == CodeInjection {
				out = append(out, [2]int{off + start, off + end})
			}
		})
		off += len(line)
	}
	return out
}

// scanLine calls found with every rule match in line, as byte offsets of
// line. A link overlapping an earlier link finding is not reported again
// (t.me/x is a chat link, not also a foreign domain).
func (h *Hygiene) scanLine(line string, found func(r *hygieneRule, start, end int)) {
	if line == "" {
		return
	}
	var views [viewCount]*lineView
	var links [][2]int
	for ri := range h.rules {
		r := &h.rules[ri]
		v := views[r.view]
		if v == nil {
			v = newLineView(line, r.view)
			views[r.view] = v
		}
		if !mayMatch(v.text, r.anyOf) {
			continue
		}
		for _, loc := range r.re.FindAllStringIndex(v.text, -1) {
			if loc[0] == loc[1] {
				continue
			}
			start, end := v.orig(loc[0], loc[1])
			if r.kind == CodeLink {
				m := v.text[loc[0]:loc[1]]
				if loc[0] > 0 && v.text[loc[0]-1] == '@' || h.allowed(m) || overlaps(links, start, end) {
					continue // an e-mail address, an allowed domain, a link already reported
				}
				links = append(links, [2]int{start, end})
			}
			found(r, start, end)
		}
	}
}

func overlaps(spans [][2]int, start, end int) bool {
	for _, s := range spans {
		if start < s[1] && s[0] < end {
			return true
		}
	}
	return false
}

// requiredLiterals returns literals one of which every match of pattern
// contains (lower-cased), or nil when the pattern has no such set.
func requiredLiterals(pattern string) []string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	return literalsOf(re.Simplify())
}

func literalsOf(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}
	case syntax.OpCapture:
		return literalsOf(re.Sub[0])
	case syntax.OpConcat:
		var best []string
		for _, sub := range re.Sub {
			if l := literalsOf(sub); l != nil && (best == nil || shortest(l) > shortest(best) || shortest(l) == shortest(best) && len(l) < len(best)) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l := literalsOf(sub)
			if l == nil {
				return nil
			}
			out = append(out, l...)
		}
		return out
	}
	return nil
}

func shortest(ls []string) int {
	n := -1
	for _, l := range ls {
		if n < 0 || len(l) < n {
			n = len(l)
		}
	}
	return n
}

func mayMatch(text string, anyOf []string) bool {
	if len(anyOf) == 0 {
		return true
	}
	for _, l := range anyOf {
		if strings.Contains(text, l) {
			return true
		}
	}
	return false
}

func hygieneMsg(r *hygieneRule) lang.Text {
	var t lang.Text
	switch r.kind {
	case CodeSpam:
		t = lang.T("injected spam, remove it and restore the original text", "疑似被注入的赌博/彩票垃圾信息，请删除并恢复原文")
	case CodeFooter:
		t = lang.T("website footer residue, remove the line", "网页页脚残留，请删除该行")
	case CodeLink:
		t = lang.T("link to a non-government domain, remove it or add the domain to the allow list", "指向非政府网站的链接，请删除")
	case CodeInjection:
		t = lang.T("instruction addressed to an AI model; check the source and remove it unless it belongs to the document — the bot never takes a figure from this sentence",
			"疑似针对AI模型的注入指令，请核对原文，非原文内容请删除；机器人不会采信该句中的数字")
	default:
		t = lang.T("invisible character, delete it", "不可见字符，请删除")
	}
	// The rule's description names the pattern (hygiene.txt); it is written
	// once, for both languages.
	return lang.T(t.En+": "+r.desc, t.Zh+"："+r.desc)
}

func (h *Hygiene) allowed(link string) bool {
	s := link
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range h.allow {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// visible spells out invisible characters so a report shows them.
func visible(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == 0xFEFF || (r >= 0x200B && r <= 0x200F) || (r >= 0x2028 && r <= 0x202E) || (r >= 0x2060 && r <= 0x2069) || r == 0xAD {
			fmt.Fprintf(&b, "U+%04X", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
