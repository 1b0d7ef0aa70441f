package bot

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"policybot/policies/norm"
)

//go:embed routes.txt
var defaultRoutes []byte

// RouteKind says what a line of the routing directory is for.
type RouteKind string

const (
	// RouteTopic: a topic the measures do not cover, and who handles it.
	RouteTopic RouteKind = "topic"
	// RouteGrants: the department that certifies a designation, for
	// questions about its criteria.
	RouteGrants RouteKind = "grants"
)

// Route is one department of the routing directory and what it handles.
type Route struct {
	Kind       RouteKind
	Department string
	Contact    string
	Keywords   []string
}

// Routes is the routing directory (routes.txt): who handles the enterprise
// questions that the policy documents do not answer. It is immutable and
// safe for concurrent use.
type Routes struct {
	routes []Route
	// keys are folded keywords, longest first, with the route they name.
	keys []routeKey
}

type routeKey struct {
	key   string
	route int
}

// LoadRoutes reads the embedded directory and then the extra ones, in
// order (same format; see routes.txt). An error names the source and line.
func LoadRoutes(extra ...io.Reader) (*Routes, error) {
	rs := &Routes{}
	if err := rs.read("routes.txt (embedded)", bytes.NewReader(defaultRoutes)); err != nil {
		return nil, err
	}
	for i, r := range extra {
		name := fmt.Sprintf("routes file %d", i+1)
		if n, ok := r.(interface{ Name() string }); ok {
			name = n.Name()
		}
		if err := rs.read(name, r); err != nil {
			return nil, err
		}
	}
	for i, r := range rs.routes {
		for _, k := range r.Keywords {
			rs.keys = append(rs.keys, routeKey{norm.Fold(k), i})
		}
	}
	sort.SliceStable(rs.keys, func(i, j int) bool { return len([]rune(rs.keys[i].key)) > len([]rune(rs.keys[j].key)) })
	return rs, nil
}

// DefaultRoutes is the embedded directory alone.
var DefaultRoutes = sync.OnceValue(func() *Routes {
	rs, err := LoadRoutes()
	if err != nil {
		// routes.txt is checked by TestEmbeddedRoutes; degrade to no routing.
		return &Routes{}
	}
	return rs
})

func (rs *Routes) read(src string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == '|' || r == '｜' || r == '\t' })
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) < 4 {
			return fmt.Errorf("%s:%d: want kind | department | contact | keyword …, got %d fields (格式应为：类型 | 部门 | 联系方式 | 关键词 …)", src, n, len(f))
		}
		kind := RouteKind(f[0])
		if kind != RouteTopic && kind != RouteGrants {
			return fmt.Errorf("%s:%d: kind %q: want topic or grants (类型应为 topic 或 grants)", src, n, f[0])
		}
		if f[1] == "" {
			return fmt.Errorf("%s:%d: no department (缺少部门名称)", src, n)
		}
		var kws []string
		for _, k := range f[3:] {
			if k != "" {
				kws = append(kws, k)
			}
		}
		if len(kws) == 0 {
			return fmt.Errorf("%s:%d: no keyword (缺少关键词)", src, n)
		}
		rs.routes = append(rs.routes, Route{Kind: kind, Department: f[1], Contact: f[2], Keywords: kws})
	}
	return sc.Err()
}

// routeHit is a keyword of the directory found in a question.
type routeHit struct {
	route   *Route
	keyword string // folded, as found
}

// lastEnd returns where the last keyword of the hit's route found in text
// as a word ends (a byte offset), or -1.
func (h routeHit) lastEnd(text string) int {
	end := -1
	for _, k := range h.route.Keywords {
		k = norm.Fold(k)
		if at := wordIndexes(text, k); len(at) > 0 {
			end = max(end, at[len(at)-1]+len(k))
		}
	}
	return end
}

// find returns the routes of kind whose keywords occur in the folded text,
// longest keyword first, one hit per route.
func (rs *Routes) find(text string, kind RouteKind) []routeHit {
	if rs == nil {
		return nil
	}
	var out []routeHit
	seen := map[int]bool{}
	for _, k := range rs.keys {
		r := &rs.routes[k.route]
		if r.Kind != kind || seen[k.route] || !containsWord(text, k.key) {
			continue
		}
		seen[k.route] = true
		out = append(out, routeHit{route: r, keyword: k.key})
	}
	return out
}

// containsWord is strings.Contains, but a Latin keyword must be a whole
// word ("tax" is not in "taxi"), and a Han one must not start inside a time
// word (年报 is not in 一年报几次).
func containsWord(text, key string) bool { return len(wordIndexes(text, key)) > 0 }

// wordIndexes returns the byte offsets where key occurs in text as a word
// (see containsWord), in order.
func wordIndexes(text, key string) []int {
	if key == "" {
		return nil
	}
	var out []int
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], key)
		if j < 0 {
			break
		}
		s, e := i+j, i+j+len(key)
		if isLatin(key[0]) {
			if (s == 0 || !isLatin(text[s-1])) && (e == len(text) || !isLatin(text[e])) {
				out = append(out, s)
			}
		} else if !claimedBefore(text[:s], key) {
			out = append(out, s)
		}
		i = s + 1
	}
	return out
}

// timeWords are words whose last character a keyword may start with (一年
// in 一年报几次, not 年报 the annual report): the keyword found there is not
// a word of the text.
var timeWords = []string{"一年", "每年", "半年", "当年", "今年", "明年", "去年", "全年", "两年", "三年", "几年", "本年", "上年", "次年", "逐年"}

// claimedBefore reports whether the first character of key, found right
// after before, ends a time word instead (一年|报).
func claimedBefore(before, key string) bool {
	last, _ := utf8.DecodeLastRuneInString(before)
	first, _ := utf8.DecodeRuneInString(key)
	if last == utf8.RuneError {
		return false
	}
	return slices.Contains(timeWords, string([]rune{last, first}))
}

func isLatin(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// coveredBy reports whether an article covers the hit's topic after all:
// it names another keyword of the same route (研发费用 for 研发投入), in its
// text or its document's title (an uploaded 科技创新 measure answers the
// questions the directory would otherwise send to 区科技局).
// A keyword of two characters (消防 in a meeting report's 安全生产和消防工作)
// is too common to say so.
func (h routeHit) coveredBy(passage string) bool {
	for _, k := range h.route.Keywords {
		if k = norm.Fold(k); len([]rune(k)) >= 3 && containsWord(passage, k) {
			return true
		}
	}
	return false
}
