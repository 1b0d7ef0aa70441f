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
)

//go:embed hygiene.txt
var defaultHygiene string

// Hygiene detects injected spam, footer residue, foreign links and invisible
// characters, from rules kept in a data file (hygiene.txt) that officials can
// extend.
type Hygiene struct {
	rules []hygieneRule
	allow []string // allowed link domains (suffix match)
}

type hygieneRule struct {
	kind string // CodeSpam, CodeFooter, CodeLink, CodeInvisible
	re   *regexp.Regexp
	// anyOf are literals one of which every match contains ("官网"; "百家乐",
	// "六合彩" …), lower-cased; a line with none cannot match and the regexp
	// is not run. Empty means always run it.
	anyOf []string
	desc  string
	src   string // file:line the rule came from
}

var ruleKinds = map[string]string{
	"spam": CodeSpam, "footer": CodeFooter, "link": CodeLink, "invisible": CodeInvisible,
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
// A malformed line is an error naming name:line.
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
		code, ok := ruleKinds[kind]
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown kind %q: use spam, footer, link, invisible or allow-domain (未知类型)", name, n, kind)
		}
		re, err := regexp.Compile(f[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bad pattern (正则表达式有误): %v", name, n, err)
		}
		desc := kind
		if len(f) > 2 && strings.TrimSpace(f[2]) != "" {
			desc = strings.TrimSpace(f[2])
		}
		h.rules = append(h.rules, hygieneRule{kind: code, re: re, anyOf: requiredLiterals(f[1]), desc: desc, src: fmt.Sprintf("%s:%d", name, n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return h, nil
}

// Scan checks text (whole lines; first is line number firstLine) and returns
// a finding for every match, with its line, column and matched text. Every
// finding is an Error: a document with injected text is rejected.
func (h *Hygiene) Scan(path string, lines []string, firstLine int) []Finding {
	var out []Finding
	for i, line := range lines {
		lower := strings.ToLower(line)
		for _, r := range h.rules {
			if !mayMatch(lower, r.anyOf) {
				continue
			}
			for _, loc := range r.re.FindAllStringIndex(line, -1) {
				match := line[loc[0]:loc[1]]
				if r.kind == CodeLink && h.allowed(match) {
					continue
				}
				out = append(out, Finding{
					Path:     path,
					Line:     firstLine + i,
					Col:      utf8.RuneCountInString(line[:loc[0]]) + 1,
					Severity: Error,
					Code:     r.kind,
					Msg:      hygieneMsg(r),
					Match:    visible(match),
				})
			}
		}
	}
	return out
}

// Clean reports whether s has no hygiene finding. Use it on text that did
// not come through the parser (e.g. a generated answer).
func (h *Hygiene) Clean(s string) bool {
	return len(h.Scan("", strings.Split(s, "\n"), 1)) == 0
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

func mayMatch(lowerLine string, anyOf []string) bool {
	if len(anyOf) == 0 {
		return true
	}
	for _, l := range anyOf {
		if strings.Contains(lowerLine, l) {
			return true
		}
	}
	return false
}

func hygieneMsg(r hygieneRule) string {
	switch r.kind {
	case CodeSpam:
		return "injected spam, remove it and restore the original text (疑似被注入的赌博/彩票垃圾信息，请删除并恢复原文): " + r.desc
	case CodeFooter:
		return "website footer residue, remove the line (网页页脚残留，请删除该行): " + r.desc
	case CodeLink:
		return "link to a non-government domain, remove it or add the domain to the allow list (指向非政府网站的链接，请删除): " + r.desc
	default:
		return "invisible character, delete it (不可见字符，请删除): " + r.desc
	}
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
